// The supplies family, each message declared once (schemas/declare.h; encoding, decoding and the
// reference come from here): the supply order board (supplies.list, supplies.get), the issue
// action (supplies.issue), and the events supplies publishes: supplies.order_created (staff are
// told of every new order), the fortune cookie requests the contractor's adapter consumes
// (supplies.cookie_requested / supplies.cookie_request_canceled; docs/outside-systems.md) and
// supplies.kit_issued, which lets the worker check in. Orders are made from tasks.task_assigned.
// Times are ms since the Unix epoch (bus time).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "lib/base/status.h"
#include "schemas/codec.h"
#include "schemas/declare.h"

namespace mcf::schemas::supplies {

using schemas::Decode;
using schemas::Encode;

inline constexpr int64_t kDefaultBoardPage = 50;
inline constexpr int64_t kMaxBoardPage = 200;

// waiting -> issued (once), or waiting -> canceled (its task ended without the kit).
enum class SupplyStatus { kWaiting, kIssued, kCanceled };
inline constexpr std::array<EnumName<SupplyStatus>, 3> kSupplyStatusNames = {
    {{SupplyStatus::kWaiting, "waiting"},
     {SupplyStatus::kIssued, "issued"},
     {SupplyStatus::kCanceled, "canceled"}}};
constexpr std::span<const EnumName<SupplyStatus>> EnumNames(SupplyStatus) {
  return kSupplyStatusNames;
}
inline constexpr SupplyStatus kStatusWaiting = SupplyStatus::kWaiting;
inline constexpr SupplyStatus kStatusIssued = SupplyStatus::kIssued;

// Where the order's fortune cookie is. requested (sent to the contractor, no answer yet) ->
// accepted (it will arrive by expected_at) -> delivered; requested/accepted -> failed (the try
// failed or came late; the next one at next_try_at) -> requested again; any but delivered ->
// canceled with the order.
enum class CookieState { kRequested, kAccepted, kFailed, kDelivered, kCanceled };
inline constexpr std::array<EnumName<CookieState>, 5> kCookieStateNames = {
    {{CookieState::kRequested, "requested"},
     {CookieState::kAccepted, "accepted"},
     {CookieState::kFailed, "failed"},
     {CookieState::kDelivered, "delivered"},
     {CookieState::kCanceled, "canceled"}}};
constexpr std::span<const EnumName<CookieState>> EnumNames(CookieState) {
  return kCookieStateNames;
}

// The fortune cookie of one supply order, as the board shows it.
struct Cookie {
  CookieState state = CookieState::kRequested;
  int64_t attempts = 0;            // tries sent to the contractor so far (the current is this one)
  std::string last_error = {};     // the last failed try's reason; "" when none failed
  int64_t requested_at_ms = 0;     // when the current try was sent
  int64_t expected_at_ms = 0;      // accepted: when the contractor said it would arrive
  int64_t next_try_at_ms = 0;      // failed: when the next try goes out
  int64_t delivered_at_ms = 0;     // delivered: when it reached the warehouse
  bool needs_attention = false;    // tried the configured number of times without a cookie
  bool operator==(const Cookie&) const = default;
  static constexpr auto Fields() {
    using T = Cookie;
    return std::tuple{
        Field("state", &T::state),
        Field("attempts", &T::attempts).Doc("tries sent so far, the current one included"),
        Field("last_error", &T::last_error).Optional().Doc("the last failed try's reason"),
        Field("requested_at", &T::requested_at_ms).Optional().Doc("the current try was sent"),
        Field("expected_at", &T::expected_at_ms).Optional().Doc("accepted: due at the warehouse"),
        Field("next_try_at", &T::next_try_at_ms).Optional().Doc("failed: the next try's time"),
        Field("delivered_at", &T::delivered_at_ms).Optional().Doc("0 until delivered"),
        Field("needs_attention", &T::needs_attention)
            .Optional()
            .Doc("true after the configured number of tries without a cookie")};
  }
};

// One supply order: an item of the board, the reply of supplies.get and supplies.issue, and
// the supplies store's record. Orders stored before the cookie existed decode with a
// `requested` cookie of 0 attempts (and are not issuable until one arrives).
struct SupplyOrder {
  std::string id;
  std::string task_id;
  std::string worker_id;
  std::string client_id;
  std::vector<std::string> kit;
  SupplyStatus status = SupplyStatus::kWaiting;
  int64_t created_at_ms = 0;
  int64_t issued_at_ms = 0;
  Cookie cookie = {};
  bool complete = false;           // the kit holds its cookie: it may be issued
  int64_t starts_at_ms = 0;        // the job's start: when the kit is needed
  int64_t canceled_at_ms = 0;
  bool operator==(const SupplyOrder&) const = default;
  static constexpr auto Fields() {
    using T = SupplyOrder;
    return std::tuple{
        Field("id", &T::id),
        Field("task_id", &T::task_id),
        Field("worker_id", &T::worker_id),
        Field("client_id", &T::client_id),
        Field("kit", &T::kit).Doc("the consumables, in packing order; the cookie once it came"),
        Field("status", &T::status),
        Field("created_at", &T::created_at_ms),
        Field("issued_at", &T::issued_at_ms).Doc("0 until issued"),
        Field("cookie", &T::cookie).Optional().Doc("the fortune cookie's state"),
        Field("complete", &T::complete).Optional().Doc("the kit holds its cookie: issuable"),
        Field("starts_at", &T::starts_at_ms).Optional().Doc("the job's start"),
        Field("canceled_at", &T::canceled_at_ms).Optional().Doc("0 unless canceled")};
  }
};

struct Board {
  std::vector<SupplyOrder> orders;
  std::string next_before = {};
  bool operator==(const Board&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("orders", &Board::orders).Doc("newest first"),
                      Field("next_before", &Board::next_before)
                          .Optional()
                          .Doc("pass as `before` for the next page; \"\" on the last")};
  }
};

