// The tasks state machine: every (state, action) pair, allowed or refused, and the check-in
// window's and the no-show's boundaries.
#include "workers/tasks/task_state.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <utility>

namespace mcf::tasks {
namespace {

constexpr State kAllStates[] = {State::kRequested, State::kAssigned, State::kCheckedIn,
                                State::kCompleted, State::kFailed,   State::kCanceled};
constexpr Action kAllActions[] = {Action::kAssign, Action::kCheckIn, Action::kComplete,
                                  Action::kFail, Action::kCancel};

TEST(TaskStateTest, AllowsExactlyTheLifeCycleTransitions) {
  const std::map<std::pair<State, Action>, State> allowed = {
      {{State::kRequested, Action::kAssign}, State::kAssigned},
      {{State::kAssigned, Action::kCheckIn}, State::kCheckedIn},
      {{State::kCheckedIn, Action::kComplete}, State::kCompleted},
      {{State::kCheckedIn, Action::kFail}, State::kFailed},
      {{State::kRequested, Action::kCancel}, State::kCanceled},
      {{State::kAssigned, Action::kCancel}, State::kCanceled},
  };
  int checked = 0;
  for (State from : kAllStates) {
    for (Action action : kAllActions) {
      auto next = Apply(from, action, /*kit_issued=*/true);
      auto it = allowed.find({from, action});
      if (it != allowed.end()) {
        ASSERT_TRUE(next.ok()) << StateName(from) << " + " << ActionName(action);
        EXPECT_EQ(*next, it->second) << StateName(from) << " + " << ActionName(action);
      } else {
        ASSERT_FALSE(next.ok()) << StateName(from) << " + " << ActionName(action);
        EXPECT_EQ(next.status().code(), Code::kConflict);
        EXPECT_NE(next.status().message().find(StateName(from)), std::string::npos)
            << next.status().message();
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 30);
}

TEST(TaskStateTest, FinalStatesAcceptNoAction) {
  for (State from : {State::kCompleted, State::kFailed, State::kCanceled}) {
    EXPECT_TRUE(IsFinal(from));
    for (Action action : kAllActions) EXPECT_FALSE(Apply(from, action, true).ok());
  }
  for (State from : {State::kRequested, State::kAssigned, State::kCheckedIn})
    EXPECT_FALSE(IsFinal(from));
}

TEST(TaskStateTest, CheckInBeforeTheKitIsIssuedIsAConflictNamingTheKit) {
  auto next = Apply(State::kAssigned, Action::kCheckIn, /*kit_issued=*/false);
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), Code::kConflict);
  EXPECT_EQ(next.status().message(), kKitNotIssued);
  // The kit flag matters for nothing else.
  EXPECT_TRUE(Apply(State::kCheckedIn, Action::kComplete, false).ok());
  EXPECT_TRUE(Apply(State::kRequested, Action::kAssign, false).ok());
}

TEST(TaskStateTest, NoShowStartsExactlyAtStartPlusGrace) {
  const int64_t start = 1'000'000;
  const int64_t grace = 30 * 60 * 1000;
  EXPECT_FALSE(IsNoShow(State::kAssigned, start, grace, start + grace - 1));
  EXPECT_TRUE(IsNoShow(State::kAssigned, start, grace, start + grace));
  EXPECT_TRUE(IsNoShow(State::kAssigned, start, grace, start + grace + 1));
}

TEST(TaskStateTest, CheckInOpensExactlyTheWindowBeforeTheStart) {
  const int64_t start = 10'000'000;
  const int64_t window = 60 * 60 * 1000;
  EXPECT_EQ(CheckInOpensAt(start, window), start - window);
  EXPECT_FALSE(IsCheckInOpen(start, window, start - window - 1));
  EXPECT_TRUE(IsCheckInOpen(start, window, start - window));
  EXPECT_TRUE(IsCheckInOpen(start, window, start));
  EXPECT_TRUE(IsCheckInOpen(start, window, start + window));  // late is the no-show rule's business
  // A zero window: from the appointment itself.
  EXPECT_FALSE(IsCheckInOpen(start, 0, start - 1));
  EXPECT_TRUE(IsCheckInOpen(start, 0, start));
}

TEST(TaskStateTest, OnlyAssignedTasksCanBeNoShows) {
  for (State s : kAllStates)
    EXPECT_EQ(IsNoShow(s, 0, 10, 1'000'000), s == State::kAssigned) << StateName(s);
}

TEST(TaskStateTest, StateNamesRoundTrip) {
  for (State s : kAllStates) EXPECT_EQ(*ParseState(StateName(s)), s);
  EXPECT_EQ(ParseState("done").status().code(), Code::kInvalid);
}

}  // namespace
}  // namespace mcf::tasks
