// Bodies of the hiring family that other contexts consume. hiring.worker_hired is the contract
// the hiring context will publish when a candidate becomes a worker; matching keeps its own
// copy of the pool from it. Plain values; Decode returns `invalid` naming the field.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/base/status.h"

namespace mcf::schemas::hiring {

inline constexpr std::string_view kWorkerHired = "hiring.worker_hired";

// hiring.worker_hired {worker_id, name, strengths: [str], weaknesses: [str]}
struct WorkerHired {
  std::string worker_id;  // non-empty
  std::string name;
  std::vector<std::string> strengths;
  std::vector<std::string> weaknesses;
  bool operator==(const WorkerHired&) const = default;
};
std::string Encode(const WorkerHired& e);
Result<WorkerHired> DecodeWorkerHired(std::string_view body);

}  // namespace mcf::schemas::hiring
