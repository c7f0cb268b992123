// The checks a rule-set version goes through before a manager activates it: its own golden
// cases (CheckGoldenCases), and a dry run showing how stored decisions would change under it
// (DryRun). Pure functions over values the caller loaded; thread-safe.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "lib/base/status.h"
#include "workers/hiring/screening_decision.h"
#include "workers/hiring/screening_rules.h"

namespace mcf::hiring {

// ok when every golden case decides as expected; conflict naming the first failing case and
// what it got, e.g. "golden_cases[2] 'young ginger': expected accepted, got rejected (total 70,
// cutoff 80)"; the Validate() error when the rule set is invalid.
Status CheckGoldenCases(const RuleSet& rules);

// A decision as stored for one application.
struct StoredDecision {
  std::string application_id;
  Decision decision;  // holds the input it was decided on
};

struct DecisionChange {
  std::string application_id;
  bool outcome_changed = false;
  bool outputs_changed = false;  // strengths or weaknesses differ
  Decision before;               // as stored
  Decision after;                // under the draft, with the draft's trace
};

// The stored decisions whose outcome, strengths or weaknesses differ when their inputs are
// decided under `draft`, in the order given. The bar is the one each candidate faced
// (the stored input's cutoff_score), except under a draft with an absolute cut-off, which
// replaces it: a changed top_percent would need the totals as they were at each decision,
// which the stored inputs do not hold. REQUIRES: Validate(draft).ok().
std::vector<DecisionChange> DryRun(const RuleSet& draft, std::span<const StoredDecision> stored);

}  // namespace mcf::hiring
