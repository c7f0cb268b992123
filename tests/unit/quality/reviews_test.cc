// Quality's stored reviews and its pickable index on a real LMDB (through the Dispatcher): the
// search by worker, outcome and time, newest first, paged with `after`; the per-call bound on
// the reviews examined; and the dense pickable index staying whole through many picks.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/unit/quality/quality_fixture.h"

namespace mcf::quality {
namespace {

class QualityReviewsTest : public QualityFixture {
 protected:
  // A failed or canceled job of `worker`, reviewed: its review time.
  int64_t Reviewed(const std::string& task, const std::string& worker, tasks::Outcome outcome) {
    Finish(task, worker, outcome);
    return Review(task).reviewed_at_ms;
  }
  std::vector<std::string> Search(wire::ListReviews request,
                                  std::optional<std::string>* next = nullptr) {
    wire::ReviewPage page = Ok(request);
    if (next) *next = page.next_after;
    std::vector<std::string> ids;
    for (const wire::Review& r : page.reviews) ids.push_back(r.task_id);
    return ids;
  }
};

TEST_F(QualityReviewsTest, SearchByWorkerOutcomeAndTimeNewestFirst) {
  const int64_t t1 = Reviewed("t1", "w1", tasks::Outcome::kFailed);
  const int64_t t2 = Reviewed("t2", "w2", tasks::Outcome::kCanceled);
  const int64_t t3 = Reviewed("t3", "w1", tasks::Outcome::kCanceled);
  Finish("c4", "w1", tasks::Outcome::kCompleted);
  ASSERT_EQ(Picked(), "c4");
  const int64_t t4 = Review("c4").reviewed_at_ms;
  ASSERT_LT(t1, t2);
  ASSERT_LT(t3, t4);

  EXPECT_EQ(Search({}), (std::vector<std::string>{"c4", "t3", "t2", "t1"}));
  wire::ListReviews by_worker;
  by_worker.worker_id = "w1";
  EXPECT_EQ(Search(by_worker), (std::vector<std::string>{"c4", "t3", "t1"}));
  wire::ListReviews by_outcome;
  by_outcome.outcome = tasks::Outcome::kCanceled;
  EXPECT_EQ(Search(by_outcome), (std::vector<std::string>{"t3", "t2"}));
  by_outcome.outcome = tasks::Outcome::kCompleted;
  EXPECT_EQ(Search(by_outcome), std::vector<std::string>{"c4"});
  wire::ListReviews both;
  both.worker_id = "w1";
  both.outcome = tasks::Outcome::kCanceled;
  EXPECT_EQ(Search(both), std::vector<std::string>{"t3"});
  // from is inclusive, to exclusive.
  wire::ListReviews window;
  window.from_ms = t2;
  window.to_ms = t4;
  EXPECT_EQ(Search(window), (std::vector<std::string>{"t3", "t2"}));
  window.from_ms = t4 + 1;
  window.to_ms = std::nullopt;
  EXPECT_TRUE(Search(window).empty());
}

TEST_F(QualityReviewsTest, PagesWithAfterUntilTheEnd) {
  for (int i = 0; i < 7; ++i) Reviewed("t" + std::to_string(i), "w", tasks::Outcome::kFailed);
  wire::ListReviews request;
  request.limit = 3;
  std::vector<std::string> all;
  std::optional<std::string> next;
  int pages = 0;
  do {
    request.after = next.value_or("");
    for (auto& id : Search(request, &next)) all.push_back(id);
    ++pages;
  } while (next && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(all, (std::vector<std::string>{"t6", "t5", "t4", "t3", "t2", "t1", "t0"}));
}

TEST_F(QualityReviewsTest, BadSearchesAreInvalidNamingTheField) {
  Reviewed("t1", "w", tasks::Outcome::kFailed);
  Finish("t2", "w", tasks::Outcome::kFailed);  // queued, not reviewed
  auto expect_invalid = [&](const wire::ListReviews& request, const std::string& field) {
    schemas::Reply r = Call(wire::kListReviews, schemas::Encode(request));
    EXPECT_EQ(r.status, Code::kInvalid) << field << ": " << r.message;
    EXPECT_NE(r.message.find(field), std::string::npos) << r.message;
  };
  wire::ListReviews r;
  r.from_ms = 10;
  r.to_ms = 10;
  expect_invalid(r, "body.to");
  r = {};
  r.limit = wire::kMaxPage + 1;
  expect_invalid(r, "body.limit");
  r = {};
  r.after = "t2";
  expect_invalid(r, "body.after");
  r.after = "nobody";
  expect_invalid(r, "body.after");
}

TEST_F(QualityReviewsTest, OneCallExaminesABoundedNumberOfReviews) {
  // kMaxReviewScan + 5 reviews of w1, then one of w2 (newest) and one of w3 (oldest).
  Reviewed("w3-job", "w3", tasks::Outcome::kFailed);
  for (size_t i = 0; i < wire::kMaxReviewScan + 5; ++i)
    Reviewed("j" + std::to_string(i), "w1", tasks::Outcome::kFailed);
  Reviewed("w2-job", "w2", tasks::Outcome::kFailed);

  wire::ListReviews request;
  request.worker_id = "w3";
  std::optional<std::string> next;
  EXPECT_TRUE(Search(request, &next).empty()) << "the bound ends the first page early";
  ASSERT_TRUE(next.has_value());
  request.after = *next;
  EXPECT_EQ(Search(request, &next), std::vector<std::string>{"w3-job"});
  EXPECT_FALSE(next.has_value());
}

TEST_F(QualityReviewsTest, PickableIndexStaysDenseThroughPicksAndRestarts) {
  std::set<std::string> all;
  for (int i = 0; i < 40; ++i) {
    Finish("c" + std::to_string(i), "w", tasks::Outcome::kCompleted);
    all.insert("c" + std::to_string(i));
  }
  std::set<std::string> picked;
  for (int i = 0; i < 40; ++i) {
    if (i == 13) Reopen();
    ASSERT_TRUE(picked.insert(Picked()).second);
  }
  EXPECT_EQ(picked, all);
  EXPECT_EQ(Call(wire::kPickRandom, schemas::Encode(wire::PickRandom{})).status, Code::kNotFound);
}

}  // namespace
}  // namespace mcf::quality
