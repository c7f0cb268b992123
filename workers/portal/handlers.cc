#include "workers/portal/handlers.h"

#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

#include "lib/base/log.h"
#include "schemas/hiring.h"
#include "schemas/msgpack.h"
#include "schemas/supplies.h"
#include "schemas/tasks.h"
#include "workers/portal/pricing.h"

namespace mcf::portal {
namespace {

namespace wire = schemas::portal;
using schemas::Body;
using schemas::BodyWriter;
using worker::HandlerContext;

std::string RoleOf(const HandlerContext& ctx) {
  const auto& p = ctx.message().principal;
  return p ? p->role : std::string();
}

std::string IdOf(const HandlerContext& ctx) {
  const auto& p = ctx.message().principal;
  return p ? p->id : std::string();
}

bool IsStaffEditor(const HandlerContext& ctx) {
  std::string role = RoleOf(ctx);
  return role == "manager" || role == "admin";
}

Status Invalid(std::string_view field, std::string_view problem) {
  return Status::Invalid("body." + std::string(field) + ": " + std::string(problem));
}

// A text field of `min`..`max` bytes.
Status CheckLength(std::string_view field, const std::string& v, size_t min, size_t max) {
  if (v.size() < min)
    return Invalid(field,
                   min == 1 ? "must not be empty" : "at least " + std::to_string(min) + " bytes");
  if (v.size() > max) return Invalid(field, "at most " + std::to_string(max) + " bytes");
  return Status::Ok();
}

Result<std::string> Text(const Body& body, std::string_view field, size_t min, size_t max) {
  auto v = body.String(field);
  if (!v.ok()) return v.status();
  RETURN_IF_ERROR(CheckLength(field, *v, min, max));
  return v;
}

Result<std::optional<std::string>> OptText(const Body& body, std::string_view field, size_t min,
                                           size_t max) {
  auto v = body.OptString(field);
  if (!v.ok()) return v.status();
  if (*v) {
    RETURN_IF_ERROR(CheckLength(field, **v, min, max));
  }
  return v;
}

// Tokens travel in HTTP headers: 32..128 visible ASCII bytes.
Result<std::string> Token(const Body& body) {
  auto token = Text(body, "token", kMinTokenBytes, kMaxTokenBytes);
  if (!token.ok()) return token.status();
  for (char c : *token) {
    if (c < 0x21 || c > 0x7e) return Invalid("token", "only visible ASCII characters");
  }
  return token;
}

Result<std::optional<bool>> OptBool(const Body& body, std::string_view field) {
  if (!body.Has(field)) return std::optional<bool>();
  auto v = body.Bool(field);
  if (!v.ok()) return v.status();
  return std::optional<bool>(*v);
}

std::string EncodeList(std::string_view key, const std::vector<std::string>& encoded_items,
                       const std::optional<std::string>& next_after = std::nullopt) {
  schemas::MsgpackWriter items;
  items.ArrayHeader(static_cast<uint32_t>(encoded_items.size()));
  for (const std::string& item : encoded_items) items.Raw(item);
  BodyWriter w;
  w.Raw(key, items.Take());
  if (next_after) w.String("next_after", *next_after);
  return w.Finish();
}

// A duplicate name (exact, byte for byte) among the other service types -> conflict.
Status CheckUniqueName(const std::vector<ServiceType>& types, const std::string& name,
                       const std::string& except_id) {
  for (const ServiceType& t : types) {
    if (t.name == name && t.id != except_id)
      return Status::Conflict("body.name: a service type named " + Quoted(name) +
                              " already exists (" + t.id + ")");
  }
  return Status::Ok();
}

}  // namespace

ServiceType SeedServiceType() {
  return {"chores", "Chores", "Poking things, tossing jars and the rest of a toy tester's chores",
          true};
}

Status SeedIfEmpty(store::Env& env, PortalStore& store) {
  auto txn = env.BeginWrite();
  if (!txn.ok()) return txn.status();
  auto types = store.ServiceTypes(*txn);
  if (!types.ok()) return types.status();
  if (!types->empty()) return Status::Ok();
  RETURN_IF_ERROR(store.PutServiceType(*txn, SeedServiceType()));
  RETURN_IF_ERROR(txn->Commit());
  spdlog::info("event=service_types_seeded id=chores");
  return Status::Ok();
}

// ---- identity ----

Status PortalHandlers::BindToken(HandlerContext& ctx, const std::string& token,
                                 const TokenBinding& binding) {
  auto existing = store_.Token(ctx.txn(), token);
  if (!existing.ok()) return existing.status();
  if (*existing) {
    if (**existing == binding) return Status::Ok();
    spdlog::warn("event=token_conflict role={} id={} bound_role={}", Quoted(binding.role),
                 Quoted(binding.id), Quoted((*existing)->role));
    return Status::Conflict("body.token: already stands for another principal");
  }
  return store_.PutToken(ctx.txn(), token, binding);
}

Result<std::string> PortalHandlers::SignIn(HandlerContext& ctx, const Body& body) {
  auto employee_id = Text(body, "employee_id", 1, kMaxEmployeeIdBytes);
  if (!employee_id.ok()) return employee_id.status();
  auto name = Text(body, "name", 1, kMaxNameBytes);
  if (!name.ok()) return name.status();
  auto token = Token(body);
  if (!token.ok()) return token.status();

  auto existing = store_.AccountByEmployee(ctx.txn(), *employee_id);
  if (!existing.ok()) return existing.status();
  const bool created = !existing->has_value();
  Account account;
  if (created) {
    account.client_id = ctx.NewId("client");
    account.employee_id = *employee_id;
    account.created_at_ms = ctx.now_ms();
  } else {
    account = std::move(**existing);
  }
  account.name = *name;
  RETURN_IF_ERROR(store_.PutAccount(ctx.txn(), account));
  RETURN_IF_ERROR(BindToken(ctx, *token, {"client", account.client_id}));
  auto revoked = store_.AddClientSession(ctx.txn(), account.client_id, ctx.now_ms(), *token,
                                         kMaxClientSessions);
  if (!revoked.ok()) return revoked.status();
  spdlog::info("event=client_signed_in client={} created={} sessions_revoked={}",
               Quoted(account.client_id), created, *revoked);
  return BodyWriter()
      .String("client_id", account.client_id)
      .String("token", *token)
      .String("name", account.name)
      .Bool("created", created)
      .Finish();
}

Result<std::string> PortalHandlers::ProvisionStaff(HandlerContext& ctx, const Body& body) {
  if (RoleOf(ctx) != "admin") {
    spdlog::warn("event=provision_staff_forbidden role={}", Quoted(RoleOf(ctx)));
    return Status::Forbidden("portal.provision_staff: admins only");
  }
  auto role = body.String("role");
  if (!role.ok()) return role.status();
  if (*role != "manager" && *role != "supplies" && *role != "admin")
    return Invalid("role", "must be manager, supplies or admin");
  auto name = Text(body, "name", 1, kMaxNameBytes);
  if (!name.ok()) return name.status();
  auto token = Token(body);
  if (!token.ok()) return token.status();
  Staff staff{ctx.NewId(*role), *role, *name, ctx.now_ms()};
  RETURN_IF_ERROR(store_.PutStaff(ctx.txn(), staff));
  RETURN_IF_ERROR(BindToken(ctx, *token, {staff.role, staff.id}));
  spdlog::info("event=staff_provisioned id={} role={} by={}", Quoted(staff.id), staff.role,
               Quoted(IdOf(ctx)));
  return BodyWriter()
      .String("id", staff.id)
      .String("role", staff.role)
      .String("name", staff.name)
      .String("token", *token)
      .Finish();
}

Result<std::string> PortalHandlers::GrantWorkerToken(HandlerContext& ctx, const Body& body) {
  if (RoleOf(ctx) != "admin") {
    spdlog::warn("event=grant_worker_token_forbidden role={}", Quoted(RoleOf(ctx)));
    return Status::Forbidden("portal.grant_worker_token: admins only");
  }
  auto worker_id = Text(body, "worker_id", 1, kMaxWorkerIdBytes);
  if (!worker_id.ok()) return worker_id.status();
  auto token = Token(body);
  if (!token.ok()) return token.status();
  auto just_hired = OptBool(body, "just_hired");
  if (!just_hired.ok()) return just_hired.status();
  auto known = store_.GetWorker(ctx.txn(), *worker_id);
  if (!known.ok()) return known.status();
  // just_hired: the caller has this id from hiring.import_worker's reply a moment ago, so the
  // worker exists even if its hiring.worker_hired has not reached us yet (the runtime does not
  // make a command wait for events: docs/decisions/009-worker-tokens-need-a-known-worker.md).
  if (!*known && !just_hired->value_or(false)) {
    spdlog::warn("event=grant_worker_token_unknown_worker worker={} by={}", Quoted(*worker_id),
                 Quoted(IdOf(ctx)));
    return Status::NotFound("body.worker_id: no worker " + Quoted(*worker_id) +
                            " (the portal has not seen hiring.worker_hired for it)");
  }
  RETURN_IF_ERROR(BindToken(ctx, *token, {"worker", *worker_id}));
  spdlog::info("event=worker_token_granted worker={} known={} by={}", Quoted(*worker_id),
               known->has_value(), Quoted(IdOf(ctx)));
  return BodyWriter().String("worker_id", *worker_id).String("token", *token).Finish();
}

Result<std::string> PortalHandlers::Authenticate(HandlerContext& ctx, const Body& body) {
  auto token = body.String("token");
  if (!token.ok()) return token.status();
  // Any other length cannot have been recorded (and an empty key is not an LMDB key).
  if (token->size() < kMinTokenBytes || token->size() > kMaxTokenBytes)
    return Status::NotFound("unknown token");
  auto binding = store_.Token(ctx.txn(), *token);
  if (!binding.ok()) return binding.status();
  if (!*binding) return Status::NotFound("unknown token");
  return EncodeTokenBinding(**binding);
}

// ---- service types ----

Result<std::string> PortalHandlers::ListServiceTypes(HandlerContext& ctx, const Body& body) {
  auto include_inactive = OptBool(body, "include_inactive");
  if (!include_inactive.ok()) return include_inactive.status();
  auto types = store_.ServiceTypes(ctx.txn());
  if (!types.ok()) return types.status();
  std::vector<std::string> items;
  for (const ServiceType& t : *types) {
    if (t.active || include_inactive->value_or(false)) items.push_back(EncodeServiceType(t));
  }
  return EncodeList("service_types", items);
}

Result<std::string> PortalHandlers::CreateServiceType(HandlerContext& ctx, const Body& body) {
  if (!IsStaffEditor(ctx)) {
    spdlog::warn("event=create_service_type_forbidden role={}", Quoted(RoleOf(ctx)));
    return Status::Forbidden("portal.create_service_type: managers only");
  }
  auto name = Text(body, "name", 1, kMaxNameBytes);
  if (!name.ok()) return name.status();
  auto description = Text(body, "description", 0, kMaxServiceDescriptionBytes);
  if (!description.ok()) return description.status();
  auto active = OptBool(body, "active");
  if (!active.ok()) return active.status();
  auto types = store_.ServiceTypes(ctx.txn());
  if (!types.ok()) return types.status();
  RETURN_IF_ERROR(CheckUniqueName(*types, *name, ""));
  ServiceType type{ctx.NewId("service"), *name, *description, active->value_or(true)};
  RETURN_IF_ERROR(store_.PutServiceType(ctx.txn(), type));
  spdlog::info("event=service_type_created id={} name={} active={} by={}", Quoted(type.id),
               Quoted(type.name), type.active, Quoted(IdOf(ctx)));
  return EncodeServiceType(type);
}

Result<std::string> PortalHandlers::UpdateServiceType(HandlerContext& ctx, const Body& body) {
  if (!IsStaffEditor(ctx)) {
    spdlog::warn("event=update_service_type_forbidden role={}", Quoted(RoleOf(ctx)));
    return Status::Forbidden("portal.update_service_type: managers only");
  }
  auto id = Text(body, "id", 1, kMaxIdBytes);
  if (!id.ok()) return id.status();
  auto name = OptText(body, "name", 1, kMaxNameBytes);
  if (!name.ok()) return name.status();
  auto description = OptText(body, "description", 0, kMaxServiceDescriptionBytes);
  if (!description.ok()) return description.status();
  auto active = OptBool(body, "active");
  if (!active.ok()) return active.status();
  auto existing = store_.GetServiceType(ctx.txn(), *id);
  if (!existing.ok()) return existing.status();
  if (!*existing) return Status::NotFound("no service type " + Quoted(*id));
  ServiceType type = std::move(**existing);
  if (*name) {
    auto types = store_.ServiceTypes(ctx.txn());
    if (!types.ok()) return types.status();
    RETURN_IF_ERROR(CheckUniqueName(*types, **name, type.id));
    type.name = std::move(**name);
  }
  if (*description) type.description = std::move(**description);
  if (*active) type.active = **active;
  RETURN_IF_ERROR(store_.PutServiceType(ctx.txn(), type));
  spdlog::info("event=service_type_updated id={} name={} active={} by={}", Quoted(type.id),
               Quoted(type.name), type.active, Quoted(IdOf(ctx)));
  return EncodeServiceType(type);
}

// ---- orders ----

Result<std::string> PortalHandlers::RequestHelp(HandlerContext& ctx, const Body& body) {
  if (RoleOf(ctx) != "client") {
    spdlog::warn("event=request_help_forbidden role={}", Quoted(RoleOf(ctx)));
    return Status::Forbidden("portal.request_help: clients only");
  }
  const std::string client_id = IdOf(ctx);
  auto account = store_.AccountByClient(ctx.txn(), client_id);
  if (!account.ok()) return account.status();
  if (!*account) return Status::Forbidden("portal.request_help: no client account " + client_id);

  auto service_type_id = Text(body, "service_type_id", 1, kMaxIdBytes);
  if (!service_type_id.ok()) return service_type_id.status();
  auto description = Text(body, "description", 1, kMaxOrderDescriptionBytes);
  if (!description.ok()) return description.status();
  auto starts_at = body.Int("starts_at");
  if (!starts_at.ok()) return starts_at.status();
  if (*starts_at < ctx.now_ms()) return Invalid("starts_at", "must not be in the past");
  auto duration = body.OptInt("duration_ms");
  if (!duration.ok()) return duration.status();
  const int64_t duration_ms = duration->value_or(kDefaultDurationMs);
  if (duration_ms < kMinDurationMs || duration_ms > kMaxDurationMs)
    return Invalid("duration_ms", "must be 15 minutes..12 hours (900000..43200000 ms)");
  auto type = store_.GetServiceType(ctx.txn(), *service_type_id);
  if (!type.ok()) return type.status();
  if (!*type || !(*type)->active)
    return Invalid("service_type_id", "no active service type " + Quoted(*service_type_id));

  Order order = NewOrder(ctx.NewId("order"), client_id, *service_type_id, *description, *starts_at,
                         *starts_at + duration_ms,
                         ApproxCost(kPriceMinor, (*account)->discount_bps), ctx.now_ms());
  RETURN_IF_ERROR(store_.PutOrder(ctx.txn(), order));
  wire::HelpRequested event{order.id,          order.client_id,    order.service_type_id,
                            order.description, order.starts_at_ms, order.ends_at_ms,
                            order.approx_cost};
  RETURN_IF_ERROR(ctx.Publish(wire::kHelpRequested, wire::Encode(event)));
  spdlog::info("event=help_requested order={} client={} service_type={} starts_at={}",
               Quoted(order.id), Quoted(order.client_id), Quoted(order.service_type_id),
               order.starts_at_ms);
  return EncodeOrder(order);
}

Result<std::string> PortalHandlers::ListOrders(HandlerContext& ctx, const Body& body) {
  std::optional<std::string> client_id;
  const std::string role = RoleOf(ctx);
  if (role == "client") {
    client_id = IdOf(ctx);  // forced: a client sees only their own
  } else if (IsStaffEditor(ctx)) {
    auto requested = body.OptString("client_id");
    if (!requested.ok()) return requested.status();
    client_id = std::move(*requested);
    if (client_id && client_id->empty()) return Invalid("client_id", "must not be empty");
  } else {
    spdlog::warn("event=list_orders_forbidden role={}", Quoted(role));
    return Status::Forbidden("portal.list_orders: clients, managers and admins only");
  }
  auto limit = body.OptInt("limit");
  if (!limit.ok()) return limit.status();
  const int64_t n = limit->value_or(kDefaultPageSize);
  if (n < 1 || n > kMaxPageSize) return Invalid("limit", "must be 1..100");
  auto after = body.OptString("after");
  if (!after.ok()) return after.status();
  auto page = store_.ListOrders(ctx.txn(), client_id, after->value_or(""), static_cast<size_t>(n));
  if (!page.ok()) return page.status();
  std::vector<std::string> items;
  for (const Order& o : page->orders) items.push_back(EncodeOrder(o));
  std::optional<std::string> next_after;
  if (page->more && !page->orders.empty()) next_after = page->orders.back().id;
  return EncodeList("orders", items, next_after);
}

Result<std::string> PortalHandlers::GetOrder(HandlerContext& ctx, const Body& body) {
  auto order_id = Text(body, "order_id", 1, kMaxIdBytes);
  if (!order_id.ok()) return order_id.status();
  auto order = store_.GetOrder(ctx.txn(), *order_id);
  if (!order.ok()) return order.status();
  // Someone else's order is indistinguishable from a missing one (never forbidden).
  const bool visible = *order && (IsStaffEditor(ctx) ||
                                  (RoleOf(ctx) == "client" && IdOf(ctx) == (*order)->client_id));
  if (!visible) return Status::NotFound("no order " + Quoted(*order_id));
  return EncodeOrder(**order);
}

// ---- the projection ----

template <typename Update>
Status PortalHandlers::UpdateOrder(HandlerContext& ctx, std::string_view event,
                                   const std::string& task_id, Update update) {
  auto order = store_.GetOrder(ctx.txn(), task_id);
  if (!order.ok()) return order.status();
  if (!*order) {
    spdlog::info("event=order_unknown trigger={} task={}", event, Quoted(task_id));
    return Status::Ok();
  }
  if (!update(**order)) {
    spdlog::warn("event=order_update_ignored trigger={} order={} status={}", event, Quoted(task_id),
                 OrderStatusName((*order)->status));
    return Status::Ok();
  }
  RETURN_IF_ERROR(store_.PutOrder(ctx.txn(), **order));
  spdlog::info("event=order_updated trigger={} order={} status={}", event, Quoted(task_id),
               OrderStatusName((*order)->status));
  return Status::Ok();
}

Status PortalHandlers::OnTaskRequested(HandlerContext& ctx, const Body& body) {
  // Read field by field: description?/copied_from? are newer optional fields.
  auto task_id = Text(body, "task_id", 1, kMaxIdBytes);
  if (!task_id.ok()) return task_id.status();
  auto copied_from = body.OptString("copied_from");
  if (!copied_from.ok()) return copied_from.status();
  auto description = OptText(body, "description", 0, kMaxOrderDescriptionBytes);
  if (!description.ok()) return description.status();
  auto starts_at = body.Int("starts_at");
  if (!starts_at.ok()) return starts_at.status();
  auto ends_at = body.Int("ends_at");
  if (!ends_at.ok()) return ends_at.status();

  auto existing = store_.GetOrder(ctx.txn(), *task_id);
  if (!existing.ok()) return existing.status();
  if (*existing) return Status::Ok();  // our own order's task (same id): nothing new
  if (!*copied_from || (*copied_from)->empty()) {
    spdlog::info("event=order_unknown trigger={} task={}", kTaskRequested, Quoted(*task_id));
    return Status::Ok();  // a task not requested through the portal
  }
  auto original = store_.GetOrder(ctx.txn(), **copied_from);
  if (!original.ok()) return original.status();
  if (!*original) {
    spdlog::warn("event=copy_of_unknown_order task={} copied_from={}", Quoted(*task_id),
                 Quoted(**copied_from));
    return Status::Ok();
  }
  auto account = store_.AccountByClient(ctx.txn(), (*original)->client_id);
  if (!account.ok()) return account.status();
  const int64_t discount = *account ? (*account)->discount_bps : 0;
  Order copy = NewCopyOrder(**original, *task_id, *starts_at, *ends_at, std::move(*description),
                            ApproxCost(kPriceMinor, discount), ctx.now_ms());
  RETURN_IF_ERROR(store_.PutOrder(ctx.txn(), copy));
  RETURN_IF_ERROR(store_.PutOrder(ctx.txn(), **original));
  spdlog::info("event=copy_order_created order={} copied_from={} client={} starts_at={}",
               Quoted(copy.id), Quoted(copy.copied_from), Quoted(copy.client_id),
               copy.starts_at_ms);
  return Status::Ok();
}

Status PortalHandlers::OnTaskAssigned(HandlerContext& ctx, const Body& /*body*/) {
  auto e = schemas::tasks::Decode<schemas::tasks::TaskAssigned>(ctx.message().body);
  if (!e.ok()) return e.status();
  const int64_t now = ctx.now_ms();
  return UpdateOrder(ctx, kTaskAssigned, e->task_id,
                     [&](Order& o) { return OnAssigned(o, e->worker_id, e->price_minor, now); });
}

Status PortalHandlers::OnKitIssued(HandlerContext& ctx, const Body& /*body*/) {
  auto e = schemas::supplies::DecodeKitIssued(ctx.message().body);
  if (!e.ok()) return e.status();
  const int64_t now = ctx.now_ms();
  return UpdateOrder(ctx, kKitIssued, e->task_id,
                     [&](Order& o) { return portal::OnKitIssued(o, now); });
}

Status PortalHandlers::OnCheckedIn(HandlerContext& ctx, const Body& /*body*/) {
  auto e = schemas::tasks::Decode<schemas::tasks::CheckedIn>(ctx.message().body);
  if (!e.ok()) return e.status();
  const int64_t now = ctx.now_ms();
  return UpdateOrder(ctx, kCheckedIn, e->task_id,
                     [&](Order& o) { return portal::OnCheckedIn(o, now); });
}

Status PortalHandlers::OnTaskFinalized(HandlerContext& ctx, const Body& /*body*/) {
  auto e = schemas::tasks::Decode<schemas::tasks::TaskFinalized>(ctx.message().body);
  if (!e.ok()) return e.status();
  auto outcome = ParseOrderStatus(schemas::tasks::OutcomeName(e->outcome));
  if (!outcome) return Status::Internal("unmapped task outcome");
  const int64_t now = ctx.now_ms();
  return UpdateOrder(ctx, kTaskFinalized, e->task_id,
                     [&](Order& o) { return OnFinalized(o, *outcome, e->reason, now); });
}

Status PortalHandlers::OnCopyOffered(HandlerContext& ctx, const Body& /*body*/) {
  auto e = schemas::tasks::Decode<schemas::tasks::CopyOffered>(ctx.message().body);
  if (!e.ok()) return e.status();
  const int64_t now = ctx.now_ms();
  return UpdateOrder(ctx, kCopyOffered, e->task_id,
                     [&](Order& o) { return portal::OnCopyOffered(o, now); });
}

// ---- workers ----

Status PortalHandlers::OnWorkerHired(HandlerContext& ctx, const Body& /*body*/) {
  auto e = schemas::hiring::DecodeWorkerHired(ctx.message().body);
  if (!e.ok()) return e.status();
  if (e->worker_id.size() > kMaxWorkerIdBytes)
    return Status::Invalid("body.worker_id: at most " + std::to_string(kMaxWorkerIdBytes) +
                           " bytes");
  auto existing = store_.GetWorker(ctx.txn(), e->worker_id);
  if (!existing.ok()) return existing.status();
  if (*existing) return Status::Ok();  // hired once; a repeat changes nothing
  KnownWorker worker{e->worker_id, e->name, ctx.now_ms()};
  RETURN_IF_ERROR(store_.PutWorker(ctx.txn(), worker));
  spdlog::info("event=worker_known worker={}", Quoted(worker.worker_id));
  return Status::Ok();
}

}  // namespace mcf::portal
