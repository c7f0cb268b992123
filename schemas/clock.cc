#include "schemas/clock.h"

#include <charconv>
#include <cstdio>


namespace mcf::schemas::clock {
namespace {

constexpr int64_t kMsPerDay = 86'400'000;

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}
void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

template <typename T>
bool ParseNumber(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string DateOf(int64_t ms) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(FloorDiv(ms, kMsPerDay), y, m, d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

std::string MonthOf(int64_t ms) { return DateOf(ms).substr(0, 7); }

std::string Iso8601(int64_t ms) {
  const int64_t days = FloorDiv(ms, kMsPerDay);
  const int64_t s = (ms - days * kMsPerDay) / 1000;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, y, m, d);
  if (y < 0 || y > 9999) {  // outside four digits: printf's widths say how
    char buf[48];
    std::snprintf(buf, sizeof buf, "%sT%02lld:%02lld:%02lldZ", DateOf(ms).c_str(),
                  static_cast<long long>(s / 3600), static_cast<long long>(s / 60 % 60),
                  static_cast<long long>(s % 60));
    return buf;
  }
  // The common case without printf: every HTTP reply renders its times through here.
  char buf[] = "0000-00-00T00:00:00Z";
  auto put = [&buf](int at, int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) buf[at + i] = static_cast<char>('0' + v % 10);
  };
  put(0, y, 4);
  put(5, m, 2);
  put(8, d, 2);
  put(11, s / 3600, 2);
  put(14, s / 60 % 60, 2);
  put(17, s % 60, 2);
  return std::string(buf, sizeof buf - 1);
}

namespace {

// `n` decimal digits of `t` at `pos`.
bool Digits(std::string_view t, size_t pos, size_t n, int& out) {
  if (pos + n > t.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (t[i] < '0' || t[i] > '9') return false;
    v = v * 10 + (t[i] - '0');
  }
  out = v;
  return true;
}

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

std::string Two(int v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
}

Status NotOnCalendar(const std::string& what) {
  return Status::Invalid("not a valid date-time on the calendar: " + what);
}

Result<int64_t> ParseDateTime(std::string_view t, bool lenient) {
  const Status syntax =
      Status::Invalid("not an RFC 3339 date-time such as 2026-01-05T08:00:00Z");
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (t.size() < 16 || !Digits(t, 0, 4, y) || t[4] != '-' || !Digits(t, 5, 2, mo) ||
      t[7] != '-' || !Digits(t, 8, 2, d)) {
    return syntax;
  }
  const char separator = t[10];
  if (separator != 'T' && separator != 't' && !(lenient && separator == ' ')) return syntax;
  if (!Digits(t, 11, 2, h) || t[13] != ':' || !Digits(t, 14, 2, mi)) return syntax;
  size_t pos = 16;
  int64_t fraction_ms = 0;
  if (pos < t.size() && t[pos] == ':') {
    if (!Digits(t, pos + 1, 2, s)) return syntax;
    pos += 3;
    if (pos < t.size() && t[pos] == '.') {
      size_t digits = 0;
      for (++pos; pos < t.size() && t[pos] >= '0' && t[pos] <= '9'; ++pos, ++digits) {
        if (digits < 3) fraction_ms = fraction_ms * 10 + (t[pos] - '0');
      }
      if (digits == 0 || digits > 9) return syntax;
      for (size_t i = digits; i < 3; ++i) fraction_ms *= 10;
    }
  } else if (!lenient) {
    return syntax;
  }
  if (pos >= t.size()) return syntax;
  int offset_minutes = 0;
  const char zone = t[pos];
  if (zone == 'Z' || zone == 'z') {
    if (pos + 1 != t.size()) return syntax;
  } else if (zone == '+' || zone == '-') {
    int oh = 0, om = 0;
    if (t.size() != pos + 6 || !Digits(t, pos + 1, 2, oh) || t[pos + 3] != ':' ||
        !Digits(t, pos + 4, 2, om)) {
      return syntax;
    }
    if (oh > 23 || om > 59) {
      return NotOnCalendar("UTC offset " + std::string(t.substr(pos)) + " does not exist");
    }
    offset_minutes = (zone == '+' ? 1 : -1) * (oh * 60 + om);
  } else {
    return syntax;
  }
  if (mo < 1 || mo > 12) return NotOnCalendar("month " + Two(mo) + " does not exist");
  if (d < 1 || d > DaysInMonth(y, mo)) {
    return NotOnCalendar(std::string(t.substr(0, 7)) + " has " + std::to_string(DaysInMonth(y, mo)) +
                         " days, not day " + Two(d));
  }
  if (h > 23) return NotOnCalendar("hour " + Two(h) + " does not exist (hours are 00..23)");
  if (mi > 59) return NotOnCalendar("minute " + Two(mi) + " does not exist");
  if (s == 60) return NotOnCalendar("leap seconds (second 60) are not accepted");
  if (s > 59) return NotOnCalendar("second " + Two(s) + " does not exist");
  return DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * kMsPerDay +
         (h * 3600 + mi * 60 + s) * 1000LL + fraction_ms - offset_minutes * 60'000LL;
}

}  // namespace

Result<int64_t> ParseRfc3339(std::string_view text) { return ParseDateTime(text, false); }

std::optional<int64_t> ParseIso8601(std::string_view text) {
  auto ms = ParseDateTime(text, true);
  if (!ms.ok()) return std::nullopt;
  return *ms;
}

std::optional<int64_t> ParseDuration(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  int64_t n = 0;
  if (!ParseNumber(text.substr(0, digits), n)) return std::nullopt;
  std::string_view unit = text.substr(digits);
  int64_t scale = unit == "ms"  ? 1
                  : unit == "s" ? 1000
                  : unit == "m" ? 60'000
                  : unit == "h" ? 3'600'000
                  : unit == "d" ? kMsPerDay
                  : unit == "w" ? 7 * kMsPerDay
                                : 0;
  if (scale == 0) return std::nullopt;
  return n * scale;
}

}  // namespace mcf::schemas::clock
