// StepRegistry: the matching steps that can be named in a pipeline's configuration, as
// factories by name. WithBuiltinSteps() knows the v1 steps; tests and future steps Register()
// more without touching the others. Not thread-safe while registering; read-only use after.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/status.h"
#include "workers/matching/matching_step.h"

namespace mcf::matching {

using StepFactory = std::function<std::unique_ptr<MatchingStep>()>;

class StepRegistry {
 public:
  // drop_booked and pick_random.
  static StepRegistry WithBuiltinSteps();

  // invalid when `name` is empty, contains ',' or is already registered.
  Status Register(std::string name, StepFactory factory);
  // A new step; invalid "unknown matching step ..." listing the known names.
  Result<std::unique_ptr<MatchingStep>> Create(std::string_view name) const;
  // Registered names, sorted.
  std::vector<std::string> names() const;

 private:
  std::map<std::string, StepFactory, std::less<>> factories_;
};

}  // namespace mcf::matching
