// The simulator's bets (tools/mcfctl/simulate_betting.h): within the gateway's rules, about half
// the time, outcomes spread over all three, and the same seed betting the same way.
#include "tools/mcfctl/simulate_betting.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace mcf::mcfctl {
namespace {

TEST(SimulateBettingTest, BetsAreValidSeededAndSpreadOverTheOutcomes) {
  std::mt19937_64 a(7), b(7);
  std::map<std::string, int> outcomes;
  int none = 0;
  for (int i = 0; i < 1000; ++i) {
    const Json bet = SimulatedBet(a, "t-" + std::to_string(i));
    EXPECT_EQ(bet, SimulatedBet(b, "t-" + std::to_string(i)));
    if (bet.is_null()) {
      ++none;
      continue;
    }
    EXPECT_EQ(bet["task_id"], "t-" + std::to_string(i));
    const int64_t stake = bet["stake_minor"].get<int64_t>();
    EXPECT_GE(stake, 1);
    EXPECT_LE(stake, kMaxSimulatedStake);
    ++outcomes[bet["outcome"].get<std::string>()];
  }
  EXPECT_GT(none, 400);
  EXPECT_LT(none, 600);
  EXPECT_EQ(outcomes.size(), 3u);
  EXPECT_GT(outcomes["completed"], outcomes["failed"]);
  EXPECT_GT(outcomes["failed"], 0);
  EXPECT_GT(outcomes["canceled"], 0);
}

}  // namespace
}  // namespace mcf::mcfctl
