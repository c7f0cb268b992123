// The portal family: the event the portal context publishes (portal.help_requested), the
// commands it serves and the records their replies carry, each declared once
// (schemas/declare.h; encoding, decoding and the reference come from here). Times are ms since
// the Unix epoch (bus time); money is integer minor units. Text limits are in bytes; the ones
// said as "at most N bytes" are checked by Validate (their wording predates the declarations),
// the token's 32..128 visible ASCII bytes by the portal's handlers.
#pragma once

#include <array>
#include <cstddef>
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

namespace mcf::schemas::portal {

using schemas::Decode;
using schemas::Encode;

// ---- limits on untrusted fields ----

inline constexpr size_t kMaxEmployeeIdBytes = 64;
inline constexpr size_t kMaxNameBytes = 100;
inline constexpr size_t kMinTokenBytes = 32;
inline constexpr size_t kMaxTokenBytes = 128;
inline constexpr size_t kMaxWorkerIdBytes = 64;
inline constexpr size_t kMaxIdBytes = 128;  // ids the portal made (service type, order, task)
inline constexpr size_t kMaxServiceDescriptionBytes = 2000;
inline constexpr size_t kMaxOrderDescriptionBytes = 4000;
inline constexpr int64_t kDefaultDurationMs = 60 * 60 * 1000;
inline constexpr int64_t kMinDurationMs = 15 * 60 * 1000;
inline constexpr int64_t kMaxDurationMs = 12 * 60 * 60 * 1000;
inline constexpr int64_t kDefaultPageSize = 50;
inline constexpr int64_t kMaxPageSize = 100;

// invalid "body.<field>: at most <max> bytes" past `max` (and "must not be empty" /
// "at least <min> bytes" under `min`).
Status CheckLength(std::string_view field, const std::string& value, size_t min, size_t max);

// ---- events ----

// The tasks context makes the task with id = order_id. The appointment is the half-open
// interval [starts_at, ends_at).
struct HelpRequested {
  static constexpr MessageInfo kInfo = Event(
      "portal.help_requested", "a client asked for help; tasks makes the task with id = order_id");
  std::string order_id;
  std::string client_id;
  std::string service_type_id;
  std::string description;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  int64_t approx_cost = 0;  // minor units
  bool operator==(const HelpRequested&) const = default;
  static constexpr auto Fields() {
    using T = HelpRequested;
    return std::tuple{Field("order_id", &T::order_id).NonEmpty(),
                      Field("client_id", &T::client_id),
                      Field("service_type_id", &T::service_type_id),
                      Field("description", &T::description),
                      Field("starts_at", &T::starts_at_ms),
                      Field("ends_at", &T::ends_at_ms).Doc("after starts_at"),
                      Field("approx_cost", &T::approx_cost).Doc("the estimate, minor units")};
  }
  static Status Validate(const HelpRequested& e) {
    if (e.ends_at_ms <= e.starts_at_ms)
      return Status::Invalid("body.ends_at: must be after starts_at");
    return Status::Ok();
  }
};

inline constexpr std::string_view kHelpRequested = HelpRequested::kInfo.type;

// ---- records of the replies ----

// Who a bearer token stands for: portal.authenticate's reply (and the tokens db's value).
struct Principal {
  std::string role;  // client, worker, manager, supplies, admin
  std::string id;
  bool operator==(const Principal&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("role", &Principal::role)
                          .Doc("client, worker, manager, supplies or admin"),
                      Field("id", &Principal::id)};
  }
};

// A kind of help clients may order (and the service_types db's value).
struct ServiceType {
  std::string id;
  std::string name;
  std::string description;
  bool active = true;
  bool operator==(const ServiceType&) const = default;
  static constexpr auto Fields() {
    using T = ServiceType;
    return std::tuple{Field("id", &T::id), Field("name", &T::name),
                      Field("description", &T::description),
                      Field("active", &T::active).Doc("inactive types cannot be ordered")};
  }
};

struct ServiceTypeList {
  std::vector<ServiceType> service_types;
  static constexpr auto Fields() {
    return std::tuple{
        Field("service_types", &ServiceTypeList::service_types).Doc("by id")};
  }
};

// requested -> assigned -> checked_in -> completed | failed; canceled before check-in.
enum class OrderStatus { kRequested, kAssigned, kCheckedIn, kCompleted, kFailed, kCanceled };
inline constexpr std::array<EnumName<OrderStatus>, 6> kOrderStatusNames = {
    {{OrderStatus::kRequested, "requested"},
     {OrderStatus::kAssigned, "assigned"},
     {OrderStatus::kCheckedIn, "checked_in"},
     {OrderStatus::kCompleted, "completed"},
     {OrderStatus::kFailed, "failed"},
     {OrderStatus::kCanceled, "canceled"}}};
