// Round trips and required fields of the bodies matching consumes and produces.
#include <gtest/gtest.h>

#include "schemas/body.h"
#include "schemas/hiring.h"
#include "schemas/matching.h"
#include "schemas/registry.h"
#include "schemas/tasks.h"

namespace mcf::schemas {
namespace {

TEST(MatchingSchemasTest, BodiesRoundTrip) {
  hiring::WorkerHired h{"w1", "Ann", {"pipes", "tiles"}, {}, 4, "tabby", "ginger", "hiring:photo/w1", 2, "manager-1"};
  EXPECT_EQ(*hiring::Decode<hiring::WorkerHired>(hiring::Encode(h)), h);
  tasks::TaskRequested r{"t1", "c1", "s1", 100, 200};
  EXPECT_EQ(*tasks::Decode<tasks::TaskRequested>(tasks::Encode(r)), r);
  tasks::TaskFinalized f{"t1", "", tasks::Outcome::kCanceled};
  EXPECT_EQ(*tasks::Decode<tasks::TaskFinalized>(tasks::Encode(f)), f);
  matching::WorkerMatched m{"t1", "w1", 10'000, "drop_booked,pick_random"};
  EXPECT_EQ(*matching::Decode<matching::WorkerMatched>(matching::Encode(m)), m);
  matching::Pool p;
  p.workers.push_back({"w1", "Ann", {"a"}, {"b"}, 1, 2, 3, {{"t1", 1, 2}, {"t2", 3, 4}}});
  p.workers.push_back({"w2", "Bob", {}, {}, 0, 0, 0, {}});
  p.waiting = {"t9"};
  auto decoded = matching::Decode<matching::Pool>(matching::Encode(p));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, p);
}

TEST(MatchingSchemasTest, MissingOrBadFieldsAreInvalidAndNamed) {
  auto no_worker = hiring::Decode<hiring::WorkerHired>(BodyWriter().String("name", "x").Finish());
  EXPECT_EQ(no_worker.status().code(), Code::kInvalid);
  EXPECT_NE(no_worker.status().message().find("worker_id"), std::string::npos);
  auto outcome = tasks::Decode<tasks::TaskFinalized>(BodyWriter()
                                                .String("task_id", "t")
                                                .String("worker_id", "")
                                                .String("outcome", "won")
                                                .Finish());
  EXPECT_EQ(outcome.status().message(),
            "body.outcome: expected completed, failed or canceled, got won");
  auto interval = tasks::Decode<tasks::TaskRequested>(tasks::Encode(tasks::TaskRequested{"t", "c", "s", 5, 5}));
  EXPECT_EQ(interval.status().message(), "body.ends_at: must be after starts_at");
}

TEST(MatchingSchemasTest, EveryTypeIsRegistered) {
  for (std::string_view t : {hiring::kWorkerHired, tasks::kTaskRequested, tasks::kTaskFinalized,
                             matching::kWorkerMatched, matching::kNoWorkerAvailable})
    EXPECT_EQ(FindMessageType(t)->kind, MessageKind::kEvent) << t;
  for (std::string_view t : {matching::kPool, matching::kMatch})
    EXPECT_EQ(FindMessageType(t)->kind, MessageKind::kCommand) << t;
}

}  // namespace
}  // namespace mcf::schemas
