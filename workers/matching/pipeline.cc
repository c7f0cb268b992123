#include "workers/matching/pipeline.h"

#include <utility>

#include "lib/base/stable_hash.h"
#include "workers/matching/builtin_steps.h"

namespace mcf::matching {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

Result<Pipeline> Pipeline::Build(const std::vector<std::string>& step_names,
                                 const StepRegistry& registry) {
  if (step_names.empty()) return Status::Invalid("matching pipeline: no steps configured");
  Pipeline p;
  for (const std::string& name : step_names) {
    auto step = registry.Create(name);
    if (!step.ok()) return Status::Invalid("matching pipeline: " + step.status().message());
    p.steps_.push_back(std::move(*step));
    p.version_ += (p.version_.empty() ? "" : ",") + name;
    p.drops_booked_ |= name == kDropBooked;
  }
  return p;
}

Result<Pipeline> Pipeline::Parse(std::string_view config, const StepRegistry& registry) {
  std::vector<std::string> names;
  while (true) {
    size_t comma = config.find(',');
    std::string_view name = Trim(config.substr(0, comma));
    if (name.empty())
      return Status::Invalid("matching pipeline: empty step name in \"" + std::string(config) +
                             "\"");
    names.emplace_back(name);
    if (comma == std::string_view::npos) break;
    config.remove_prefix(comma + 1);
  }
  return Build(names, registry);
}

Result<NormalSample> Pipeline::Run(const ReferenceSample& reference, std::vector<NormalSample> pool,
                                   uint64_t seed) {
  if (pool.empty()) return Status::Conflict("no worker available: the pool is empty");
  StepContext context(StableHash(seed, reference.task_id));
  for (const auto& step : steps_) {
    RETURN_IF_ERROR(step->Apply(reference, pool, context));
    if (pool.empty())
      return Status::Conflict("no worker available: no candidate left after step " +
                              std::string(step->name()));
  }
  return std::move(pool.front());
}

}  // namespace mcf::matching
