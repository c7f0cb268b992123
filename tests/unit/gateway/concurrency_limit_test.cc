#include "gateway/concurrency_limit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <optional>
#include <thread>
#include <vector>

namespace mcf::gateway {
namespace {

TEST(ConcurrencyLimitTest, RefusesPastMaxAndFreesOnDestruction) {
  ConcurrencyLimit limit(2);
  auto a = limit.TryAcquire();
  auto b = limit.TryAcquire();
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(limit.TryAcquire());
  EXPECT_EQ(limit.in_use(), 2u);
  a.reset();
  EXPECT_EQ(limit.in_use(), 1u);
  EXPECT_TRUE(limit.TryAcquire());  // temporary: released at once
  EXPECT_EQ(limit.in_use(), 1u);
}

TEST(ConcurrencyLimitTest, MovedPermitReleasesOnce) {
  ConcurrencyLimit limit(1);
  {
    auto a = limit.TryAcquire();
    ASSERT_TRUE(a);
    ConcurrencyLimit::Permit moved = std::move(*a);
    a.reset();
    EXPECT_EQ(limit.in_use(), 1u);
  }
  EXPECT_EQ(limit.in_use(), 0u);
}

TEST(ConcurrencyLimitTest, GrantsExactlyItsCapacityAndRefusesBeyond) {
  for (size_t max : {1u, 2u, 3u, 7u}) {
    ConcurrencyLimit limit(max);
    std::vector<ConcurrencyLimit::Permit> held;
    for (size_t i = 0; i < max; ++i) {
      auto p = limit.TryAcquire();
      ASSERT_TRUE(p) << "max " << max << ": permit " << i + 1 << " refused";
      held.push_back(std::move(*p));
    }
    EXPECT_EQ(limit.in_use(), max);
    for (int i = 0; i < 3; ++i) EXPECT_FALSE(limit.TryAcquire()) << "max " << max;
    EXPECT_EQ(limit.in_use(), max);
    // Freeing one slot grants exactly one more.
    held.pop_back();
    auto p = limit.TryAcquire();
    EXPECT_TRUE(p) << "max " << max;
    EXPECT_FALSE(limit.TryAcquire()) << "max " << max;
    p.reset();
    held.clear();
    EXPECT_EQ(limit.in_use(), 0u);
  }
}

TEST(ConcurrencyLimitTest, ConcurrentAcquirersGetExactlyTheCapacity) {
  // 8 threads race for a limit of 3 and hold what they get until all have tried: exactly 3
  // are granted every round, never more, never fewer.
  constexpr int kThreads = 8;
  constexpr size_t kMax = 3;
  ConcurrencyLimit limit(kMax);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::optional<ConcurrencyLimit::Permit>> got(kThreads);
    std::latch start(kThreads), tried(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        got[t] = limit.TryAcquire();
        tried.arrive_and_wait();
      });
    }
    for (auto& t : threads) t.join();
    size_t granted = 0;
    for (const auto& p : got) granted += p.has_value();
    ASSERT_EQ(granted, kMax) << "round " << round;
    EXPECT_EQ(limit.in_use(), kMax);
    got.clear();
    ASSERT_EQ(limit.in_use(), 0u) << "round " << round;
  }
}

TEST(ConcurrencyLimitTest, NeverExceedsMaxUnderContention) {
  ConcurrencyLimit limit(3);
  std::atomic<int> holding{0};
  std::atomic<int> worst{0};
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        if (auto p = limit.TryAcquire()) {
          ++granted;
          int now = ++holding;
          int seen = worst.load();
          while (now > seen && !worst.compare_exchange_weak(seen, now)) {
          }
          --holding;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(worst.load(), 3);
  // A limit that granted nothing would pass the bound above. A try is refused only while the
  // 3 other threads all hold a permit, so nearly all of the 80000 tries are granted.
  EXPECT_GE(worst.load(), 1);
  EXPECT_GT(granted.load(), 20000);
  EXPECT_EQ(limit.in_use(), 0u);
}

}  // namespace
}  // namespace mcf::gateway
