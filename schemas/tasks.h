// Bodies of the tasks family's events that other contexts consume, and the names of the tasks
// context's commands (their bodies are read field by field in workers/tasks/handlers.cc and
// documented in workers/tasks/README.md). Times are ms since the Unix epoch (bus time). Plain
// values; Decode returns `invalid` naming the field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lib/base/status.h"

namespace mcf::schemas::tasks {

inline constexpr std::string_view kTaskRequested = "tasks.task_requested";
inline constexpr std::string_view kTaskFinalized = "tasks.task_finalized";
inline constexpr std::string_view kTaskAssigned = "tasks.task_assigned";
inline constexpr std::string_view kCheckedIn = "tasks.checked_in";
inline constexpr std::string_view kCopyOffered = "tasks.copy_offered";

// Commands served by the tasks context.
inline constexpr std::string_view kRequest = "tasks.request";
inline constexpr std::string_view kGet = "tasks.get";
inline constexpr std::string_view kListForWorker = "tasks.list_for_worker";
inline constexpr std::string_view kListForClient = "tasks.list_for_client";
inline constexpr std::string_view kCheckIn = "tasks.check_in";
inline constexpr std::string_view kComplete = "tasks.complete";
inline constexpr std::string_view kFail = "tasks.fail";
inline constexpr std::string_view kCopy = "tasks.copy";

// tasks.task_requested {task_id, client_id, service_type_id, starts_at, ends_at, description?,
// copied_from?}. The appointment is the half-open interval [starts_at, ends_at); ends_at >
// starts_at. The optional fields were added later: absent decodes as "".
struct TaskRequested {
  std::string task_id;  // non-empty; for a help request, the portal's order id
  std::string client_id;
  std::string service_type_id;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  std::string description = {};
  std::string copied_from = {};  // the no-show task this one copies; "" for an original
  bool operator==(const TaskRequested&) const = default;
};
std::string Encode(const TaskRequested& e);
Result<TaskRequested> DecodeTaskRequested(std::string_view body);

// The final outcome of a task; the wire strings are "completed", "failed", "canceled".
enum class Outcome { kCompleted, kFailed, kCanceled };
std::string_view OutcomeName(Outcome outcome);

// tasks.task_finalized {task_id, worker_id ("" when none was assigned), outcome, reason?,
// price_minor?, client_id?}. The optional fields were added later: absent decodes as ""/0.
struct TaskFinalized {
  std::string task_id;  // non-empty
  std::string worker_id;
  Outcome outcome = Outcome::kCompleted;
  std::string reason = {};  // "" = none; "no_show" for an automatic cancel, the worker's reason
  int64_t price_minor = 0;  // the price fixed at assignment (0 when never assigned)
  std::string client_id = {};
  bool operator==(const TaskFinalized&) const = default;
};
std::string Encode(const TaskFinalized& e);
Result<TaskFinalized> DecodeTaskFinalized(std::string_view body);

// tasks.task_assigned {task_id, client_id, worker_id, price_minor, starts_at, ends_at}
// Members start like matching.worker_matched's (so that a braced TaskRequested initializer can
// never be taken for a TaskAssigned one).
struct TaskAssigned {
  std::string task_id;    // non-empty
  std::string worker_id;  // non-empty
  int64_t price_minor = 0;
  std::string client_id;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  bool operator==(const TaskAssigned&) const = default;
};
std::string Encode(const TaskAssigned& e);
Result<TaskAssigned> DecodeTaskAssigned(std::string_view body);

// tasks.checked_in {task_id, worker_id, at}
struct CheckedIn {
  std::string task_id;  // non-empty
  std::string worker_id;
  int64_t at_ms = 0;
  bool operator==(const CheckedIn&) const = default;
};
std::string Encode(const CheckedIn& e);
Result<CheckedIn> DecodeCheckedIn(std::string_view body);

// tasks.copy_offered {task_id, client_id}: the task was canceled by a no-show; the client may
// order a copy (tasks.copy) with a new date.
struct CopyOffered {
  std::string task_id;  // non-empty
  std::string client_id;
  bool operator==(const CopyOffered&) const = default;
};
std::string Encode(const CopyOffered& e);
Result<CopyOffered> DecodeCopyOffered(std::string_view body);

}  // namespace mcf::schemas::tasks
