// The quality family's one hand-written rule: the length of each hypothesis of a review.
#include "schemas/quality.h"

#include <string>

namespace mcf::schemas::quality {

Status SubmitReview::Validate(const SubmitReview& r) {
  for (size_t i = 0; i < r.hypotheses.size(); ++i) {
    if (r.hypotheses[i].size() > kMaxHypothesis)
      return Status::Invalid("body.hypotheses[" + std::to_string(i) + "]: longer than " +
                             std::to_string(kMaxHypothesis) + " bytes");
  }
  return Status::Ok();
}

}  // namespace mcf::schemas::quality
