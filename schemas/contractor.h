// The contractor family: what the fortune-cookie contractor's adapter (adapters/contractor,
// `mcf-contractor-sim` by default) publishes after calling the contractor, each message declared
// once (schemas/declare.h). The adapter is a bus peer of role `outside` (docs/outside-systems.md):
// a capture marks these events as coming from outside the system and replay feeds them as
// inputs. Every event names the try it answers by the idempotency key supplies gave it
// (schemas/supplies.h, CookieRequested). Times are ms since the Unix epoch (bus time).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>

#include "lib/base/status.h"
#include "schemas/codec.h"
#include "schemas/declare.h"

namespace mcf::schemas::contractor {

using schemas::Decode;
using schemas::Encode;

// The contractor took the order: the cookie will reach the warehouse by expected_at.
struct CookieAccepted {
  static constexpr MessageInfo kInfo =
      Event("contractor.cookie_accepted", "the contractor took a fortune cookie order");
  std::string idempotency_key;
  std::string supply_order_id;
  int64_t attempt = 1;
  int64_t expected_at_ms = 0;
  bool operator==(const CookieAccepted&) const = default;
  static constexpr auto Fields() {
    using T = CookieAccepted;
    return std::tuple{Field("idempotency_key", &T::idempotency_key).NonEmpty(),
                      Field("supply_order_id", &T::supply_order_id).NonEmpty(),
                      Field("attempt", &T::attempt).Min(1),
                      Field("expected_at", &T::expected_at_ms).Doc("due at the warehouse")};
  }
};

// The contractor refused or could not take the order; supplies tries again later.
struct CookieFailed {
  static constexpr MessageInfo kInfo =
      Event("contractor.cookie_failed", "a fortune cookie order failed at the contractor");
  std::string idempotency_key;
  std::string supply_order_id;
  int64_t attempt = 1;
  std::string error;
  bool operator==(const CookieFailed&) const = default;
  static constexpr auto Fields() {
    using T = CookieFailed;
    return std::tuple{Field("idempotency_key", &T::idempotency_key).NonEmpty(),
                      Field("supply_order_id", &T::supply_order_id).NonEmpty(),
                      Field("attempt", &T::attempt).Min(1),
                      Field("error", &T::error).NonEmpty().MaxLength(500).Doc(
                          "what the contractor said")};
  }
};

// The cookie reached the warehouse.
struct CookieDelivered {
  static constexpr MessageInfo kInfo =
      Event("contractor.cookie_delivered", "a fortune cookie reached the warehouse");
  std::string idempotency_key;
  std::string supply_order_id;
  int64_t attempt = 1;
  int64_t delivered_at_ms = 0;
  bool operator==(const CookieDelivered&) const = default;
  static constexpr auto Fields() {
    using T = CookieDelivered;
    return std::tuple{Field("idempotency_key", &T::idempotency_key).NonEmpty(),
                      Field("supply_order_id", &T::supply_order_id).NonEmpty(),
                      Field("attempt", &T::attempt).Min(1),
                      Field("delivered_at", &T::delivered_at_ms)};
  }
};

// The simulated contractor's own counters: what the outside party did, as opposed to what the
// bus saw. `orders` counts cookies actually ordered (one per idempotency key).
struct SimStats {
  int64_t calls = 0;
  int64_t orders = 0;
  int64_t repeated_calls = 0;
  int64_t failures = 0;
  int64_t deliveries = 0;
  int64_t cancellations = 0;
  bool operator==(const SimStats&) const = default;
  static constexpr auto Fields() {
    using T = SimStats;
    return std::tuple{
        Field("calls", &T::calls).Doc("order calls the contractor received"),
        Field("orders", &T::orders).Doc("distinct idempotency keys: cookies ordered"),
        Field("repeated_calls", &T::repeated_calls).Doc("calls with a key it had seen"),
        Field("failures", &T::failures).Doc("orders it failed"),
        Field("deliveries", &T::deliveries).Doc("cookies the adapter announced delivered"),
        Field("cancellations", &T::cancellations).Doc("orders canceled before delivery")};
  }
};

struct Stats {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("contractor.stats", "the simulated contractor's counters");
  using Reply = SimStats;
  static constexpr auto Fields() { return std::tuple{}; }
};

inline constexpr std::string_view kCookieAccepted = CookieAccepted::kInfo.type;
inline constexpr std::string_view kCookieFailed = CookieFailed::kInfo.type;
inline constexpr std::string_view kCookieDelivered = CookieDelivered::kInfo.type;
inline constexpr std::string_view kStats = Stats::kInfo.type;

// The declared messages of this family, for the registry.
using Messages = std::tuple<CookieAccepted, CookieFailed, CookieDelivered, Stats>;

}  // namespace mcf::schemas::contractor
