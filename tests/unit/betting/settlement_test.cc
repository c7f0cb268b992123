// The settlement rule on its own (workers/betting/settlement.h): proportional shares, the
// remainder rule, nobody won, and that no minor unit is ever lost or made up.
#include "workers/betting/settlement.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace mcf::betting {
namespace {

namespace wire = schemas::betting;
using wire::Outcome;

wire::Bet B(std::string manager, Outcome outcome, int64_t stake) {
  wire::Bet b;
  b.bet_id = "bet-" + manager;
  b.manager_id = std::move(manager);
  b.outcome = outcome;
  b.stake_minor = stake;
  return b;
}

std::vector<int64_t> Payouts(const Settlement& s) {
  std::vector<int64_t> out;
  for (const wire::Share& share : s.shares) out.push_back(share.payout_minor);
  return out;
}

TEST(SettlementTest, WinnersShareThePotInProportionToTheirStakes) {
  const Settlement s = Settle({B("m1", Outcome::kCompleted, 100), B("m2", Outcome::kFailed, 300),
                               B("m3", Outcome::kCompleted, 300)},
                              Outcome::kCompleted);
  EXPECT_EQ(s.pot_minor, 700);
  EXPECT_EQ(s.winning_stakes_minor, 400);
  ASSERT_EQ(s.shares.size(), 2u);
  EXPECT_EQ(s.shares[0].manager_id, "m1");
  EXPECT_EQ(s.shares[1].manager_id, "m3");
  EXPECT_EQ(Payouts(s), (std::vector<int64_t>{175, 525}));  // 700 * 1/4, 700 * 3/4
  EXPECT_EQ(s.developers_fund_minor, 0);
}

TEST(SettlementTest, TheLeftoverUnitGoesToTheLargestRemainder) {
  // pot 10, winning stakes 1 + 2 = 3: floors 3 (rem 1) and 6 (rem 2); the one unit left goes
  // to m2, whose remainder is larger.
  const Settlement s = Settle({B("m1", Outcome::kFailed, 1), B("m2", Outcome::kFailed, 2),
                               B("m3", Outcome::kCanceled, 7)},
                              Outcome::kFailed);
  EXPECT_EQ(Payouts(s), (std::vector<int64_t>{3, 7}));
}

TEST(SettlementTest, EqualRemaindersGoToTheLargerStakeThenTheEarlierBet) {
  // pot 5 among three equal stakes of 1 plus a loser's 2: floors 1 each, remainders all 2;
  // the two units left go to the first two bets placed.
  Settlement s = Settle({B("m1", Outcome::kCanceled, 1), B("m2", Outcome::kCanceled, 1),
                         B("m3", Outcome::kCanceled, 1), B("m4", Outcome::kCompleted, 2)},
                        Outcome::kCanceled);
  EXPECT_EQ(Payouts(s), (std::vector<int64_t>{2, 2, 1}));
  // Stakes 3 and 3 of pot 7: 3 rem 3 each, the earlier bet gets the unit left.
  s = Settle({B("a", Outcome::kCompleted, 3), B("b", Outcome::kCompleted, 3),
              B("c", Outcome::kFailed, 1)},
             Outcome::kCompleted);
  EXPECT_EQ(Payouts(s), (std::vector<int64_t>{4, 3}));
}

TEST(SettlementTest, NobodyWonSendsThePotToTheDevelopersFund) {
  const Settlement s =
      Settle({B("m1", Outcome::kCompleted, 250), B("m2", Outcome::kFailed, 50)},
             Outcome::kCanceled);
  EXPECT_TRUE(s.shares.empty());
  EXPECT_EQ(s.winning_stakes_minor, 0);
  EXPECT_EQ(s.developers_fund_minor, 300);
}

TEST(SettlementTest, ASoleWinnerTakesEverythingAndAllWinningGetTheirStakesBack) {
  EXPECT_EQ(Payouts(Settle({B("m1", Outcome::kFailed, 9), B("m2", Outcome::kCompleted, 4)},
                           Outcome::kFailed)),
            std::vector<int64_t>{13});
  EXPECT_EQ(Payouts(Settle({B("m1", Outcome::kFailed, 9), B("m2", Outcome::kFailed, 4)},
                           Outcome::kFailed)),
            (std::vector<int64_t>{9, 4}));
}

TEST(SettlementTest, HugeStakesDoNotOverflow) {
  const int64_t big = wire::kMaxStake;
  const Settlement s = Settle({B("m1", Outcome::kCompleted, big), B("m2", Outcome::kCompleted, 1),
                               B("m3", Outcome::kFailed, big)},
                              Outcome::kCompleted);
  EXPECT_EQ(s.shares[0].payout_minor + s.shares[1].payout_minor, 2 * big + 1);
  EXPECT_EQ(s.shares[1].payout_minor, 2);  // (2big+1)*1/(big+1) = 1 rem big: it gets the unit
}

// Many random pots: the shares always add up to the pot, each winner gets its floor or one
// more, and the result does not depend on anything but the bets.
TEST(SettlementTest, NoMinorUnitIsLostOrMadeUp) {
  std::mt19937_64 random(42);
  for (int round = 0; round < 2000; ++round) {
    std::vector<wire::Bet> bets;
    const int n = 1 + static_cast<int>(random() % wire::kMaxManagers);
    for (int i = 0; i < n; ++i)
      bets.push_back(B("m" + std::to_string(i), static_cast<Outcome>(random() % 3),
                       1 + static_cast<int64_t>(random() % 100'000)));
    const auto outcome = static_cast<Outcome>(random() % 3);
    const Settlement s = Settle(bets, outcome);
    int64_t paid = s.developers_fund_minor;
    size_t w = 0;
    for (const wire::Bet& b : bets) {
      if (b.outcome != outcome) continue;
      ASSERT_LT(w, s.shares.size());
      const __int128 exact = static_cast<__int128>(s.pot_minor) * b.stake_minor;
      const auto floor_share = static_cast<int64_t>(exact / s.winning_stakes_minor);
      EXPECT_GE(s.shares[w].payout_minor, floor_share);
      EXPECT_LE(s.shares[w].payout_minor, floor_share + 1);
      paid += s.shares[w++].payout_minor;
    }
    EXPECT_EQ(w, s.shares.size());
    EXPECT_EQ(paid, s.pot_minor) << "round " << round;
    EXPECT_EQ(Payouts(Settle(bets, outcome)), Payouts(s));
  }
}

}  // namespace
}  // namespace mcf::betting
