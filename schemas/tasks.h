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
  static constexpr MessageInfo kInfo =
      Event("tasks.task_requested", "a task asks for a worker");
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
    {{Outcome::kCompleted, "completed"}, {Outcome::kFailed, "failed"},
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
    return std::tuple{Field("task_id", &T::task_id).NonEmpty(),
                      Field("client_id", &T::client_id),
                      Field("worker_id", &T::worker_id).NonEmpty(),
                      Field("price_minor", &T::price_minor),
                      Field("starts_at", &T::starts_at_ms),
                      Field("ends_at", &T::ends_at_ms)};
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
    return std::tuple{Field("task_id", &T::task_id).NonEmpty(),
                      Field("worker_id", &T::worker_id), Field("at", &T::at_ms)};
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
    return std::tuple{Field("task_id", &T::task_id).NonEmpty(),
                      Field("client_id", &T::client_id)};
  }
};

inline constexpr std::string_view kTaskRequested = TaskRequested::kInfo.type;
inline constexpr std::string_view kTaskFinalized = TaskFinalized::kInfo.type;
inline constexpr std::string_view kTaskAssigned = TaskAssigned::kInfo.type;
inline constexpr std::string_view kCheckedIn = CheckedIn::kInfo.type;
inline constexpr std::string_view kCopyOffered = CopyOffered::kInfo.type;

// Commands served by the tasks context (their bodies are still read in
// workers/tasks/handlers.cc and documented in workers/tasks/README.md).
inline constexpr std::string_view kRequest = "tasks.request";
inline constexpr std::string_view kGet = "tasks.get";
inline constexpr std::string_view kListForWorker = "tasks.list_for_worker";
inline constexpr std::string_view kListForClient = "tasks.list_for_client";
inline constexpr std::string_view kCheckIn = "tasks.check_in";
inline constexpr std::string_view kComplete = "tasks.complete";
inline constexpr std::string_view kFail = "tasks.fail";
inline constexpr std::string_view kCopy = "tasks.copy";

// The declared messages of this family, for the registry.
using Messages = std::tuple<TaskRequested, TaskFinalized, TaskAssigned, CheckedIn, CopyOffered>;

}  // namespace mcf::schemas::tasks
