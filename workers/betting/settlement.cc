#include "workers/betting/settlement.h"

#include <algorithm>
#include <numeric>

namespace mcf::betting {

namespace wire = schemas::betting;

Settlement Settle(const std::vector<wire::Bet>& bets, wire::Outcome outcome) {
  Settlement s;
  std::vector<size_t> winners;
  for (size_t i = 0; i < bets.size(); ++i) {
    s.pot_minor += bets[i].stake_minor;
    if (bets[i].outcome == outcome) {
      s.winning_stakes_minor += bets[i].stake_minor;
      winners.push_back(i);
    }
  }
  if (winners.empty()) {
    s.developers_fund_minor = s.pot_minor;
    return s;
  }
  // pot * stake can pass 2^63 (both up to ~10^13 here); 128 bits cannot overflow.
  const auto pot = static_cast<__int128>(s.pot_minor);
  const auto total = static_cast<__int128>(s.winning_stakes_minor);
  std::vector<int64_t> remainders;
  int64_t given = 0;
  for (size_t i : winners) {
    const __int128 product = pot * bets[i].stake_minor;
    const auto floor_share = static_cast<int64_t>(product / total);
    remainders.push_back(static_cast<int64_t>(product % total));
    s.shares.push_back(wire::Share{bets[i].manager_id, bets[i].stake_minor, floor_share});
    given += floor_share;
  }
  std::vector<size_t> order(winners.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (remainders[a] != remainders[b]) return remainders[a] > remainders[b];
    return s.shares[a].stake_minor > s.shares[b].stake_minor;  // stable: earlier bet first
  });
  // Less than one minor unit per winner is left, so one pass hands it all out.
  for (size_t k = 0; given < s.pot_minor; ++k, ++given) ++s.shares[order[k]].payout_minor;
  return s;
}

}  // namespace mcf::betting
