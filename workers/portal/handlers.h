// PortalHandlers: adapts the bus to the portal context. Identity (portal.sign_in,
// provision_staff, grant_worker_token, authenticate: tokens made at the edge, stored here),
// service types (list/create/update; "chores" is seeded into an empty store), orders
// (request_help publishes portal.help_requested; list_orders, get_order), the projection that
// keeps each order up to date from tasks.* and supplies.kit_issued events (workers/portal/
// orders.h), the workers known from hiring.worker_hired, and each client's standing from billing
// (the discount new orders get; the overdue invoices that block new requests, decision 031). Replies and events go out through the
// runtime, so they exist iff the change commits. Runs on the worker runtime's thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "lib/base/status.h"
#include "lib/store/lmdb.h"
#include "lib/worker/handler_context.h"
#include "lib/worker/typed_handler.h"
#include "schemas/billing.h"
#include "schemas/hiring.h"
#include "schemas/portal.h"
#include "schemas/supplies.h"
#include "schemas/tasks.h"
#include "workers/portal/portal_store.h"

namespace mcf::portal {

namespace wire = schemas::portal;

// The service type a fresh store starts with (deterministic, so a replay sees it too).
ServiceType SeedServiceType();
// Puts SeedServiceType() when the service_types db is empty, in its own transaction on `env`.
Status SeedIfEmpty(store::Env& env, PortalStore& store);

// Sign-in tokens a client keeps: each sign-in past this revokes the oldest (a store bounded by
// its clients, not by how often they sign in). The field limits are in schemas/portal.h.
inline constexpr size_t kMaxClientSessions = 8;

class PortalHandlers {
 public:
  explicit PortalHandlers(PortalStore store) : store_(store) {}

  // Opens the portal's databases on `runtime` (a worker::Worker, or a worker::Dispatcher in
  // tests), seeds the service types of an empty store and registers every handler. A non-ok
  // Status says what failed.
  template <typename Runtime>
  static Status Install(Runtime& runtime) {
    ASSIGN_OR_RETURN(PortalStore store, PortalStore::Open(runtime));
    RETURN_IF_ERROR(SeedIfEmpty(runtime.env(), store));
    auto self = std::make_shared<PortalHandlers>(store);
    for (Status s : {worker::Bind(runtime, self, &PortalHandlers::OnTaskRequested),
                     worker::Bind(runtime, self, &PortalHandlers::OnTaskAssigned),
                     worker::Bind(runtime, self, &PortalHandlers::OnCheckedIn),
                     worker::Bind(runtime, self, &PortalHandlers::OnTaskFinalized),
                     worker::Bind(runtime, self, &PortalHandlers::OnCopyOffered),
                     worker::Bind(runtime, self, &PortalHandlers::OnKitIssued),
                     worker::Bind(runtime, self, &PortalHandlers::OnWorkerHired),
                     worker::Bind(runtime, self, &PortalHandlers::OnDiscountChanged),
                     worker::Bind(runtime, self, &PortalHandlers::OnInvoiceStatusChanged),
                     worker::Bind(runtime, self, &PortalHandlers::CheckStanding),
                     worker::Bind(runtime, self, &PortalHandlers::SignIn),
                     worker::Bind(runtime, self, &PortalHandlers::ProvisionStaff),
                     worker::Bind(runtime, self, &PortalHandlers::GrantWorkerToken),
                     worker::Bind(runtime, self, &PortalHandlers::Authenticate),
                     worker::Bind(runtime, self, &PortalHandlers::ListServiceTypes),
                     worker::Bind(runtime, self, &PortalHandlers::CreateServiceType),
                     worker::Bind(runtime, self, &PortalHandlers::UpdateServiceType),
                     worker::Bind(runtime, self, &PortalHandlers::RequestHelp),
                     worker::Bind(runtime, self, &PortalHandlers::ListOrders),
                     worker::Bind(runtime, self, &PortalHandlers::GetOrder)})
      RETURN_IF_ERROR(s);
    return Status::Ok();
  }