constexpr std::span<const EnumName<OrderStatus>> EnumNames(OrderStatus) {
  return kOrderStatusNames;
}

// One line of an order's history.
struct TimelineEntry {
  int64_t at_ms = 0;
  std::string event;
  std::optional<std::string> detail;
  bool operator==(const TimelineEntry&) const = default;
  static constexpr auto Fields() {
    using T = TimelineEntry;
    return std::tuple{
        Field("at", &T::at_ms),
        Field("event", &T::event)
            .Doc("requested, assigned, kit_issued, checked_in, completed, failed, canceled, "
                 "copy_offered, copied"),
        Field("detail", &T::detail).Doc("a worker id, a failure reason, a copy's id")};
  }
};

// An order as the client sees it (and the orders db's value); its id is its task's id. The
// optional fields are absent while empty: worker_id and price until assigned.
struct Order {
  std::string id;
  std::string client_id;
  std::string service_type_id;
  std::string description;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  int64_t approx_cost = 0;
  OrderStatus status = OrderStatus::kRequested;
  std::optional<std::string> worker_id;
  std::optional<int64_t> price_minor;
  bool kit_issued = false;
  bool copy_offered = false;
  std::optional<std::string> copied_from;
  std::optional<std::string> reason;
  std::vector<TimelineEntry> timeline;
  bool operator==(const Order&) const = default;
  static constexpr auto Fields() {
    using T = Order;
    return std::tuple{
        Field("id", &T::id).Doc("= the task's id"),
        Field("client_id", &T::client_id),
        Field("service_type_id", &T::service_type_id),
        Field("description", &T::description),
        Field("starts_at", &T::starts_at_ms),
        Field("ends_at", &T::ends_at_ms),
        Field("approx_cost", &T::approx_cost).Doc("the estimate fixed at request time"),
        Field("status", &T::status),
        Field("worker_id", &T::worker_id).Doc("once assigned"),
        Field("price", &T::price_minor).Doc("once assigned: the price matching fixed"),
        Field("kit_issued", &T::kit_issued),
        Field("copy_offered", &T::copy_offered).Doc("a no-show: the client may copy it"),
        Field("copied_from", &T::copied_from).Doc("the no-show order this one copies"),
        Field("reason", &T::reason).Doc("why it failed or was canceled (no_show)"),
        Field("timeline", &T::timeline).Doc("oldest first")};
  }
};

// A page of orders in id order; next_after is the last one's id when more remain.
struct OrderPage {
  std::vector<Order> orders;
  std::optional<std::string> next_after;
  static constexpr auto Fields() {
    return std::tuple{Field("orders", &OrderPage::orders),
                      Field("next_after", &OrderPage::next_after)
                          .Doc("pass as `after` for the next page")};
  }
};

// ---- identity commands ----

struct SignInReply {
  std::string client_id;
  std::string token;
  std::string name;
  bool created = false;
  static constexpr auto Fields() {
    using T = SignInReply;
    return std::tuple{Field("client_id", &T::client_id), Field("token", &T::token),
                      Field("name", &T::name),
                      Field("created", &T::created).Doc("the account is new")};
  }
};

// The gateway signs a client in automatically (HCB's employee id) with a token it made.
struct SignIn {
  static constexpr MessageInfo kInfo =
      Command("portal.sign_in", "automatic client sign-in; the account is made on first use");
  using Reply = SignInReply;
  std::string employee_id;
  std::string name;
  std::string token;
  static constexpr auto Fields() {
    using T = SignIn;
    return std::tuple{Field("employee_id", &T::employee_id).NonEmpty().Doc("at most 64 bytes"),
                      Field("name", &T::name).NonEmpty().Doc("at most 100 bytes"),
                      Field("token", &T::token).Doc("32..128 visible ASCII bytes")};
  }
  static Status Validate(const SignIn& r) {
    RETURN_IF_ERROR(CheckLength("employee_id", r.employee_id, 1, kMaxEmployeeIdBytes));
    return CheckLength("name", r.name, 1, kMaxNameBytes);
  }
};

enum class StaffRole { kManager, kSupplies, kAdmin };
inline constexpr std::array<EnumName<StaffRole>, 3> kStaffRoleNames = {
    {{StaffRole::kManager, "manager"},
     {StaffRole::kSupplies, "supplies"},
     {StaffRole::kAdmin, "admin"}}};
constexpr std::span<const EnumName<StaffRole>> EnumNames(StaffRole) { return kStaffRoleNames; }

struct StaffReply {
  std::string id;
  StaffRole role = StaffRole::kManager;
  std::string name;
  std::string token;
  static constexpr auto Fields() {
    using T = StaffReply;
    return std::tuple{Field("id", &T::id), Field("role", &T::role), Field("name", &T::name),
                      Field("token", &T::token)};
  }
};

