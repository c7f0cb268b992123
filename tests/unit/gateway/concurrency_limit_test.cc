#include "gateway/concurrency_limit.h"

#include <gtest/gtest.h>

#include <atomic>
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

TEST(ConcurrencyLimitTest, NeverExceedsMaxUnderContention) {
  ConcurrencyLimit limit(3);
  std::atomic<int> holding{0};
  std::atomic<int> worst{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        if (auto p = limit.TryAcquire()) {
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
  EXPECT_EQ(limit.in_use(), 0u);
}

}  // namespace
}  // namespace mcf::gateway
