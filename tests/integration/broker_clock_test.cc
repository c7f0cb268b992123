// The bus clock inside a real mcf-broker: sim-mode advance is durable before it is answered,
// calendar boundaries arrive in order, and real mode refuses to be moved.
#include <gtest/gtest.h>

#include "schemas/clock.h"
#include "tests/integration/broker_harness.h"

namespace mcf::testing {
namespace {

namespace clk = schemas::clock;
using Clock = std::chrono::steady_clock;

struct ClockEventSeen {
  std::string type;
  int64_t at;
  std::string label;
};

// A clock event's body as (instant, label): the date, week_start or month it names ("" for a tick).
template <class TimeEvent>
Result<std::pair<int64_t, std::string>> Seen(std::string_view body,
                                             std::string TimeEvent::*label = nullptr) {
  ASSIGN_OR_RETURN(TimeEvent e, clk::Decode<TimeEvent>(body));
  return std::pair{e.at_ms, label ? e.*label : std::string()};
}
Result<std::pair<int64_t, std::string>> TimeAndLabel(std::string_view type, std::string_view body) {
  if (type == clk::kDayStarted) return Seen(body, &clk::DayStarted::date);
  if (type == clk::kWeekEnded) return Seen(body, &clk::WeekEnded::week_start);
  if (type == clk::kMonthEnded) return Seen(body, &clk::MonthEnded::month);
  return Seen<clk::Tick>(body);
}

std::vector<ClockEventSeen> CollectClock(Peer& sub, size_t n, milliseconds wait) {
  std::vector<ClockEventSeen> out;
  auto end = Clock::now() + wait;
  while (out.size() < n && Clock::now() < end) {
    sub.Send(proto::EncodeHeartbeat());
    auto frames = sub.RecvKind(proto::Kind::kEvent, milliseconds(50));
    if (!frames) continue;
    for (size_t i = proto::kEventFramesOffset; i < frames->size(); ++i) {
      auto e = proto::ParseEventFrame((*frames)[i]);
      auto env = schemas::DecodeEnvelope(e->envelope);
      EXPECT_TRUE(env.ok());
      EXPECT_EQ(env->type, e->topic);
      EXPECT_EQ(env->time_ms, e->time_ms);
      auto body = TimeAndLabel(e->topic, env->body);
      EXPECT_TRUE(body.ok());
      out.push_back({std::string(e->topic), body->first, body->second});
    }
    sub.Send(
        proto::EncodeCredit(static_cast<uint32_t>(frames->size() - proto::kEventFramesOffset)));
  }
  return out;
}

class BrokerClockTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> flags) {
    broker_ = std::make_unique<BrokerProcess>(dir_, dir_.Sub("data"), std::move(flags));
    ASSERT_TRUE(broker_->ok()) << broker_->Log();
    client_ = std::make_unique<Peer>(context_, broker_->endpoint());
  }
  void TearDown() override {
    if (HasFailure() && broker_) std::cerr << "--- broker log ---\n" << broker_->Log();
  }
  TempDir dir_;
  zmq::context_t context_{1};
  std::unique_ptr<BrokerProcess> broker_;
  std::unique_ptr<Peer> client_;
};

TEST_F(BrokerClockTest, AdvanceRepliesOnceItsEventsAreInTheLog) {
  Start({"--clock", "sim", "--start", "2026-01-05T08:00:00Z"});
  const int64_t start = *clk::ParseIso8601("2026-01-05T08:00:00Z");
  auto now = Call(*client_, "clock.now");
  ASSERT_TRUE(now);
  EXPECT_EQ(clk::Decode<clk::BusTime>(now->body)->now_ms, start);
  auto reply = Call(*client_, "clock.advance", clk::Encode(clk::Advance{90 * 60'000, {}}));
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->status, Code::kOk) << reply->message;
  auto body = clk::Decode<clk::BusTime>(reply->body);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->now_ms, start + 90 * 60'000);
  EXPECT_EQ(body->mode, "sim");
  EXPECT_EQ(body->events, 90);
  // Already durable when answered: the log head shows them at once.
  std::string storage;
  auto stats = Stats(*client_, storage);
  ASSERT_TRUE(stats);
  EXPECT_EQ(*stats->Int("log_head"), 90);

  Peer sub(context_, broker_->endpoint());
  sub.Send(proto::Encode(proto::Subscribe{1, 1000, {"clock."}}));
  // All 90 however slow the machine (bounded generously), then nothing more in a quiet second
  // (a 91st would be a bug; the log head above already says 90).
  auto events = CollectClock(sub, 90, milliseconds(30000));
  ASSERT_EQ(events.size(), 90u);
  EXPECT_TRUE(CollectClock(sub, 1, milliseconds(1000)).empty());
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].type, "clock.tick");
    EXPECT_EQ(events[i].at, start + static_cast<int64_t>(i + 1) * 60'000);
  }
  // Requests are stamped with the sim time.
  now = Call(*client_, "clock.now");
  EXPECT_EQ(clk::Decode<clk::BusTime>(now->body)->now_ms, start + 90 * 60'000);
}

TEST_F(BrokerClockTest, SundayMidnightYieldsWeekEndedThenDayStartedThenTick) {
  Start({"--clock", "sim", "--start", "2026-01-11T23:58:00Z"});
  const int64_t midnight = *clk::ParseIso8601("2026-01-12T00:00:00Z");
  auto reply = Call(*client_, "clock.advance", clk::Encode(clk::Advance{{}, midnight + 60'000}));
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->status, Code::kOk) << reply->message;
  EXPECT_EQ(clk::Decode<clk::BusTime>(reply->body)->events, 5);
  Peer sub(context_, broker_->endpoint());
  sub.Send(proto::Encode(proto::Subscribe{1, 100, {"clock."}}));
  auto events = CollectClock(sub, 5, milliseconds(3000));
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].type, "clock.tick");
  EXPECT_EQ(events[0].at, midnight - 60'000);
  EXPECT_EQ(events[1].type, "clock.week_ended");
  EXPECT_EQ(events[1].label, "2026-01-05");
  EXPECT_EQ(events[2].type, "clock.day_started");
  EXPECT_EQ(events[2].label, "2026-01-12");
  EXPECT_EQ(events[3].type, "clock.tick");
  EXPECT_EQ(events[3].at, midnight);
  EXPECT_EQ(events[4].at, midnight + 60'000);
}

TEST_F(BrokerClockTest, SimClockResumesFromThePersistedTimeAfterRestart) {
  Start({"--clock", "sim", "--start", "2026-01-05T08:00:00Z"});
  ASSERT_TRUE(Call(*client_, "clock.advance", clk::Encode(clk::Advance{10 * 60'000, {}})));
  ASSERT_EQ(broker_->process().Stop(milliseconds(3000)), 0);
  Start({"--clock", "sim", "--start", "2026-01-05T08:00:00Z"});
  auto now = Call(*client_, "clock.now");
  ASSERT_TRUE(now);
  EXPECT_EQ(clk::Decode<clk::BusTime>(now->body)->now_ms, *clk::ParseIso8601("2026-01-05T08:10:00Z"));
}

TEST_F(BrokerClockTest, RealModeRejectsAdvance) {
  Start({});
  auto reply = Call(*client_, "clock.advance", clk::Encode(clk::Advance{60'000, {}}));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, Code::kInvalid);
  EXPECT_EQ(reply->message, "the clock is real");
  auto now = Call(*client_, "clock.now");
  ASSERT_TRUE(now);
  EXPECT_EQ(clk::Decode<clk::BusTime>(now->body)->mode, "real");
}

}  // namespace
}  // namespace mcf::testing
