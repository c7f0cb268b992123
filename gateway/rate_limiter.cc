#include "gateway/rate_limiter.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace mcf::gateway {

namespace {
// Out-of-range settings are clamped rather than trusted (a zero refill would never refill).
RateLimiterConfig Clamped(RateLimiterConfig c) {
  c.capacity = std::max(c.capacity, 1.0);
  c.refill_per_second = std::max(c.refill_per_second, 1e-6);
  c.max_addresses = std::max<size_t>(c.max_addresses, 1);
  return c;
}
}  // namespace

RateLimiter::RateLimiter(RateLimiterConfig config, const Clock& clock)
    : config_(Clamped(config)), clock_(clock) {}

RateDecision RateLimiter::Allow(std::string_view address) {
  const TimePoint now = clock_.Now();
  std::lock_guard lock(mu_);
  auto it = index_.find(address);
  if (it == index_.end()) {
    lru_.push_front(Bucket{std::string(address), config_.capacity, now});
    index_.emplace(lru_.front().address, lru_.begin());
    while (lru_.size() > config_.max_addresses) {
      index_.erase(lru_.back().address);
      lru_.pop_back();
    }
    it = index_.find(address);
  } else {
    lru_.splice(lru_.begin(), lru_, it->second);  // iterators stay valid
  }
  Bucket& b = *it->second;
  const double elapsed_s =
      std::chrono::duration<double>(std::max(now - b.updated, TimePoint::duration::zero())).count();
  b.tokens = std::min(config_.capacity, b.tokens + elapsed_s * config_.refill_per_second);
  b.updated = std::max(b.updated, now);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {true, Millis{0}};
  }
  const double wait_s = (1.0 - b.tokens) / config_.refill_per_second;
  return {false, Millis{static_cast<int64_t>(std::ceil(wait_s * 1000.0))}};
}

size_t RateLimiter::size() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

}  // namespace mcf::gateway
