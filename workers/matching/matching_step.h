// MatchingStep: one named stage of the matching pipeline (a filter, a score, a pick). A step
// narrows or reorders the candidates for one reference sample; the pipeline runs its steps in
// the configured order and takes the first candidate left. Steps are made by a StepRegistry
// factory per pipeline; one pipeline runs on one thread.
#pragma once

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include "lib/base/status.h"
#include "workers/matching/samples.h"

namespace mcf::matching {

// What a step may use beyond the samples. Made by Pipeline::Run for one reference sample.
struct StepContext {
  explicit StepContext(uint64_t random_seed) : random(random_seed) {}
  // Seeded from the reference sample's task (Pipeline::Run): the same task with the same pool
  // draws the same numbers, whichever message carried it and however often it is replayed.
  std::mt19937_64 random;
};

class MatchingStep {
 public:
  virtual ~MatchingStep() = default;
  // The name the step is configured by ("drop_booked").
  virtual std::string_view name() const = 0;
  // Narrows/reorders `candidates` for `reference`. Leaving none is allowed (the pipeline then
  // reports no worker available); a non-ok Status aborts the run with that error.
  virtual Status Apply(const ReferenceSample& reference, std::vector<NormalSample>& candidates,
                       StepContext& context) = 0;
};

}  // namespace mcf::matching
