#include "broker/bus_clock.h"

#include <algorithm>

#include "schemas/clock.h"
#include "schemas/envelope.h"

namespace mcf::broker {
namespace {

namespace clk = schemas::clock;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t FloorMinute(int64_t ms) { return FloorDiv(ms, kMinuteMs) * kMinuteMs; }

template <class TimeEvent>
ClockEvent Make(const TimeEvent& body) {
  ClockEvent e;
  e.at_ms = body.at_ms;
  e.type = std::string(TimeEvent::kInfo.type);
  e.producer_seq = ClockProducerSeq(e.at_ms, e.type);
  schemas::Envelope env;
  env.id = "clock:" + std::to_string(e.at_ms) + ":" + e.type;
  env.type = e.type;
  env.version = TimeEvent::kInfo.version;
  env.producer = std::string(kClockProducer);
  env.time_ms = e.at_ms;
  env.body = schemas::Encode(body);
  e.envelope = schemas::Encode(env);
  return e;
}

}  // namespace

uint64_t ClockProducerSeq(int64_t at_ms, std::string_view type) {
  uint64_t index = type == clk::kMonthEnded   ? 0
                   : type == clk::kWeekEnded  ? 1
                   : type == clk::kDayStarted ? 2
                                              : 3;
  return static_cast<uint64_t>(FloorDiv(at_ms, kMinuteMs)) * 4 + index;
}

std::vector<ClockEvent> ClockEventsBetween(int64_t from_ms, int64_t to_ms) {
  std::vector<ClockEvent> events;
  if (to_ms <= from_ms) return events;
  events.reserve(static_cast<size_t>((to_ms - from_ms) / kMinuteMs) + 4);
  for (int64_t t = FloorMinute(from_ms) + kMinuteMs; t <= to_ms; t += kMinuteMs) {
    if (FloorDiv(t, kDayMs) * kDayMs == t) {
      const std::string date = clk::DateOf(t);
      if (date.ends_with("-01")) events.push_back(Make(clk::MonthEnded{t, clk::MonthOf(t - 1)}));
      const int64_t days = FloorDiv(t, kDayMs);
      if ((days + 3) % 7 == 0)  // 1970-01-05 (day 4) was a Monday
        events.push_back(Make(clk::WeekEnded{t, clk::DateOf(t - 7 * kDayMs)}));
      events.push_back(Make(clk::DayStarted{t, date}));
    }
    events.push_back(Make(clk::Tick{t}));
  }
  return events;
}

BusClock::BusClock(ClockMode mode, int64_t sim_start_ms, std::optional<int64_t> persisted,
                   int64_t wall_ms)
    : mode_(mode) {
  if (mode_ == ClockMode::kSim) {
    sim_now_ = std::max(sim_start_ms, persisted.value_or(sim_start_ms));
    return;
  }
  const int64_t now_boundary = FloorMinute(wall_ms);
  if (!persisted || *persisted >= now_boundary) {
    last_boundary_ = persisted ? FloorMinute(*persisted) : now_boundary;
    if (last_boundary_ > now_boundary) last_boundary_ = now_boundary;
    return;
  }
  last_boundary_ = FloorMinute(*persisted);
  if (now_boundary - last_boundary_ > kCatchUpCapMs) {
    last_boundary_ = now_boundary - kCatchUpCapMs;
    catch_up_capped_ = true;
  }
}

ClockSpan BusClock::AdvanceTo(int64_t target_ms) {
  ClockSpan span;
  if (target_ms <= sim_now_) {
    span.clock_ms = sim_now_;
    return span;
  }
  span.events = ClockEventsBetween(sim_now_, target_ms);
  sim_now_ = target_ms;
  span.clock_ms = target_ms;
  return span;
}

std::optional<ClockSpan> BusClock::DueAt(int64_t wall_ms) {
  const int64_t boundary = FloorMinute(wall_ms);
  if (boundary <= last_boundary_) return std::nullopt;
  ClockSpan span;
  span.events = ClockEventsBetween(last_boundary_, boundary);
  span.clock_ms = boundary;
  last_boundary_ = boundary;
  return span;
}

}  // namespace mcf::broker