struct ProvisionStaff {
  static constexpr MessageInfo kInfo =
      Command("portal.provision_staff", "admin: a manager, supplies or admin account");
  using Reply = StaffReply;
  StaffRole role = StaffRole::kManager;
  std::string name;
  std::string token;
  static constexpr auto Fields() {
    using T = ProvisionStaff;
    return std::tuple{Field("role", &T::role),
                      Field("name", &T::name).NonEmpty().Doc("at most 100 bytes"),
                      Field("token", &T::token).Doc("32..128 visible ASCII bytes")};
  }
  static Status Validate(const ProvisionStaff& r) {
    return CheckLength("name", r.name, 1, kMaxNameBytes);
  }
};

struct WorkerTokenReply {
  std::string worker_id;
  std::string token;
  static constexpr auto Fields() {
    return std::tuple{Field("worker_id", &WorkerTokenReply::worker_id),
                      Field("token", &WorkerTokenReply::token)};
  }
};

// not_found naming body.worker_id for a worker the portal has not seen in hiring.worker_hired,
// unless just_hired (docs/decisions/009-worker-tokens-need-a-known-worker.md).
struct GrantWorkerToken {
  static constexpr MessageInfo kInfo =
      Command("portal.grant_worker_token",
              "admin: a sign-in token for a worker hiring hired; not_found for one the portal "
              "has not seen hired");
  using Reply = WorkerTokenReply;
  std::string worker_id;
  std::string token;
  bool just_hired = false;
  static constexpr auto Fields() {
    using T = GrantWorkerToken;
    return std::tuple{Field("worker_id", &T::worker_id).NonEmpty().Doc("at most 64 bytes"),
                      Field("token", &T::token).Doc("32..128 visible ASCII bytes"),
                      Field("just_hired", &T::just_hired)
                          .Optional()
                          .Doc("the id comes from hiring.import_worker's reply just now")};
  }
  static Status Validate(const GrantWorkerToken& r) {
    return CheckLength("worker_id", r.worker_id, 1, kMaxWorkerIdBytes);
  }
};

// not_found "unknown token" for a token nobody holds.
struct Authenticate {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("portal.authenticate", "the principal a bearer token stands for");
  using Reply = Principal;
  std::string token;
  static constexpr auto Fields() { return std::tuple{Field("token", &Authenticate::token)}; }
};

// ---- service type commands ----

struct ListServiceTypes {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("portal.list_service_types", "the service types (active ones by default)");
  using Reply = ServiceTypeList;
  bool include_inactive = false;
  static constexpr auto Fields() {
    return std::tuple{Field("include_inactive", &ListServiceTypes::include_inactive).Optional()};
  }
};

// conflict on a name another type has (byte for byte).
struct CreateServiceType {
  static constexpr MessageInfo kInfo =
      Command("portal.create_service_type", "manager: a new service type");
  using Reply = ServiceType;
  std::string name;
  std::string description;
  bool active = true;
  static constexpr auto Fields() {
    using T = CreateServiceType;
    return std::tuple{Field("name", &T::name).NonEmpty().Doc("at most 100 bytes, unique"),
                      Field("description", &T::description).Doc("at most 2000 bytes"),
                      Field("active", &T::active).Optional().Doc("default true")};
  }
  static Status Validate(const CreateServiceType& r) {
    RETURN_IF_ERROR(CheckLength("name", r.name, 1, kMaxNameBytes));
    return CheckLength("description", r.description, 0, kMaxServiceDescriptionBytes);
  }
};

// The fields given replace the type's; not_found for an unknown id, conflict on a taken name.
struct UpdateServiceType {
  static constexpr MessageInfo kInfo =
      Command("portal.update_service_type", "manager: edit a service type");
  using Reply = ServiceType;
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<bool> active;
  static constexpr auto Fields() {
    using T = UpdateServiceType;
    return std::tuple{Field("id", &T::id).NonEmpty().Doc("at most 128 bytes"),
                      Field("name", &T::name).NonEmpty().Doc("at most 100 bytes, unique"),
                      Field("description", &T::description).Doc("at most 2000 bytes"),
                      Field("active", &T::active)};
  }
  static Status Validate(const UpdateServiceType& r) {
    RETURN_IF_ERROR(CheckLength("id", r.id, 1, kMaxIdBytes));
    if (r.name) RETURN_IF_ERROR(CheckLength("name", *r.name, 1, kMaxNameBytes));
    if (r.description)
      RETURN_IF_ERROR(CheckLength("description", *r.description, 0, kMaxServiceDescriptionBytes));
    return Status::Ok();
  }
};

