#include "broker/bus_clock.h"

#include <gtest/gtest.h>

#include "schemas/clock.h"
#include "schemas/envelope.h"

namespace mcf::broker {
namespace {

namespace clk = schemas::clock;

int64_t At(const char* iso) { return *clk::ParseIso8601(iso); }

std::vector<std::string> Types(const std::vector<ClockEvent>& events) {
  std::vector<std::string> t;
  for (const auto& e : events) t.push_back(e.type);
  return t;
}

TEST(BusClockTest, NinetyMinuteAdvanceGivesNinetyTicks) {
  auto events = ClockEventsBetween(At("2026-01-05T08:00:00Z"), At("2026-01-05T09:30:00Z"));
  ASSERT_EQ(events.size(), 90u);
  EXPECT_EQ(events.front().at_ms, At("2026-01-05T08:01:00Z"));
  EXPECT_EQ(events.back().at_ms, At("2026-01-05T09:30:00Z"));
  for (const auto& e : events) EXPECT_EQ(e.type, clk::kTick);
  for (size_t i = 1; i < events.size(); ++i)
    EXPECT_GT(events[i].producer_seq, events[i - 1].producer_seq);
}

TEST(BusClockTest, UnalignedStartTicksOnMinuteBoundaries) {
  auto events = ClockEventsBetween(At("2026-01-05T08:00:30Z"), At("2026-01-05T08:02:10Z"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].at_ms, At("2026-01-05T08:01:00Z"));
  EXPECT_EQ(events[1].at_ms, At("2026-01-05T08:02:00Z"));
}

TEST(BusClockTest, SundayToMondayEndsTheWeekThenStartsTheDay) {
  // 2026-01-11 is a Sunday.
  auto events = ClockEventsBetween(At("2026-01-11T23:59:00Z"), At("2026-01-12T00:00:00Z"));
  EXPECT_EQ(Types(events),
            (std::vector<std::string>{"clock.week_ended", "clock.day_started", "clock.tick"}));
  auto week =
      clk::Decode<clk::WeekEnded>(schemas::DecodeEnvelope(events[0].envelope)->body);
  ASSERT_TRUE(week.ok());
  EXPECT_EQ(week->week_start, "2026-01-05");
  auto day =
      clk::Decode<clk::DayStarted>(schemas::DecodeEnvelope(events[1].envelope)->body);
  EXPECT_EQ(day->date, "2026-01-12");
  EXPECT_EQ(day->at_ms, At("2026-01-12T00:00:00Z"));
}

TEST(BusClockTest, MonthEndComesFirstAndNamesTheEndedMonth) {
  // 2026-06-01 is a Monday: month, week and day boundaries together.
  auto events = ClockEventsBetween(At("2026-05-31T23:59:00Z"), At("2026-06-01T00:00:00Z"));
  EXPECT_EQ(Types(events), (std::vector<std::string>{"clock.month_ended", "clock.week_ended",
                                                     "clock.day_started", "clock.tick"}));
  auto env = schemas::DecodeEnvelope(events[0].envelope);
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->id, "clock:" + std::to_string(At("2026-06-01T00:00:00Z")) + ":clock.month_ended");
  EXPECT_EQ(env->producer, "clock");
  EXPECT_EQ(env->time_ms, At("2026-06-01T00:00:00Z"));
  EXPECT_EQ(clk::Decode<clk::MonthEnded>(env->body)->month, "2026-05");
}

TEST(BusClockTest, LeapYearFebruaryHasTwentyNinthDay) {
  auto events = ClockEventsBetween(At("2028-02-28T23:59:00Z"), At("2028-03-01T00:00:00Z"));
  std::vector<std::string> days, months;
  for (const auto& e : events) {
    auto env = schemas::DecodeEnvelope(e.envelope);
    if (e.type == clk::kDayStarted) days.push_back(clk::Decode<clk::DayStarted>(env->body)->date);
    if (e.type == clk::kMonthEnded)
      months.push_back(clk::Decode<clk::MonthEnded>(env->body)->month);
  }
  EXPECT_EQ(days, (std::vector<std::string>{"2028-02-29", "2028-03-01"}));
  EXPECT_EQ(months, (std::vector<std::string>{"2028-02"}));
}

TEST(BusClockTest, SimClockStartsAtLaterOfStartAndPersisted) {
  BusClock fresh(ClockMode::kSim, At("2026-01-05T08:00:00Z"), std::nullopt, 0);
  EXPECT_EQ(fresh.Now(999), At("2026-01-05T08:00:00Z"));
  BusClock resumed(ClockMode::kSim, At("2026-01-05T08:00:00Z"), At("2026-01-06T00:00:00Z"), 0);
  EXPECT_EQ(resumed.Now(999), At("2026-01-06T00:00:00Z"));
  auto span = resumed.AdvanceTo(At("2026-01-06T00:05:00Z"));
  EXPECT_EQ(span.events.size(), 5u);
  EXPECT_EQ(span.clock_ms, At("2026-01-06T00:05:00Z"));
  EXPECT_TRUE(resumed.AdvanceTo(At("2026-01-06T00:01:00Z")).events.empty());
  EXPECT_EQ(resumed.Now(0), At("2026-01-06T00:05:00Z"));
}

TEST(BusClockTest, RealClockCatchesUpMissedMinutesCappedAtSevenDays) {
  const int64_t now = At("2026-01-20T12:00:30Z");
  BusClock recent(ClockMode::kReal, 0, At("2026-01-20T11:57:00Z"), now);
  auto span = recent.DueAt(now);
  ASSERT_TRUE(span);
  EXPECT_EQ(span->events.size(), 3u);
  EXPECT_FALSE(recent.DueAt(now + 1000));
  EXPECT_EQ(recent.NextBoundary(), At("2026-01-20T12:01:00Z"));

  BusClock old(ClockMode::kReal, 0, At("2026-01-01T00:00:00Z"), now);
  EXPECT_TRUE(old.catch_up_capped());
  auto capped = old.DueAt(now);
  ASSERT_TRUE(capped);
  EXPECT_EQ(capped->events.front().at_ms, At("2026-01-13T12:01:00Z"));

  BusClock first(ClockMode::kReal, 0, std::nullopt, now);
  EXPECT_FALSE(first.DueAt(now));
  EXPECT_EQ(first.Now(now), now);
}

TEST(BusClockTest, ProducerSeqOrdersEventsWithinAMinute) {
  const int64_t t = At("2026-06-01T00:00:00Z");
  EXPECT_LT(ClockProducerSeq(t, clk::kMonthEnded), ClockProducerSeq(t, clk::kWeekEnded));
  EXPECT_LT(ClockProducerSeq(t, clk::kWeekEnded), ClockProducerSeq(t, clk::kDayStarted));
  EXPECT_LT(ClockProducerSeq(t, clk::kDayStarted), ClockProducerSeq(t, clk::kTick));
  EXPECT_LT(ClockProducerSeq(t, clk::kTick), ClockProducerSeq(t + kMinuteMs, clk::kMonthEnded));
}

}  // namespace
}  // namespace mcf::broker
