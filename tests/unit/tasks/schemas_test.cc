// The tasks family's event bodies: round trips, and the optional fields added to task_finalized.
#include <gtest/gtest.h>

#include "schemas/body.h"
#include "schemas/tasks.h"

namespace mcf::schemas::tasks {
namespace {

TEST(TasksSchemasTest, EventsRoundTrip) {
  TaskAssigned a{"t1", "w1", 10'000, "c1", 100, 200};
  EXPECT_EQ(*Decode<TaskAssigned>(Encode(a)), a);
  CheckedIn c{"t1", "w1", 150};
  EXPECT_EQ(*Decode<CheckedIn>(Encode(c)), c);
  CopyOffered o{"t1", "c1"};
  EXPECT_EQ(*Decode<CopyOffered>(Encode(o)), o);
  TaskFinalized f{"t1", "w1", Outcome::kCanceled, "no_show", 10'000, "c1"};
  EXPECT_EQ(*Decode<TaskFinalized>(Encode(f)), f);
}

TEST(TasksSchemasTest, TaskFinalizedWithoutTheOptionalFieldsStillDecodes) {
  std::string old = BodyWriter()
                        .String("task_id", "t1")
                        .String("worker_id", "w1")
                        .String("outcome", "failed")
                        .Finish();
  auto f = Decode<TaskFinalized>(old);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->outcome, Outcome::kFailed);
  EXPECT_EQ(f->reason, "");
  EXPECT_EQ(f->price_minor, 0);
}

TEST(TasksSchemasTest, TaskAssignedNeedsAWorker) {
  auto a = Decode<TaskAssigned>(Encode(TaskAssigned{"t1", "", 1, "c1", 2, 3}));
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("body.worker_id"), std::string::npos);
}

}  // namespace
}  // namespace mcf::schemas::tasks