  // Commands: the requests and replies declared in schemas/portal.h (docs/messages.md).
  // ---- identity ----
  // Any caller (the gateway); the token must be free or already this client's.
  Result<wire::SignInReply> SignIn(worker::HandlerContext& ctx, const wire::SignIn& r);
  // Admins only.
  Result<wire::StaffReply> ProvisionStaff(worker::HandlerContext& ctx,
                                          const wire::ProvisionStaff& r);
  // Admins only; not_found naming body.worker_id for a worker the portal has not seen in
  // hiring.worker_hired, unless just_hired (the caller got the id from hiring.import_worker's
  // reply, the event may still be on its way: docs/decisions/009).
  Result<wire::WorkerTokenReply> GrantWorkerToken(worker::HandlerContext& ctx,
                                                  const wire::GrantWorkerToken& r);
  // Any caller; not_found "unknown token".
  Result<wire::Principal> Authenticate(worker::HandlerContext& ctx, const wire::Authenticate& r);

  // ---- service types ----
  // Anyone.
  Result<wire::ServiceTypeList> ListServiceTypes(worker::HandlerContext& ctx,
                                                 const wire::ListServiceTypes& r);
  // Managers and admins; conflict on a duplicate name.
  Result<wire::ServiceType> CreateServiceType(worker::HandlerContext& ctx,
                                              const wire::CreateServiceType& r);
  // Managers and admins; not_found, conflict.
  Result<wire::ServiceType> UpdateServiceType(worker::HandlerContext& ctx,
                                              const wire::UpdateServiceType& r);

  // ---- orders ----
  // Clients with an account; publishes portal.help_requested.
  Result<wire::Order> RequestHelp(worker::HandlerContext& ctx, const wire::RequestHelp& r);
  // Clients see only their own; managers and admins all or one client's.
  Result<wire::OrderPage> ListOrders(worker::HandlerContext& ctx, const wire::ListOrders& r);
  // not_found for a missing order or one not the caller's.
  Result<wire::Order> GetOrder(worker::HandlerContext& ctx, const wire::GetOrder& r);
  // Clients only: conflict naming the oldest overdue invoice, else the discount and approx cost.
  Result<wire::Standing> CheckStanding(worker::HandlerContext& ctx, const wire::CheckStanding& r);

  // ---- the projection (unknown orders are logged and ignored) ----
  // A copy (copied_from set) of a known order creates the copy's order; anything else is ignored.
  Status OnTaskRequested(worker::HandlerContext& ctx, const schemas::tasks::TaskRequested& e);
  Status OnTaskAssigned(worker::HandlerContext& ctx, const schemas::tasks::TaskAssigned& e);
  Status OnKitIssued(worker::HandlerContext& ctx, const schemas::supplies::KitIssued& e);
  Status OnCheckedIn(worker::HandlerContext& ctx, const schemas::tasks::CheckedIn& e);
  Status OnTaskFinalized(worker::HandlerContext& ctx, const schemas::tasks::TaskFinalized& e);
  Status OnCopyOffered(worker::HandlerContext& ctx, const schemas::tasks::CopyOffered& e);

  // ---- workers ----
  // hiring.worker_hired: the worker becomes known (grant_worker_token may name it).
  Status OnWorkerHired(worker::HandlerContext& ctx, const schemas::hiring::WorkerHired& e);

  // ---- billing (a client the portal has no account for is logged and ignored) ----
  // The client's discount for new orders.
  Status OnDiscountChanged(worker::HandlerContext& ctx,
                           const schemas::billing::DiscountChanged& e);
  // A client invoice: overdue blocks the client's new requests, paid lifts that invoice's block.
  // Worker invoices and the other statuses change nothing here.
  Status OnInvoiceStatusChanged(worker::HandlerContext& ctx,
                                const schemas::billing::InvoiceStatusChanged& e);

 private:
  // Records token -> binding; conflict when the token stands for someone else already.
  Status BindToken(worker::HandlerContext& ctx, const std::string& token,
                   const TokenBinding& binding);
  // Loads the order named by the event's task_id and applies `update`; stores it if changed.
  template <typename Update>
  Status UpdateOrder(worker::HandlerContext& ctx, std::string_view event,
                     const std::string& task_id, Update update);

  // Loads the client's account, applies `update`, stores it; logs and ignores an unknown client.
  template <typename Update>
  Status UpdateAccount(worker::HandlerContext& ctx, std::string_view event,
                       const std::string& client_id, Update update);

  PortalStore store_;
};

}  // namespace mcf::portal
