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

Result<std::string> NonEmptyString(const schemas::Body& body, std::string_view field) {
  auto v = body.String(field);
  if (!v.ok()) return v.status();
  if (v->empty())
    return Status::Invalid(body.path() + "." + std::string(field) + ": must not be empty");
  return v;
}

}  // namespace

Status SuppliesHandlers::OnTaskAssigned(HandlerContext& ctx, const schemas::Body& body) {
  auto task_id = NonEmptyString(body, "task_id");
  if (!task_id.ok()) return task_id.status();
  auto worker_id = NonEmptyString(body, "worker_id");
  if (!worker_id.ok()) return worker_id.status();
  auto client_id = body.String("client_id");
  if (!client_id.ok()) return client_id.status();

  // One order per task: a re-published assignment changes nothing.
  auto existing = store_.OrderIdForTask(ctx.txn(), *task_id);
  if (!existing.ok()) return existing.status();
  if (*existing) {
    spdlog::warn("event=supply_order_exists task={} supply_order={}", Quoted(*task_id),
                 Quoted(**existing));
    return Status::Ok();
  }
  wire::SupplyOrder order = NewOrder(ctx.NewId("supply"), std::move(*task_id),
                                     std::move(*worker_id), std::move(*client_id), ctx.now_ms());
  RETURN_IF_ERROR(store_.PutOrder(ctx.txn(), order));
  // The board is how supplies staff are notified: the order is on it from now on.
  spdlog::info("event=supply_order_created supply_order={} task={} worker={} kit_items={}",
               Quoted(order.id), Quoted(order.task_id), Quoted(order.worker_id), order.kit.size());
  return Status::Ok();
}

Result<std::string> SuppliesHandlers::List(HandlerContext& ctx, const schemas::Body& /*body*/) {
  if (std::string role = RoleOf(ctx); role != "supplies" && role != "manager" && role != "admin") {
    spdlog::warn("event=supplies_list_forbidden role={}", Quoted(role));
    return Status::Forbidden("supplies.list: supplies staff, managers or admins only");
  }
  auto request = wire::DecodeListRequest(ctx.message().body);
  if (!request.ok()) return request.status();
  auto orders = store_.List(ctx.txn(), request->status);
  if (!orders.ok()) return orders.status();
  return wire::Encode(wire::Board{std::move(*orders)});
}

Result<std::string> SuppliesHandlers::Issue(HandlerContext& ctx, const schemas::Body& /*body*/) {
  // Admin is the operator and may stand in for any staff role (docs/decisions/006).
  if (std::string role = RoleOf(ctx); role != "supplies" && role != "admin") {
    spdlog::warn("event=supplies_issue_forbidden role={}", Quoted(role));
    return Status::Forbidden("supplies.issue: supplies staff (or an admin) only");
  }
  auto request = wire::DecodeIssueRequest(ctx.message().body);
  if (!request.ok()) return request.status();
  auto order = store_.GetOrder(ctx.txn(), request->supply_order_id);
  if (!order.ok()) return order.status();
  if (!*order) return Status::NotFound("no supply order \"" + request->supply_order_id + "\"");
  RETURN_IF_ERROR(supplies::Issue(**order, ctx.now_ms()));
  RETURN_IF_ERROR(store_.PutOrder(ctx.txn(), **order));
  wire::KitIssued issued{(*order)->task_id, (*order)->id};
  RETURN_IF_ERROR(ctx.Publish(wire::kKitIssued, wire::Encode(issued)));
  spdlog::info("event=kit_issued supply_order={} task={}", Quoted(issued.supply_order_id),
               Quoted(issued.task_id));
  return wire::Encode(**order);
}

}  // namespace mcf::supplies
