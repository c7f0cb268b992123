// Bodies of the clock family: the time events every time-driven rule listens to, and the
// commands that read and (in simulated mode) move the bus clock. Times are ms since the Unix
// epoch, UTC; dates are ISO strings ("2026-01-05", months "2026-01"). Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lib/base/status.h"

namespace mcf::schemas::clock {

inline constexpr std::string_view kTick = "clock.tick";
inline constexpr std::string_view kDayStarted = "clock.day_started";
inline constexpr std::string_view kWeekEnded = "clock.week_ended";
inline constexpr std::string_view kMonthEnded = "clock.month_ended";
inline constexpr std::string_view kAdvance = "clock.advance";
inline constexpr std::string_view kNow = "clock.now";

// Every clock event body: the instant it stands for, plus the label of the day, week or month.
struct TimeEvent {
  int64_t at_ms = 0;
  std::string label;  // tick: ""; day_started: date; week_ended: week's Monday; month_ended: month
};
std::string Encode(std::string_view type, const TimeEvent& e);
Result<TimeEvent> DecodeTimeEvent(std::string_view type, std::string_view body);

// clock.advance: exactly one of by_ms (> 0) or to_ms.
struct Advance {
  std::optional<int64_t> by_ms;
  std::optional<int64_t> to_ms;
};
std::string Encode(const Advance& a);
Result<Advance> DecodeAdvance(std::string_view body);

// Reply body of clock.now and clock.advance.
struct Now {
  int64_t now_ms = 0;
  std::string mode;          // "real" or "sim"
  int64_t events = 0;        // clock.advance: how many events it appended
};
std::string Encode(const Now& n);
Result<Now> DecodeNow(std::string_view body);

// Calendar helpers (UTC, proleptic Gregorian).
std::string DateOf(int64_t ms);         // "2026-01-05"
std::string MonthOf(int64_t ms);        // "2026-01"
std::string Iso8601(int64_t ms);        // "2026-01-05T08:00:00Z"
// Parses "2026-01-05T08:00:00Z" (or without seconds / with fractional seconds).
std::optional<int64_t> ParseIso8601(std::string_view text);
// Parses "90m", "2h", "45s", "7d", "1500ms" into milliseconds.
std::optional<int64_t> ParseDuration(std::string_view text);

}  // namespace mcf::schemas::clock
