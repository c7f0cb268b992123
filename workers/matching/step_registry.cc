#include "workers/matching/step_registry.h"

#include <utility>

#include "workers/matching/builtin_steps.h"

namespace mcf::matching {

StepRegistry StepRegistry::WithBuiltinSteps() {
  StepRegistry r;
  r.Register(std::string(kDropBooked), [] { return std::make_unique<DropBookedStep>(); });
  r.Register(std::string(kPickRandom), [] { return std::make_unique<PickRandomStep>(); });
  return r;
}

Status StepRegistry::Register(std::string name, StepFactory factory) {
  if (name.empty() || name.find(',') != std::string::npos)
    return Status::Invalid("matching step name must be non-empty and without ',': \"" + name +
                           "\"");
  if (factories_.contains(name))
    return Status::Invalid("matching step \"" + name + "\" is already registered");
  factories_.emplace(std::move(name), std::move(factory));
  return Status::Ok();
}

Result<std::unique_ptr<MatchingStep>> StepRegistry::Create(std::string_view name) const {
  auto it = factories_.find(name);
  if (it == factories_.end()) {
    std::string known;
    for (const auto& [n, f] : factories_) known += (known.empty() ? "" : ", ") + n;
    return Status::Invalid("unknown matching step \"" + std::string(name) + "\" (known: " + known +
                           ")");
  }
  std::unique_ptr<MatchingStep> step = it->second();
  if (!step) return Status::Internal("matching step factory \"" + it->first + "\" made nothing");
  return step;
}

std::vector<std::string> StepRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [n, f] : factories_) out.push_back(n);
  return out;
}

}  // namespace mcf::matching
