// The quality half of `mcfctl simulate` (simulate.h): at the end of every simulated day a quality
// manager reviews every job in the review queue (the day's failed and no-show jobs land there on
// their own) and then asks for kRandomReviewsPerDay random completed jobs and reviews those too:
// findings, sometimes a note of a call with the client, a few hypotheses. A system without a
// quality context (GET /v1/reviews/queue answers 503/504 at set-up) is simulated without it.
//
// The forms come from the caller's seed by modulo (every standard library agrees) and the random
// pick from the quality context's own seeded source, so the same seed on a fresh system reviews
// the same jobs the same way, and a capture replays. Single-threaded; included by simulate.cc
// and its unit test only.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>

#include "lib/base/status.h"
#include "tools/mcfctl/json.h"
#include "tools/mcfctl/scenario_io.h"

namespace mcf::mcfctl {

inline constexpr int kRandomReviewsPerDay = 2;

// The review form a manager fills for `job` (a review queue item or a picked job: its outcome
// and reason shape the findings). Within the gateway's limits; deterministic in `rng`.
Json QualityReviewForm(std::mt19937_64& rng, const Json& job);

class QualityReviewer {
 public:
  // One gateway request as simulate.cc sends it (after waiting for the system to be idle, with
  // an idempotency key); `body` null = none.
  using HttpFn = std::function<HttpResponse(const std::string& method, const std::string& path,
                                            const std::string& token, const Json& body)>;
  QualityReviewer(uint64_t seed, HttpFn http) : rng_(seed ^ 0x51a11e7ULL), http_(std::move(http)) {}

  // Provisions the quality manager with the admin token; a system without quality leaves the
  // reviewer off (a note on stderr). A non-ok Status is a set-up failure.
  Status SetUp(const std::string& admin_token);

  // The end of a day: reviews the queue, then the random picks. Adds "reviewed" (queue) and
  // "picked_reviewed" (random) to `line` and returns the unexpected answers met (each reported
  // on stderr with `when`).
  int EndOfDay(const std::string& when, Json& line);
  // Adds the run's totals to `total`.
  void FillTotal(Json& total) const;

 private:
  bool Review(const std::string& when, const Json& job, int* errors);

  std::mt19937_64 rng_;
  HttpFn http_;
  std::string manager_;  // "" = off
  int reviewed_ = 0, picked_ = 0;
};

}  // namespace mcf::mcfctl
