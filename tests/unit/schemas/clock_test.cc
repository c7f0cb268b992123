#include "schemas/clock.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string_view>

namespace mcf::schemas::clock {
namespace {

TEST(ClockSchemaTest, ParsesAndFormatsIso8601) {
  auto t = ParseIso8601("2026-01-05T08:00:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, 1767600000000);
  EXPECT_EQ(Iso8601(*t), "2026-01-05T08:00:00Z");
  EXPECT_EQ(DateOf(*t), "2026-01-05");
  EXPECT_EQ(MonthOf(*t), "2026-01");
  EXPECT_EQ(ParseIso8601("2026-01-05T08:00Z"), t);
  EXPECT_FALSE(ParseIso8601("2026-13-05T08:00:00Z"));
  EXPECT_FALSE(ParseIso8601("yesterday"));
}

// Iso8601 writes its digits itself for four-digit years; formatting and parsing agree at the ends
// of that range, around the epoch and on every day of a 400-year cycle (leap rules).
TEST(ClockSchemaTest, Iso8601RoundTripsAcrossTheFourDigitYears) {
  EXPECT_EQ(Iso8601(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(Iso8601(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(Iso8601(*ParseIso8601("0000-01-01T00:00:00Z")), "0000-01-01T00:00:00Z");
  EXPECT_EQ(Iso8601(*ParseIso8601("9999-12-31T23:59:59Z") + 999), "9999-12-31T23:59:59Z");
  const int64_t start = *ParseIso8601("2000-01-01T00:00:00Z");
  for (int64_t day = 0; day < 146097; day += 1) {
    const int64_t ms = start + day * 86'400'000 + (day * 7919 % 86'400) * 1000;
    const std::string text = Iso8601(ms);
    ASSERT_EQ(ParseIso8601(text), ms) << text;
  }
  // Outside four digits the year keeps printf's form.
  EXPECT_EQ(Iso8601(*ParseIso8601("9999-12-31T23:59:59Z") + 1000), "10000-01-01T00:00:00Z");
}

// RFC 3339 date-times, strictly: every one below is on the calendar or refused saying so.
int64_t Ms(std::string_view text) {
  auto ms = ParseRfc3339(text);
  EXPECT_TRUE(ms.ok()) << text << ": " << ms.status().message();
  return ms.ok() ? *ms : -1;
}

bool RefusedAsNotOnCalendar(std::string_view text) {
  auto ms = ParseRfc3339(text);
  return !ms.ok() && ms.status().message().starts_with("not a valid date-time on the calendar");
}

bool RefusedAsSyntax(std::string_view text) {
  auto ms = ParseRfc3339(text);
  return !ms.ok() && ms.status().message().starts_with("not an RFC 3339 date-time");
}

TEST(ClockSchemaTest, Rfc3339AcceptsTheLastDayOfEveryMonthAndNotTheDayAfter) {
  struct Month {
    int month;
    int last_day;
  };
  constexpr Month k2026[] = {{1, 31}, {2, 28},  {3, 31},  {4, 30},  {5, 31},  {6, 30},
                             {7, 31}, {8, 31},  {9, 30},  {10, 31}, {11, 30}, {12, 31}};
  for (const Month& m : k2026) {
    char last[32], after[32], next_first[32];
    std::snprintf(last, sizeof last, "2026-%02d-%02dT12:00:00Z", m.month, m.last_day);
    std::snprintf(after, sizeof after, "2026-%02d-%02dT12:00:00Z", m.month, m.last_day + 1);
    if (m.month == 12) {
      std::snprintf(next_first, sizeof next_first, "2027-01-01T12:00:00Z");
    } else {
      std::snprintf(next_first, sizeof next_first, "2026-%02d-01T12:00:00Z", m.month + 1);
    }
    EXPECT_EQ(Ms(last) + 86'400'000, Ms(next_first)) << last;
    EXPECT_EQ(Iso8601(Ms(last)), last);
    EXPECT_TRUE(RefusedAsNotOnCalendar(after)) << after;
  }
  EXPECT_TRUE(RefusedAsNotOnCalendar("2026-04-31T00:00:00Z"));
  EXPECT_TRUE(RefusedAsNotOnCalendar("2026-01-00T00:00:00Z"));
  EXPECT_TRUE(RefusedAsNotOnCalendar("2026-00-10T00:00:00Z"));
  EXPECT_TRUE(RefusedAsNotOnCalendar("2026-13-10T00:00:00Z"));
}

TEST(ClockSchemaTest, Rfc3339KnowsLeapYears) {
  // Divisible by 4: leap; by 100: not; by 400: leap.
  EXPECT_EQ(Iso8601(Ms("2028-02-29T10:00:00Z")), "2028-02-29T10:00:00Z");
  EXPECT_EQ(Iso8601(Ms("2000-02-29T10:00:00Z")), "2000-02-29T10:00:00Z");
  EXPECT_EQ(Iso8601(Ms("2400-02-29T10:00:00Z")), "2400-02-29T10:00:00Z");
  EXPECT_TRUE(RefusedAsNotOnCalendar("2027-02-29T10:00:00Z"));  // was booked as March 1st
  EXPECT_TRUE(RefusedAsNotOnCalendar("2100-02-29T10:00:00Z"));
  EXPECT_TRUE(RefusedAsNotOnCalendar("1900-02-29T10:00:00Z"));
  EXPECT_TRUE(RefusedAsNotOnCalendar("2026-02-30T10:00:00Z"));
  EXPECT_TRUE(RefusedAsNotOnCalendar("2028-02-30T10:00:00Z"));
  auto feb29 = ParseRfc3339("2027-02-29T10:00:00Z");
  ASSERT_FALSE(feb29.ok());
  EXPECT_EQ(feb29.status().message(),
            "not a valid date-time on the calendar: 2027-02 has 28 days, not day 29");
}

TEST(ClockSchemaTest, Rfc3339RefusesLeapSecondsAndHour24) {
  EXPECT_EQ(Iso8601(Ms("2026-12-31T23:59:59Z")), "2026-12-31T23:59:59Z");
  EXPECT_TRUE(RefusedAsNotOnCalendar("2026-12-31T23:59:60Z"));  // used to roll over
  EXPECT_TRUE(RefusedAsNotOnCalendar("2026-06-30T23:59:60Z"));
  EXPECT_TRUE(RefusedAsNotOnCalendar("2026-01-05T24:00:00Z"));
  EXPECT_TRUE(RefusedAsNotOnCalendar("2026-01-05T25:00:00Z"));
  EXPECT_TRUE(RefusedAsNotOnCalendar("2026-01-05T10:60:00Z"));
  EXPECT_TRUE(RefusedAsNotOnCalendar("2026-01-05T10:00:61Z"));
}

TEST(ClockSchemaTest, Rfc3339OffsetsFractionsAndLowerCase) {
  const int64_t utc = Ms("2026-01-05T08:00:00Z");
  EXPECT_EQ(Ms("2026-01-05T09:00:00+01:00"), utc);
  EXPECT_EQ(Ms("2026-01-05T02:30:00-05:30"), utc);
  EXPECT_EQ(Ms("2026-01-05T08:00:00+00:00"), utc);
  EXPECT_EQ(Ms("2026-01-05T08:00:00-00:00"), utc);
  EXPECT_EQ(Ms("2026-01-05T00:00:00-08:00"), utc);
  EXPECT_EQ(Ms("2026-01-05t08:00:00z"), utc);
  EXPECT_EQ(Ms("2026-01-05T08:00:00.5Z"), utc + 500);
  EXPECT_EQ(Ms("2026-01-05T08:00:00.25Z"), utc + 250);
  EXPECT_EQ(Ms("2026-01-05T08:00:00.123Z"), utc + 123);
  EXPECT_EQ(Ms("2026-01-05T08:00:00.123456789Z"), utc + 123);  // truncated to ms
  EXPECT_EQ(Ms("2026-01-05T08:00:00.999+01:00"), utc - 3'600'000 + 999);
  // An offset can move the instant across a day, month or year boundary.
  EXPECT_EQ(Iso8601(Ms("2026-01-01T00:30:00+01:00")), "2025-12-31T23:30:00Z");
  EXPECT_TRUE(RefusedAsNotOnCalendar("2026-01-05T08:00:00+24:00"));
  EXPECT_TRUE(RefusedAsNotOnCalendar("2026-01-05T08:00:00+01:60"));
}

TEST(ClockSchemaTest, Rfc3339RefusesWhatIsNotItsSyntax) {
  const std::string_view kNotRfc3339[] = {
      "", "yesterday", "2026-01-05", "2026-01-05T08:00Z", "2026-01-05 08:00:00Z",
        "2026-01-05T08:00:00", "2026-01-05T08:00:00.Z", "2026-01-05T08:00:00.1234567890Z",
        "2026-01-05T08:00:00ZZ", "2026-01-05T08:00:00 Z", " 2026-01-05T08:00:00Z",
        "2026-01-05T08:00:00Z ", "2026-1-05T08:00:00Z", "26-01-05T08:00:00Z",
        "+2026-01-05T08:00:00Z", "-001-01-05T08:00:00Z", "12026-01-05T08:00:00Z",
        "2026-01-05T8:00:00Z", "2026-01-05T08:00:00+0100", "2026-01-05T08:00:00+01",
        "2026-01-05T08:00:00UTC", "2026-01-05T08:00:00+01:00Z", "2026/01/05T08:00:00Z",
        "2026-01-05T08:00:0xZ", std::string_view("2026-01-05T08:00:00\0Z", 21)};
  for (std::string_view text : kNotRfc3339) {
    EXPECT_TRUE(RefusedAsSyntax(text)) << "'" << text << "'";
  }
}

TEST(ClockSchemaTest, Rfc3339YearsAreFourDigits) {
  EXPECT_EQ(Iso8601(Ms("0000-01-01T00:00:00Z")), "0000-01-01T00:00:00Z");
  EXPECT_EQ(Ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(Ms("2000-01-01T00:00:00Z"), 946'684'800'000);
  EXPECT_EQ(Ms("9999-12-31T23:59:59.999Z"), 253'402'300'799'999);
  EXPECT_EQ(Iso8601(Ms("9999-12-31T23:59:59Z")), "9999-12-31T23:59:59Z");
  // An offset may carry the instant past the four-digit range; callers bound the range.
  EXPECT_EQ(Ms("9999-12-31T23:30:00-01:00"), 253'402'300'800'000 + 1'800'000);
}

TEST(ClockSchemaTest, LenientIso8601KeepsItsShortFormsButNotImpossibleDates) {
  const auto t = ParseIso8601("2026-01-05T08:00:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(ParseIso8601("2026-01-05T08:00Z"), t);
  EXPECT_EQ(ParseIso8601("2026-01-05 08:00:00Z"), t);
  EXPECT_EQ(ParseIso8601("2026-01-05T09:00+01:00"), t);
  EXPECT_FALSE(ParseIso8601("2027-02-29T10:00:00Z"));
  EXPECT_FALSE(ParseIso8601("2026-12-31T23:59:60Z"));
  EXPECT_FALSE(ParseIso8601("2026-01-05T24:00Z"));
  EXPECT_FALSE(ParseIso8601("2026-01-05T08:00:00"));
}

TEST(ClockSchemaTest, ParsesDurations) {
  EXPECT_EQ(ParseDuration("90m"), 90 * 60'000);
  EXPECT_EQ(ParseDuration("2h"), 7'200'000);
  EXPECT_EQ(ParseDuration("7d"), 7 * 86'400'000LL);
  EXPECT_EQ(ParseDuration("1500ms"), 1500);
  EXPECT_FALSE(ParseDuration("soon"));
  EXPECT_FALSE(ParseDuration("5y"));
}

TEST(ClockSchemaTest, TimeEventsRoundTripAndAdvanceValidates) {
  DayStarted e{1767600000000, "2026-01-05"};
  auto d = Decode<DayStarted>(Encode(e));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->date, "2026-01-05");
  EXPECT_FALSE(Decode<Advance>(Encode(Advance{})).ok());
  EXPECT_FALSE(Decode<Advance>(Encode(Advance{-5, std::nullopt})).ok());
  EXPECT_EQ(*Decode<Advance>(Encode(Advance{60'000, std::nullopt}))->by_ms, 60'000);
}

}  // namespace
}  // namespace mcf::schemas::clock
