#include "workers/tasks/task_state.h"

#include <string>

namespace mcf::tasks {

Result<State> ParseState(std::string_view name) {
  for (const auto& s : schemas::tasks::kTaskStateNames)
    if (s.name == name) return s.value;
  return Status::Invalid("unknown task state \"" + std::string(name) + "\"");
}

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kAssign:
      return "assign";
    case Action::kCheckIn:
      return "check in";
    case Action::kComplete:
      return "complete";
    case Action::kFail:
      return "fail";
    case Action::kCancel:
      return "cancel";
  }
  return "assign";
}

bool IsFinal(State state) {
  return state == State::kCompleted || state == State::kFailed || state == State::kCanceled;
}

Result<State> Apply(State from, Action action, bool kit_issued) {
  switch (action) {
    case Action::kAssign:
      if (from == State::kRequested) return State::kAssigned;
      break;
    case Action::kCheckIn:
      if (from == State::kAssigned) {
        if (!kit_issued) return Status::Conflict(std::string(kKitNotIssued));
        return State::kCheckedIn;
      }
      break;
    case Action::kComplete:
      if (from == State::kCheckedIn) return State::kCompleted;
      break;
    case Action::kFail:
      if (from == State::kCheckedIn) return State::kFailed;
      break;
    case Action::kCancel:
      if (from == State::kRequested || from == State::kAssigned) return State::kCanceled;
      break;
  }
  return Status::Conflict("cannot " + std::string(ActionName(action)) + " a task that is " +
                          std::string(StateName(from)));
}

bool IsNoShow(State state, int64_t starts_at_ms, int64_t grace_ms, int64_t now_ms) {
  return state == State::kAssigned && starts_at_ms + grace_ms <= now_ms;
}

}  // namespace mcf::tasks
