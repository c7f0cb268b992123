// The pure matching pipeline: seeded picks, the booking filter, configurable order, errors.
#include "workers/matching/pipeline.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "workers/matching/builtin_steps.h"
#include "workers/matching/step_registry.h"

namespace mcf::matching {
namespace {

constexpr int64_t kHour = 3'600'000;

NormalSample Worker(const std::string& id, std::vector<Booking> bookings = {}) {
  NormalSample s;
  s.worker_id = id;
  s.name = "Worker " + id;
  s.bookings = std::move(bookings);
  return s;
}

std::vector<NormalSample> PoolOf(int n) {
  std::vector<NormalSample> pool;
  for (int i = 0; i < n; ++i) pool.push_back(Worker("w" + std::to_string(i)));
  return pool;
}

ReferenceSample Task(const std::string& id, int64_t start, int64_t end) {
  return ReferenceSample{id, "client-1", "cleaning", start, end};
}

Pipeline Default() {
  auto p = Pipeline::Parse(kDefaultPipeline, StepRegistry::WithBuiltinSteps());
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return std::move(*p);
}

// Records the candidates it sees; changes nothing.
class ObserveStep : public MatchingStep {
 public:
  explicit ObserveStep(std::vector<std::string>* seen) : seen_(seen) {}
  std::string_view name() const override { return "observe"; }
  Status Apply(const ReferenceSample&, std::vector<NormalSample>& candidates,
               StepContext&) override {
    seen_->clear();
    for (const auto& c : candidates) seen_->push_back(c.worker_id);
    return Status::Ok();
  }

 private:
  std::vector<std::string>* seen_;
};

TEST(PipelineTest, SameTaskIdPicksSameWorkerAcrossRunsAndInstances) {
  std::vector<std::string> first_picks;
  for (int i = 0; i < 50; ++i) {
    auto picked = Default().Run(Task("task-" + std::to_string(i), 0, kHour), PoolOf(20), 7);
    ASSERT_TRUE(picked.ok()) << picked.status().ToString();
    first_picks.push_back(picked->worker_id);
  }
  Pipeline again = Default();
  for (int i = 0; i < 50; ++i) {
    for (int run = 0; run < 3; ++run) {
      auto picked = again.Run(Task("task-" + std::to_string(i), 0, kHour), PoolOf(20), 7);
      ASSERT_TRUE(picked.ok());
      EXPECT_EQ(picked->worker_id, first_picks[i]) << "task-" << i << " run " << run;
    }
  }
}

TEST(PipelineTest, DifferentTasksSpreadOverThePool) {
  // Seeded from the task: not one fixed worker for everyone.
  std::set<std::string> picked;
  Pipeline p = Default();
  for (int i = 0; i < 100; ++i)
    picked.insert(p.Run(Task("t" + std::to_string(i), 0, kHour), PoolOf(10), 1)->worker_id);
  EXPECT_GE(picked.size(), 5u);
}

TEST(PipelineTest, WorkerBookedAtAnOverlappingTimeIsNeverPicked) {
  std::mt19937_64 rng(12345);
  Pipeline p = Default();
  for (int round = 0; round < 500; ++round) {
    int64_t start = static_cast<int64_t>(rng() % (100 * kHour));
    int64_t end = start + 1 + static_cast<int64_t>(rng() % (4 * kHour));
    ReferenceSample task = Task("prop-" + std::to_string(round), start, end);
    std::vector<NormalSample> pool;
    std::set<std::string> overlapping;
    for (int w = 0; w < 8; ++w) {
      NormalSample s = Worker("w" + std::to_string(w));
      for (int b = 0; b < 3; ++b) {
        int64_t bs = static_cast<int64_t>(rng() % (100 * kHour));
        int64_t be = bs + 1 + static_cast<int64_t>(rng() % (4 * kHour));
        s.bookings.push_back(Booking{"b" + std::to_string(b), bs, be});
        if (bs < end && start < be) overlapping.insert(s.worker_id);
      }
      pool.push_back(std::move(s));
    }
    auto picked = p.Run(task, pool, 3);
    if (overlapping.size() == pool.size()) {
      EXPECT_EQ(picked.status().code(), Code::kConflict);
    } else {
      ASSERT_TRUE(picked.ok()) << picked.status().ToString();
      EXPECT_FALSE(overlapping.contains(picked->worker_id)) << "round " << round;
    }
  }
}

TEST(PipelineTest, TouchingIntervalsDoNotOverlap) {
  EXPECT_FALSE(Overlaps(0, 10, 10, 20));
  EXPECT_FALSE(Overlaps(10, 20, 0, 10));
  EXPECT_TRUE(Overlaps(0, 11, 10, 20));
  EXPECT_TRUE(Overlaps(5, 6, 0, 20));
  // The only worker is booked [a,b); a task at [b,c) still gets them.
  std::vector<NormalSample> pool = {Worker("only", {Booking{"earlier", 0, 2 * kHour}})};
  auto picked = Default().Run(Task("next", 2 * kHour, 3 * kHour), pool, 1);
  ASSERT_TRUE(picked.ok()) << picked.status().ToString();
  EXPECT_EQ(picked->worker_id, "only");
  // ... and a task at [b-1ms, c) does not.
  auto clash = Default().Run(Task("clash", 2 * kHour - 1, 3 * kHour), pool, 1);
  EXPECT_EQ(clash.status().code(), Code::kConflict);
}

TEST(PipelineTest, ConfiguredOrderIsHonoured) {
  std::vector<std::string> seen;
  StepRegistry registry = StepRegistry::WithBuiltinSteps();
  ASSERT_TRUE(
      registry.Register("observe", [&seen] { return std::make_unique<ObserveStep>(&seen); }).ok());
  std::vector<NormalSample> pool = {Worker("busy", {Booking{"x", 0, kHour}}), Worker("free-a"),
                                    Worker("free-b")};
  ReferenceSample task = Task("t", 0, kHour);

  auto first = Pipeline::Parse("observe,drop_booked,pick_random", registry);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->Run(task, pool, 1).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"busy", "free-a", "free-b"}));

  auto middle = Pipeline::Parse("drop_booked, observe ,pick_random", registry);
  ASSERT_TRUE(middle.ok());
  ASSERT_TRUE(middle->Run(task, pool, 1).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"free-a", "free-b"}));
  EXPECT_EQ(middle->version(), "drop_booked,observe,pick_random");

  auto last = Pipeline::Parse("drop_booked,pick_random,observe", registry);
  ASSERT_TRUE(last.ok());
  auto picked = last->Run(task, pool, 1);
  ASSERT_TRUE(picked.ok());
  EXPECT_EQ(seen, std::vector<std::string>{picked->worker_id});
}

