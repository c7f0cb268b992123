#include "lib/store/lmdb.h"

#include <gtest/gtest.h>

#include "lib/base/bytes.h"
#include "tests/support/temp_dir.h"

namespace mcf::store {
namespace {

TEST(LmdbTest, CommitPersistsAndDestructorAborts) {
  testing::TempDir dir;
  auto env = Env::Open(dir.path());
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  auto db = env->OpenDb("kv");
  ASSERT_TRUE(db.ok());
  {
    auto txn = env->BeginWrite();
    ASSERT_TRUE(txn->Put(*db, "a", "1").ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  {
    auto txn = env->BeginWrite();
    ASSERT_TRUE(txn->Put(*db, "b", "2").ok());
    // no commit: destructor aborts
  }
  auto read = env->BeginRead();
  EXPECT_EQ(read->Get(*db, "a")->value(), "1");
  EXPECT_FALSE(read->Get(*db, "b")->has_value());
}

TEST(LmdbTest, NestedTxnAbortDiscardsOnlyChild) {
  testing::TempDir dir;
  auto env = Env::Open(dir.path());
  auto db = env->OpenDb("kv");
  auto txn = env->BeginWrite();
  ASSERT_TRUE(txn->Put(*db, "parent", "p").ok());
  {
    auto child = txn->BeginNested();
    ASSERT_TRUE(child.ok());
    ASSERT_TRUE(child->Put(*db, "child", "c").ok());
  }  // aborted
  ASSERT_TRUE(txn->Commit().ok());
  auto read = env->BeginRead();
  EXPECT_TRUE(read->Get(*db, "parent")->has_value());
  EXPECT_FALSE(read->Get(*db, "child")->has_value());
}

TEST(LmdbTest, CursorWalksBigEndianKeysInNumericOrder) {
  testing::TempDir dir;
  auto env = Env::Open(dir.path());
  auto db = env->OpenDb("log");
  auto txn = env->BeginWrite();
  for (uint64_t k : {300u, 2u, 70000u, 1u}) ASSERT_TRUE(txn->Put(*db, U64Key(k), "v").ok());
  ASSERT_TRUE(txn->Commit().ok());
  auto read = env->BeginRead();
  auto cursor = Cursor::Open(*read, *db);
  ASSERT_TRUE(cursor.ok());
  std::vector<uint64_t> seen;
  for (bool ok = cursor->Seek(U64Key(2)); ok; ok = cursor->Next()) seen.push_back(FromU64Key(cursor->key()));
  EXPECT_EQ(seen, (std::vector<uint64_t>{2, 300, 70000}));
}

TEST(LmdbTest, OpenFailsClearlyOnUnusablePath) {
  auto env = Env::Open("/proc/definitely/not/here");
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.status().message().find("/proc/definitely/not/here"), std::string::npos);
}

}  // namespace
}  // namespace mcf::store