// ---- order commands ----

// Publishes portal.help_requested with the new order's id.
struct RequestHelp {
  static constexpr MessageInfo kInfo =
      Command("portal.request_help", "client: a help request -> the order");
  using Reply = Order;
  std::string service_type_id;
  std::string description;
  int64_t starts_at_ms = 0;
  std::optional<int64_t> duration_ms;
  static constexpr auto Fields() {
    using T = RequestHelp;
    return std::tuple{
        Field("service_type_id", &T::service_type_id).NonEmpty().Doc("an active service type"),
        Field("description", &T::description).NonEmpty().Doc("at most 4000 bytes"),
        Field("starts_at", &T::starts_at_ms).Doc("not in the past"),
        Field("duration_ms", &T::duration_ms)
            .Min(kMinDurationMs)
            .Max(kMaxDurationMs)
            .Doc("15 minutes..12 hours; default 1 hour")};
  }
  static Status Validate(const RequestHelp& r) {
    RETURN_IF_ERROR(CheckLength("service_type_id", r.service_type_id, 1, kMaxIdBytes));
    return CheckLength("description", r.description, 1, kMaxOrderDescriptionBytes);
  }
};

// Clients see only their own orders (client_id is then ignored); managers and admins all, or
// one client's.
struct ListOrders {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("portal.list_orders", "the dashboard: own orders (client) or all (manager)");
  using Reply = OrderPage;
  std::optional<std::string> client_id;
  int64_t limit = kDefaultPageSize;
  std::string after;
  static constexpr auto Fields() {
    using T = ListOrders;
    return std::tuple{Field("client_id", &T::client_id).Doc("staff only; non-empty"),
                      Field("limit", &T::limit).Optional().Min(1).Max(kMaxPageSize).Doc(
                          "default 50"),
                      Field("after", &T::after).Optional().Doc("the id to page after")};
  }
};

// not_found for a missing order or one not the caller's (never forbidden).
struct GetOrder {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("portal.get_order", "one order with its timeline");
  using Reply = Order;
  std::string order_id;
  static constexpr auto Fields() {
    return std::tuple{Field("order_id", &GetOrder::order_id).NonEmpty().Doc("at most 128 bytes")};
  }
  static Status Validate(const GetOrder& r) {
    return CheckLength("order_id", r.order_id, 1, kMaxIdBytes);
  }
};

// The caller's standing as a client (docs/decisions/031): a conflict naming the invoice while one
// of theirs is overdue (pay it first), else their current discount and the approximate cost a
// new order gets. The gateway asks it before forwarding a copy (tasks.copy), which the portal
// does not see until the copy exists; portal.request_help checks the same itself.
struct Standing {
  std::string client_id;
  int64_t discount_percent = 0;
  int64_t approx_cost = 0;
  bool operator==(const Standing&) const = default;
  static constexpr auto Fields() {
    using T = Standing;
    return std::tuple{Field("client_id", &T::client_id),
                      Field("discount_percent", &T::discount_percent).Doc("from billing"),
                      Field("approx_cost", &T::approx_cost).Doc("minor units, discount applied")};
  }
};

struct CheckStanding {
  static constexpr MessageInfo kInfo = ReadOnlyCommand(
      "portal.check_standing", "may this client request help: conflict while an invoice is overdue");
  using Reply = Standing;
  static constexpr auto Fields() { return std::tuple{}; }
};

inline constexpr std::string_view kSignIn = SignIn::kInfo.type;
inline constexpr std::string_view kProvisionStaff = ProvisionStaff::kInfo.type;
inline constexpr std::string_view kGrantWorkerToken = GrantWorkerToken::kInfo.type;
inline constexpr std::string_view kAuthenticate = Authenticate::kInfo.type;
inline constexpr std::string_view kListServiceTypes = ListServiceTypes::kInfo.type;
inline constexpr std::string_view kCreateServiceType = CreateServiceType::kInfo.type;
inline constexpr std::string_view kUpdateServiceType = UpdateServiceType::kInfo.type;
inline constexpr std::string_view kRequestHelp = RequestHelp::kInfo.type;
inline constexpr std::string_view kListOrders = ListOrders::kInfo.type;
inline constexpr std::string_view kGetOrder = GetOrder::kInfo.type;
inline constexpr std::string_view kCheckStanding = CheckStanding::kInfo.type;

// The declared messages of this family, for the registry.
using Messages = std::tuple<HelpRequested, SignIn, ProvisionStaff, GrantWorkerToken, Authenticate,
                            ListServiceTypes, CreateServiceType, UpdateServiceType, RequestHelp,
                            ListOrders, GetOrder, CheckStanding>;

}  // namespace mcf::schemas::portal
