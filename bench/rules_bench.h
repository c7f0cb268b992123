// The cost of one screening decision (issue 12; workers/hiring/screening_decision.h) for
// mcf-bench: hiring::Decide over a generated rule set of N rows (2 or 3 conditions each over
// score.<test>, total, age and breed; 6 tests, an absolute cut-off), published as the hiring
// worker would (Validate, Publish), over 1,024 generated candidates (each took 4 of the 6 tests,
// so some conditions see a test not taken) decided in turn until the time is up. The rule set
// and the candidates come from fixed seeds: every run decides the same inputs.
//
// Pure CPU on the calling thread; no processes, no I/O.
#pragma once

#include <chrono>
#include <cstddef>

#include "lib/base/status.h"
#include "workers/hiring/screening_rules.h"

namespace mcf::bench {

struct RuleTiming {
  double us_per_decision = 0;
  size_t decisions = 0;
  double rows_evaluated = 0;  // per decision, on average (the trace's length)
  double rows_matched = 0;    // per decision, on average
};

struct RuleComparison {
  RuleTiming baseline;  // the set cut to `baseline_rows` rows
  RuleTiming measured;  // the set cut to `rows` rows
};

// Both cuts of the generated set under `policy`, `rounds` windows of `window` each, alternating
// (the baseline first in even rounds) so that drift on a shared machine falls on both alike.
// REQUIRES: 1 <= baseline_rows, rows <= 200; rounds >= 1. invalid when a generated rule set or
// candidate does not validate.
Result<RuleComparison> CompareDecisions(size_t baseline_rows, size_t rows,
                                        hiring::HitPolicy policy,
                                        std::chrono::milliseconds window, int rounds);

}  // namespace mcf::bench