TEST(PipelineTest, WithoutPickRandomTheFirstCandidateLeftWins) {
  auto p = Pipeline::Parse("drop_booked", StepRegistry::WithBuiltinSteps());
  ASSERT_TRUE(p.ok());
  std::vector<NormalSample> pool = {Worker("a", {Booking{"x", 0, kHour}}), Worker("b"),
                                    Worker("c")};
  EXPECT_EQ(p->Run(Task("t", 0, kHour), pool, 1)->worker_id, "b");
}

TEST(PipelineTest, EmptyPoolIsAnExplicitError) {
  auto picked = Default().Run(Task("t", 0, kHour), {}, 1);
  ASSERT_FALSE(picked.ok());
  EXPECT_EQ(picked.status().code(), Code::kConflict);
  EXPECT_EQ(picked.status().message(), "no worker available: the pool is empty");

  std::vector<NormalSample> all_booked = {Worker("a", {Booking{"x", 0, kHour}})};
  auto none = Default().Run(Task("t", 0, kHour), all_booked, 1);
  EXPECT_EQ(none.status().code(), Code::kConflict);
  EXPECT_EQ(none.status().message(),
            "no worker available: no candidate left after step drop_booked");
}

TEST(PipelineTest, UnknownOrEmptyStepNamesAreRejected) {
  auto unknown = Pipeline::Parse("drop_booked,best_rated", StepRegistry::WithBuiltinSteps());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), Code::kInvalid);
  EXPECT_NE(unknown.status().message().find("unknown matching step \"best_rated\""),
            std::string::npos);
  EXPECT_NE(unknown.status().message().find("drop_booked, pick_random"), std::string::npos);
  EXPECT_FALSE(Pipeline::Parse("", StepRegistry::WithBuiltinSteps()).ok());
  EXPECT_FALSE(Pipeline::Parse("drop_booked,,pick_random", StepRegistry::WithBuiltinSteps()).ok());
  EXPECT_FALSE(Pipeline::Build({}, StepRegistry::WithBuiltinSteps()).ok());
}

TEST(PipelineTest, StepNamesAreUniqueInTheRegistry) {
  StepRegistry registry = StepRegistry::WithBuiltinSteps();
  EXPECT_FALSE(
      registry.Register("drop_booked", [] { return std::make_unique<DropBookedStep>(); }).ok());
  EXPECT_FALSE(registry.Register("a,b", [] { return std::make_unique<DropBookedStep>(); }).ok());
  EXPECT_EQ(registry.names(), (std::vector<std::string>{"drop_booked", "pick_random"}));
}

}  // namespace
}  // namespace mcf::matching
