// Re-matching of waiting tasks through a real Dispatcher on a real LMDB env: a freed booking
// (failed, canceled, completed early) or a hire matches waiting tasks in request order, once;
// a task whose appointment began leaves the queue unmatched; a booked worker is never booked
// twice; many past bookings change nothing of that.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/matching/handlers_fixture.h"

namespace mcf::matching {
namespace {

using RematchTest = MatchingHandlersTest;

std::vector<wire::WorkerMatched> Matched(
    const std::vector<std::pair<std::string, std::string>>& events) {
  std::vector<wire::WorkerMatched> out;
  for (const auto& [topic, body] : events)
    if (topic == wire::kWorkerMatched) out.push_back(*wire::Decode<wire::WorkerMatched>(body));
  return out;
}

TEST_F(RematchTest, TwoWorkersThreeOrdersFirstFailsTheWaitingOrderGoesToTheFreedWorkerOnce) {
  Apply({Hired("w1"), Hired("w2")});
  for (const char* t : {"o1", "o2", "o3"}) Apply({Requested(t, kMonday9, kMonday9 + kHour)});
  auto first = NewEvents();
  auto matched = Matched(first);
  ASSERT_EQ(matched.size(), 2u);
  ASSERT_EQ(first.back().first, wire::kNoWorkerAvailable);
  EXPECT_EQ(Pool().waiting, std::vector<std::string>{"o3"});
  const std::string freed =
      matched[0].task_id == "o1" ? matched[0].worker_id : matched[1].worker_id;

  Apply({Finalized("o1", freed, tasks::Outcome::kFailed)});
  auto events = NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(*wire::Decode<wire::WorkerMatched>(events[0].second),
            (wire::WorkerMatched{"o3", freed, 10'000, "drop_booked,pick_random"}));
  wire::Pool pool = Pool();
  EXPECT_TRUE(pool.waiting.empty());
  for (const auto& w : pool.workers) {
    ASSERT_EQ(w.bookings.size(), 1u) << w.worker_id;  // never two for the same hour
    EXPECT_EQ(w.bookings[0].task_id, w.worker_id == freed ? "o3" : "o2");
  }

  // Once: the same finalization again (re-published under a new seq), a hire, a restart.
  Apply({Finalized("o1", freed, tasks::Outcome::kFailed)});
  Apply({Hired("w3")});
  Reopen();
  Apply({Requested("o3", kMonday9, kMonday9 + kHour)});
  EXPECT_TRUE(NewEvents().empty());
}

TEST_F(RematchTest, CanceledAndCompletedEarlyFreeTheBookingCompletedAtItsEndFreesNothing) {
  Apply({Hired("w1")});
  Apply({Requested("a", kMonday9, kMonday9 + kHour)});
  Apply({Requested("b", kMonday9 + 2 * kHour, kMonday9 + 3 * kHour)});
  Apply({Requested("wait-a", kMonday9, kMonday9 + kHour),
         Requested("wait-b", kMonday9 + 2 * kHour, kMonday9 + 3 * kHour)});
  NewEvents();

  Apply({Finalized("a", "w1", tasks::Outcome::kCanceled)});
  auto matched = Matched(NewEvents());
  ASSERT_EQ(matched.size(), 1u);
  EXPECT_EQ(matched[0].task_id, "wait-a");  // only what overlaps the freed hour

  // b completed at its end frees nothing to come: no re-match. By then wait-b's appointment has
  // begun, so the next re-match (a hire) drops it instead of matching it.
  const int64_t at_end = kMonday9 + 3 * kHour;
  Apply({Finalized("b", "w1", tasks::Outcome::kCompleted, at_end)});
  EXPECT_TRUE(NewEvents().empty());
  EXPECT_EQ(Pool().waiting, std::vector<std::string>{"wait-b"});
  Apply({Hired("w2", at_end + 1)});
  EXPECT_TRUE(NewEvents().empty());
  EXPECT_TRUE(Pool().waiting.empty());
}

TEST_F(RematchTest, FreedBookingGoesToTheEarliestRequestNotTheEarliestStart) {
  Apply({Hired("w1")});
  Apply({Requested("booked", kMonday9, kMonday9 + kHour)});
  // Both overlap the booked hour and each other; "late-start" was requested first.
  Apply({Requested("late-start", kMonday9 + kHour / 4, kMonday9 + kHour)});
  Apply({Requested("early-start", kMonday9, kMonday9 + kHour / 2)});
  NewEvents();
  ASSERT_EQ(Pool().waiting, (std::vector<std::string>{"late-start", "early-start"}));

  Apply({Finalized("booked", "w1", tasks::Outcome::kFailed)});
  auto matched = Matched(NewEvents());
  ASSERT_EQ(matched.size(), 1u);
  EXPECT_EQ(matched[0],
            (wire::WorkerMatched{"late-start", "w1", 10'000, "drop_booked,pick_random"}));
  EXPECT_EQ(Pool().waiting, std::vector<std::string>{"early-start"});
}

TEST_F(RematchTest, FreedLongBookingTakesSeveralWaitingTasksThatFitInRequestOrder) {
  Apply({Hired("w1")});
  Apply({Requested("long", kMonday9, kMonday9 + 3 * kHour)});
  Apply({Requested("q1", kMonday9 + kHour, kMonday9 + 2 * kHour),
         Requested("q2", kMonday9, kMonday9 + kHour),
         Requested("q3", kMonday9, kMonday9 + 2 * kHour),  // overlaps q1 and q2: no room left
         Requested("q4", kMonday9 + 2 * kHour, kMonday9 + 3 * kHour)});
  NewEvents();
  Apply({Finalized("long", "w1", tasks::Outcome::kCanceled)});
  std::vector<std::string> got;
  for (const auto& m : Matched(NewEvents())) got.push_back(m.task_id);
  EXPECT_EQ(got, (std::vector<std::string>{"q1", "q2", "q4"}));
  EXPECT_EQ(Pool().waiting, std::vector<std::string>{"q3"});
  EXPECT_EQ(Pool().workers.at(0).bookings.size(), 3u);
}

TEST_F(RematchTest, WaitingTaskWhoseAppointmentBeganIsDroppedNotMatched) {
  Apply({Requested("soon", kMonday9, kMonday9 + kHour)});
  Apply({Requested("later", kMonday9 + 2 * kHour, kMonday9 + 3 * kHour)});
  NewEvents();
  Apply({Hired("w1", kMonday9 + kHour / 2)});  // "soon" began half an hour ago
  auto matched = Matched(NewEvents());
  ASSERT_EQ(matched.size(), 1u);
  EXPECT_EQ(matched[0].task_id, "later");
  EXPECT_TRUE(Pool().waiting.empty());
}

// Books tasks "past-<i>" for i in [first, first + count), round-robin over `workers`, one hour
// each, back to back per worker, the latest ending at `end_before_ms`: the bookings of old tasks
// that were never finalized, written as a match would (PutBooking).
Status SeedPastBookings(MatchingStore& store, store::Txn& txn,
                        const std::vector<std::string>& workers, uint64_t first, uint64_t count,
                        int64_t end_before_ms) {
  const uint64_t n = workers.size();
  for (uint64_t i = first; i < first + count; ++i) {
    const int64_t ends = end_before_ms - static_cast<int64_t>(i / n) * kHour;
    RETURN_IF_ERROR(store.PutBooking(
        txn, workers[i % n],
        ReferenceSample{"past-" + std::to_string(i), "past-client", "", ends - kHour, ends}));
  }
  return Status::Ok();
}

TEST_F(RematchTest, PastBookingsNeitherBlockNorShowAndOverlappingOnesStillDo) {
  Apply({Hired("w1"), Hired("w2")});
  {
    auto store = MatchingStore::Open(*d_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (uint64_t first = 0; first < 20'000; first += 10'000) {
      auto txn = d_->env().BeginWrite();
      ASSERT_TRUE(txn.ok());
      ASSERT_TRUE(SeedPastBookings(*store, *txn, {"w1", "w2"}, first, 10'000, kBusNow).ok());
      ASSERT_TRUE(txn->Commit().ok());
    }
    // One seeded booking that is not past: w2 from 09:00 for an hour (booking i ends i hours
    // before the given end, with one worker).
    auto txn = d_->env().BeginWrite();
    ASSERT_TRUE(
        SeedPastBookings(*store, *txn, {"w2"}, 20'000, 1, kMonday9 + kHour + 20'000 * kHour).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  wire::Pool pool = Pool();
  ASSERT_EQ(pool.workers.size(), 2u);
  EXPECT_TRUE(pool.workers[0].bookings.empty());  // 10^4 past ones are not listed
  EXPECT_EQ(pool.workers[1].bookings,
            (std::vector<wire::PoolBooking>{{"past-20000", kMonday9, kMonday9 + kHour}}));
  // 09:30 can only go to w1 (w2 has the seeded 09:00 hour), then 09:00-09:45 finds nobody; 08:00,
  // touching both, is free.
  Apply({Requested("t1", kMonday9 + kHour / 2, kMonday9 + kHour)});
  Apply({Requested("t2", kMonday9, kMonday9 + 3 * kHour / 4)});
  auto events = NewEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(wire::Decode<wire::WorkerMatched>(events[0].second)->worker_id, "w1");
  EXPECT_EQ(events[1].first, wire::kNoWorkerAvailable);
  EXPECT_EQ(Match("probe", kBusNow, kMonday9).status, Code::kOk);
  // The seeded hours are still seen by a window they overlap (both workers are busy then).
  EXPECT_EQ(Match("probe", kBusNow - 5 * kHour, kBusNow - 4 * kHour).status, Code::kConflict);
}

}  // namespace
}  // namespace mcf::matching
