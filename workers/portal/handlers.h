// PortalHandlers: adapts the bus to the portal context. Identity (portal.sign_in,
// provision_staff, grant_worker_token, authenticate: tokens made at the edge, stored here),
// service types (list/create/update; "chores" is seeded into an empty store), orders
// (request_help publishes portal.help_requested; list_orders, get_order), the projection that
// keeps each order up to date from tasks.* and supplies.kit_issued events (workers/portal/
// orders.h), and the workers known from hiring.worker_hired. Replies and events go out through the
// runtime, so they exist iff the change commits. Runs on the worker runtime's thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "lib/base/status.h"
#include "lib/store/lmdb.h"
#include "lib/worker/handler_context.h"
#include "schemas/body.h"
#include "schemas/portal.h"
#include "workers/portal/portal_store.h"

namespace mcf::portal {

// Events of other contexts this worker listens to.
inline constexpr std::string_view kTaskRequested = "tasks.task_requested";
inline constexpr std::string_view kTaskAssigned = "tasks.task_assigned";
inline constexpr std::string_view kKitIssued = "supplies.kit_issued";
inline constexpr std::string_view kCheckedIn = "tasks.checked_in";
inline constexpr std::string_view kTaskFinalized = "tasks.task_finalized";
inline constexpr std::string_view kCopyOffered = "tasks.copy_offered";
inline constexpr std::string_view kWorkerHired = "hiring.worker_hired";

// The service type a fresh store starts with (deterministic, so a replay sees it too).
ServiceType SeedServiceType();
// Puts SeedServiceType() when the service_types db is empty, in its own transaction on `env`.
Status SeedIfEmpty(store::Env& env, PortalStore& store);

// Limits on untrusted fields (bytes, not characters).
inline constexpr size_t kMaxEmployeeIdBytes = 64;
inline constexpr size_t kMaxNameBytes = 100;
inline constexpr size_t kMinTokenBytes = 32;
inline constexpr size_t kMaxTokenBytes = 128;
inline constexpr size_t kMaxWorkerIdBytes = 64;
inline constexpr size_t kMaxIdBytes = 128;  // ids we made (service type, order, task)
inline constexpr size_t kMaxServiceDescriptionBytes = 2000;
// Sign-in tokens a client keeps: each sign-in past this revokes the oldest (a store bounded by
// its clients, not by how often they sign in).
inline constexpr size_t kMaxClientSessions = 8;
inline constexpr size_t kMaxOrderDescriptionBytes = 4000;
inline constexpr int64_t kDefaultDurationMs = 60 * 60 * 1000;
inline constexpr int64_t kMinDurationMs = 15 * 60 * 1000;
inline constexpr int64_t kMaxDurationMs = 12 * 60 * 60 * 1000;
inline constexpr int64_t kDefaultPageSize = 50;
inline constexpr int64_t kMaxPageSize = 100;

class PortalHandlers {
 public:
  explicit PortalHandlers(PortalStore store) : store_(store) {}

