// The quality family's hand-written rules: each hypothesis of a review, and a review search's
// time range.
#include "schemas/quality.h"

#include <string>

namespace mcf::schemas::quality {

Status SubmitReview::Validate(const SubmitReview& r) {
  for (size_t i = 0; i < r.hypotheses.size(); ++i) {
    if (r.hypotheses[i].empty())
      return Status::Invalid("body.hypotheses[" + std::to_string(i) + "]: must not be empty");
    if (r.hypotheses[i].size() > kMaxHypothesis)
      return Status::Invalid("body.hypotheses[" + std::to_string(i) + "]: longer than " +
                             std::to_string(kMaxHypothesis) + " bytes");
  }
  return Status::Ok();
}

Status ListReviews::Validate(const ListReviews& r) {
  if (r.from_ms && r.to_ms && *r.to_ms <= *r.from_ms)
    return Status::Invalid("body.to: must be after from");
  return Status::Ok();
}

}  // namespace mcf::schemas::quality
