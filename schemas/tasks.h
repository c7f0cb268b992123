// The tasks family: the events the tasks context publishes and the commands it serves, each
// declared once (schemas/declare.h; encoding, decoding and the reference come from here).
// Times are ms since the Unix epoch (bus time).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "lib/base/status.h"
#include "schemas/codec.h"
#include "schemas/declare.h"

namespace mcf::schemas::tasks {

using schemas::Decode;
using schemas::Encode;

// ---- events ----

// The appointment is the half-open interval [starts_at, ends_at). The optional fields were
// added later: absent decodes as "".
struct TaskRequested {
  static constexpr MessageInfo kInfo = Event("tasks.task_requested", "a task asks for a worker");
  std::string task_id;  // for a help request, the portal's order id
  std::string client_id;
  std::string service_type_id;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  std::string description = {};
  std::string copied_from = {};
  bool operator==(const TaskRequested&) const = default;
  static constexpr auto Fields() {
    using T = TaskRequested;
    return std::tuple{Field("task_id", &T::task_id).NonEmpty(),
                      Field("client_id", &T::client_id),
                      Field("service_type_id", &T::service_type_id),
                      Field("starts_at", &T::starts_at_ms),
                      Field("ends_at", &T::ends_at_ms).Doc("after starts_at"),
                      Field("description", &T::description).Optional(),
                      Field("copied_from", &T::copied_from)
                          .Optional()
                          .Doc("the no-show task this one copies; \"\" for an original")};
  }
  static Status Validate(const TaskRequested& e) {
    if (e.ends_at_ms <= e.starts_at_ms)
      return Status::Invalid("body.ends_at: must be after starts_at");
    return Status::Ok();
  }
};

// The final outcome of a task.
enum class Outcome { kCompleted, kFailed, kCanceled };
inline constexpr std::array<EnumName<Outcome>, 3> kOutcomeNames = {
    {{Outcome::kCompleted, "completed"},
     {Outcome::kFailed, "failed"},
     {Outcome::kCanceled, "canceled"}}};
constexpr std::span<const EnumName<Outcome>> EnumNames(Outcome) { return kOutcomeNames; }
constexpr std::string_view OutcomeName(Outcome outcome) { return NameOf(outcome); }

// The optional fields were added later: absent decodes as ""/0.
struct TaskFinalized {
  static constexpr MessageInfo kInfo = Event("tasks.task_finalized", "a task ended");
  std::string task_id;
  std::string worker_id;
  Outcome outcome = Outcome::kCompleted;
  std::string reason = {};
  int64_t price_minor = 0;
  std::string client_id = {};
  bool operator==(const TaskFinalized&) const = default;
  static constexpr auto Fields() {
    using T = TaskFinalized;
    return std::tuple{
        Field("task_id", &T::task_id).NonEmpty(),
        Field("worker_id", &T::worker_id).Doc("\"\" when none was assigned"),
        Field("outcome", &T::outcome),
        Field("reason", &T::reason)
            .Optional()
            .Doc("\"\" = none; \"no_show\" for an automatic cancel, else the worker's reason"),
        Field("price_minor", &T::price_minor)
            .Optional()
            .Doc("the price fixed at assignment (0 when never assigned)"),
        Field("client_id", &T::client_id).Optional()};
  }
};

// Members start like matching.worker_matched's (so that a braced TaskRequested initializer can
// never be taken for a TaskAssigned one).
struct TaskAssigned {
  static constexpr MessageInfo kInfo = Event("tasks.task_assigned", "a task has its worker");
  std::string task_id;
  std::string worker_id;
  int64_t price_minor = 0;
  std::string client_id;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  bool operator==(const TaskAssigned&) const = default;
  static constexpr auto Fields() {
    using T = TaskAssigned;
    return std::tuple{
        Field("task_id", &T::task_id).NonEmpty(),     Field("client_id", &T::client_id),
        Field("worker_id", &T::worker_id).NonEmpty(), Field("price_minor", &T::price_minor),
        Field("starts_at", &T::starts_at_ms),         Field("ends_at", &T::ends_at_ms)};
  }
};

struct CheckedIn {
  static constexpr MessageInfo kInfo = Event("tasks.checked_in", "the worker checked in");
  std::string task_id;
  std::string worker_id;
  int64_t at_ms = 0;
  bool operator==(const CheckedIn&) const = default;
  static constexpr auto Fields() {
    using T = CheckedIn;
    return std::tuple{Field("task_id", &T::task_id).NonEmpty(), Field("worker_id", &T::worker_id),
                      Field("at", &T::at_ms)};
  }
};

// The client may order a copy (tasks.copy) with a new date.
struct CopyOffered {
  static constexpr MessageInfo kInfo =
      Event("tasks.copy_offered", "a no-show canceled the task; the client may copy it");
  std::string task_id;
  std::string client_id;
  bool operator==(const CopyOffered&) const = default;
  static constexpr auto Fields() {
    using T = CopyOffered;
    return std::tuple{Field("task_id", &T::task_id).NonEmpty(), Field("client_id", &T::client_id)};
  }
};

inline constexpr std::string_view kTaskRequested = TaskRequested::kInfo.type;
inline constexpr std::string_view kTaskFinalized = TaskFinalized::kInfo.type;
inline constexpr std::string_view kTaskAssigned = TaskAssigned::kInfo.type;
inline constexpr std::string_view kCheckedIn = CheckedIn::kInfo.type;
inline constexpr std::string_view kCopyOffered = CopyOffered::kInfo.type;

// ---- the task record and the commands ----

// requested -> assigned -> checked_in -> completed | failed; canceled from requested/assigned.
enum class TaskState { kRequested, kAssigned, kCheckedIn, kCompleted, kFailed, kCanceled };
inline constexpr std::array<EnumName<TaskState>, 6> kTaskStateNames = {
    {{TaskState::kRequested, "requested"},
     {TaskState::kAssigned, "assigned"},
     {TaskState::kCheckedIn, "checked_in"},
     {TaskState::kCompleted, "completed"},
     {TaskState::kFailed, "failed"},
     {TaskState::kCanceled, "canceled"}}};
constexpr std::span<const EnumName<TaskState>> EnumNames(TaskState) { return kTaskStateNames; }

// One task: what tasks.get answers, an item of the list replies, and the tasks store's record.
struct Task {
  std::string id;
  std::string client_id;
  std::string service_type_id;
  std::string description;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  TaskState state = TaskState::kRequested;
  std::string worker_id;  // "" until assigned
  int64_t price_minor = 0;
  bool kit_issued = false;
  std::string supply_order_id;
  int64_t checked_in_at_ms = 0;
  std::string reason;
  std::string copied_from;
  std::string copy_id;
  bool operator==(const Task&) const = default;
  static constexpr auto Fields() {
    using T = Task;
    return std::tuple{Field("id", &T::id),
                      Field("client_id", &T::client_id),
                      Field("service_type_id", &T::service_type_id),
                      Field("description", &T::description),
                      Field("starts_at", &T::starts_at_ms),
                      Field("ends_at", &T::ends_at_ms),
                      Field("status", &T::state),
                      Field("worker_id", &T::worker_id).Doc("\"\" until assigned"),
                      Field("price_minor", &T::price_minor).Doc("fixed at assignment"),
                      Field("kit_issued", &T::kit_issued),
                      Field("supply_order_id", &T::supply_order_id),
                      Field("checked_in_at", &T::checked_in_at_ms),
                      Field("reason", &T::reason).Doc("why it failed or was canceled (no_show)"),
                      Field("copied_from", &T::copied_from).Doc("the canceled task this copies"),
                      Field("copy_id", &T::copy_id).Doc("the copy ordered from this task")};
  }
};

// The reply of the commands that create or move a task.
struct TaskStatusReply {
  std::string id;
  TaskState status = TaskState::kRequested;
  static constexpr auto Fields() {
    return std::tuple{Field("id", &TaskStatusReply::id), Field("status", &TaskStatusReply::status)};
  }
};

// A page of tasks in id order; next_after is the last one's id when more remain.
struct TaskList {
  std::vector<Task> tasks;
  std::optional<std::string> next_after;
  static constexpr auto Fields() {
    return std::tuple{
        Field("tasks", &TaskList::tasks),
        Field("next_after", &TaskList::next_after).Doc("pass as `after` for the next page")};
  }
};

struct Request {
  static constexpr MessageInfo kInfo = Command("tasks.request", "a new task");
  using Reply = TaskStatusReply;
  std::string client_id;
  std::string service_type_id;
  std::string description;
  int64_t starts_at_ms = 0;
  std::optional<int64_t> duration_ms;
  static constexpr auto Fields() {
    using T = Request;
    return std::tuple{Field("client_id", &T::client_id).NonEmpty(),
                      Field("service_type_id", &T::service_type_id).NonEmpty(),
                      Field("description", &T::description).Optional(),
                      Field("starts_at", &T::starts_at_ms),
                      Field("duration_ms", &T::duration_ms)
                          .Min(1)
                          .Doc("default: the context's --default-duration")};
  }
};

struct Get {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("tasks.get", "one task (own, or any for managers)");
  using Reply = Task;
  std::string task_id;
  static constexpr auto Fields() { return std::tuple{Field("task_id", &Get::task_id).NonEmpty()}; }
};

// active: assigned or checked in; completed: finished work (completed or failed); canceled.
enum class JobFilter { kActive, kCompleted, kCanceled };
inline constexpr std::array<EnumName<JobFilter>, 3> kJobFilterNames = {
    {{JobFilter::kActive, "active"},
     {JobFilter::kCompleted, "completed"},
     {JobFilter::kCanceled, "canceled"}}};
constexpr std::span<const EnumName<JobFilter>> EnumNames(JobFilter) { return kJobFilterNames; }

struct ListForWorker {
  static constexpr MessageInfo kInfo = ReadOnlyCommand("tasks.list_for_worker", "a worker's jobs");
  using Reply = TaskList;
  std::string worker_id;
  JobFilter state = JobFilter::kActive;
  int64_t limit = 50;
  std::string after;
  static constexpr auto Fields() {
    using T = ListForWorker;
    return std::tuple{Field("worker_id", &T::worker_id).NonEmpty(), Field("state", &T::state),
                      Field("limit", &T::limit).Optional().Min(1).Max(100).Doc("default 50"),
                      Field("after", &T::after).Optional().Doc("the id to page after")};
  }
};

struct ListForClient {
  static constexpr MessageInfo kInfo = ReadOnlyCommand("tasks.list_for_client", "a client's tasks");
  using Reply = TaskList;
  std::string client_id;
  static constexpr auto Fields() {
    return std::tuple{Field("client_id", &ListForClient::client_id).NonEmpty()};
  }
};

struct CheckIn {
  static constexpr MessageInfo kInfo =
      Command("tasks.check_in",
              "the assigned worker checks in (needs the kit issued, and from the check-in window "
              "before starts_at on)");
  using Reply = TaskStatusReply;
  std::string task_id;
  Bytes photo;
  static constexpr auto Fields() {
    return std::tuple{Field("task_id", &CheckIn::task_id).NonEmpty(),
                      Field("photo", &CheckIn::photo).NonEmpty().Doc("at most --max-photo-bytes")};
  }
};

struct Complete {
  static constexpr MessageInfo kInfo =
      Command("tasks.complete", "the assigned worker completes a checked-in job");
  using Reply = TaskStatusReply;
  std::string task_id;
  Bytes photo;
  static constexpr auto Fields() {
    return std::tuple{Field("task_id", &Complete::task_id).NonEmpty(),
                      Field("photo", &Complete::photo).NonEmpty().Doc("at most --max-photo-bytes")};
  }
};

struct Fail {
  static constexpr MessageInfo kInfo =
      Command("tasks.fail", "the assigned worker fails a checked-in job");
  using Reply = TaskStatusReply;
  std::string task_id;
  std::string reason;
  static constexpr auto Fields() {
    return std::tuple{Field("task_id", &Fail::task_id).NonEmpty(),
                      Field("reason", &Fail::reason).NonEmpty()};
  }
};

struct Copy {
  static constexpr MessageInfo kInfo =
      Command("tasks.copy", "a client orders a copy of a no-show task with a new start");
  using Reply = TaskStatusReply;
  std::string task_id;
  int64_t starts_at_ms = 0;
  static constexpr auto Fields() {
    return std::tuple{Field("task_id", &Copy::task_id).NonEmpty(),
                      Field("starts_at", &Copy::starts_at_ms).Doc("not in the past")};
  }
};

inline constexpr std::string_view kRequest = Request::kInfo.type;
inline constexpr std::string_view kGet = Get::kInfo.type;
inline constexpr std::string_view kListForWorker = ListForWorker::kInfo.type;
inline constexpr std::string_view kListForClient = ListForClient::kInfo.type;
inline constexpr std::string_view kCheckIn = CheckIn::kInfo.type;
inline constexpr std::string_view kComplete = Complete::kInfo.type;
inline constexpr std::string_view kFail = Fail::kInfo.type;
inline constexpr std::string_view kCopy = Copy::kInfo.type;

// The declared messages of this family, for the registry.
using Messages =
    std::tuple<TaskRequested, TaskFinalized, TaskAssigned, CheckedIn, CopyOffered, Request, Get,
               ListForWorker, ListForClient, CheckIn, Complete, Fail, Copy>;

}  // namespace mcf::schemas::tasks