  // Opens the portal's databases on `runtime` (a worker::Worker, or a worker::Dispatcher in
  // tests), seeds the service types of an empty store and registers every handler. A non-ok
  // Status says what failed.
  template <typename Runtime>
  static Status Install(Runtime& runtime) {
    auto store = PortalStore::Open(runtime);
    if (!store.ok()) return store.status();
    RETURN_IF_ERROR(SeedIfEmpty(runtime.env(), *store));
    auto self = std::make_shared<PortalHandlers>(*store);
    using worker::HandlerContext;
    using Body = schemas::Body;
    using EventFn = Status (PortalHandlers::*)(HandlerContext&, const Body&);
    using CommandFn = Result<std::string> (PortalHandlers::*)(HandlerContext&, const Body&);
    namespace wire = schemas::portal;
    for (auto [type, fn] :
         {std::pair<std::string_view, EventFn>{kTaskRequested, &PortalHandlers::OnTaskRequested},
          {kTaskAssigned, &PortalHandlers::OnTaskAssigned},
          {kKitIssued, &PortalHandlers::OnKitIssued},
          {kCheckedIn, &PortalHandlers::OnCheckedIn},
          {kTaskFinalized, &PortalHandlers::OnTaskFinalized},
          {kCopyOffered, &PortalHandlers::OnCopyOffered},
          {kWorkerHired, &PortalHandlers::OnWorkerHired}}) {
      Status s = runtime.OnEvent(
          type, [self, fn](HandlerContext& c, const Body& b) { return ((*self).*fn)(c, b); });
      if (!s.ok()) return s;
    }
    for (auto [type, fn] :
         {std::pair<std::string_view, CommandFn>{wire::kSignIn, &PortalHandlers::SignIn},
          {wire::kProvisionStaff, &PortalHandlers::ProvisionStaff},
          {wire::kGrantWorkerToken, &PortalHandlers::GrantWorkerToken},
          {wire::kAuthenticate, &PortalHandlers::Authenticate},
          {wire::kListServiceTypes, &PortalHandlers::ListServiceTypes},
          {wire::kCreateServiceType, &PortalHandlers::CreateServiceType},
          {wire::kUpdateServiceType, &PortalHandlers::UpdateServiceType},
          {wire::kRequestHelp, &PortalHandlers::RequestHelp},
          {wire::kListOrders, &PortalHandlers::ListOrders},
          {wire::kGetOrder, &PortalHandlers::GetOrder}}) {
      Status s = runtime.OnCommand(
          type, [self, fn](HandlerContext& c, const Body& b) { return ((*self).*fn)(c, b); });
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }

  // ---- identity ----
  // {employee_id, name, token} (any caller) -> {client_id, token, name, created}.
  Result<std::string> SignIn(worker::HandlerContext& ctx, const schemas::Body& body);
  // {role: manager|supplies|admin, name, token} (admin) -> {id, role, name, token}.
  Result<std::string> ProvisionStaff(worker::HandlerContext& ctx, const schemas::Body& body);
  // {worker_id, token, just_hired?} (admin) -> {worker_id, token}; not_found naming
  // body.worker_id for a worker the portal has not seen in hiring.worker_hired, unless
  // just_hired (the caller got the id from hiring.import_worker's reply, the event may still be
  // on its way: docs/decisions/009).
  Result<std::string> GrantWorkerToken(worker::HandlerContext& ctx, const schemas::Body& body);
  // {token} (any caller) -> {role, id}; not_found "unknown token".
  Result<std::string> Authenticate(worker::HandlerContext& ctx, const schemas::Body& body);

  // ---- service types ----
  // {include_inactive?} (anyone) -> {service_types: [...]} by id.
  Result<std::string> ListServiceTypes(worker::HandlerContext& ctx, const schemas::Body& body);
  // {name, description, active?} (manager, admin) -> the type; conflict on a duplicate name.
  Result<std::string> CreateServiceType(worker::HandlerContext& ctx, const schemas::Body& body);
  // {id, name?, description?, active?} (manager, admin) -> the type; not_found, conflict.
  Result<std::string> UpdateServiceType(worker::HandlerContext& ctx, const schemas::Body& body);

  // ---- orders ----
  // {service_type_id, description, starts_at, duration_ms?} (client) -> the order map, and
  // portal.help_requested.
  Result<std::string> RequestHelp(worker::HandlerContext& ctx, const schemas::Body& body);
  // {client_id?, limit?, after?} -> {orders, next_after?}; clients see only their own.
  Result<std::string> ListOrders(worker::HandlerContext& ctx, const schemas::Body& body);
  // {order_id} -> the order map; not_found for a missing order or one not the caller's.
  Result<std::string> GetOrder(worker::HandlerContext& ctx, const schemas::Body& body);

  // ---- the projection (unknown orders are logged and ignored) ----
  // A copy (copied_from set) of a known order creates the copy's order; anything else is ignored.
  Status OnTaskRequested(worker::HandlerContext& ctx, const schemas::Body& body);
  Status OnTaskAssigned(worker::HandlerContext& ctx, const schemas::Body& body);
  Status OnKitIssued(worker::HandlerContext& ctx, const schemas::Body& body);
  Status OnCheckedIn(worker::HandlerContext& ctx, const schemas::Body& body);
  Status OnTaskFinalized(worker::HandlerContext& ctx, const schemas::Body& body);
  Status OnCopyOffered(worker::HandlerContext& ctx, const schemas::Body& body);

  // ---- workers ----
  // hiring.worker_hired: the worker becomes known (grant_worker_token may name it).
  Status OnWorkerHired(worker::HandlerContext& ctx, const schemas::Body& body);

 private:
  // Records token -> binding; conflict when the token stands for someone else already.
  Status BindToken(worker::HandlerContext& ctx, const std::string& token,
                   const TokenBinding& binding);
  // Loads the order named by the event's task_id and applies `update`; stores it if changed.
  template <typename Update>
  Status UpdateOrder(worker::HandlerContext& ctx, std::string_view event,
                     const std::string& task_id, Update update);

  PortalStore store_;
};

}  // namespace mcf::portal
