#include "gateway/rate_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace mcf::gateway {
namespace {

TEST(RateLimiterTest, AllowsBurstThenRefusesWithRetryAfter) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 3, .refill_per_second = 2, .max_addresses = 10}, clock);
  EXPECT_TRUE(limiter.Allow("1.2.3.4").allowed);
  EXPECT_TRUE(limiter.Allow("1.2.3.4").allowed);
  EXPECT_TRUE(limiter.Allow("1.2.3.4").allowed);
  RateDecision d = limiter.Allow("1.2.3.4");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, Millis(500));
}

TEST(RateLimiterTest, RefillsWithTimeUpToCapacity) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 2, .refill_per_second = 1, .max_addresses = 10}, clock);
  EXPECT_TRUE(limiter.Allow("a").allowed);
  EXPECT_TRUE(limiter.Allow("a").allowed);
  EXPECT_FALSE(limiter.Allow("a").allowed);
  clock.Advance(Millis(999));
  EXPECT_FALSE(limiter.Allow("a").allowed);
  clock.Advance(Millis(1));
  EXPECT_TRUE(limiter.Allow("a").allowed);
  clock.Advance(Millis(60000));  // a long pause refills only to capacity
  EXPECT_TRUE(limiter.Allow("a").allowed);
  EXPECT_TRUE(limiter.Allow("a").allowed);
  EXPECT_FALSE(limiter.Allow("a").allowed);
}

TEST(RateLimiterTest, AddressesHaveSeparateBuckets) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 1, .refill_per_second = 1, .max_addresses = 10}, clock);
  EXPECT_TRUE(limiter.Allow("a").allowed);
  EXPECT_FALSE(limiter.Allow("a").allowed);
  EXPECT_TRUE(limiter.Allow("b").allowed);
}

TEST(RateLimiterTest, TableIsBoundedUnderAFloodOfAddresses) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 1, .refill_per_second = 1, .max_addresses = 100}, clock);
  for (int i = 0; i < 10000; ++i) limiter.Allow("10.0." + std::to_string(i));
  EXPECT_EQ(limiter.size(), 100u);
}

TEST(RateLimiterTest, EvictsLeastRecentlySeenAddressFirst) {
  FakeClock clock;
  RateLimiter limiter({.capacity = 1, .refill_per_second = 0.001, .max_addresses = 2}, clock);
  EXPECT_TRUE(limiter.Allow("old").allowed);
  EXPECT_TRUE(limiter.Allow("recent").allowed);
  EXPECT_FALSE(limiter.Allow("old").allowed);    // touches "old": now "recent" is the oldest
  EXPECT_TRUE(limiter.Allow("new").allowed);     // evicts "recent"
  EXPECT_FALSE(limiter.Allow("old").allowed);    // still remembered, still empty
  EXPECT_TRUE(limiter.Allow("recent").allowed);  // forgotten, so a fresh bucket
  EXPECT_EQ(limiter.size(), 2u);
}

}  // namespace
}  // namespace mcf::gateway
