// ApproxCost: the constant price with a discount in basis points, integer rounding.
#include "workers/portal/pricing.h"

#include <gtest/gtest.h>

namespace mcf::portal {
namespace {

TEST(ApproxCostTest, NoDiscountIsThePrice) { EXPECT_EQ(ApproxCost(kPriceMinor, 0), 10'000); }

TEST(ApproxCostTest, WholePercentDiscounts) {
  EXPECT_EQ(ApproxCost(10'000, 500), 9'500);    // 5 %
  EXPECT_EQ(ApproxCost(10'000, 1'200), 8'800);  // 12 %, billing's maximum
  EXPECT_EQ(ApproxCost(10'000, 10'000), 0);
}

TEST(ApproxCostTest, DiscountRoundsToNearestMinorUnitHalvesInTheClientsFavour) {
  EXPECT_EQ(ApproxCost(1, 5'000), 0);      // discount 0.5 -> 1
  EXPECT_EQ(ApproxCost(3, 5'000), 1);      // discount 1.5 -> 2
  EXPECT_EQ(ApproxCost(999, 500), 949);    // discount 49.95 -> 50
  EXPECT_EQ(ApproxCost(1'001, 100), 991);  // discount 10.01 -> 10
}

TEST(ApproxCostTest, DiscountIsClampedToZeroAndOneHundredPercent) {
  EXPECT_EQ(ApproxCost(10'000, -300), 10'000);
  EXPECT_EQ(ApproxCost(10'000, 25'000), 0);
}

static_assert(ApproxCost(kPriceMinor, 600) == 9'400);

}  // namespace
}  // namespace mcf::portal
