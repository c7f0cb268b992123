// The screening rules between the bus and the engine: schemas::hiring::Rules (what managers
// write, declared once in schemas/hiring.h) to and from hiring::RuleSet
// (workers/hiring/screening_rules.h), and a decision put into words. Errors name the field as
// the caller wrote it ("body.rules.rows[2].conditions[0].numbers: ..."). Pure functions.
#pragma once

#include <string>
#include <vector>

#include "lib/base/status.h"
#include "schemas/hiring.h"
#include "workers/hiring/screening_decision.h"
#include "workers/hiring/screening_rules.h"

namespace mcf::hiring {

// A draft (meta empty), validated by the engine. invalid naming the part.
Result<RuleSet> RulesFromWire(const schemas::hiring::Rules& rules);
schemas::hiring::Rules RulesToWire(const RuleSet& rules);
schemas::hiring::RuleSetVersion VersionToWire(const RuleSet& rules, bool active);

// One line per row the decision evaluated, then the verdict, e.g.
// "row 1 matched: score.mousing >= 80 (saw 87) -> strengths: mice".
std::vector<std::string> Explain(const RuleSet& rules, const Decision& decision);

}  // namespace mcf::hiring
