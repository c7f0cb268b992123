#include "workers/portal/orders.h"

#include <utility>

namespace mcf::portal {
namespace {

void Note(Order& order, int64_t now_ms, std::string_view event, std::string detail = {}) {
  order.timeline.push_back({now_ms, std::string(event), std::move(detail)});
}

}  // namespace

std::string_view OrderStatusName(OrderStatus status) { return schemas::NameOf(status); }

std::optional<OrderStatus> ParseOrderStatus(std::string_view name) {
  for (const auto& n : schemas::portal::kOrderStatusNames)
    if (n.name == name) return n.value;
  return std::nullopt;
}

bool IsFinal(OrderStatus status) {
  return status == OrderStatus::kCompleted || status == OrderStatus::kFailed ||
         status == OrderStatus::kCanceled;
}

Order NewOrder(std::string id, std::string client_id, std::string service_type_id,
               std::string description, int64_t starts_at_ms, int64_t ends_at_ms,
               int64_t approx_cost, int64_t now_ms) {
  Order o;
  o.id = std::move(id);
  o.client_id = std::move(client_id);
  o.service_type_id = std::move(service_type_id);
  o.description = std::move(description);
  o.starts_at_ms = starts_at_ms;
  o.ends_at_ms = ends_at_ms;
  o.approx_cost = approx_cost;
  Note(o, now_ms, kEventRequested);
  return o;
}

Order NewCopyOrder(Order& original, std::string copy_id, int64_t starts_at_ms, int64_t ends_at_ms,
                   std::optional<std::string> description, int64_t approx_cost, int64_t now_ms) {
  Order copy;
  copy.id = std::move(copy_id);
  copy.client_id = original.client_id;
  copy.service_type_id = original.service_type_id;
  copy.description = description ? std::move(*description) : original.description;
  copy.starts_at_ms = starts_at_ms;
  copy.ends_at_ms = ends_at_ms;
  copy.approx_cost = approx_cost;
  copy.copied_from = original.id;
  Note(copy, now_ms, kEventRequested, "copy of " + original.id);
  Note(original, now_ms, kEventCopied, copy.id);
  return copy;
}

bool OnAssigned(Order& order, std::string worker_id, int64_t price_minor, int64_t now_ms) {
  if (order.status != OrderStatus::kRequested) return false;
  order.status = OrderStatus::kAssigned;
  order.worker_id = std::move(worker_id);
  order.price_minor = price_minor;
  Note(order, now_ms, kEventAssigned, order.worker_id);
  return true;
}

bool OnKitIssued(Order& order, int64_t now_ms) {
  if (order.kit_issued || IsFinal(order.status)) return false;
  order.kit_issued = true;
  Note(order, now_ms, kEventKitIssued);
  return true;
}

bool OnCheckedIn(Order& order, int64_t now_ms) {
  if (order.status != OrderStatus::kAssigned) return false;
  order.status = OrderStatus::kCheckedIn;
  Note(order, now_ms, kEventCheckedIn);
  return true;
}

bool OnFinalized(Order& order, OrderStatus outcome, std::string reason, int64_t now_ms) {
  if (IsFinal(order.status) || !IsFinal(outcome)) return false;
  order.status = outcome;
  order.reason = std::move(reason);
  Note(order, now_ms, OrderStatusName(outcome), order.reason);
  return true;
}

bool OnCopyOffered(Order& order, int64_t now_ms) {
  if (order.copy_offered) return false;
  order.copy_offered = true;
  Note(order, now_ms, kEventCopyOffered);
  return true;
}

}  // namespace mcf::portal
