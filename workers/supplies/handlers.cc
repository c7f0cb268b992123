#include "workers/supplies/handlers.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "lib/base/log.h"

namespace mcf::supplies {
namespace {

namespace wire = schemas::supplies;
namespace contractor = schemas::contractor;
using worker::HandlerContext;

// Admin is the operator and may stand in for any staff role (docs/decisions/006).
Status MayRead(const HandlerContext& ctx, std::string_view what) {
  if (std::string role = ctx.role(); role != "supplies" && role != "manager" && role != "admin") {
    spdlog::warn("event=supplies_read_forbidden what={} role={}", what, Quoted(role));
    return Status::Forbidden(std::string(what) + ": supplies staff, managers or admins only");
  }
  return Status::Ok();
}

void LogIgnored(std::string_view type, const wire::SupplyOrder& order, int64_t attempt,
                const Applied& applied) {
  spdlog::info("event=cookie_answer_ignored type={} supply_order={} attempt={} why={}", type,
               Quoted(order.id), attempt, Quoted(applied.ignored_because));
}

}  // namespace

Status SuppliesHandlers::Save(HandlerContext& ctx, const wire::SupplyOrder& order) {
  return store_.PutOrder(ctx.txn(), order, NextDue(order, policy_));
}

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
                                     assigned.client_id, assigned.starts_at_ms, ctx.now_ms());
  RETURN_IF_ERROR(Save(ctx, order));
  RETURN_IF_ERROR(ctx.Publish(wire::OrderCreated{order.id, order.task_id, order.worker_id,
                                                 order.client_id, order.kit, order.starts_at_ms}));
  const wire::CookieRequested request = CookieRequestFor(order);
  RETURN_IF_ERROR(ctx.Publish(request));
  spdlog::info("event=supply_order_created supply_order={} task={} worker={} kit_items={} "
               "cookie_key={}",
               Quoted(order.id), Quoted(order.task_id), Quoted(order.worker_id), order.kit.size(),
               Quoted(request.idempotency_key));
  return Status::Ok();
}

Status SuppliesHandlers::OnTaskFinalized(HandlerContext& ctx,
                                         const schemas::tasks::TaskFinalized& finalized) {
  ASSIGN_OR_RETURN(const std::optional<std::string> id,
                   store_.OrderIdForTask(ctx.txn(), finalized.task_id));
  if (!id) return Status::Ok();  // never assigned: no order
  ASSIGN_OR_RETURN(std::optional<wire::SupplyOrder> order, store_.GetOrder(ctx.txn(), *id));
  if (!order) return Status::Internal("supplies store: by_task names a missing order " + *id);
  bool changed = false;
  const std::optional<wire::CookieRequestCanceled> dropped = Cancel(*order, ctx.now_ms(), &changed);
  if (!changed) return Status::Ok();  // issued (the job ran) or already canceled
  RETURN_IF_ERROR(Save(ctx, *order));
  if (dropped) RETURN_IF_ERROR(ctx.Publish(*dropped));
  spdlog::info("event=supply_order_canceled supply_order={} task={} outcome={} cookie_dropped={}",
               Quoted(order->id), Quoted(order->task_id),
               schemas::tasks::OutcomeName(finalized.outcome), dropped.has_value());
  return Status::Ok();
}

Result<std::optional<wire::SupplyOrder>> SuppliesHandlers::OrderAnswered(
    HandlerContext& ctx, std::string_view type, const std::string& supply_order_id) {
  ASSIGN_OR_RETURN(std::optional<wire::SupplyOrder> order,
                   store_.GetOrder(ctx.txn(), supply_order_id));
  if (!order)
    spdlog::warn("event=cookie_answer_for_unknown_order type={} supply_order={}", type,
                 Quoted(supply_order_id));
  return order;
}

Status SuppliesHandlers::OnCookieAccepted(HandlerContext& ctx,
                                          const contractor::CookieAccepted& accepted) {
  ASSIGN_OR_RETURN(std::optional<wire::SupplyOrder> order,
                   OrderAnswered(ctx, contractor::kCookieAccepted, accepted.supply_order_id));
  if (!order) return Status::Ok();
  const Applied applied = ApplyAccepted(*order, accepted);
  if (!applied.changed) {
    LogIgnored(contractor::kCookieAccepted, *order, accepted.attempt, applied);
    return Status::Ok();
  }
  spdlog::info("event=cookie_accepted supply_order={} attempt={} expected_at={}", Quoted(order->id),
               accepted.attempt, schemas::clock::Iso8601(accepted.expected_at_ms));
  return Save(ctx, *order);
}

