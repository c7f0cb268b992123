#include "workers/hiring/screening_checks.h"

#include <utility>

namespace mcf::hiring {
namespace {

std::string List(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out + "]";
}

// What is wrong with `got` for `g`, or empty when it is as expected.
std::string Mismatch(const GoldenCase& g, const Decision& got) {
  if (got.outcome != g.expected_outcome)
    return "expected " + std::string(OutcomeName(g.expected_outcome)) + ", got " +
           std::string(OutcomeName(got.outcome)) + " (total " + std::to_string(got.total) +
           ", cutoff " + std::to_string(g.input.cutoff_score) + ")";
  if (g.expected_strengths && *g.expected_strengths != got.strengths)
    return "expected strengths " + List(*g.expected_strengths) + ", got " + List(got.strengths);
  if (g.expected_weaknesses && *g.expected_weaknesses != got.weaknesses)
    return "expected weaknesses " + List(*g.expected_weaknesses) + ", got " + List(got.weaknesses);
  return {};
}

}  // namespace

Status CheckGoldenCases(const RuleSet& rules) {
  RETURN_IF_ERROR(Validate(rules));
  for (size_t i = 0; i < rules.golden_cases.size(); ++i) {
    const GoldenCase& g = rules.golden_cases[i];
    std::string why = Mismatch(g, Decide(rules, g.input));
    if (!why.empty())
      return Status::Conflict("golden_cases[" + std::to_string(i) + "] '" + g.name + "': " + why);
  }
  return Status::Ok();
}

std::vector<DecisionChange> DryRun(const RuleSet& draft, std::span<const StoredDecision> stored) {
  std::vector<DecisionChange> changes;
  for (const StoredDecision& s : stored) {
    ScreeningInput input = s.decision.input;
    if (draft.cutoff.kind == Cutoff::Kind::kAbsolute)
      input.cutoff_score = draft.cutoff.absolute_score;
    Decision after = Decide(draft, input);
    const Decision& before = s.decision;
    bool outcome_changed = after.outcome != before.outcome;
    bool outputs_changed =
        after.strengths != before.strengths || after.weaknesses != before.weaknesses;
    if (!outcome_changed && !outputs_changed) continue;
    changes.push_back(
        {s.application_id, outcome_changed, outputs_changed, before, std::move(after)});
  }
  return changes;
}

}  // namespace mcf::hiring
