// Pipeline: the matching algorithm as an ordered list of named steps (configuration, e.g.
// "drop_booked,pick_random"). Run() gives every step the candidates left by the previous one
// and returns the first candidate left at the end. Pure domain code: no store, no bus.
// Move-only (it owns its steps); one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/status.h"
#include "workers/matching/matching_step.h"
#include "workers/matching/samples.h"
#include "workers/matching/step_registry.h"

namespace mcf::matching {

inline constexpr std::string_view kDefaultPipeline = "drop_booked,pick_random";

class Pipeline {
 public:
  // Steps made from `registry` in the order of `step_names`. invalid when the list is empty or
  // names an unknown step (the message names it and lists the known ones).
  static Result<Pipeline> Build(const std::vector<std::string>& step_names,
                                const StepRegistry& registry);
  // Build() from a comma-separated list ("drop_booked,pick_random"; spaces around names are
  // ignored, empty names are invalid).
  static Result<Pipeline> Parse(std::string_view config, const StepRegistry& registry);

  // The worker chosen for `reference` from `pool`. The steps' random source is seeded with
  // StableHash(seed, reference.task_id), so the same task and pool give the same
  // worker across runs and Pipeline instances. conflict "no worker available: ..." when the
  // pool is empty or no candidate is left; a step's own error is returned as is.
  Result<NormalSample> Run(const ReferenceSample& reference, std::vector<NormalSample> pool,
                           uint64_t seed);

  // The configured step names joined with ',' (published as pipeline_version).
  const std::string& version() const { return version_; }
  // True when a drop_booked step is configured: then a worker booked during a task's window is
  // never picked for it, so a caller may skip running the pipeline for a (task, worker) pair it
  // already knows to overlap (the re-matching in handlers.cc).
  bool drops_booked() const { return drops_booked_; }

 private:
  std::vector<std::unique_ptr<MatchingStep>> steps_;
  std::string version_;
  bool drops_booked_ = false;
};

}  // namespace mcf::matching
