#include "schemas/registry.h"

#include <algorithm>
#include <array>
#include <tuple>

#include "schemas/describe.h"
#include "schemas/all_messages.h"

namespace mcf::schemas {
namespace {

using enum MessageKind;
using enum Effect;

// Keep sorted by family, then name. Bump `version` when a body gains a required field or
// changes meaning; adding an optional field keeps the version.
// Hand-written rows: the types whose bodies are not declared yet.
constexpr std::array kUndeclared = {
    // broker (served by the broker itself)
    MessageType{"broker.capture_renew", kCommand, 1,
                "keep a capture running: {capture_id} -> {lease_ms}"},
    MessageType{"broker.capture_start", kCommand, 1,
                "record what crosses the broker into a file: {path (absolute), lease_ms?} -> "
                "{capture_id, lease_ms}"},
    MessageType{"broker.capture_stop", kCommand, 1,
                "stop a capture: {capture_id} -> {records, dropped}"},
    MessageType{"broker.health", kCommand, 1, "liveness of the broker and its services", kReadOnly},
    MessageType{"broker.stats", kCommand, 1, "counters: peers, services, in-flight, log head",
                kReadOnly},
    // portal (served and published by the portal context)
    MessageType{"portal.authenticate", kCommand, 1, "the principal a bearer {token} stands for",
                kReadOnly},
    MessageType{"portal.create_service_type", kCommand, 1,
                "manager: a new service type {name, description, active?}"},
    MessageType{"portal.get_order", kCommand, 1, "one order with its timeline: {order_id}",
                kReadOnly},
    MessageType{"portal.grant_worker_token", kCommand, 1,
                "admin: a sign-in token for a worker hiring hired {worker_id, token, "
                "just_hired?}; not_found for one the portal has not seen hired"},
    MessageType{"portal.list_orders", kCommand, 1,
                "the dashboard: own orders (client) or all (manager) {client_id?, limit?, after?}",
                kReadOnly},
    MessageType{"portal.list_service_types", kCommand, 1, "service types {include_inactive?}",
                kReadOnly},
    MessageType{"portal.provision_staff", kCommand, 1,
                "admin: a manager, supplies or admin account {role, name, token}"},
    MessageType{"portal.request_help", kCommand, 1,
                "client: a help request {service_type_id, description, starts_at, duration_ms?} "
                "-> the order"},
    MessageType{"portal.sign_in", kCommand, 1,
                "automatic client sign-in {employee_id, name, token} -> {client_id, token}"},
    MessageType{"portal.update_service_type", kCommand, 1,
                "manager: edit {id, name?, description?, active?}"},
    MessageType{"portal.help_requested", kEvent, 1,
                "a client asked for help: {order_id, client_id, service_type_id, description, "
                "starts_at, ends_at, approx_cost}"},
    // test (used by the test suite's worker; never by contexts)
    MessageType{"test.add", kCommand, 1, "add `amount` to counter `name`"},
    MessageType{"test.get", kCommand, 1, "read counter `name`", kReadOnly},
    MessageType{"test.fail", kCommand, 1, "a handler that returns the status it is asked for"},
    MessageType{"test.added", kEvent, 1, "counter `name` grew by `amount`"},
    MessageType{"test.fed", kEvent, 1, "an input event fed by the tests"},
};

template <Message M>
constexpr MessageType RowOf() {
  MessageType row{M::kInfo.type, M::kInfo.kind, M::kInfo.version, M::kInfo.summary,
                  M::kInfo.effect, &Describe<M>};
  if constexpr (CommandMessage<M>) row.reply = &Describe<typename M::Reply>;
  return row;
}
template <class... M>
constexpr std::array<MessageType, sizeof...(M)> RowsOf(std::tuple<M...>*) {
  return {RowOf<M>()...};
}

constexpr auto kDeclared = RowsOf(static_cast<DeclaredMessages*>(nullptr));

// A function-local static: safe to use from other translation units' static initializers.
const std::vector<MessageType>& Types() {
  static const std::vector<MessageType> all = [] {
    std::vector<MessageType> v(kUndeclared.begin(), kUndeclared.end());
    v.insert(v.end(), kDeclared.begin(), kDeclared.end());
    // By family, each family's commands before its events, then by name (the reference's order).
    std::stable_sort(v.begin(), v.end(), [](const MessageType& a, const MessageType& b) {
      return std::tuple(ServiceOf(a.type), a.kind, a.type) <
             std::tuple(ServiceOf(b.type), b.kind, b.type);
    });
    return v;
  }();
  return all;
}

}  // namespace

std::span<const MessageType> AllMessageTypes() { return Types(); }

const MessageType* FindMessageType(std::string_view type) {
  for (const auto& t : Types())
    if (t.type == type) return &t;
  static constexpr MessageType kStoreStatus{
      "<service>.store_status", kCommand, 1,
      "runtime: the store's use against its ceiling {used_bytes, map_bytes, ceiling_bytes, full}",
      kReadOnly};
  const auto dot = type.find('.');
  if (dot != std::string_view::npos && dot > 0 && type.substr(dot + 1) == kStoreStatusVerb)
    return &kStoreStatus;
  return nullptr;
}

std::string_view ServiceOf(std::string_view type) {
  auto dot = type.find('.');
  return dot == std::string_view::npos ? type : type.substr(0, dot);
}

}  // namespace mcf::schemas
