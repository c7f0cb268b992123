// The clock family: the time events every time-driven rule listens to and the commands that
// read and (in simulated mode) move the bus clock, each declared once (schemas/declare.h); and
// the calendar helpers the contexts share. Times are ms since the Unix epoch, UTC; dates are
// ISO strings ("2026-01-05", months "2026-01").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "lib/base/status.h"
#include "schemas/codec.h"
#include "schemas/declare.h"

namespace mcf::schemas::clock {

using schemas::Decode;
using schemas::Encode;

// ---- events: what a moment of bus time stands for (at = that instant) ----

struct Tick {
  static constexpr MessageInfo kInfo = Event("clock.tick", "a minute has passed");
  int64_t at_ms = 0;
  bool operator==(const Tick&) const = default;
  static constexpr auto Fields() { return std::tuple{Field("at", &Tick::at_ms)}; }
};

struct DayStarted {
  static constexpr MessageInfo kInfo = Event("clock.day_started", "a UTC day began");
  int64_t at_ms = 0;
  std::string date;  // the day that began
  bool operator==(const DayStarted&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("at", &DayStarted::at_ms), Field("date", &DayStarted::date)};
  }
};

struct WeekEnded {
  static constexpr MessageInfo kInfo = Event("clock.week_ended", "a Monday-Sunday week ended");
  int64_t at_ms = 0;
  std::string week_start;  // the Monday of the week that ended
  bool operator==(const WeekEnded&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("at", &WeekEnded::at_ms),
                      Field("week_start", &WeekEnded::week_start).Doc("its Monday, a date")};
  }
};

struct MonthEnded {
  static constexpr MessageInfo kInfo = Event("clock.month_ended", "a calendar month ended");
  int64_t at_ms = 0;
  std::string month;  // "2026-01"
  bool operator==(const MonthEnded&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("at", &MonthEnded::at_ms),
                      Field("month", &MonthEnded::month).Doc("the month that ended, 2026-01")};
  }
};

// ---- commands, served by the broker's bus clock ----

// The reply of clock.now and clock.advance.
struct BusTime {
  int64_t now_ms = 0;
  std::string mode;    // "real" or "sim"
  int64_t events = 0;  // clock.advance: how many events it appended
  static constexpr auto Fields() {
    return std::tuple{Field("now", &BusTime::now_ms), Field("mode", &BusTime::mode).Doc("real or sim"),
                      Field("events", &BusTime::events)
                          .Optional()
                          .Doc("clock.advance: how many clock events it appended")};
  }
};

struct Now {
  static constexpr MessageInfo kInfo = ReadOnlyCommand("clock.now", "the bus time and the clock mode");
  using Reply = BusTime;
  static constexpr auto Fields() { return std::tuple{}; }
};

// Exactly one of by_ms or to_ms; the advance is at most 366 days.
struct Advance {
  static constexpr MessageInfo kInfo =
      Command("clock.advance", "sim mode: move time by `by_ms` or to `to_ms`");
  using Reply = BusTime;
  std::optional<int64_t> by_ms;
  std::optional<int64_t> to_ms;
  static constexpr auto Fields() {
    return std::tuple{Field("by_ms", &Advance::by_ms).Doc("positive; give exactly one of by_ms, to_ms"),
                      Field("to_ms", &Advance::to_ms).Doc("an instant, bus ms")};
  }
  static Status Validate(const Advance& a) {
    if (a.by_ms.has_value() == a.to_ms.has_value())
      return Status::Invalid("body: give exactly one of by_ms or to_ms");
    if (a.by_ms && *a.by_ms <= 0) return Status::Invalid("body.by_ms: must be positive");
    return Status::Ok();
  }
};

inline constexpr std::string_view kTick = Tick::kInfo.type;
inline constexpr std::string_view kDayStarted = DayStarted::kInfo.type;
inline constexpr std::string_view kWeekEnded = WeekEnded::kInfo.type;
inline constexpr std::string_view kMonthEnded = MonthEnded::kInfo.type;
inline constexpr std::string_view kNow = Now::kInfo.type;
inline constexpr std::string_view kAdvance = Advance::kInfo.type;

// The declared messages of this family, for the registry.
using Messages = std::tuple<Tick, DayStarted, WeekEnded, MonthEnded, Now, Advance>;

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
