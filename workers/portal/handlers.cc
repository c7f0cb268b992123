#include "workers/portal/handlers.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "lib/base/log.h"
#include "workers/portal/pricing.h"

namespace mcf::portal {
namespace {

namespace tasks = schemas::tasks;
using worker::HandlerContext;

std::string IdOf(const HandlerContext& ctx) {
  const auto& p = ctx.message().principal;
  return p ? p->id : std::string();
}

bool IsStaffEditor(const HandlerContext& ctx) {
  std::string role = ctx.role();
  return role == "manager" || role == "admin";
}

Status Invalid(std::string_view field, std::string_view problem) {
  return Status::Invalid("body." + std::string(field) + ": " + std::string(problem));
}

// Tokens travel in HTTP headers: 32..128 visible ASCII bytes.
Status CheckToken(const std::string& token) {
  RETURN_IF_ERROR(
      wire::CheckLength("token", token, wire::kMinTokenBytes, wire::kMaxTokenBytes));
  for (char c : token) {
    if (c < 0x21 || c > 0x7e) return Invalid("token", "only visible ASCII characters");
  }
  return Status::Ok();
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

// While the client has an overdue invoice: conflict naming the oldest, saying to pay it.
Status CheckNotOverdue(const Account& account) {
  if (!account.overdue_invoices || account.overdue_invoices->empty()) return Status::Ok();
  const std::string& invoice = account.overdue_invoices->front();
  spdlog::warn("event=request_blocked_overdue client={} invoice={}", Quoted(account.client_id),
               Quoted(invoice));
  return Status::Conflict("invoice " + Quoted(invoice) +
                          " is overdue: pay it, then request help again");
}

}  // namespace

ServiceType SeedServiceType() {
  return {"chores", "Chores", "Poking things, tossing jars and the rest of a toy tester's chores",
          true};
}

Status SeedIfEmpty(store::Env& env, PortalStore& store) {
  ASSIGN_OR_RETURN(auto txn, env.BeginWrite());
  ASSIGN_OR_RETURN(const std::vector<ServiceType> types, store.ServiceTypes(txn));
  if (!types.empty()) return Status::Ok();
  RETURN_IF_ERROR(store.PutServiceType(txn, SeedServiceType()));
  RETURN_IF_ERROR(txn.Commit());
  spdlog::info("event=service_types_seeded id=chores");
  return Status::Ok();
}

// ---- identity ----

Status PortalHandlers::BindToken(HandlerContext& ctx, const std::string& token,
                                 const TokenBinding& binding) {
  ASSIGN_OR_RETURN(const std::optional<TokenBinding> existing, store_.Token(ctx.txn(), token));
  if (existing) {
    if (*existing == binding) return Status::Ok();
    spdlog::warn("event=token_conflict role={} id={} bound_role={}", Quoted(binding.role),
                 Quoted(binding.id), Quoted(existing->role));
    return Status::Conflict("body.token: already stands for another principal");
  }
  return store_.PutToken(ctx.txn(), token, binding);
}

Result<wire::SignInReply> PortalHandlers::SignIn(HandlerContext& ctx, const wire::SignIn& r) {
  RETURN_IF_ERROR(CheckToken(r.token));
  ASSIGN_OR_RETURN(std::optional<Account> existing,
                   store_.AccountByEmployee(ctx.txn(), r.employee_id));
  const bool created = !existing.has_value();
  Account account;
  if (created) {
    account.client_id = ctx.NewId("client");
    account.employee_id = r.employee_id;
    account.created_at_ms = ctx.now_ms();
  } else {
    account = std::move(*existing);
  }
  account.name = r.name;
  RETURN_IF_ERROR(store_.PutAccount(ctx.txn(), account));
  RETURN_IF_ERROR(BindToken(ctx, r.token, {"client", account.client_id}));
  ASSIGN_OR_RETURN(const size_t revoked,
                   store_.AddClientSession(ctx.txn(), account.client_id, ctx.now_ms(), r.token,
                                           kMaxClientSessions));
  spdlog::info("event=client_signed_in client={} created={} sessions_revoked={}",
               Quoted(account.client_id), created, revoked);
  return wire::SignInReply{account.client_id, r.token, account.name, created};
}

Result<wire::StaffReply> PortalHandlers::ProvisionStaff(HandlerContext& ctx,
                                                        const wire::ProvisionStaff& r) {
  if (ctx.role() != "admin") {
    spdlog::warn("event=provision_staff_forbidden role={}", Quoted(ctx.role()));
    return Status::Forbidden("portal.provision_staff: admins only");
  }
  RETURN_IF_ERROR(CheckToken(r.token));
  const std::string role(schemas::NameOf(r.role));
  Staff staff{ctx.NewId(role), role, r.name, ctx.now_ms()};
  RETURN_IF_ERROR(store_.PutStaff(ctx.txn(), staff));
  RETURN_IF_ERROR(BindToken(ctx, r.token, {staff.role, staff.id}));
  spdlog::info("event=staff_provisioned id={} role={} by={}", Quoted(staff.id), staff.role,
               Quoted(IdOf(ctx)));
  return wire::StaffReply{staff.id, r.role, staff.name, r.token};
}

Result<wire::WorkerTokenReply> PortalHandlers::GrantWorkerToken(HandlerContext& ctx,
                                                                const wire::GrantWorkerToken& r) {
  const std::string role = ctx.role();
  if (role != "admin" && role != "manager") {
    spdlog::warn("event=grant_worker_token_forbidden role={}", Quoted(role));
    return Status::Forbidden("portal.grant_worker_token: admins only");
  }
  RETURN_IF_ERROR(CheckToken(r.token));
  ASSIGN_OR_RETURN(std::optional<KnownWorker> known, store_.GetWorker(ctx.txn(), r.worker_id));
  // A manager gets a worker's first credentials only, and only for the worker they hired
  // (hiring.decide's reply hands them on); anything else is an admin's to grant.
  if (role == "manager" &&
      (!known || known->hired_by != IdOf(ctx) || known->credentialed)) {
    spdlog::warn("event=grant_worker_token_forbidden role=manager worker={} by={}",
                 Quoted(r.worker_id), Quoted(IdOf(ctx)));
    return Status::Forbidden(
        "portal.grant_worker_token: a manager may fetch only the first credentials of a worker "
        "they hired");
  }
  // just_hired: the caller has this id from hiring.import_worker's reply a moment ago, so the
  // worker exists even if its hiring.worker_hired has not reached us yet (the runtime does not
  // make a command wait for events: docs/decisions/009-worker-tokens-need-a-known-worker.md).
  if (!known && !r.just_hired) {
    spdlog::warn("event=grant_worker_token_unknown_worker worker={} by={}", Quoted(r.worker_id),
                 Quoted(IdOf(ctx)));
    return Status::NotFound("body.worker_id: no worker " + Quoted(r.worker_id) +
                            " (the portal has not seen hiring.worker_hired for it)");
  }
  RETURN_IF_ERROR(BindToken(ctx, r.token, {"worker", r.worker_id}));
  if (known && !known->credentialed) {
    known->credentialed = true;
    RETURN_IF_ERROR(store_.PutWorker(ctx.txn(), *known));
  }
  spdlog::info("event=worker_token_granted worker={} known={} by={}", Quoted(r.worker_id),
               known.has_value(), Quoted(IdOf(ctx)));
  return wire::WorkerTokenReply{r.worker_id, r.token};
}

Result<wire::Principal> PortalHandlers::Authenticate(HandlerContext& ctx,
                                                     const wire::Authenticate& r) {
  // Any other length cannot have been recorded (and an empty key is not an LMDB key).
  if (r.token.size() < wire::kMinTokenBytes || r.token.size() > wire::kMaxTokenBytes)
    return Status::NotFound("unknown token");
  ASSIGN_OR_RETURN(std::optional<TokenBinding> binding, store_.Token(ctx.txn(), r.token));
  if (!binding) return Status::NotFound("unknown token");
  return std::move(*binding);
}

// ---- service types ----

Result<wire::ServiceTypeList> PortalHandlers::ListServiceTypes(HandlerContext& ctx,
                                                               const wire::ListServiceTypes& r) {
  ASSIGN_OR_RETURN(std::vector<ServiceType> types, store_.ServiceTypes(ctx.txn()));
  wire::ServiceTypeList out;
  for (ServiceType& t : types) {
    if (t.active || r.include_inactive) out.service_types.push_back(std::move(t));
  }
  return out;
}

Result<wire::ServiceType> PortalHandlers::CreateServiceType(HandlerContext& ctx,
                                                            const wire::CreateServiceType& r) {
  if (!IsStaffEditor(ctx)) {
    spdlog::warn("event=create_service_type_forbidden role={}", Quoted(ctx.role()));
    return Status::Forbidden("portal.create_service_type: managers only");
  }
  ASSIGN_OR_RETURN(const std::vector<ServiceType> types, store_.ServiceTypes(ctx.txn()));
  RETURN_IF_ERROR(CheckUniqueName(types, r.name, ""));
  ServiceType type{ctx.NewId("service"), r.name, r.description, r.active};
  RETURN_IF_ERROR(store_.PutServiceType(ctx.txn(), type));
  spdlog::info("event=service_type_created id={} name={} active={} by={}", Quoted(type.id),
               Quoted(type.name), type.active, Quoted(IdOf(ctx)));
  return type;
}

Result<wire::ServiceType> PortalHandlers::UpdateServiceType(HandlerContext& ctx,
                                                            const wire::UpdateServiceType& r) {
  if (!IsStaffEditor(ctx)) {
    spdlog::warn("event=update_service_type_forbidden role={}", Quoted(ctx.role()));
    return Status::Forbidden("portal.update_service_type: managers only");
  }
  ASSIGN_OR_RETURN(std::optional<ServiceType> existing, store_.GetServiceType(ctx.txn(), r.id));
  if (!existing) return Status::NotFound("no service type " + Quoted(r.id));
  ServiceType type = std::move(*existing);
  if (r.name) {
    ASSIGN_OR_RETURN(const std::vector<ServiceType> types, store_.ServiceTypes(ctx.txn()));
    RETURN_IF_ERROR(CheckUniqueName(types, *r.name, type.id));
    type.name = *r.name;
  }
  if (r.description) type.description = *r.description;
  if (r.active) type.active = *r.active;
  RETURN_IF_ERROR(store_.PutServiceType(ctx.txn(), type));
  spdlog::info("event=service_type_updated id={} name={} active={} by={}", Quoted(type.id),
               Quoted(type.name), type.active, Quoted(IdOf(ctx)));
  return type;
}

// ---- orders ----

Result<wire::Order> PortalHandlers::RequestHelp(HandlerContext& ctx, const wire::RequestHelp& r) {
  if (ctx.role() != "client") {
    spdlog::warn("event=request_help_forbidden role={}", Quoted(ctx.role()));
    return Status::Forbidden("portal.request_help: clients only");
  }
  const std::string client_id = IdOf(ctx);
  ASSIGN_OR_RETURN(const std::optional<Account> account,
                   store_.AccountByClient(ctx.txn(), client_id));
  if (!account) return Status::Forbidden("portal.request_help: no client account " + client_id);
  RETURN_IF_ERROR(CheckNotOverdue(*account));
  if (r.starts_at_ms < ctx.now_ms()) return Invalid("starts_at", "must not be in the past");
  const int64_t duration_ms = r.duration_ms.value_or(wire::kDefaultDurationMs);
  ASSIGN_OR_RETURN(const std::optional<ServiceType> type,
                   store_.GetServiceType(ctx.txn(), r.service_type_id));
  if (!type || !type->active)
    return Invalid("service_type_id", "no active service type " + Quoted(r.service_type_id));

  Order order = NewOrder(ctx.NewId("order"), client_id, r.service_type_id, r.description,
                         r.starts_at_ms, r.starts_at_ms + duration_ms,
                         ApproxCost(kPriceMinor, account->discount_bps), ctx.now_ms());
  RETURN_IF_ERROR(store_.PutOrder(ctx.txn(), order));
  wire::HelpRequested event{order.id,          order.client_id,    order.service_type_id,
                            order.description, order.starts_at_ms, order.ends_at_ms,
                            order.approx_cost};
  RETURN_IF_ERROR(ctx.Publish(wire::kHelpRequested, wire::Encode(event)));
  spdlog::info("event=help_requested order={} client={} service_type={} starts_at={}",
               Quoted(order.id), Quoted(order.client_id), Quoted(order.service_type_id),
               order.starts_at_ms);
  return ToWire(order);
}

Result<wire::OrderPage> PortalHandlers::ListOrders(HandlerContext& ctx,
                                                   const wire::ListOrders& r) {
  std::optional<std::string> client_id;
  const std::string role = ctx.role();
  if (role == "client") {
    client_id = IdOf(ctx);  // forced: a client sees only their own
  } else if (IsStaffEditor(ctx)) {
    client_id = r.client_id;
    if (client_id && client_id->empty()) return Invalid("client_id", "must not be empty");
  } else {
    spdlog::warn("event=list_orders_forbidden role={}", Quoted(role));
    return Status::Forbidden("portal.list_orders: clients, managers and admins only");
  }
  ASSIGN_OR_RETURN(const OrderPage page, store_.ListOrders(ctx.txn(), client_id, r.after,
                                                           static_cast<size_t>(r.limit)));
  wire::OrderPage out;
  for (const Order& o : page.orders) out.orders.push_back(ToWire(o));
  if (page.more && !page.orders.empty()) out.next_after = page.orders.back().id;
  return out;
}

Result<wire::Order> PortalHandlers::GetOrder(HandlerContext& ctx, const wire::GetOrder& r) {
  ASSIGN_OR_RETURN(const std::optional<Order> order, store_.GetOrder(ctx.txn(), r.order_id));
  // Someone else's order is indistinguishable from a missing one (never forbidden).
  const bool visible = order && (IsStaffEditor(ctx) ||
                                 (ctx.role() == "client" && IdOf(ctx) == order->client_id));
  if (!visible) return Status::NotFound("no order " + Quoted(r.order_id));
  return ToWire(*order);
}

Result<wire::Standing> PortalHandlers::CheckStanding(HandlerContext& ctx,
                                                     const wire::CheckStanding&) {
  if (ctx.role() != "client") return Status::Forbidden("portal.check_standing: clients only");
  const std::string client_id = IdOf(ctx);
  ASSIGN_OR_RETURN(const std::optional<Account> account,
                   store_.AccountByClient(ctx.txn(), client_id));
  if (!account) return Status::Forbidden("portal.check_standing: no client account " + client_id);
  RETURN_IF_ERROR(CheckNotOverdue(*account));
  return wire::Standing{client_id, account->discount_bps / 100,
                        ApproxCost(kPriceMinor, account->discount_bps)};
}

// ---- the projection ----

template <typename Update>
Status PortalHandlers::UpdateOrder(HandlerContext& ctx, std::string_view event,
                                   const std::string& task_id, Update update) {
  ASSIGN_OR_RETURN(std::optional<Order> order, store_.GetOrder(ctx.txn(), task_id));
  if (!order) {
    spdlog::info("event=order_unknown trigger={} task={}", event, Quoted(task_id));
    return Status::Ok();
  }
  if (!update(*order)) {
    spdlog::warn("event=order_update_ignored trigger={} order={} status={}", event, Quoted(task_id),
                 OrderStatusName(order->status));
    return Status::Ok();
  }
  RETURN_IF_ERROR(store_.PutOrder(ctx.txn(), *order));
  spdlog::info("event=order_updated trigger={} order={} status={}", event, Quoted(task_id),
               OrderStatusName(order->status));
  return Status::Ok();
}

Status PortalHandlers::OnTaskRequested(HandlerContext& ctx, const tasks::TaskRequested& e) {
  // The limits of the portal's own fields (an order id, its description).
  RETURN_IF_ERROR(wire::CheckLength("task_id", e.task_id, 1, wire::kMaxIdBytes));
  RETURN_IF_ERROR(
      wire::CheckLength("description", e.description, 0, wire::kMaxOrderDescriptionBytes));
  ASSIGN_OR_RETURN(const std::optional<Order> existing, store_.GetOrder(ctx.txn(), e.task_id));
  if (existing) return Status::Ok();  // our own order's task (same id): nothing new
  if (e.copied_from.empty()) {
    spdlog::info("event=order_unknown trigger={} task={}", tasks::kTaskRequested,
                 Quoted(e.task_id));
    return Status::Ok();  // a task not requested through the portal
  }
  ASSIGN_OR_RETURN(std::optional<Order> original, store_.GetOrder(ctx.txn(), e.copied_from));
  if (!original) {
    spdlog::warn("event=copy_of_unknown_order task={} copied_from={}", Quoted(e.task_id),
                 Quoted(e.copied_from));
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(const std::optional<Account> account,
                   store_.AccountByClient(ctx.txn(), original->client_id));
  const int64_t discount = account ? account->discount_bps : 0;
  // description is optional on the wire: absent (""), the copy keeps the original's.
  std::optional<std::string> description;
  if (!e.description.empty()) description = e.description;
  Order copy = NewCopyOrder(*original, e.task_id, e.starts_at_ms, e.ends_at_ms,
                            std::move(description), ApproxCost(kPriceMinor, discount),
                            ctx.now_ms());
  RETURN_IF_ERROR(store_.PutOrder(ctx.txn(), copy));
  RETURN_IF_ERROR(store_.PutOrder(ctx.txn(), *original));
  spdlog::info("event=copy_order_created order={} copied_from={} client={} starts_at={}",
               Quoted(copy.id), Quoted(copy.copied_from), Quoted(copy.client_id),
               copy.starts_at_ms);
  return Status::Ok();
}

Status PortalHandlers::OnTaskAssigned(HandlerContext& ctx, const tasks::TaskAssigned& e) {
  const int64_t now = ctx.now_ms();
  return UpdateOrder(ctx, tasks::kTaskAssigned, e.task_id,
                     [&](Order& o) { return OnAssigned(o, e.worker_id, e.price_minor, now); });
}

Status PortalHandlers::OnKitIssued(HandlerContext& ctx, const schemas::supplies::KitIssued& e) {
  const int64_t now = ctx.now_ms();
  return UpdateOrder(ctx, schemas::supplies::kKitIssued, e.task_id,
                     [&](Order& o) { return portal::OnKitIssued(o, now); });
}

Status PortalHandlers::OnCheckedIn(HandlerContext& ctx, const tasks::CheckedIn& e) {
  const int64_t now = ctx.now_ms();
  return UpdateOrder(ctx, tasks::kCheckedIn, e.task_id,
                     [&](Order& o) { return portal::OnCheckedIn(o, now); });
}

Status PortalHandlers::OnTaskFinalized(HandlerContext& ctx, const tasks::TaskFinalized& e) {
  auto outcome = ParseOrderStatus(tasks::OutcomeName(e.outcome));
  if (!outcome) return Status::Internal("unmapped task outcome");
  const int64_t now = ctx.now_ms();
  return UpdateOrder(ctx, tasks::kTaskFinalized, e.task_id,
                     [&](Order& o) { return OnFinalized(o, *outcome, e.reason, now); });
}

Status PortalHandlers::OnCopyOffered(HandlerContext& ctx, const tasks::CopyOffered& e) {
  const int64_t now = ctx.now_ms();
  return UpdateOrder(ctx, tasks::kCopyOffered, e.task_id,
                     [&](Order& o) { return portal::OnCopyOffered(o, now); });
}

// ---- workers ----

Status PortalHandlers::OnWorkerHired(HandlerContext& ctx, const schemas::hiring::WorkerHired& e) {
  if (e.worker_id.size() > wire::kMaxWorkerIdBytes)
    return Status::Invalid("body.worker_id: at most " + std::to_string(wire::kMaxWorkerIdBytes) +
                           " bytes");
  ASSIGN_OR_RETURN(const auto existing, store_.GetWorker(ctx.txn(), e.worker_id));
  if (existing) return Status::Ok();  // hired once; a repeat changes nothing
  KnownWorker worker{e.worker_id, e.name, ctx.now_ms(), e.hired_by.value_or(""), false};
  RETURN_IF_ERROR(store_.PutWorker(ctx.txn(), worker));
  spdlog::info("event=worker_known worker={}", Quoted(worker.worker_id));
  return Status::Ok();
}

// ---- billing ----

template <typename Update>
Status PortalHandlers::UpdateAccount(HandlerContext& ctx, std::string_view event,
                                     const std::string& client_id, Update update) {
  std::optional<Account> account;
  if (client_id.size() <= wire::kMaxIdBytes) {  // a longer one is no client id the portal made
    ASSIGN_OR_RETURN(account, store_.AccountByClient(ctx.txn(), client_id));
  }
  if (!account) {
    spdlog::warn("event=client_unknown trigger={} client={}", event, Quoted(client_id));
    return Status::Ok();
  }
  if (!update(*account)) return Status::Ok();
  return store_.PutAccount(ctx.txn(), *account);
}

Status PortalHandlers::OnDiscountChanged(HandlerContext& ctx,
                                         const schemas::billing::DiscountChanged& e) {
  return UpdateAccount(ctx, schemas::billing::kDiscountChanged, e.client_id, [&](Account& a) {
    a.discount_bps = e.discount_percent * 100;
    spdlog::info("event=discount_changed client={} percent={}", Quoted(a.client_id),
                 e.discount_percent);
    return true;
  });
}

Status PortalHandlers::OnInvoiceStatusChanged(HandlerContext& ctx,
                                              const schemas::billing::InvoiceStatusChanged& e) {
  using schemas::billing::InvoiceStatus;
  const bool overdue = e.status == InvoiceStatus::kOverdue;
  if (e.kind != schemas::billing::InvoiceKind::kClient ||
      (!overdue && e.status != InvoiceStatus::kPaid))
    return Status::Ok();
  RETURN_IF_ERROR(wire::CheckLength("invoice_id", e.invoice_id, 1, wire::kMaxIdBytes));
  return UpdateAccount(ctx, schemas::billing::kInvoiceStatusChanged, e.owner_id, [&](Account& a) {
    std::vector<std::string> ids = a.overdue_invoices.value_or(std::vector<std::string>{});
    const auto at = std::find(ids.begin(), ids.end(), e.invoice_id);
    if (overdue == (at != ids.end())) return false;  // already so: a repeat changes nothing
    if (overdue && ids.size() >= kMaxOverdueInvoices) {
      spdlog::error("event=overdue_invoice_not_kept client={} invoice={} kept={}",
                    Quoted(a.client_id), Quoted(e.invoice_id), ids.size());
      return false;
    }
    if (overdue) {
      ids.push_back(e.invoice_id);
    } else {
      ids.erase(at);
    }
    spdlog::info("event=client_standing_changed client={} invoice={} status={} overdue={}",
                 Quoted(a.client_id), Quoted(e.invoice_id), overdue ? "overdue" : "paid",
                 ids.size());
    a.overdue_invoices = ids.empty() ? std::nullopt : std::optional(std::move(ids));
    return true;
  });
}

}  // namespace mcf::portal
