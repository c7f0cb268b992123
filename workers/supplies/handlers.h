// SuppliesHandlers: adapts the bus to the supply order board (workers/supplies/supply_order.h
// holds the rules). On tasks.task_assigned a waiting order with the basic kit is stored (once per
// task) and supplies.order_created and the cookie's first supplies.cookie_requested are
// published; the contractor's answers (contractor.cookie_*) move its cookie; clock.tick sends
// the tries that are due; tasks.task_finalized cancels the order of a task that ended without
// its kit (and its pending cookie: supplies.cookie_request_canceled). supplies.list and
// supplies.get read the board (supplies, manager or admin principal); supplies.issue (supplies
// or admin) marks a complete order issued once and publishes supplies.kit_issued.
// Nothing here answers the contractor's events with an event of its own: a cookie's progress is
// board state, so the order of the log never depends on how supplies' reactions interleave
// with the adapter's (docs/outside-systems.md). Runs on the runtime's thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "lib/base/status.h"
#include "lib/worker/handler_context.h"
#include "lib/worker/typed_handler.h"
#include "schemas/clock.h"
#include "schemas/contractor.h"
#include "schemas/supplies.h"
#include "schemas/tasks.h"
#include "workers/supplies/supplies_store.h"
#include "workers/supplies/supply_order.h"

namespace mcf::supplies {

// The tasks context's event that makes an order.
inline constexpr std::string_view kTaskAssigned = schemas::tasks::kTaskAssigned;

class SuppliesHandlers {
 public:
  SuppliesHandlers(SuppliesStore store, CookiePolicy policy) : store_(store), policy_(policy) {}

  // Opens supplies' databases on `runtime` (a worker::Worker, or a worker::Dispatcher in tests)
  // and registers every handler. A non-ok Status says what failed.
  template <typename Runtime>
  static Status Install(Runtime& runtime, CookiePolicy policy = {}) {
    ASSIGN_OR_RETURN(SuppliesStore store, SuppliesStore::Open(runtime));
    auto self = std::make_shared<SuppliesHandlers>(store, policy);
    for (Status s : {worker::Bind(runtime, self, &SuppliesHandlers::OnTaskAssigned),
                     worker::Bind(runtime, self, &SuppliesHandlers::OnTaskFinalized),
                     worker::Bind(runtime, self, &SuppliesHandlers::OnCookieAccepted),
                     worker::Bind(runtime, self, &SuppliesHandlers::OnCookieFailed),
                     worker::Bind(runtime, self, &SuppliesHandlers::OnCookieDelivered),
                     worker::Bind(runtime, self, &SuppliesHandlers::OnClockTick),
                     worker::Bind(runtime, self, &SuppliesHandlers::List),
                     worker::Bind(runtime, self, &SuppliesHandlers::Get),
                     worker::Bind(runtime, self, &SuppliesHandlers::Issue)})
      RETURN_IF_ERROR(s);
    return Status::Ok();
  }

  // The task's waiting order, and its cookie's first try; a task that already has an order is
  // ignored (logged).
  Status OnTaskAssigned(worker::HandlerContext& ctx, const schemas::tasks::TaskAssigned& assigned);
  // A task that ended while its order waits cancels the order (and its pending cookie).
  Status OnTaskFinalized(worker::HandlerContext& ctx,
                         const schemas::tasks::TaskFinalized& finalized);
  Status OnCookieAccepted(worker::HandlerContext& ctx,
                          const schemas::contractor::CookieAccepted& accepted);
  Status OnCookieFailed(worker::HandlerContext& ctx,
                        const schemas::contractor::CookieFailed& failed);
  Status OnCookieDelivered(worker::HandlerContext& ctx,
                           const schemas::contractor::CookieDelivered& delivered);
  // Sends every try that is due at the tick (a failed try's back-off passed, a late cookie).
  Status OnClockTick(worker::HandlerContext& ctx, const schemas::clock::Tick& tick);

  // supplies.list: a page of the board; forbidden unless supplies, manager or admin.
  Result<schemas::supplies::Board> List(worker::HandlerContext& ctx,
                                        const schemas::supplies::ListRequest& request);
  // supplies.get: one order; forbidden as for list; not_found for an unknown id.
  Result<schemas::supplies::SupplyOrder> Get(worker::HandlerContext& ctx,
                                             const schemas::supplies::GetRequest& request);
  // supplies.issue: the issued order; forbidden unless supplies or admin; not_found for an
  // unknown id; conflict when already issued, canceled, or waiting for its cookie.
  Result<schemas::supplies::SupplyOrder> Issue(worker::HandlerContext& ctx,
                                               const schemas::supplies::IssueRequest& request);

 private:
  // Stores `order` filed under its next due time.
  Status Save(worker::HandlerContext& ctx, const schemas::supplies::SupplyOrder& order);
  // The order a contractor's answer names; nullopt (logged) for one supplies does not know.
  Result<std::optional<schemas::supplies::SupplyOrder>> OrderAnswered(
      worker::HandlerContext& ctx, std::string_view type, const std::string& supply_order_id);

  SuppliesStore store_;
  CookiePolicy policy_;
};

}  // namespace mcf::supplies