// ---- commands ----

// Supplies staff, managers or admins: the board, newest first (created_at, then id), a page at
// a time, optionally by status, one task's order, or only the orders that need staff attention.
struct ListRequest {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("supplies.list", "the supply order board, newest first, optionally by status");
  using Reply = Board;
  std::optional<SupplyStatus> status;
  bool needs_attention = false;
  int64_t limit = kDefaultBoardPage;
  std::string before = {};
  std::string task_id = {};
  bool operator==(const ListRequest&) const = default;
  static constexpr auto Fields() {
    using T = ListRequest;
    return std::tuple{
        Field("status", &T::status).Doc("absent: every order"),
        Field("task_id", &T::task_id).Optional().MaxLength(128).Doc(
            "only that task's order (the other filters still apply)"),
        Field("needs_attention", &T::needs_attention)
            .Optional()
            .Doc("true: only orders whose cookie needs staff attention"),
        Field("limit", &T::limit).Optional().Min(1).Max(kMaxBoardPage).Doc("default 50"),
        Field("before", &T::before).Optional().MaxLength(128).Doc(
            "a page's next_before: the orders older than it")};
  }
};

struct GetRequest {
  static constexpr MessageInfo kInfo = ReadOnlyCommand("supplies.get", "one supply order");
  using Reply = SupplyOrder;
  std::string supply_order_id;
  bool operator==(const GetRequest&) const = default;
  static constexpr auto Fields() {
    return std::tuple{
        Field("supply_order_id", &GetRequest::supply_order_id).NonEmpty().MaxLength(128)};
  }
};

// Supplies staff (or an admin); `conflict` when already issued, canceled, or still waiting for
// its cookie (the message says which).
struct IssueRequest {
  static constexpr MessageInfo kInfo =
      Command("supplies.issue", "supplies staff: mark a complete supply order issued (once)");
  using Reply = SupplyOrder;
  std::string supply_order_id;
  bool operator==(const IssueRequest&) const = default;
  static constexpr auto Fields() {
    return std::tuple{
        Field("supply_order_id", &IssueRequest::supply_order_id).NonEmpty().MaxLength(128)};
  }
};

