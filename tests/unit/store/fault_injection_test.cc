// FaultPlan over a real LMDB env: each armed fault does what lib/store/fault_injection.h says,
// and only as often as armed.
#include "lib/store/fault_injection.h"

#include <gtest/gtest.h>
#include <lmdb.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <thread>

#include "lib/store/lmdb.h"
#include "tests/support/temp_dir.h"

namespace mcf::store {
namespace {

using std::chrono::milliseconds;

class FaultPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EnvOptions options;
    options.faults = &plan_;
    auto env = Env::Open(dir_.path(), options);
    ASSERT_TRUE(env.ok()) << env.status().ToString();
    env_.emplace(std::move(*env));
    auto db = env_->OpenDb("kv");
    ASSERT_TRUE(db.ok());
    db_ = *db;
  }
  bool Has(std::string_view key) {
    auto txn = env_->BeginRead();
    return txn.ok() && txn->Get(db_, key)->has_value();
  }

  FaultPlan plan_{milliseconds(20000)};
  testing::TempDir dir_;
  std::optional<Env> env_;
  Db db_;
};

TEST_F(FaultPlanTest, FailedPutsFailAsArmedThenPutsWorkAgain) {
  plan_.FailPuts(1, EIO, /*skip=*/1);
  auto txn = env_->BeginWrite();
  EXPECT_TRUE(txn->Put(db_, "a", "1").ok());  // skipped
  Status failed = txn->Put(db_, "b", "2");
  EXPECT_EQ(failed.code(), Code::kInternal) << failed.ToString();
  EXPECT_TRUE(txn->Put(db_, "c", "3").ok());  // the one armed fault is spent
  EXPECT_TRUE(txn->Reserve(db_, "d", 4).ok());
  ASSERT_TRUE(txn->Commit().ok());
  EXPECT_TRUE(Has("a"));
  EXPECT_FALSE(Has("b"));
  EXPECT_EQ(plan_.faults_fired(), 1u);
}

TEST_F(FaultPlanTest, AFullMapIsStoreFullOnPutAndReserve) {
  plan_.FillMap();  // until cleared
  auto txn = env_->BeginWrite();
  EXPECT_TRUE(IsStoreFull(txn->Put(db_, "a", "1")));
  auto reserved = txn->Reserve(db_, "b", 8);
  ASSERT_FALSE(reserved.ok());
  EXPECT_TRUE(IsStoreFull(reserved.status()));
  plan_.Clear();
  EXPECT_TRUE(txn->Put(db_, "a", "1").ok());
}

TEST_F(FaultPlanTest, AFailedCommitLeavesNothingAndNestedCommitsAreNotFaulted) {
  plan_.FailCommits(1, EIO);
  {
    auto txn = env_->BeginWrite();
    auto child = txn->BeginNested();
    ASSERT_TRUE(child.ok());
    ASSERT_TRUE(child->Put(db_, "a", "1").ok());
    ASSERT_TRUE(child->Commit().ok());  // not a durable point: not faulted
    Status s = txn->Commit();
    EXPECT_EQ(s.code(), Code::kInternal) << s.ToString();
    EXPECT_FALSE(txn->open());
  }
  EXPECT_FALSE(Has("a"));
  auto txn = env_->BeginWrite();
  ASSERT_TRUE(txn->Put(db_, "a", "1").ok());
  EXPECT_TRUE(txn->Commit().ok());
  EXPECT_TRUE(Has("a"));
  EXPECT_EQ(plan_.faults_fired(), 1u);
}

TEST_F(FaultPlanTest, ABlockedCommitWaitsForReleaseAndIsInvisibleMeanwhile) {
  plan_.BlockCommits();
  std::atomic<bool> committed{false};
  std::thread writer([&] {
    auto txn = env_->BeginWrite();
    ASSERT_TRUE(txn->Put(db_, "a", "1").ok());
    EXPECT_TRUE(txn->Commit().ok());
    committed = true;
  });
  ASSERT_TRUE(plan_.WaitUntilBlocked(milliseconds(10000)));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_FALSE(committed.load());
  EXPECT_FALSE(Has("a"));
  plan_.ReleaseCommits();
  writer.join();
  EXPECT_TRUE(committed.load());
  EXPECT_TRUE(Has("a"));
  EXPECT_EQ(plan_.gate_timeouts(), 0u);
}

TEST(FaultPlanGateTest, AGateNobodyOpensTimesOut) {
  testing::TempDir dir;
  FaultPlan plan(milliseconds(50));
  EnvOptions options;
  options.faults = &plan;
  auto env = Env::Open(dir.path(), options);
  ASSERT_TRUE(env.ok());
  plan.BlockCommits();
  auto db = env->OpenDb("kv");  // its commit waits out the gate, then goes through
  EXPECT_TRUE(db.ok());
  EXPECT_EQ(plan.gate_timeouts(), 1u);
}

// The flag check the durable-sync tests rely on sees MDB_NOSYNC when it is set.
TEST(EnvFlagsTest, NoSyncShowsInTheFlagsAndIsOffByDefault) {
  testing::TempDir a, b;
  auto durable = Env::Open(a.path());
  ASSERT_TRUE(durable.ok());
  EXPECT_EQ(*durable->Flags() & (MDB_NOSYNC | MDB_NOMETASYNC | MDB_MAPASYNC), 0u);
  EnvOptions fast;
  fast.no_sync = true;
  auto unsafe = Env::Open(b.path(), fast);
  ASSERT_TRUE(unsafe.ok());
  EXPECT_NE(*unsafe->Flags() & MDB_NOSYNC, 0u);
}

}  // namespace
}  // namespace mcf::store
