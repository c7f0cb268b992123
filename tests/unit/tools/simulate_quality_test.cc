// The pure part of the simulator's quality managers (tools/mcfctl/simulate_quality.h): review
// forms within the gateway's limits, shaped by the job's outcome, the same for the same seed.
#include "tools/mcfctl/simulate_quality.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace mcf::mcfctl {
namespace {

TEST(SimulateQualityTest, FormsAreWithinTheLimitsAndFollowTheOutcome) {
  std::mt19937_64 rng(11);
  const Json failed{{"task_id", "t1"}, {"outcome", "failed"}, {"reason", "the jar was glued"}};
  const Json no_show{{"task_id", "t2"}, {"outcome", "canceled"}, {"reason", "no_show"}};
  const Json completed{{"task_id", "t3"}, {"outcome", "completed"}};
  std::set<size_t> hypothesis_counts;
  for (int i = 0; i < 200; ++i) {
    for (const Json& job : {failed, no_show, completed}) {
      Json form = QualityReviewForm(rng, job);
      const std::string findings = form.value("findings", "");
      ASSERT_FALSE(findings.empty());
      EXPECT_LE(findings.size(), 4000u);
      ASSERT_TRUE(form["hypotheses"].is_array());
      EXPECT_LE(form["hypotheses"].size(), 3u);
      hypothesis_counts.insert(form["hypotheses"].size());
      std::set<std::string> distinct;
      for (const Json& h : form["hypotheses"]) {
        EXPECT_FALSE(h.get<std::string>().empty());
        EXPECT_LE(h.get<std::string>().size(), 500u);
        distinct.insert(h.get<std::string>());
      }
      EXPECT_EQ(distinct.size(), form["hypotheses"].size()) << form.dump();
      if (job == failed) {
        EXPECT_NE(findings.find("the jar was glued"), std::string::npos);
      }
      if (job == no_show) {
        EXPECT_NE(findings.find("did not show"), std::string::npos);
      }
    }
  }
  EXPECT_EQ(hypothesis_counts, (std::set<size_t>{0, 1, 2, 3}));
}

TEST(SimulateQualityTest, TheSameSeedFillsTheSameForms) {
  std::mt19937_64 a(5), b(5), c(6);
  const Json job{{"task_id", "t1"}, {"outcome", "completed"}};
  bool differs = false;
  for (int i = 0; i < 20; ++i) {
    Json fa = QualityReviewForm(a, job);
    EXPECT_EQ(fa, QualityReviewForm(b, job));
    differs = differs || fa != QualityReviewForm(c, job);
  }
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace mcf::mcfctl
