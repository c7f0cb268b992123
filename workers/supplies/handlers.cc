#include "workers/supplies/handlers.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "lib/base/log.h"
#include "workers/supplies/kit.h"

namespace mcf::supplies {
namespace {

namespace wire = schemas::supplies;
using worker::HandlerContext;

std::string RoleOf(const HandlerContext& ctx) {
  const auto& p = ctx.message().principal;
  return p ? p->role : std::string();
}

}  // namespace

Status SuppliesHandlers::OnTaskAssigned(HandlerContext& ctx,
                                        const schemas::tasks::TaskAssigned& assigned) {
  // One order per task: a re-published assignment changes nothing.
  ASSIGN_OR_RETURN(const std::optional<std::string> existing,
                   store_.OrderIdForTask(ctx.txn(), assigned.task_id));
  if (existing) {
    spdlog::warn("event=supply_order_exists task={} supply_order={}", Quoted(assigned.task_id),
                 Quoted(*existing));
    return Status::Ok();
  }
  wire::SupplyOrder order = NewOrder(ctx.NewId("supply"), assigned.task_id, assigned.worker_id,
                                     assigned.client_id, ctx.now_ms());
  RETURN_IF_ERROR(store_.PutOrder(ctx.txn(), order));
  // The board is how supplies staff are notified: the order is on it from now on.
  spdlog::info("event=supply_order_created supply_order={} task={} worker={} kit_items={}",
               Quoted(order.id), Quoted(order.task_id), Quoted(order.worker_id), order.kit.size());
  return Status::Ok();
}

Result<wire::Board> SuppliesHandlers::List(HandlerContext& ctx, const wire::ListRequest& request) {
  if (std::string role = RoleOf(ctx); role != "supplies" && role != "manager" && role != "admin") {
    spdlog::warn("event=supplies_list_forbidden role={}", Quoted(role));
    return Status::Forbidden("supplies.list: supplies staff, managers or admins only");
  }
  ASSIGN_OR_RETURN(std::vector<wire::SupplyOrder> orders, store_.List(ctx.txn(), request.status));
  return wire::Board{std::move(orders)};
}

Result<wire::SupplyOrder> SuppliesHandlers::Issue(HandlerContext& ctx,
                                                  const wire::IssueRequest& request) {
  // Admin is the operator and may stand in for any staff role (docs/decisions/006).
  if (std::string role = RoleOf(ctx); role != "supplies" && role != "admin") {
    spdlog::warn("event=supplies_issue_forbidden role={}", Quoted(role));
    return Status::Forbidden("supplies.issue: supplies staff (or an admin) only");
  }
  ASSIGN_OR_RETURN(std::optional<wire::SupplyOrder> order,
                   store_.GetOrder(ctx.txn(), request.supply_order_id));
  if (!order) return Status::NotFound("no supply order \"" + request.supply_order_id + "\"");
  RETURN_IF_ERROR(supplies::Issue(*order, ctx.now_ms()));
  RETURN_IF_ERROR(store_.PutOrder(ctx.txn(), *order));
  wire::KitIssued issued{order->task_id, order->id};
  RETURN_IF_ERROR(ctx.Publish(issued));
  spdlog::info("event=kit_issued supply_order={} task={}", Quoted(issued.supply_order_id),
               Quoted(issued.task_id));
  return std::move(*order);
}

}  // namespace mcf::supplies