// ---- events ----

// A new supply order: how supplies staff are told (the board, the live stream).
struct OrderCreated {
  static constexpr MessageInfo kInfo =
      Event("supplies.order_created", "a new supply order is on the board");
  std::string supply_order_id;
  std::string task_id;
  std::string worker_id;
  std::string client_id;
  std::vector<std::string> kit;
  int64_t starts_at_ms = 0;
  bool operator==(const OrderCreated&) const = default;
  static constexpr auto Fields() {
    using T = OrderCreated;
    return std::tuple{Field("supply_order_id", &T::supply_order_id).NonEmpty(),
                      Field("task_id", &T::task_id).NonEmpty(),
                      Field("worker_id", &T::worker_id),
                      Field("client_id", &T::client_id),
                      Field("kit", &T::kit),
                      Field("starts_at", &T::starts_at_ms).Doc("the job's start")};
  }
};

// A request for the contractor (its adapter consumes it; docs/outside-systems.md): one try of
// one order's cookie. The idempotency key names the try, so a redelivered request never orders
// a second cookie; a new try (after a failure or a late cookie) has a new key.
struct CookieRequested {
  static constexpr MessageInfo kInfo =
      Event("supplies.cookie_requested", "a fortune cookie is ordered from the contractor");
  std::string idempotency_key;
  std::string supply_order_id;
  int64_t attempt = 1;
  std::string client_id;
  std::string task_id;
  int64_t needed_by_ms = 0;
  bool operator==(const CookieRequested&) const = default;
  static constexpr auto Fields() {
    using T = CookieRequested;
    return std::tuple{
        Field("idempotency_key", &T::idempotency_key).NonEmpty().Doc("<supply order id>/<attempt>"),
        Field("supply_order_id", &T::supply_order_id).NonEmpty(),
        Field("attempt", &T::attempt).Min(1),
        Field("client_id", &T::client_id).Doc("the cookie is made for this client"),
        Field("task_id", &T::task_id),
        Field("needed_by", &T::needed_by_ms).Doc("the job's start")};
  }
};

// The order was canceled: the contractor may drop that try's cookie.
struct CookieRequestCanceled {
  static constexpr MessageInfo kInfo = Event("supplies.cookie_request_canceled",
                                             "a pending fortune cookie is no longer wanted");
  std::string idempotency_key;
  std::string supply_order_id;
  bool operator==(const CookieRequestCanceled&) const = default;
  static constexpr auto Fields() {
    return std::tuple{
        Field("idempotency_key", &CookieRequestCanceled::idempotency_key).NonEmpty(),
        Field("supply_order_id", &CookieRequestCanceled::supply_order_id).NonEmpty()};
  }
};

struct KitIssued {
  static constexpr MessageInfo kInfo =
      Event("supplies.kit_issued", "a task's kit left the warehouse");
  std::string task_id;
  std::string supply_order_id;
  bool operator==(const KitIssued&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("task_id", &KitIssued::task_id).NonEmpty(),
                      Field("supply_order_id", &KitIssued::supply_order_id).NonEmpty()};
  }
};

inline constexpr std::string_view kList = ListRequest::kInfo.type;
inline constexpr std::string_view kGet = GetRequest::kInfo.type;
inline constexpr std::string_view kIssue = IssueRequest::kInfo.type;
inline constexpr std::string_view kOrderCreated = OrderCreated::kInfo.type;
inline constexpr std::string_view kCookieRequested = CookieRequested::kInfo.type;
inline constexpr std::string_view kCookieRequestCanceled = CookieRequestCanceled::kInfo.type;
inline constexpr std::string_view kKitIssued = KitIssued::kInfo.type;

// The declared messages of this family, for the registry.
using Messages = std::tuple<ListRequest, GetRequest, IssueRequest, OrderCreated, CookieRequested,
                            CookieRequestCanceled, KitIssued>;

}  // namespace mcf::schemas::supplies
