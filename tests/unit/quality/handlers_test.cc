// The quality handlers through the runtime's Dispatcher on a real LMDB env in a TempDir: the read
// model built from the tasks and supplies events, the automatic review queue, the seeded random
// pick that never hands out a job twice, the review form and its refusals, the role checks.
#include "workers/quality/handlers.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "schemas/supplies.h"
#include "tests/unit/quality/quality_fixture.h"

namespace mcf::quality {
namespace {

using QualityHandlersTest = QualityFixture;

std::vector<std::string> Ids(const wire::JobPage& page) {
  std::vector<std::string> ids;
  for (const wire::Job& j : page.jobs) ids.push_back(j.task_id);
  return ids;
}

std::vector<std::string> Events(const wire::Job& job) {
  std::vector<std::string> out;
  for (const wire::TimelineEntry& e : job.timeline) out.push_back(e.event);
  return out;
}

TEST_F(QualityHandlersTest, ReadModelHoldsTaskWorkerClientTimelinePhotosAndOutcome) {
  tasks::TaskRequested requested{"t1", "c1", "cleaning", kMonday9, kMonday9 + kMinute};
  requested.description = "toss the jars";
  Feed(requested);
  Feed(tasks::TaskAssigned{"t1", "w1", 10'000, "c1", kMonday9, kMonday9 + kMinute});
  Feed(schemas::supplies::KitIssued{"t1", "supply-1"});
  const int64_t checked_in = now_ + kMinute - 5;  // the check-in just before its event
  Feed(tasks::CheckedIn{"t1", "w1", checked_in});
  Feed(tasks::TaskFinalized{"t1", "w1", tasks::Outcome::kCompleted, "", 10'000, "c1"});
  const int64_t finished = now_;

  wire::Job job = Job("t1");
  EXPECT_EQ(job.client_id, "c1");
  EXPECT_EQ(job.worker_id, "w1");
  EXPECT_EQ(job.service_type_id, "cleaning");
  EXPECT_EQ(job.description, "toss the jars");
  EXPECT_EQ(job.price_minor, 10'000);
  EXPECT_EQ(job.checked_in_at_ms, checked_in);
  ASSERT_TRUE(job.outcome.has_value());
  EXPECT_EQ(*job.outcome, tasks::Outcome::kCompleted);
  EXPECT_EQ(job.finished_at_ms, finished);
  EXPECT_EQ(Events(job), (std::vector<std::string>{"tasks.task_requested", "tasks.task_assigned",
                                                   "supplies.kit_issued", "tasks.checked_in",
                                                   "tasks.task_finalized"}));
  EXPECT_EQ(job.photos,
            (std::vector<wire::PhotoRef>{{"check_in", checked_in}, {"report", finished}}));
  EXPECT_EQ(job.review_state, wire::ReviewState::kNone);
  EXPECT_TRUE(Queue().jobs.empty()) << "a completed job waits to be picked, not in the queue";
}

TEST_F(QualityHandlersTest, FailedAndCanceledJobsLandInTheQueueNewestFirst) {
  Finish("t1", "w1", tasks::Outcome::kFailed);
  Finish("t2", "w2", tasks::Outcome::kCompleted);
  Finish("t3", "w3", tasks::Outcome::kCanceled);
  EXPECT_EQ(Ids(Queue()), (std::vector<std::string>{"t3", "t1"}));
  wire::Job failed = Job("t1");
  EXPECT_EQ(failed.review_state, wire::ReviewState::kQueued);
  EXPECT_GT(failed.queued_at_ms, 0);
  EXPECT_EQ(failed.photos.size(), 1u) << "checked in, no report";
  EXPECT_TRUE(Job("t3").photos.empty());
}

TEST_F(QualityHandlersTest, RepeatedEventsChangeNothing) {
  Finish("t1", "w1", tasks::Outcome::kFailed);
  const wire::Job before = Job("t1");
  // The same finalization again (a producer's retry published twice): not queued twice.
  Feed(tasks::TaskFinalized{"t1", "w1", tasks::Outcome::kFailed, "", 5000, "client-w1"});
  EXPECT_EQ(Job("t1"), before);
  EXPECT_EQ(Ids(Queue()), std::vector<std::string>{"t1"});
}

TEST_F(QualityHandlersTest, QueuePagesWithAfterAndRefusesAnUnknownCursor) {
  for (int i = 0; i < 5; ++i) Finish("t" + std::to_string(i), "w", tasks::Outcome::kFailed);
  wire::JobPage first = Queue(2);
  EXPECT_EQ(Ids(first), (std::vector<std::string>{"t4", "t3"}));
  ASSERT_TRUE(first.next_after.has_value());
  wire::JobPage second = Queue(2, *first.next_after);
  EXPECT_EQ(Ids(second), (std::vector<std::string>{"t2", "t1"}));
  wire::JobPage last = Queue(2, *second.next_after);
  EXPECT_EQ(Ids(last), std::vector<std::string>{"t0"});
  EXPECT_FALSE(last.next_after.has_value());

  wire::ListQueue bad;
  bad.after = "nope";
  schemas::Reply r = Call(wire::kListQueue, schemas::Encode(bad));
  EXPECT_EQ(r.status, Code::kInvalid) << r.message;
  EXPECT_NE(r.message.find("body.after"), std::string::npos) << r.message;
}

TEST_F(QualityHandlersTest, RandomPickHandsOutEachCompletedJobOnceThenNotFound) {
  std::set<std::string> completed;
  for (int i = 0; i < 6; ++i) {
    Finish("c" + std::to_string(i), "w", tasks::Outcome::kCompleted);
    completed.insert("c" + std::to_string(i));
  }
  Finish("f1", "w", tasks::Outcome::kFailed);  // never picked: it is queued already
  std::set<std::string> picked;
  for (int i = 0; i < 6; ++i) {
    wire::Job job = Ok(wire::PickRandom{});
    EXPECT_EQ(job.review_state, wire::ReviewState::kUnderReview);
    EXPECT_EQ(job.reviewer_id, "manager-1");
    EXPECT_TRUE(picked.insert(job.task_id).second) << job.task_id << " handed out twice";
  }
  EXPECT_EQ(picked, completed);
  schemas::Reply r = Call(wire::kPickRandom, schemas::Encode(wire::PickRandom{}));
  EXPECT_EQ(r.status, Code::kNotFound) << r.message;
  // Picked jobs are in the queue, under review.
  EXPECT_EQ(Queue().jobs.size(), 7u);
}

TEST_F(QualityHandlersTest, ARetriedPickGetsTheSameJobAndPicksNothingMore) {
  Finish("c1", "w", tasks::Outcome::kCompleted);
  Finish("c2", "w", tasks::Outcome::kCompleted);
  const schemas::Principal manager{"manager", "manager-1"};
  const std::string body = schemas::Encode(wire::PickRandom{});
  schemas::Reply first = h_.Command(wire::kPickRandom, body, manager, now_ += kMinute, "pick-1");
  schemas::Reply retried = h_.Command(wire::kPickRandom, body, manager, now_ += kMinute, "pick-1");
  ASSERT_EQ(first.status, Code::kOk) << first.message;
  EXPECT_EQ(retried.body, first.body);
  EXPECT_EQ(Queue().jobs.size(), 1u) << "the retry picked a second job";
  const std::string other = Picked();
  EXPECT_NE(other, schemas::Decode<wire::Job>(first.body)->task_id);
}

TEST_F(QualityHandlersTest, RandomPickIsSeededSoTheSameRunPicksTheSameJob) {
  auto run = [](uint64_t seed) {
    struct Seeded : QualityFixture {
      explicit Seeded(uint64_t s) : QualityFixture(s) {}
      void TestBody() override {}
      using QualityFixture::Finish;
      using QualityFixture::Picked;
      using QualityFixture::SetUp;
    } f(seed);
    f.SetUp();
    for (int i = 0; i < 8; ++i) f.Finish("c" + std::to_string(i), "w", tasks::Outcome::kCompleted);
    std::vector<std::string> order;
    for (int i = 0; i < 4; ++i) order.push_back(f.Picked());
    return order;
  };
  EXPECT_EQ(run(7), run(7));
  // Not a fixed order: some seed picks differently (a pick that ignored the source would not).
  bool differs = false;
  for (uint64_t seed = 1; seed < 6 && !differs; ++seed) differs = run(seed) != run(7);
  EXPECT_TRUE(differs);
}

TEST_F(QualityHandlersTest, ReviewFormIsStoredOnceAndLeavesTheQueue) {
  Finish("t1", "w1", tasks::Outcome::kFailed);
  wire::SubmitReview form;
  form.task_id = "t1";
  form.findings = "the jar was glued down";
  form.client_call_note = "called Murka: she glued it";
  form.hypotheses = {"ask clients to unglue jars", "photo of the shelf first"};
  const schemas::Principal manager{"manager", "manager-1"};
  schemas::Reply first =
      h_.Command(wire::kSubmitReview, schemas::Encode(form), manager, now_ += kMinute, "form-1");
  ASSERT_EQ(first.status, Code::kOk) << first.message;
  auto review = schemas::Decode<wire::Review>(first.body);
  ASSERT_TRUE(review.ok());
  EXPECT_EQ(review->task_id, "t1");
  EXPECT_EQ(review->worker_id, "w1");
  EXPECT_EQ(review->client_id, "client-w1");
  EXPECT_EQ(review->outcome, tasks::Outcome::kFailed);
  EXPECT_EQ(review->findings, form.findings);
  EXPECT_EQ(review->hypotheses, form.hypotheses);
  EXPECT_EQ(review->client_call_note, form.client_call_note);
  EXPECT_EQ(review->reviewer_id, "manager-1");
  EXPECT_EQ(review->reviewed_at_ms, now_);
  EXPECT_TRUE(Queue().jobs.empty());
  EXPECT_EQ(Job("t1").review_state, wire::ReviewState::kReviewed);

  // The same command id again (a retried request): the recorded reply.
  schemas::Reply retried =
      h_.Command(wire::kSubmitReview, schemas::Encode(form), manager, now_ += kMinute, "form-1");
  EXPECT_EQ(retried.status, Code::kOk) << retried.message;
  EXPECT_EQ(retried.body, first.body);
  // A new submission: conflict, naming why.
  schemas::Reply again = Call(wire::kSubmitReview, schemas::Encode(form));
  EXPECT_EQ(again.status, Code::kConflict);
  EXPECT_NE(again.message.find("already reviewed"), std::string::npos) << again.message;
  EXPECT_EQ(Ok(wire::ListReviews{}).reviews.size(), 1u);
}

TEST_F(QualityHandlersTest, ReviewRefusalsNameTheReason) {
  Finish("done", "w1", tasks::Outcome::kCompleted);
  Feed(tasks::TaskRequested{"open", "c1", "cleaning", kMonday9, kMonday9 + 1});
  auto submit = [&](const std::string& task) {
    wire::SubmitReview form;
    form.task_id = task;
    form.findings = "x";
    return Call(wire::kSubmitReview, schemas::Encode(form));
  };
  schemas::Reply r = submit("unknown");
  EXPECT_EQ(r.status, Code::kNotFound) << r.message;
  r = submit("open");
  EXPECT_EQ(r.status, Code::kConflict) << r.message;
  EXPECT_NE(r.message.find("not finished"), std::string::npos) << r.message;
  r = submit("done");
  EXPECT_EQ(r.status, Code::kConflict) << r.message;
  EXPECT_NE(r.message.find("pick it first"), std::string::npos) << r.message;
  EXPECT_EQ(Picked(), "done");
  EXPECT_EQ(submit("done").status, Code::kOk);
}

TEST_F(QualityHandlersTest, BadFormsAreInvalidNamingTheField) {
  Finish("t1", "w1", tasks::Outcome::kFailed);
  auto expect_invalid = [&](wire::SubmitReview form, const std::string& field) {
    schemas::Reply r = Call(wire::kSubmitReview, schemas::Encode(form));
    EXPECT_EQ(r.status, Code::kInvalid) << field << ": " << r.message;
    EXPECT_NE(r.message.find(field), std::string::npos) << r.message;
  };
  wire::SubmitReview form;
  form.task_id = "t1";
  form.findings = "";
  expect_invalid(form, "body.findings");
  form.findings = std::string(wire::kMaxFindings + 1, 'f');
  expect_invalid(form, "body.findings");
  form.findings = "ok";
  form.client_call_note = std::string(wire::kMaxNote + 1, 'n');
  expect_invalid(form, "body.client_call_note");
  form.client_call_note = "";
  form.hypotheses = {"fine", ""};
  expect_invalid(form, "body.hypotheses[1]");
  form.hypotheses = {std::string(wire::kMaxHypothesis + 1, 'h')};
  expect_invalid(form, "body.hypotheses[0]");
  form.hypotheses = std::vector<std::string>(wire::kMaxHypotheses + 1, "h");
  expect_invalid(form, "body.hypotheses");
  EXPECT_EQ(Job("t1").review_state, wire::ReviewState::kQueued) << "nothing was written";
}

TEST_F(QualityHandlersTest, OnlyManagersAndAdminsUseTheCommands) {
  Finish("t1", "w1", tasks::Outcome::kFailed);
  Finish("t2", "w1", tasks::Outcome::kCompleted);
  wire::SubmitReview form;
  form.task_id = "t1";
  form.findings = "x";
  const std::vector<std::pair<std::string_view, std::string>> commands = {
      {wire::kListQueue, schemas::Encode(wire::ListQueue{})},
      {wire::kPickRandom, schemas::Encode(wire::PickRandom{})},
      {wire::kSubmitReview, schemas::Encode(form)},
      {wire::kListReviews, schemas::Encode(wire::ListReviews{})},
      {wire::kGetJob, schemas::Encode(wire::GetJob{"t1"})}};
  for (const auto& [type, body] : commands) {
    for (std::optional<std::string> role :
         {std::optional<std::string>("client"), std::optional<std::string>("worker"),
          std::optional<std::string>("supplies"), std::optional<std::string>()}) {
      schemas::Reply r = Call(type, body, role);
      EXPECT_EQ(r.status, Code::kForbidden) << type << " as " << role.value_or("(none)");
    }
  }
  EXPECT_EQ(Job("t1").review_state, wire::ReviewState::kQueued);
  EXPECT_EQ(Job("t2").review_state, wire::ReviewState::kNone) << "a refused pick picked nothing";
  EXPECT_EQ(Ok(wire::ListQueue{}, "admin").jobs.size(), 1u);
}

TEST_F(QualityHandlersTest, StateSurvivesARestart) {
  Finish("t1", "w1", tasks::Outcome::kFailed);
  Finish("c1", "w1", tasks::Outcome::kCompleted);
  Finish("c2", "w1", tasks::Outcome::kCompleted);
  const std::string picked = Picked();
  Reopen();
  EXPECT_EQ(Queue().jobs.size(), 2u);
  const std::string other = Picked();
  EXPECT_NE(other, picked);
  EXPECT_EQ(Call(wire::kPickRandom, schemas::Encode(wire::PickRandom{})).status, Code::kNotFound);
}

}  // namespace
}  // namespace mcf::quality
