// The tasks context's pure domain: a task's states, the actions that move it, the check-in
// window and the no-show rule. No store, no bus, no clock (times are passed in): the handlers
// (handlers.h) load a task, ask Apply() whether an action is allowed, and persist and publish
// the result. Plain functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "lib/base/status.h"
#include "schemas/tasks.h"

namespace mcf::tasks {

// requested -> assigned -> checked_in -> completed | failed; canceled from requested/assigned.
// The states are the wire's (schemas/tasks.h), so a stored task and a reply say the same.
using State = schemas::tasks::TaskState;
enum class Action { kAssign, kCheckIn, kComplete, kFail, kCancel };

constexpr std::string_view StateName(State state) { return schemas::NameOf(state); }
// invalid for an unknown name.
Result<State> ParseState(std::string_view name);
std::string_view ActionName(Action action);

// completed, failed and canceled are final: nothing moves a final task.
bool IsFinal(State state);

// The conflict message for checking in before the kit was issued.
inline constexpr std::string_view kKitNotIssued =
    "the supply kit for this job has not been issued yet";

// The state `action` leads to from `from`, or conflict naming both when it is not allowed.
// `kit_issued` matters only for kCheckIn (conflict kKitNotIssued when false).
Result<State> Apply(State from, Action action, bool kit_issued);

// The no-show rule: an assigned task whose worker has not checked in by starts_at + grace is
// canceled at the first clock time `now_ms` with starts_at + grace <= now_ms.
bool IsNoShow(State state, int64_t starts_at_ms, int64_t grace_ms, int64_t now_ms);

// The check-in window: a worker may check in from `window_ms` before starts_at on (the instant
// itself included; later than starts_at is fine until the no-show rule cancels the task).
// Times are bus time. CheckInOpensAt is that first instant.
constexpr int64_t CheckInOpensAt(int64_t starts_at_ms, int64_t window_ms) {
  return starts_at_ms - window_ms;
}
constexpr bool IsCheckInOpen(int64_t starts_at_ms, int64_t window_ms, int64_t now_ms) {
  return now_ms >= CheckInOpensAt(starts_at_ms, window_ms);
}

}  // namespace mcf::tasks
