// Screening decisions: Decide() runs a RuleSet over one candidate's ScreeningInput and explains
// itself (a trace of the rows it evaluated, with the values each condition saw); CutoffFor()
// turns the rule set's cut-off and past totals into the number stored in the input. Pure,
// deterministic functions of their arguments (no clock, no history, no randomness), so a stored
// decision is reproduced exactly by re-deciding its input under its version. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "workers/hiring/screening_rules.h"

namespace mcf::hiring {

struct ConditionTrace {
  std::string field;
  Op op = Op::kEq;
  // The value the field had for this candidate; nullopt for a test the candidate did not take
  // (such a condition is false, whatever its operator).
  std::optional<Value> seen;
  bool result = false;
  bool operator==(const ConditionTrace&) const = default;
};

struct RowTrace {
  uint32_t row = 0;  // index into RuleSet::rows
  bool matched = false;
  // Every condition of the row, in order (all are evaluated, so the trace says each reason).
  std::vector<ConditionTrace> conditions;
  bool operator==(const RowTrace&) const = default;
};

struct Decision {
  uint64_t rule_set_version = 0;  // RuleSetMeta::version of the rules that decided
  std::string rule_set_hash;      // RuleSetMeta::content_hash of those rules
  ScreeningInput input;           // the snapshot decided on
  Outcome outcome = Outcome::kRejected;
  int64_t total = 0;  // sum of the candidate's scores
  std::vector<std::string> strengths;
  std::vector<std::string> weaknesses;
  // The rows evaluated, in order: all of them under `collect`; under `first` up to and
  // including the first match.
  std::vector<RowTrace> trace;
  bool operator==(const Decision&) const = default;
};

// The decision for `input`: accepted when total >= input.cutoff_score; strengths and
// weaknesses from the rows under the rule set's hit policy. Scores naming tests the set does
// not know count in the total but are seen by no condition.
// REQUIRES: Validate(rules).ok(); ValidateInput(rules, input).ok() for a meaningful result.
Decision Decide(const RuleSet& rules, const ScreeningInput& input);

// The total a new candidate needs, to be stored in ScreeningInput::cutoff_score.
// kAbsolute: absolute_score. kTopPercent (p): the candidate is ranked among the n past totals
// plus itself, and accepted when fewer than k = max(1, floor(p * (n + 1) / 100)) past totals
// are strictly higher; so the result is the k-th highest past total. With too little history
// for the top p % to hold anyone (n + 1 < 100 / p; fewer than 33 past totals at 3 %), k is 1:
// the candidate must equal or beat the best total so far. With no past totals at all there is
// nobody to beat, and the result is INT64_MIN (the first scored candidate is accepted; a
// manager who wants a floor from the start publishes an absolute cut-off).
int64_t CutoffFor(const RuleSet& rules, std::span<const int64_t> past_totals);

}  // namespace mcf::hiring
