// BusClock: the one source of bus time (decision 001: the clock lives in the broker) and the
// calendar logic that turns a span of time into clock events.
//
// Real mode: bus time is the wall clock; each wall-clock minute boundary yields events (after a
// restart the missed minutes too, capped at 7 days). Sim mode: time starts at --start (or the
// persisted clock if later) and moves only by Advance. For every minute boundary t in
// (last, target]: at 00:00 UTC, month_ended (on the 1st), week_ended (on Mondays), day_started;
// then clock.tick. Events carry deterministic ids and producer_seqs derived from t, so the log
// de-duplicates a re-issued span. Owned by the broker's routing thread; not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/options.h"
#include "lib/base/status.h"

namespace mcf::broker {

inline constexpr std::string_view kClockProducer = "clock";
inline constexpr int64_t kMinuteMs = 60'000;
inline constexpr int64_t kDayMs = 86'400'000;
inline constexpr int64_t kCatchUpCapMs = 7 * kDayMs;

struct ClockEvent {
  int64_t at_ms = 0;
  std::string type;  // topic too
  uint64_t producer_seq = 0;
  std::string envelope;  // encoded schemas::Envelope
};

// The events for every minute boundary t with from_ms < t <= to_ms, in order.
std::vector<ClockEvent> ClockEventsBetween(int64_t from_ms, int64_t to_ms);
// The producer_seq of the clock event `type` at minute boundary `at_ms`.
uint64_t ClockProducerSeq(int64_t at_ms, std::string_view type);

// A span of clock events to append, and the clock state to persist with them.
struct ClockSpan {
  std::vector<ClockEvent> events;
  int64_t clock_ms = 0;
};

class BusClock {
 public:
  // `persisted`: the clock state stored in the log, if any. `wall_ms`: the wall clock now
  // (injected for tests).
  BusClock(ClockMode mode, int64_t sim_start_ms, std::optional<int64_t> persisted, int64_t wall_ms);

  ClockMode mode() const { return mode_; }
  std::string_view mode_name() const { return mode_ == ClockMode::kSim ? "sim" : "real"; }
  // Bus time now: sim time, or `wall_ms` in real mode.
  int64_t Now(int64_t wall_ms) const { return mode_ == ClockMode::kSim ? sim_now_ : wall_ms; }

  // Sim mode: moves time to `target_ms` (no-op when not later) and returns the events passed.
  // REQUIRES: sim mode.
  ClockSpan AdvanceTo(int64_t target_ms);

  // Real mode: the events of minute boundaries passed since the last call (or since the
  // persisted state at start-up, at most 7 days back); nullopt when none is due.
  std::optional<ClockSpan> DueAt(int64_t wall_ms);
  // Real mode: the wall time of the next minute boundary.
  int64_t NextBoundary() const { return last_boundary_ + kMinuteMs; }
  // True if start-up catch-up was cut to 7 days.
  bool catch_up_capped() const { return catch_up_capped_; }

 private:
  ClockMode mode_;
  int64_t sim_now_ = 0;        // sim mode
  int64_t last_boundary_ = 0;  // real mode: the last minute boundary handled
  bool catch_up_capped_ = false;
};

}  // namespace mcf::broker
