#include "schemas/clock.h"

#include <gtest/gtest.h>

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

TEST(ClockSchemaTest, ParsesDurations) {
  EXPECT_EQ(ParseDuration("90m"), 90 * 60'000);
  EXPECT_EQ(ParseDuration("2h"), 7'200'000);
  EXPECT_EQ(ParseDuration("7d"), 7 * 86'400'000LL);
  EXPECT_EQ(ParseDuration("1500ms"), 1500);
  EXPECT_FALSE(ParseDuration("soon"));
  EXPECT_FALSE(ParseDuration("5y"));
}

TEST(ClockSchemaTest, TimeEventsRoundTripAndAdvanceValidates) {
  TimeEvent e{1767600000000, "2026-01-05"};
  auto d = DecodeTimeEvent(kDayStarted, Encode(kDayStarted, e));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->label, "2026-01-05");
  EXPECT_FALSE(DecodeAdvance(Encode(Advance{})).ok());
  EXPECT_FALSE(DecodeAdvance(Encode(Advance{-5, std::nullopt})).ok());
  EXPECT_EQ(*DecodeAdvance(Encode(Advance{60'000, std::nullopt}))->by_ms, 60'000);
}

}  // namespace
}  // namespace mcf::schemas::clock
