#include "workers/supplies/supply_order.h"

#include <algorithm>
#include <utility>

#include "schemas/clock.h"

namespace mcf::supplies {

namespace wire = schemas::supplies;
namespace contractor = schemas::contractor;
using wire::CookieState;

namespace {

bool Pending(CookieState s) { return s == CookieState::kRequested || s == CookieState::kAccepted; }

// An answer about a try other than the current one (the order moved on, e.g. after a late
// cookie) is stale.
std::string StaleOrClosed(const wire::SupplyOrder& order, int64_t attempt) {
  if (order.status != wire::SupplyStatus::kWaiting)
    return std::string("the order is ") + std::string(schemas::NameOf(order.status));
  if (order.cookie.state == CookieState::kDelivered) return "the cookie is already delivered";
  if (attempt != order.cookie.attempts)
    return "an answer to try " + std::to_string(attempt) + ", the current is " +
           std::to_string(order.cookie.attempts);
  return "";
}

// The next try waits base * 2^(tries-1), at most cap.
int64_t Backoff(int64_t tries, const CookiePolicy& policy) {
  int64_t wait = policy.retry_base_ms;
  for (int64_t i = 1; i < tries && wait < policy.retry_cap_ms; ++i) wait *= 2;
  return std::min(wait, policy.retry_cap_ms);
}

void FailTry(wire::SupplyOrder& order, std::string error, int64_t now_ms,
             const CookiePolicy& policy) {
  wire::Cookie& c = order.cookie;
  c.state = CookieState::kFailed;
  c.last_error = std::move(error);
  c.expected_at_ms = 0;
  c.next_try_at_ms = now_ms + Backoff(c.attempts, policy);
  if (c.attempts >= policy.attention_after) c.needs_attention = true;
}

}  // namespace

std::vector<std::string> BasicKit() { return {std::string(kJobAcceptanceForm)}; }

std::string IdempotencyKey(std::string_view supply_order_id, int64_t attempt) {
  return std::string(supply_order_id) + "/" + std::to_string(attempt);
}

wire::SupplyOrder NewOrder(std::string id, std::string task_id, std::string worker_id,
                           std::string client_id, int64_t starts_at_ms, int64_t now_ms) {
  wire::SupplyOrder o;
  o.id = std::move(id);
  o.task_id = std::move(task_id);
  o.worker_id = std::move(worker_id);
  o.client_id = std::move(client_id);
  o.kit = BasicKit();
  o.status = wire::kStatusWaiting;
  o.created_at_ms = now_ms;
  o.starts_at_ms = starts_at_ms;
  o.cookie.state = CookieState::kRequested;
  o.cookie.attempts = 1;
  o.cookie.requested_at_ms = now_ms;
  return o;
}

wire::CookieRequested CookieRequestFor(const wire::SupplyOrder& order) {
  return wire::CookieRequested{IdempotencyKey(order.id, order.cookie.attempts), order.id,
                               order.cookie.attempts,                          order.client_id,
                               order.task_id,                                  order.starts_at_ms};
}

Applied ApplyAccepted(wire::SupplyOrder& order, const contractor::CookieAccepted& accepted) {
  if (std::string why = StaleOrClosed(order, accepted.attempt); !why.empty()) return {false, why};
  if (order.cookie.state != CookieState::kRequested)
    return {false, std::string("the try is already ") +
                       std::string(schemas::NameOf(order.cookie.state))};
  order.cookie.state = CookieState::kAccepted;
  order.cookie.expected_at_ms = accepted.expected_at_ms;
  return {true, ""};
}

Applied ApplyFailed(wire::SupplyOrder& order, const contractor::CookieFailed& failed,
                    int64_t now_ms, const CookiePolicy& policy) {
  if (std::string why = StaleOrClosed(order, failed.attempt); !why.empty()) return {false, why};
  if (!Pending(order.cookie.state))
    return {false, std::string("the try is already ") +
                       std::string(schemas::NameOf(order.cookie.state))};
  FailTry(order, "contractor: " + failed.error, now_ms, policy);
  return {true, ""};
}

Applied ApplyDelivered(wire::SupplyOrder& order, const contractor::CookieDelivered& delivered) {
  if (order.status != wire::SupplyStatus::kWaiting)
    return {false, std::string("the order is ") + std::string(schemas::NameOf(order.status))};
  if (order.cookie.state == CookieState::kDelivered)
    return {false, "the cookie is already delivered"};
  order.cookie.state = CookieState::kDelivered;
  order.cookie.delivered_at_ms = delivered.delivered_at_ms;
  order.cookie.next_try_at_ms = 0;
  order.cookie.needs_attention = false;
  order.kit.emplace_back(kFortuneCookie);
  order.complete = true;
  return {true, ""};
}

std::optional<int64_t> NextDue(const wire::SupplyOrder& order, const CookiePolicy& policy) {
  if (order.status != wire::SupplyStatus::kWaiting) return std::nullopt;
  if (order.cookie.state == CookieState::kFailed) return order.cookie.next_try_at_ms;
  if (order.cookie.state == CookieState::kAccepted)
    return order.cookie.expected_at_ms + policy.late_after_ms;
  return std::nullopt;
}

std::optional<wire::CookieRequested> NextTryIfDue(wire::SupplyOrder& order, int64_t now_ms,
                                                  const CookiePolicy& policy) {
  const std::optional<int64_t> due = NextDue(order, policy);
  if (!due || *due > now_ms) return std::nullopt;
  wire::Cookie& c = order.cookie;
  if (c.state == CookieState::kAccepted)
    FailTry(order, "late: no cookie by " + schemas::clock::Iso8601(c.expected_at_ms), now_ms,
            policy);
  c.state = CookieState::kRequested;
  c.attempts += 1;
  c.requested_at_ms = now_ms;
  c.next_try_at_ms = 0;
  return CookieRequestFor(order);
}

std::optional<wire::CookieRequestCanceled> Cancel(wire::SupplyOrder& order, int64_t now_ms,
                                                  bool* changed) {
  *changed = false;
  if (order.status != wire::SupplyStatus::kWaiting) return std::nullopt;
  *changed = true;
  order.status = wire::SupplyStatus::kCanceled;
  order.canceled_at_ms = now_ms;
  const bool pending = Pending(order.cookie.state);
  if (order.cookie.state != CookieState::kDelivered) order.cookie.state = CookieState::kCanceled;
  order.cookie.next_try_at_ms = 0;
  if (!pending) return std::nullopt;
  return wire::CookieRequestCanceled{IdempotencyKey(order.id, order.cookie.attempts), order.id};
}

Status Issue(wire::SupplyOrder& order, int64_t now_ms) {
  const std::string named = "supply order \"" + order.id + "\"";
  if (order.status == wire::SupplyStatus::kIssued)
    return Status::Conflict(named + " is already issued");
  if (order.status == wire::SupplyStatus::kCanceled)
    return Status::Conflict(named + " is canceled: its task ended without it");
  if (!order.complete) {
    const wire::Cookie& c = order.cookie;
    std::string how = "the kit is incomplete: waiting for its fortune cookie (try " +
                      std::to_string(c.attempts) + ", " + std::string(schemas::NameOf(c.state));
    if (c.state == CookieState::kAccepted)
      how += ", expected at " + schemas::clock::Iso8601(c.expected_at_ms);
    if (c.state == CookieState::kFailed)
      how += ", next try at " + schemas::clock::Iso8601(c.next_try_at_ms);
    if (!c.last_error.empty()) how += "; last error: " + c.last_error;
    return Status::Conflict(named + ": " + how + ")");
  }
  order.status = wire::kStatusIssued;
  order.issued_at_ms = now_ms;
  return Status::Ok();
}

}  // namespace mcf::supplies
