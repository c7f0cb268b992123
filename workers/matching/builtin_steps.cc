#include "workers/matching/builtin_steps.h"

#include <algorithm>
#include <utility>

namespace mcf::matching {

Status DropBookedStep::Apply(const ReferenceSample& reference,
                             std::vector<NormalSample>& candidates, StepContext& context) {
  std::erase_if(candidates, [&](const NormalSample& s) { return IsBookedDuring(s, reference); });
  return Status::Ok();
}

Status PickRandomStep::Apply(const ReferenceSample& reference,
                             std::vector<NormalSample>& candidates, StepContext& context) {
  if (candidates.size() <= 1) return Status::Ok();
  size_t chosen = static_cast<size_t>(context.random() % candidates.size());
  NormalSample picked = std::move(candidates[chosen]);
  candidates.clear();
  candidates.push_back(std::move(picked));
  return Status::Ok();
}

}  // namespace mcf::matching
