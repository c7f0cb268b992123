// The betting half of `mcfctl simulate` (simulate.h): kSimulatedBettors managers (provisioned
// at set-up) look at every order as it is placed — a task not yet final — and each bets on it
// with probability one half: a seeded outcome (completed more often than failed or canceled)
// and a stake of 1..kMaxSimulatedStake minor units. The pots are settled by the betting context
// itself when the tasks end. A system without a betting context (GET /v1/bets answers 503/504
// at set-up) is simulated without it, and nothing else changes (decision 032).
//
// Choices come from the caller's seed by modulo, so the same seed on a fresh system bets the
// same way and a capture replays. Single-threaded; included by simulate.cc and its test only.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "lib/base/status.h"
#include "tools/mcfctl/json.h"
#include "tools/mcfctl/scenario_io.h"

namespace mcf::mcfctl {

inline constexpr int kSimulatedBettors = 3;
inline constexpr int64_t kMaxSimulatedStake = 300;

// The bet one manager places on a task, or null for none. Deterministic in `rng`.
Json SimulatedBet(std::mt19937_64& rng, const std::string& task_id);

class Bettors {
 public:
  using HttpFn = std::function<HttpResponse(const std::string& method, const std::string& path,
                                            const std::string& token, const Json& body)>;
  Bettors(uint64_t seed, HttpFn http) : rng_(seed ^ 0xbe77edULL), http_(std::move(http)) {}

  // Provisions the betting managers with the admin token; a system without betting leaves
  // them off (a note on stderr). A non-ok Status is a set-up failure.
  Status SetUp(const std::string& admin_token);

  // Every manager may bet on the order just placed. Adds to the day's "bets" and returns the
  // unexpected answers met (each reported on stderr with `when`). A stake above a manager's
  // balance (409 naming body.stake_minor) is counted as refused, not as an error.
  int OnOrderPlaced(const std::string& when, const std::string& task_id);
  // Adds "bets" (and "bets_refused") of the day to `line` and starts the next day.
  void EndOfDay(Json& line);
  // Adds the run's totals to `total`: bets, refused, and the managers' betting balances now.
  void FillTotal(Json& total) const;

 private:
  std::mt19937_64 rng_;
  HttpFn http_;
  std::vector<std::string> managers_;  // tokens; empty = off
  int day_bets_ = 0, day_refused_ = 0, bets_ = 0, refused_ = 0;
};

}  // namespace mcf::mcfctl
