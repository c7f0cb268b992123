// `mcfctl simulate --days N --orders-per-day M --seed S`: realistic traffic against a RUNNING
// system on the simulated clock, through the gateway (HTTP), moving the bus clock itself
// (clock.advance): workers imported, a supplies account, clients signed in; every day clients
// order at random times, and at each appointment the assigned worker checks in (after the
// supplies staff issued the kit) and completes, fails with a reason, or does not show (then the
// client copies the order to the next day). Applicants send the public form all day (a few
// twice, a few junk) and a manager screens them in hourly rounds under rules it published at the
// start and changes mid-run (simulate_hiring.h); the accepted become workers who take orders
// too. One JSON line per day, then the totals.
//
// Every choice comes from a std::mt19937_64 seeded with S (used by modulo, so every standard
// library agrees), and every request waits for the system to be idle first (scenario_io.h), so
// the same seed on a fresh system gives the same traffic and the same totals — and a capture of
// the run replays. Every wait is bounded. Single-threaded.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace mcf::mcfctl {

struct SimulateOptions {
  int days = 1;                 // simulated days, from the bus day that is current at the start
  int orders_per_day = 10;      // orders placed per day
  uint64_t seed = 1;            // every random choice
  std::string gateway = "127.0.0.1:8080";
  std::string admin_token_file;  // "" = var/admin.token, else var/sim/admin.token (./mcf up)
  std::string broker;            // for clock.now / clock.advance / broker.stats
  int workers = 5;               // imported at set-up
  int clients = 10;              // signed in at set-up
  int applications_per_day = 1000;  // public forms a day; 0: no applicants, no manager
  double public_per_second = 4;     // wall-time pace of public requests (the gateway's gate)
};

// Exit codes: 0 the run completed without an unexpected answer; 1 a set-up failure (gateway or
// broker unreachable, real clock, no admin token) or unexpected answers during the run (counted
// as "errors" in the totals); 2 bad options.
int RunSimulate(const SimulateOptions& options);

// --- the pure part (unit-tested) ---

inline constexpr int64_t kMinuteMs = 60'000;
inline constexpr int64_t kHourMs = 60 * kMinuteMs;
inline constexpr int64_t kDayMs = 24 * kHourMs;

struct PlannedOrder {
  int client = 0;             // index into the signed-in clients
  int64_t place_at_ms = 0;    // when the client orders
  int64_t desired_at_ms = 0;  // the appointment: a full hour, 1..3 h after place_at rounded up
};

// The orders of the day starting at `day_start_ms` (00:00), placed between 07:00 and 15:00 but
// never before `now_ms` + 1 min, sorted by place_at. Deterministic in `rng`.
std::vector<PlannedOrder> PlanDay(std::mt19937_64& rng, int64_t day_start_ms, int64_t now_ms,
                                  int orders, int clients);

enum class AppointmentOutcome { kComplete, kFail, kNoShow };
// About 90 % complete, 5 % fail, 5 % no-show.
AppointmentOutcome DrawOutcome(std::mt19937_64& rng);

}  // namespace mcf::mcfctl
