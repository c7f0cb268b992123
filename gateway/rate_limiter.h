// RateLimiter: a token bucket per client address (e.g. for the public application form).
//
// Each address gets `capacity` tokens, refilled at `refill_per_second`; a request takes one.
// The table is bounded: past `max_addresses` entries the least recently seen address is
// forgotten (it starts again with a full bucket), so a flood of addresses cannot grow memory
// without bound. Time comes from the injected Clock (which must outlive the limiter).
// Thread-safe (one mutex; the HTTP server calls it from many threads).
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "lib/base/clock.h"

namespace mcf::gateway {

struct RateLimiterConfig {
  double capacity = 10;          // burst size, tokens (>= 1)
  double refill_per_second = 1;  // sustained rate, tokens per second (> 0)
  size_t max_addresses = 10000;  // addresses remembered at most (>= 1)
};

struct RateDecision {
  bool allowed = false;
  Millis retry_after{0};  // when refused: how long until one token is back (for Retry-After)
};

class RateLimiter {
 public:
  RateLimiter(RateLimiterConfig config, const Clock& clock);

  // Takes one token from `address`'s bucket if it has one.
  RateDecision Allow(std::string_view address);
  // Addresses currently remembered (<= max_addresses).
  size_t size() const;

 private:
  struct Bucket {
    std::string address;
    double tokens;
    TimePoint updated;
  };
  using Lru = std::list<Bucket>;  // most recently seen first

  const RateLimiterConfig config_;
  const Clock& clock_;
  mutable std::mutex mu_;
  Lru lru_;
  std::unordered_map<std::string_view, Lru::iterator> index_;  // keys view lru_ addresses
};

}  // namespace mcf::gateway
