// Orders: the client's side of a task (an order and its task share one id). The Order record
// and the plain functions that keep it up to date from the tasks/supplies events; no store, no
// bus, no clock (callers pass the bus time). Each On* function returns true when it changed the
// order and false when the event does not apply (a repeat, or an order already final), so a
// handler can log and ignore it. Thread-safe (pure functions over values).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schemas/portal.h"

namespace mcf::portal {

// The wire's status (schemas/portal.h), so the record needs no second name table.
using OrderStatus = schemas::portal::OrderStatus;

// "requested", "assigned", "checked_in", "completed", "failed", "canceled" (wire strings).
std::string_view OrderStatusName(OrderStatus status);
std::optional<OrderStatus> ParseOrderStatus(std::string_view name);
// completed, failed and canceled are final: later events change nothing.
bool IsFinal(OrderStatus status);

// One line of the order's history: {at, event, detail?}.
struct TimelineEntry {
  int64_t at_ms = 0;   // bus time
  std::string event;   // requested, assigned, kit_issued, checked_in, completed, ...
  std::string detail;  // "" = none (a worker id, a failure reason, a copy's id)
  bool operator==(const TimelineEntry&) const = default;
};

struct Order {
  std::string id;  // = the task's id
  std::string client_id;
  std::string service_type_id;
  std::string description;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  int64_t approx_cost = 0;  // minor units, fixed at request time
  OrderStatus status = OrderStatus::kRequested;
  std::string worker_id;    // "" until assigned
  int64_t price_minor = 0;  // 0 until assigned
  bool kit_issued = false;
  bool copy_offered = false;
  std::string copied_from;  // "" unless this order is a copy after a no-show
  std::string reason;       // "" unless finalized with one ("no_show", the worker's reason)
  std::vector<TimelineEntry> timeline;
  bool operator==(const Order&) const = default;
};

// Timeline event names (besides the final statuses' names).
inline constexpr std::string_view kEventRequested = "requested";
inline constexpr std::string_view kEventAssigned = "assigned";
inline constexpr std::string_view kEventKitIssued = "kit_issued";
inline constexpr std::string_view kEventCheckedIn = "checked_in";
inline constexpr std::string_view kEventCopyOffered = "copy_offered";
inline constexpr std::string_view kEventCopied = "copied";  // on the original; detail = copy id

// A new order, status requested, timeline [{now, "requested"}].
Order NewOrder(std::string id, std::string client_id, std::string service_type_id,
               std::string description, int64_t starts_at_ms, int64_t ends_at_ms,
               int64_t approx_cost, int64_t now_ms);

// The order for `original`'s copy (a no-show's re-order, made by tasks.copy): the original's
// client, service type and description (unless `description` is given), the copy's own
// appointment and estimate, copied_from = original.id; timeline [{now, "requested", "copy of
// <original>"}]. Also records {now, "copied", <copy id>} on `original`.
Order NewCopyOrder(Order& original, std::string copy_id, int64_t starts_at_ms, int64_t ends_at_ms,
                   std::optional<std::string> description, int64_t approx_cost, int64_t now_ms);

// tasks.task_assigned: requested -> assigned with the worker and the price.
bool OnAssigned(Order& order, std::string worker_id, int64_t price_minor, int64_t now_ms);
// supplies.kit_issued: sets kit_issued (once; not on a final order).
bool OnKitIssued(Order& order, int64_t now_ms);
// tasks.checked_in: assigned -> checked_in.
bool OnCheckedIn(Order& order, int64_t now_ms);
// tasks.task_finalized: any non-final status -> `outcome` (completed|failed|canceled), with the
// reason ("" = none). REQUIRES: IsFinal(outcome).
bool OnFinalized(Order& order, OrderStatus outcome, std::string reason, int64_t now_ms);
// tasks.copy_offered: sets copy_offered (once).
bool OnCopyOffered(Order& order, int64_t now_ms);

}  // namespace mcf::portal
