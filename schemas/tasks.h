// Bodies of the tasks family's events that other contexts consume (the commands of the tasks
// context are not here yet). They are the contract the tasks context will publish; matching
// reads both. Times are ms since the Unix epoch (bus time). Plain values; Decode returns
// `invalid` naming the field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lib/base/status.h"

namespace mcf::schemas::tasks {

inline constexpr std::string_view kTaskRequested = "tasks.task_requested";
inline constexpr std::string_view kTaskFinalized = "tasks.task_finalized";

// tasks.task_requested {task_id, client_id, service_type_id, starts_at, ends_at}
// The appointment is the half-open interval [starts_at, ends_at); ends_at > starts_at.
struct TaskRequested {
  std::string task_id;  // non-empty
  std::string client_id;
  std::string service_type_id;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  bool operator==(const TaskRequested&) const = default;
};
std::string Encode(const TaskRequested& e);
Result<TaskRequested> DecodeTaskRequested(std::string_view body);

// The final outcome of a task; the wire strings are "completed", "failed", "canceled".
enum class Outcome { kCompleted, kFailed, kCanceled };
std::string_view OutcomeName(Outcome outcome);

// tasks.task_finalized {task_id, worker_id ("" when none was assigned), outcome}
struct TaskFinalized {
  std::string task_id;  // non-empty
  std::string worker_id;
  Outcome outcome = Outcome::kCompleted;
  bool operator==(const TaskFinalized&) const = default;
};
std::string Encode(const TaskFinalized& e);
Result<TaskFinalized> DecodeTaskFinalized(std::string_view body);

}  // namespace mcf::schemas::tasks
