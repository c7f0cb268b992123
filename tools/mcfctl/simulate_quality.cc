#include "tools/mcfctl/simulate_quality.h"

#include <array>
#include <iostream>
#include <vector>

namespace mcf::mcfctl {
namespace {

constexpr int kMaxQueuePages = 50;  // 100 a page: more than a simulated day finishes

constexpr std::array kCompletedFindings = {"clean work; the report photo is signed",
                                           "done on time; the client left no remarks",
                                           "done, but the check-in photo is blurry"};
constexpr std::array kCallNotes = {"called the client: happy with the job",
                                   "called the client: would like the same worker again",
                                   "called the client: no answer"};
constexpr std::array kHypotheses = {
    "ask clients about glued jars when they order", "send a reminder an hour before the job",
    "pack a spare laser pointer in every kit",      "offer the copy for the same hour next day",
    "match workers who like boxes to box jobs",     "a shorter check-in window on Mondays"};

template <typename Array>
std::string Pick(std::mt19937_64& rng, const Array& items) {
  return items[rng() % items.size()];
}

}  // namespace

Json QualityReviewForm(std::mt19937_64& rng, const Json& job) {
  const std::string outcome = job.value("outcome", "");
  const std::string reason = job.value("reason", "");
  std::string findings;
  if (outcome == "completed") {
    findings = Pick(rng, kCompletedFindings);
  } else if (reason == "no_show") {
    findings = "the worker did not show up; the client was offered a copy";
  } else {
    findings = "the job " + outcome + (reason.empty() ? "" : ": " + reason.substr(0, 200));
  }
  Json form{{"findings", findings}};
  if (rng() % 2 == 0) form["client_call_note"] = Pick(rng, kCallNotes);
  Json hypotheses = Json::array();
  const size_t count = rng() % 4;  // 0..3, distinct
  std::vector<size_t> order(kHypotheses.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (size_t i = 0; i < count; ++i) {
    std::swap(order[i], order[i + rng() % (order.size() - i)]);
    hypotheses.push_back(kHypotheses[order[i]]);
  }
  form["hypotheses"] = std::move(hypotheses);
  return form;
}

Status QualityReviewer::SetUp(const std::string& admin_token) {
  HttpResponse m = http_("POST", "/v1/staff", admin_token,
                         {{"role", "manager"}, {"name", "Simulated quality manager"}});
  if (m.status != 201)
    return Status::Unavailable("provision the quality manager: HTTP " + std::to_string(m.status));
  const std::string token = m.body.value("token", "");
  HttpResponse probe = http_("GET", "/v1/reviews/queue?limit=1", token, nullptr);
  if (probe.status == 503 || probe.status == 504) {
    std::cerr << "mcfctl simulate: no quality context answers (HTTP " << probe.status
              << "): managers do not review jobs\n";
    return Status::Ok();
  }
  if (probe.status != 200)
    return Status::Unavailable("GET /v1/reviews/queue: HTTP " + std::to_string(probe.status) + " " +
                               Dump(probe.body));
  manager_ = token;
  return Status::Ok();
}

bool QualityReviewer::Review(const std::string& when, const Json& job, int* errors) {
  const std::string id = job.value("task_id", "");
  HttpResponse r = http_("POST", "/v1/reviews/" + id, manager_, QualityReviewForm(rng_, job));
  if (r.status == 201) return true;
  ++*errors;
  std::cerr << "mcfctl simulate: " << when << " review " << id << ": HTTP " << r.status << " "
            << (r.status < 0 ? r.error : Dump(r.body)) << "\n";
  return false;
}

int QualityReviewer::EndOfDay(const std::string& when, Json& line) {
  if (manager_.empty()) return 0;
  int errors = 0, reviewed = 0, picked = 0;
  // The whole queue first (reviewing shortens it), then each job in it.
  std::vector<Json> queue;
  std::string after;
  for (int page = 0; page < kMaxQueuePages; ++page) {
    HttpResponse r =
        http_("GET", "/v1/reviews/queue?limit=100" + (after.empty() ? "" : "&after=" + after),
              manager_, nullptr);
    if (r.status != 200) {
      ++errors;
      std::cerr << "mcfctl simulate: " << when << " review queue: HTTP " << r.status << "\n";
      break;
    }
    for (const Json& job : r.body.value("jobs", Json::array())) queue.push_back(job);
    after = r.body.value("next_after", "");
    if (after.empty()) break;
  }
  for (const Json& job : queue) reviewed += Review(when, job, &errors) ? 1 : 0;
  for (int i = 0; i < kRandomReviewsPerDay; ++i) {
    HttpResponse r = http_("POST", "/v1/reviews/random", manager_, nullptr);
    if (r.status == 404) break;  // every completed job is reviewed
    if (r.status != 200) {
      ++errors;
      std::cerr << "mcfctl simulate: " << when << " random review: HTTP " << r.status << "\n";
      break;
    }
    picked += Review(when, r.body, &errors) ? 1 : 0;
  }
  reviewed_ += reviewed;
  picked_ += picked;
  line["reviewed"] = reviewed;
  line["picked_reviewed"] = picked;
  return errors;
}

void QualityReviewer::FillTotal(Json& total) const {
  total["reviewed"] = reviewed_;
  total["picked_reviewed"] = picked_;
}

}  // namespace mcf::mcfctl
