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
// Parses an RFC 3339 date-time (section 5.6), strictly, as ms since the epoch (UTC):
//   YYYY-MM-DD "T" hh:mm:ss [ "." 1..9 digits ] ( "Z" | ("+" | "-") hh:mm )
// e.g. "2026-01-05T08:00:00Z" or "2026-01-05T09:00:00.250+01:00"; "t" and "z" may be lower case.
// The date-time must be on the (proleptic Gregorian) calendar: the day exists in its month
// (2027-02-29 does not), hours are 00..23 (no 24:00), minutes and seconds 00..59 (leap
// seconds, :60, are refused: bus time has none), offsets -23:59..+23:59. Years are 0000..9999
// (four digits); callers bound the range they accept. Digits past milliseconds are truncated.
// Invalid: the message starts "not an RFC 3339 date-time" (the syntax) or "not a valid
// date-time on the calendar" (then says what does not exist).
Result<int64_t> ParseRfc3339(std::string_view text);
// The same, leniently for operators' flags and scenario files: seconds may be left out
// ("2026-01-05T08:00Z") and a space may stand for the "T". The calendar is as strict.
std::optional<int64_t> ParseIso8601(std::string_view text);
// Parses "90m", "2h", "45s", "7d", "1500ms" into milliseconds.
std::optional<int64_t> ParseDuration(std::string_view text);

}  // namespace mcf::schemas::clock
