// The matching handlers through the runtime's Dispatcher on a real LMDB env in a TempDir:
// events in, store changes and published events out, commands answered.
#include "workers/matching/handlers.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/matching/handlers_fixture.h"

namespace mcf::matching {
namespace {

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

  // Completed before its end (bus time 08:00): the freed hour goes to the waiting t2.
  Apply({Finalized("t1", "w1", tasks::Outcome::kCompleted)});
  events = NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(*wire::Decode<wire::WorkerMatched>(events[0].second),
            (wire::WorkerMatched{"t2", "w1", 10'000, "drop_booked,pick_random"}));
  wire::Pool pool = Pool();
  ASSERT_EQ(pool.workers.size(), 1u);
  EXPECT_EQ(pool.workers[0].bookings,
            (std::vector<wire::PoolBooking>{{"t2", kMonday9 + kHour / 2, kMonday9 + 2 * kHour}}));
  EXPECT_EQ(pool.workers[0].completed, 1);
  EXPECT_TRUE(pool.waiting.empty());
  EXPECT_EQ(Match("probe", kMonday9, kMonday9 + kHour / 2).status, Code::kOk);
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
               tasks::Encode(tasks::TaskRequested{"t1", "c", "s", kMonday9 + kHour,
                                                  kMonday9}))});  // ends first
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
