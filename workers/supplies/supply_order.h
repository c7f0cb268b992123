// The supplies domain without store or bus: what goes in a kit, and every state change of a
// supply order and its fortune cookie (SPEC 3, supplies). An order is made waiting with its
// cookie requested from the contractor (try 1); the contractor's answers move the cookie
// (accepted -> delivered, or failed -> tried again after a back-off); a cookie that does not
// come by its expected time plus `late_after` counts as a failed try; after `attention_after`
// tries without a cookie the order is flagged for staff (and still tried, at the capped
// interval). Only a complete kit (cookie delivered) is issued; a canceled task cancels its
// order and its pending cookie. Pure functions over schemas::supplies::SupplyOrder and the
// contractor's events; thread-safe. Every time is bus time, given by the caller.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/status.h"
#include "schemas/contractor.h"
#include "schemas/supplies.h"

namespace mcf::supplies {

inline constexpr std::string_view kJobAcceptanceForm = "Job Acceptance Form";
inline constexpr std::string_view kFortuneCookie = "Fortune cookie";

// How the cookie is chased. Defaults: retries after 1, 2, 4, 8, 16, 30, 30... minutes; a
// cookie 20 minutes past its expected time is late; flagged after 5 tries.
struct CookiePolicy {
  int64_t retry_base_ms = 60'000;
  int64_t retry_cap_ms = 30 * 60'000;
  int64_t late_after_ms = 20 * 60'000;
  int64_t attention_after = 5;
};

// The consumables every kit holds before its cookie, in packing order.
std::vector<std::string> BasicKit();

// "<supply order id>/<attempt>": names one try at the contractor.
std::string IdempotencyKey(std::string_view supply_order_id, int64_t attempt);

// A new waiting order for an assigned task, its cookie requested (try 1) at `now_ms`.
schemas::supplies::SupplyOrder NewOrder(std::string id, std::string task_id,
                                        std::string worker_id, std::string client_id,
                                        int64_t starts_at_ms, int64_t now_ms);

// The request for the order's current try.
schemas::supplies::CookieRequested CookieRequestFor(const schemas::supplies::SupplyOrder& order);

// What an answer did to the order: whether it changed, and why not when it did not (an answer
// to an older try, to a canceled order, a second delivery), for the log.
struct Applied {
  bool changed = false;
  std::string ignored_because;
};
Applied ApplyAccepted(schemas::supplies::SupplyOrder& order,
                      const schemas::contractor::CookieAccepted& accepted);
Applied ApplyFailed(schemas::supplies::SupplyOrder& order,
                    const schemas::contractor::CookieFailed& failed, int64_t now_ms,
                    const CookiePolicy& policy);
// A delivery of any try completes the kit (a late try may still arrive after a retry went out).
Applied ApplyDelivered(schemas::supplies::SupplyOrder& order,
                       const schemas::contractor::CookieDelivered& delivered);

// When the order next needs the clock: a failed try's next_try_at, an accepted cookie's
// expected_at + late_after; nullopt when nothing is due (requested and waiting for an answer,
// delivered, canceled, issued).
std::optional<int64_t> NextDue(const schemas::supplies::SupplyOrder& order,
                               const CookiePolicy& policy);

// At `now_ms`: when a try is due (a failed one's back-off passed, or an accepted cookie is
// late, which counts as a failed try), starts the next try and returns its request; nullopt
// when nothing was due.
std::optional<schemas::supplies::CookieRequested> NextTryIfDue(
    schemas::supplies::SupplyOrder& order, int64_t now_ms, const CookiePolicy& policy);

// The waiting order's task ended without its kit: canceled at `now_ms`, `*changed` true; returns
// the cancellation of the cookie try still pending at the contractor, if any. An issued or
// already canceled order is left as it is (nullopt, `*changed` false).
std::optional<schemas::supplies::CookieRequestCanceled> Cancel(
    schemas::supplies::SupplyOrder& order, int64_t now_ms, bool* changed);

// Marks `order` issued at `now_ms`; conflict (order unchanged) when it already is, when it was
// canceled, or when the kit is still waiting for its cookie (the message says how it stands).
Status Issue(schemas::supplies::SupplyOrder& order, int64_t now_ms);

}  // namespace mcf::supplies