Status SuppliesHandlers::OnCookieFailed(HandlerContext& ctx, const contractor::CookieFailed& failed) {
  ASSIGN_OR_RETURN(std::optional<wire::SupplyOrder> order,
                   OrderAnswered(ctx, contractor::kCookieFailed, failed.supply_order_id));
  if (!order) return Status::Ok();
  const Applied applied = ApplyFailed(*order, failed, ctx.now_ms(), policy_);
  if (!applied.changed) {
    LogIgnored(contractor::kCookieFailed, *order, failed.attempt, applied);
    return Status::Ok();
  }
  const wire::Cookie& c = order->cookie;
  spdlog::log(c.needs_attention ? spdlog::level::warn : spdlog::level::info,
              "event=cookie_failed supply_order={} attempt={} error={} next_try_at={} "
              "needs_attention={}",
              Quoted(order->id), failed.attempt, Quoted(failed.error),
              schemas::clock::Iso8601(c.next_try_at_ms), c.needs_attention);
  return Save(ctx, *order);
}

Status SuppliesHandlers::OnCookieDelivered(HandlerContext& ctx,
                                           const contractor::CookieDelivered& delivered) {
  ASSIGN_OR_RETURN(std::optional<wire::SupplyOrder> order,
                   OrderAnswered(ctx, contractor::kCookieDelivered, delivered.supply_order_id));
  if (!order) return Status::Ok();
  const Applied applied = ApplyDelivered(*order, delivered);
  if (!applied.changed) {
    LogIgnored(contractor::kCookieDelivered, *order, delivered.attempt, applied);
    return Status::Ok();
  }
  spdlog::info("event=cookie_delivered supply_order={} attempt={} delivered_at={} kit_complete=true",
               Quoted(order->id), delivered.attempt,
               schemas::clock::Iso8601(delivered.delivered_at_ms));
  return Save(ctx, *order);
}

Status SuppliesHandlers::OnClockTick(HandlerContext& ctx, const schemas::clock::Tick& tick) {
  ASSIGN_OR_RETURN(const std::vector<std::string> due, store_.DueBy(ctx.txn(), tick.at_ms));
  for (const std::string& id : due) {
    ASSIGN_OR_RETURN(std::optional<wire::SupplyOrder> order, store_.GetOrder(ctx.txn(), id));
    if (!order) return Status::Internal("supplies store: cookie_due names a missing order " + id);
    const std::optional<wire::CookieRequested> request = NextTryIfDue(*order, tick.at_ms, policy_);
    RETURN_IF_ERROR(Save(ctx, *order));  // files it again (or takes it off the due list)
    if (!request) continue;
    RETURN_IF_ERROR(ctx.Publish(*request));
    spdlog::info("event=cookie_retried supply_order={} attempt={} last_error={}", Quoted(id),
                 request->attempt, Quoted(order->cookie.last_error));
  }
  return Status::Ok();
}

Result<wire::Board> SuppliesHandlers::List(HandlerContext& ctx, const wire::ListRequest& request) {
  RETURN_IF_ERROR(MayRead(ctx, wire::kList));
  return store_.Board(ctx.txn(), BoardQuery{request.status, request.needs_attention,
                                            static_cast<size_t>(request.limit), request.before,
                                            request.task_id});
}

Result<wire::SupplyOrder> SuppliesHandlers::Get(HandlerContext& ctx, const wire::GetRequest& request) {
  RETURN_IF_ERROR(MayRead(ctx, wire::kGet));
  ASSIGN_OR_RETURN(std::optional<wire::SupplyOrder> order,
                   store_.GetOrder(ctx.txn(), request.supply_order_id));
  if (!order) return Status::NotFound("no supply order \"" + request.supply_order_id + "\"");
  return std::move(*order);
}

Result<wire::SupplyOrder> SuppliesHandlers::Issue(HandlerContext& ctx,
                                                  const wire::IssueRequest& request) {
  if (std::string role = ctx.role(); role != "supplies" && role != "admin") {
    spdlog::warn("event=supplies_issue_forbidden role={}", Quoted(role));
    return Status::Forbidden("supplies.issue: supplies staff (or an admin) only");
  }
  ASSIGN_OR_RETURN(std::optional<wire::SupplyOrder> order,
                   store_.GetOrder(ctx.txn(), request.supply_order_id));
  if (!order) return Status::NotFound("no supply order \"" + request.supply_order_id + "\"");
  if (Status s = supplies::Issue(*order, ctx.now_ms()); !s.ok()) {
    spdlog::info("event=supplies_issue_refused supply_order={} why={}", Quoted(order->id),
                 Quoted(s.message()));
    return s;
  }
  RETURN_IF_ERROR(Save(ctx, *order));
  wire::KitIssued issued{order->task_id, order->id};
  RETURN_IF_ERROR(ctx.Publish(issued));
  spdlog::info("event=kit_issued supply_order={} task={}", Quoted(issued.supply_order_id),
               Quoted(issued.task_id));
  return std::move(*order);
}

}  // namespace mcf::supplies
