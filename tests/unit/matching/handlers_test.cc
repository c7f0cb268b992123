// The matching handlers through the runtime's Dispatcher on a real LMDB env in a TempDir:
// events in, store changes and published events out, commands answered.
#include "workers/matching/handlers.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "lib/worker/dispatcher.h"
#include "schemas/body.h"
#include "schemas/envelope.h"
#include "schemas/hiring.h"
#include "schemas/matching.h"
#include "schemas/tasks.h"
#include "tests/support/temp_dir.h"

namespace mcf::matching {
namespace {

namespace hiring = schemas::hiring;
namespace tasks = schemas::tasks;
namespace wire = schemas::matching;
using worker::Dispatcher;
using worker::Incoming;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kMonday9 = 1'767'603'600'000;  // 2026-01-05T09:00:00Z

class MatchingHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // A fresh Dispatcher over the same directory: what a restart sees.
  void Reopen(std::string pipeline = std::string(kDefaultPipeline)) {
    d_ = std::make_unique<Dispatcher>("matching", 7);
    ASSERT_TRUE(d_->Open(dir_.path(), size_t{64} << 20, /*no_sync=*/true).ok());
    auto p = Pipeline::Parse(pipeline, StepRegistry::WithBuiltinSteps());
    ASSERT_TRUE(p.ok());
    Status s = MatchingHandlers::Install(*d_, std::make_shared<Pipeline>(std::move(*p)), 7);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  Incoming Event(std::string_view type, std::string body) {
    uint64_t seq = ++seq_;
    schemas::Envelope e;
    e.id = "feeder:" + std::to_string(seq);
    e.type = std::string(type);
    e.producer = "feeder";
    e.body = std::move(body);
    Incoming in;
    in.kind = Incoming::Kind::kEvent;
    in.seq = seq;
    in.topic = e.type;
    in.bus_time_ms = kMonday9 + static_cast<int64_t>(seq);
    in.envelope = schemas::Encode(e);
    return in;
  }
  Incoming Hired(const std::string& worker_id) {
    return Event(hiring::kWorkerHired,
                 hiring::Encode(
                     hiring::WorkerHired{worker_id, "Name " + worker_id, {"pipes"}, {"heights"}}));
  }
  Incoming Requested(const std::string& task_id, int64_t start, int64_t end) {
    return Event(tasks::kTaskRequested,
                 tasks::Encode(tasks::TaskRequested{task_id, "client-1", "plumbing", start, end}));
  }
  Incoming Finalized(const std::string& task_id, const std::string& worker_id,
                     tasks::Outcome outcome) {
    return Event(tasks::kTaskFinalized, tasks::Encode(tasks::TaskFinalized{task_id, worker_id, outcome}));
  }
  Incoming Command(std::string_view type, std::string body) {
    schemas::Envelope e;
    e.id = "cmd-" + std::to_string(++commands_);
    e.type = std::string(type);
    e.producer = "test";
    e.body = std::move(body);
    Incoming in;
    in.kind = Incoming::Kind::kCommand;
    in.request_id = commands_;
    in.deadline = SteadyClock::Instance().Now() + Millis(5000);
    in.bus_time_ms = kMonday9;
    in.envelope = schemas::Encode(e);
    return in;
  }

  std::vector<worker::OutgoingReply> Apply(std::vector<Incoming> batch) {
    auto r = d_->Apply(batch, SteadyClock::Instance().Now());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<worker::OutgoingReply>{};
  }

  // Published events not yet returned by an earlier call, as (topic, body).
  std::vector<std::pair<std::string, std::string>> NewEvents() {
    std::vector<std::pair<std::string, std::string>> out;
    auto records = d_->ReadOutbox(outbox_seen_, 1000);
    EXPECT_TRUE(records.ok());
    for (const auto& r : *records) {
      outbox_seen_ = r.producer_seq;
      out.emplace_back(r.topic, schemas::DecodeEnvelope(r.envelope)->body);
    }
    return out;
  }

  wire::Pool Pool() {
    auto replies = Apply({Command(wire::kPool, schemas::EmptyBody())});
    EXPECT_EQ(replies.size(), 1u);
    auto reply = schemas::DecodeReply(replies.at(0).envelope);
    EXPECT_EQ(reply->status, Code::kOk) << reply->message;
    auto pool = wire::Decode<wire::Pool>(reply->body);
    EXPECT_TRUE(pool.ok()) << pool.status().ToString();
    return pool.ok() ? *pool : wire::Pool{};
  }

  schemas::Reply Match(const std::string& task_id, int64_t start, int64_t end) {
    auto replies = Apply(
        {Command(wire::kMatch, wire::Encode(wire::MatchRequest{task_id, "client-1", start, end}))});
    EXPECT_EQ(replies.size(), 1u);
    return *schemas::DecodeReply(replies.at(0).envelope);
  }

  testing::TempDir dir_;
  std::unique_ptr<Dispatcher> d_;
  uint64_t seq_ = 0, commands_ = 0, outbox_seen_ = 0;
};

TEST_F(MatchingHandlersTest, EmptyPoolQueuesTheTaskThenAHireMatchesIt) {
  Apply({Requested("t1", kMonday9, kMonday9 + kHour)});
  auto events = NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].first, wire::kNoWorkerAvailable);
  auto none = wire::Decode<wire::NoWorkerAvailable>(events[0].second);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->task_id, "t1");
  EXPECT_EQ(none->reason, "no worker available: the pool is empty");
  EXPECT_EQ(Pool().waiting, std::vector<std::string>{"t1"});

  Apply({Hired("w1")});
  events = NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].first, wire::kWorkerMatched);
  auto matched = wire::Decode<wire::WorkerMatched>(events[0].second);
  ASSERT_TRUE(matched.ok());
  EXPECT_EQ(*matched, (wire::WorkerMatched{"t1", "w1", 10'000, "drop_booked,pick_random"}));

  wire::Pool pool = Pool();
  EXPECT_TRUE(pool.waiting.empty());
  ASSERT_EQ(pool.workers.size(), 1u);
  EXPECT_EQ(pool.workers[0].strengths, std::vector<std::string>{"pipes"});
  EXPECT_EQ(pool.workers[0].bookings,
            (std::vector<wire::PoolBooking>{{"t1", kMonday9, kMonday9 + kHour}}));
}

TEST_F(MatchingHandlersTest, WaitingTasksAreMatchedInRequestOrder) {
  // Both want the same hour; the one worker hired goes to the earlier request.
  Apply({Requested("second-id-first", kMonday9, kMonday9 + kHour),
         Requested("a-later", kMonday9, kMonday9 + kHour)});
  NewEvents();
  Apply({Hired("w1")});
  auto events = NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(wire::Decode<wire::WorkerMatched>(events[0].second)->task_id, "second-id-first");
  EXPECT_EQ(Pool().waiting, std::vector<std::string>{"a-later"});

  Apply({Hired("w2")});
  events = NewEvents();
  ASSERT_EQ(events.size(), 1u);
  auto matched = wire::Decode<wire::WorkerMatched>(events[0].second);
  EXPECT_EQ(matched->task_id, "a-later");
  EXPECT_EQ(matched->worker_id, "w2");
  EXPECT_TRUE(Pool().waiting.empty());
}

TEST_F(MatchingHandlersTest, BookedWorkerIsNotMatchedAgainUntilFinalizedFreesTheBooking) {
  Apply({Hired("w1")});
  Apply({Requested("t1", kMonday9, kMonday9 + kHour)});
  EXPECT_EQ(wire::Decode<wire::WorkerMatched>(NewEvents().at(0).second)->worker_id, "w1");

  // Overlapping: no one. Touching ([end, end+1h)): w1 again, via the dry run.
  EXPECT_EQ(Match("probe", kMonday9 + kHour / 2, kMonday9 + 2 * kHour).status, Code::kConflict);
  schemas::Reply touching = Match("probe", kMonday9 + kHour, kMonday9 + 2 * kHour);
  ASSERT_EQ(touching.status, Code::kOk) << touching.message;
  EXPECT_EQ(wire::Decode<wire::MatchResult>(touching.body)->worker_id, "w1");
  EXPECT_EQ(wire::Decode<wire::MatchResult>(touching.body)->price_minor, 10'000);
  EXPECT_EQ(Pool().workers.at(0).bookings.size(), 1u);  // the dry run booked nothing

  Apply({Requested("t2", kMonday9 + kHour / 2, kMonday9 + 2 * kHour)});
  auto events = NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].first, wire::kNoWorkerAvailable);
  EXPECT_EQ(wire::Decode<wire::NoWorkerAvailable>(events[0].second)->reason,
            "no worker available: no candidate left after step drop_booked");

  Apply({Finalized("t1", "w1", tasks::Outcome::kCompleted)});
  wire::Pool pool = Pool();
  ASSERT_EQ(pool.workers.size(), 1u);
  EXPECT_TRUE(pool.workers[0].bookings.empty());
  EXPECT_EQ(pool.workers[0].completed, 1);
  EXPECT_EQ(Match("probe", kMonday9, kMonday9 + kHour).status, Code::kOk);
  // Freeing a booking does not by itself re-run waiting tasks; the next hire does.
  EXPECT_EQ(pool.waiting, std::vector<std::string>{"t2"});
}

TEST_F(MatchingHandlersTest, FinalizedRecordsResultsPerWorker) {
  Apply({Hired("w1")});
  Apply({Requested("t1", kMonday9, kMonday9 + kHour)});
  Apply({Requested("t2", kMonday9 + kHour, kMonday9 + 2 * kHour)});
  Apply({Requested("t3", kMonday9 + 2 * kHour, kMonday9 + 3 * kHour)});
  Apply({Finalized("t1", "", tasks::Outcome::kFailed),  // worker taken from the booking
         Finalized("t2", "w1", tasks::Outcome::kCanceled),
         Finalized("t3", "w1", tasks::Outcome::kCompleted)});
  wire::PoolWorker w = Pool().workers.at(0);
  EXPECT_EQ(w.completed, 1);
  EXPECT_EQ(w.failed, 1);
  EXPECT_EQ(w.canceled, 1);
  EXPECT_TRUE(w.bookings.empty());
}

TEST_F(MatchingHandlersTest, CanceledWhileWaitingLeavesTheQueue) {
  Apply({Requested("t1", kMonday9, kMonday9 + kHour)});
  Apply({Finalized("t1", "", tasks::Outcome::kCanceled)});
  EXPECT_TRUE(Pool().waiting.empty());
  NewEvents();
  Apply({Hired("w1")});
  EXPECT_TRUE(NewEvents().empty());  // nothing left to match
}

TEST_F(MatchingHandlersTest, DuplicateEventSeqIsAppliedOnce) {
  Apply({Hired("w1")});
  Incoming requested = Requested("t1", kMonday9, kMonday9 + kHour);
  Apply({requested});
  Reopen();  // a restart redelivers from the stored offset
  Apply({requested});
  Apply({requested, requested});
  EXPECT_EQ(NewEvents().size(), 1u);  // one worker_matched
  EXPECT_EQ(d_->stats().events_skipped, 3u);

  Incoming finalized = Finalized("t1", "w1", tasks::Outcome::kCompleted);
  Apply({finalized, finalized});
  EXPECT_EQ(Pool().workers.at(0).completed, 1);
}

TEST_F(MatchingHandlersTest, SameTaskRequestedTwiceUnderNewSeqIsMatchedOnce) {
  Apply({Hired("w1"), Hired("w2")});
  Apply({Requested("t1", kMonday9, kMonday9 + kHour)});
  Apply({Requested("t1", kMonday9, kMonday9 + kHour)});  // a new seq, the same task
  EXPECT_EQ(NewEvents().size(), 1u);
  size_t bookings = 0;
  for (const auto& w : Pool().workers) bookings += w.bookings.size();
  EXPECT_EQ(bookings, 1u);
}

TEST_F(MatchingHandlersTest, SameTaskPicksSameWorkerOnAFreshStore) {
  // Replay: a second store fed the same events picks the same workers.
  auto feed = [this] {
    Apply({Hired("w1"), Hired("w2"), Hired("w3"), Hired("w4")});
    std::vector<std::string> picks;
    for (int i = 0; i < 8; ++i) {
      Apply({Requested("t" + std::to_string(i), kMonday9 + i * kHour, kMonday9 + (i + 1) * kHour)});
      picks.push_back(wire::Decode<wire::WorkerMatched>(NewEvents().at(0).second)->worker_id);
    }
    return picks;
  };
  std::vector<std::string> first = feed();
  testing::TempDir other;
  d_ = std::make_unique<Dispatcher>("matching", 7);
  ASSERT_TRUE(d_->Open(other.path(), size_t{64} << 20, true).ok());
  auto p = Pipeline::Parse(kDefaultPipeline, StepRegistry::WithBuiltinSteps());
  ASSERT_TRUE(MatchingHandlers::Install(*d_, std::make_shared<Pipeline>(std::move(*p)), 7).ok());
  seq_ = 0;
  outbox_seen_ = 0;
  EXPECT_EQ(feed(), first);
}

TEST_F(MatchingHandlersTest, BadBodiesAreRejectedNotApplied) {
  Apply({Event(tasks::kTaskRequested,
               tasks::Encode(tasks::TaskRequested{"t1", "c", "s", kMonday9 + kHour, kMonday9}))});  // ends first
  EXPECT_EQ(d_->stats().handler_failed, 1u);
  EXPECT_TRUE(NewEvents().empty());
  EXPECT_TRUE(Pool().waiting.empty());
  schemas::Reply bad = Match("", kMonday9, kMonday9 + kHour);
  EXPECT_EQ(bad.status, Code::kInvalid);
  EXPECT_EQ(bad.message, "body.task_id: must not be empty");
}

TEST_F(MatchingHandlersTest, MatchOnEmptyPoolIsConflict) {
  schemas::Reply r = Match("t1", kMonday9, kMonday9 + kHour);
  EXPECT_EQ(r.status, Code::kConflict);
  EXPECT_EQ(r.message, "no worker available: the pool is empty");
  EXPECT_TRUE(Pool().waiting.empty());  // a dry run does not queue
}

}  // namespace
}  // namespace mcf::matching
