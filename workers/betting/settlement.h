// Settlement: how a final task's pot is shared — a pure function of the pot's bets and the
// outcome, kept apart from the store so its rounding can be tested directly (decision 032).
// Each winner gets floor(pot * stake / winning stakes); the few minor units that flooring
// leaves (fewer than the number of winners) go one each to the winners with the largest
// remainders (pot * stake mod winning stakes), ties to the larger stake, then to the earlier
// bet. So the shares always add up to the pot, and the same bets always share the same way.
// Nobody won: the whole pot goes to the developers' fund. Thread-safe (no state).
#pragma once

#include <cstdint>
#include <vector>

#include "schemas/betting.h"

namespace mcf::betting {

struct Settlement {
  int64_t pot_minor = 0;
  int64_t winning_stakes_minor = 0;
  std::vector<schemas::betting::Share> shares;  // the winners, in the order they bet
  int64_t developers_fund_minor = 0;
};

// REQUIRES: every stake is in 1..kMaxStake and there are at most kMaxManagers bets.
Settlement Settle(const std::vector<schemas::betting::Bet>& bets, schemas::betting::Outcome outcome);

}  // namespace mcf::betting
