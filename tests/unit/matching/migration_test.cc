// A store written by the first layout (bookings keyed by task_id only, the waiting queue
// without indexes, no layout_version) is migrated when the handlers are installed: matches see
// its bookings, its waiting tasks are known and matched, and a second open changes nothing.
// The old layout is written here with raw puts, as the old code wrote it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lib/base/bytes.h"
#include "schemas/body.h"
#include "tests/support/store_snapshot.h"
#include "tests/unit/matching/handlers_fixture.h"

namespace mcf::matching {
namespace {

class MigrationTest : public MatchingHandlersTest {
 protected:
  // Replaces the store with a layout-1 one: w1 and w2 hired, w1 booked for t-old at 09:00,
  // t-waiting queued at position 1 for 09:00 too.
  void WriteFirstLayout() {
    d_.reset();
    old_dir_ = std::make_unique<testing::TempDir>();
    auto d = std::make_unique<Dispatcher>("matching", 7);
    ASSERT_TRUE(d->Open(old_dir_->path(), size_t{64} << 20, true).ok());
    auto db = [&](const char* name) { return *d->OpenDb(name); };
    store::Db workers = db("workers"), bookings = db("bookings"), waiting = db("waiting"),
              results = db("results"), meta = db("meta");
    (void)results;
    auto txn = d->env().BeginWrite();
    ASSERT_TRUE(txn.ok());
    for (const char* w : {"w1", "w2"})
      ASSERT_TRUE(
          txn->Put(workers, w,
                   schemas::Encode(hiring::WorkerHired{w, std::string("Name ") + w, {}, {}}))
              .ok());
    ASSERT_TRUE(txn->Put(bookings, "t-old",
                         schemas::BodyWriter()
                             .String("worker_id", "w1")
                             .Int("starts_at", kMonday9)
                             .Int("ends_at", kMonday9 + kHour)
                             .Finish())
                    .ok());
    ASSERT_TRUE(txn->Put(waiting, U64Key(1),
                         schemas::Encode(tasks::TaskRequested{"t-waiting", "c", "plumbing",
                                                              kMonday9, kMonday9 + kHour}))
                    .ok());
    ASSERT_TRUE(txn->Put(meta, "next_waiting", U64Key(2)).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  // Installs the handlers on the layout-1 store (what the worker's set-up does on start).
  void OpenOld() {
    d_ = std::make_unique<Dispatcher>("matching", 7);
    ASSERT_TRUE(d_->Open(old_dir_->path(), size_t{64} << 20, true).ok());
    auto p = Pipeline::Parse(kDefaultPipeline, StepRegistry::WithBuiltinSteps());
    Status s = MatchingHandlers::Install(*d_, std::make_shared<Pipeline>(std::move(*p)), 7);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::unique_ptr<testing::TempDir> old_dir_;
};

TEST_F(MigrationTest, FirstLayoutStoreIsIndexedOnOpenOnce) {
  WriteFirstLayout();
  OpenOld();
  {
    auto store = MatchingStore::Open(*d_);
    ASSERT_TRUE(store.ok());
    auto txn = d_->env().BeginRead();
    EXPECT_EQ(*store->LayoutVersion(*txn), MatchingStore::kLayoutVersion);
  }
  // The old booking is seen: w1 is busy at 09:00, so the match goes to w2 and then nobody.
  wire::Pool pool = Pool();
  ASSERT_EQ(pool.workers.size(), 2u);
  EXPECT_EQ(pool.workers[0].bookings,
            (std::vector<wire::PoolBooking>{{"t-old", kMonday9, kMonday9 + kHour}}));
  EXPECT_EQ(pool.waiting, std::vector<std::string>{"t-waiting"});
  schemas::Reply probe = Match("probe", kMonday9, kMonday9 + kHour);
  ASSERT_EQ(probe.status, Code::kOk) << probe.message;
  EXPECT_EQ(wire::Decode<wire::MatchResult>(probe.body)->worker_id, "w2");

  // The old waiting task is known (not queued twice) and is matched when t-old's booking frees.
  Apply({Requested("t-waiting", kMonday9, kMonday9 + kHour)});
  EXPECT_TRUE(NewEvents().empty());
  Apply({Requested("t-new", kMonday9, kMonday9 + kHour)});  // takes w2
  Apply({Finalized("t-old", "w1", tasks::Outcome::kFailed)});
  auto events = NewEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(*wire::Decode<wire::WorkerMatched>(events[0].second),
            (wire::WorkerMatched{"t-new", "w2", 10'000, "drop_booked,pick_random"}));
  EXPECT_EQ(*wire::Decode<wire::WorkerMatched>(events[1].second),
            (wire::WorkerMatched{"t-waiting", "w1", 10'000, "drop_booked,pick_random"}));
  EXPECT_TRUE(Pool().waiting.empty());

  // A second open migrates nothing: the store is byte for byte what it was.
  d_.reset();
  auto before = testing::SnapshotStores(old_dir_->path());
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  OpenOld();
  d_.reset();
  auto after = testing::SnapshotStores(old_dir_->path());
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(testing::DiffStores(*before, *after, {}), "");
}

}  // namespace
}  // namespace mcf::matching
