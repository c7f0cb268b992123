#include "workers/billing/rules.h"

#include <cstdio>

namespace mcf::billing {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

std::string IsoWeekOf(std::string_view monday_date) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  const std::string text(monday_date);
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 ||
      d < 1 || d > 31)
    return "";
  const int64_t thursday = DaysFromCivil(y, m, d) + 3;
  // The Thursday's year: it is y, y+1 (late December) or y-1 (never, for a Monday start).
  int64_t year = y;
  if (thursday >= DaysFromCivil(y + 1, 1, 1)) year = y + 1;
  const int64_t week = (thursday - DaysFromCivil(year, 1, 1)) / 7 + 1;
  char out[16];
  std::snprintf(out, sizeof out, "%04lld-W%02lld", static_cast<long long>(year),
                static_cast<long long>(week));
  return out;
}

std::optional<int64_t> MonthStartMs(std::string_view month) {
  int y = 0, m = 0;
  char tail = 0;
  const std::string text(month);
  if (std::sscanf(text.c_str(), "%4d-%2d%c", &y, &m, &tail) != 2 || m < 1 || m > 12)
    return std::nullopt;
  return DaysFromCivil(y, m, 1) * 86'400'000;
}

}  // namespace mcf::billing
