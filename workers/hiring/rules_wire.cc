#include "workers/hiring/rules_wire.h"

#include <variant>

namespace mcf::hiring {
namespace {

namespace wire = schemas::hiring;

std::string ValueText(const Value& v) {
  if (const auto* n = std::get_if<int64_t>(&v)) return std::to_string(*n);
  return "'" + std::get<std::string>(v) + "'";
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

Result<RuleSet> RulesFromWire(const wire::Rules& in) {
  const std::string at = "body.rules.";
  RuleSet rules;
  for (const auto& t : in.tests) rules.tests.push_back({t.name, t.min_score, t.max_score});
  for (size_t r = 0; r < in.rows.size(); ++r) {
    Row row;
    for (size_t c = 0; c < in.rows[r].conditions.size(); ++c) {
      const wire::RuleCondition& w = in.rows[r].conditions[c];
      const std::string path =
          at + "rows[" + std::to_string(r) + "].conditions[" + std::to_string(c) + "]";
      auto op = OpFromName(w.op);
      if (!op) return Status::Invalid(path + ".op: one of <, <=, >, >=, ==, !=, in");
      if (w.numbers.empty() == w.texts.empty())
        return Status::Invalid(path + ": give its value(s) in numbers or in texts, not both");
      Condition cond{w.field, *op, {}};
      for (int64_t n : w.numbers) cond.values.emplace_back(n);
      for (const auto& s : w.texts) cond.values.emplace_back(s);
      row.conditions.push_back(std::move(cond));
    }
    row.outputs = {in.rows[r].strengths, in.rows[r].weaknesses};
    rules.rows.push_back(std::move(row));
  }
  auto policy = HitPolicyFromName(in.hit_policy);
  if (!policy) return Status::Invalid(at + "hit_policy: first or collect");
  rules.hit_policy = *policy;
  if (in.top_percent && in.absolute_score)
    return Status::Invalid(at + "absolute_score: give top_percent or absolute_score, not both");
  if (in.absolute_score) rules.cutoff = {Cutoff::Kind::kAbsolute, 3, *in.absolute_score};
  if (in.top_percent) rules.cutoff = {Cutoff::Kind::kTopPercent, *in.top_percent, 0};
  for (size_t g = 0; g < in.golden_cases.size(); ++g) {
    const wire::RuleGoldenCase& w = in.golden_cases[g];
    auto outcome = OutcomeFromName(w.expected_outcome);
    if (!outcome)
      return Status::Invalid(at + "golden_cases[" + std::to_string(g) +
                             "].expected_outcome: accepted or rejected");
    GoldenCase gc;
    gc.name = w.name;
    gc.input.profile = {w.age, w.breed, w.coat_colour};
    for (const auto& s : w.scores) gc.input.scores.push_back({s.test, s.score});
    if (!w.cutoff_score && rules.cutoff.kind != Cutoff::Kind::kAbsolute)
      return Status::Invalid(at + "golden_cases[" + std::to_string(g) +
                             "].cutoff_score: required with a top_percent cut-off");
    gc.input.cutoff_score = w.cutoff_score.value_or(rules.cutoff.absolute_score);
    gc.expected_outcome = *outcome;
    gc.expected_strengths = w.expected_strengths;
    gc.expected_weaknesses = w.expected_weaknesses;
    rules.golden_cases.push_back(std::move(gc));
  }
  if (Status s = Validate(rules); !s.ok()) return Status::Invalid(at + s.message());
  return rules;
}

wire::Rules RulesToWire(const RuleSet& rules) {
  wire::Rules out;
  for (const auto& t : rules.tests) out.tests.push_back({t.name, t.min_score, t.max_score});
  for (const auto& row : rules.rows) {
    wire::RuleRow w;
    for (const auto& c : row.conditions) {
      wire::RuleCondition wc{c.field, std::string(OpName(c.op)), {}, {}};
      for (const auto& v : c.values) {
        if (const auto* n = std::get_if<int64_t>(&v))
          wc.numbers.push_back(*n);
        else
          wc.texts.push_back(std::get<std::string>(v));
      }
      w.conditions.push_back(std::move(wc));
    }
    w.strengths = row.outputs.strengths;
    w.weaknesses = row.outputs.weaknesses;
    out.rows.push_back(std::move(w));
  }
  out.hit_policy = std::string(HitPolicyName(rules.hit_policy));
  if (rules.cutoff.kind == Cutoff::Kind::kAbsolute)
    out.absolute_score = rules.cutoff.absolute_score;
  else
    out.top_percent = rules.cutoff.top_percent;
  for (const auto& g : rules.golden_cases) {
    wire::RuleGoldenCase w;
    w.name = g.name;
    w.age = g.input.profile.age;
    w.breed = g.input.profile.breed;
    w.coat_colour = g.input.profile.coat_colour;
    for (const auto& s : g.input.scores) w.scores.push_back({s.test, s.score});
    w.cutoff_score = g.input.cutoff_score;
    w.expected_outcome = std::string(OutcomeName(g.expected_outcome));
    w.expected_strengths = g.expected_strengths;
    w.expected_weaknesses = g.expected_weaknesses;
    out.golden_cases.push_back(std::move(w));
  }
  return out;
}

wire::RuleSetVersion VersionToWire(const RuleSet& rules, bool active) {
  return {static_cast<int64_t>(rules.meta.version),
          rules.meta.content_hash,
          rules.meta.author,
          rules.meta.published_at_ms,
          active,
          RulesToWire(rules)};
}

std::vector<std::string> Explain(const RuleSet& rules, const Decision& d) {
  std::vector<std::string> lines;
  for (const RowTrace& row : d.trace) {
    std::string line =
        "row " + std::to_string(row.row + 1) + (row.matched ? " matched" : " did not match");
    std::string why;
    // The trace lists every condition of the row, in the row's order.
    const std::vector<Condition>* conditions =
        row.row < rules.rows.size() ? &rules.rows[row.row].conditions : nullptr;
    for (size_t i = 0; i < row.conditions.size(); ++i) {
      const ConditionTrace& c = row.conditions[i];
      why += (why.empty() ? ": " : "; ") + c.field + " " + std::string(OpName(c.op)) + " ";
      std::string wanted;
      if (conditions && i < conditions->size())
        for (const auto& v : (*conditions)[i].values)
          wanted += (wanted.empty() ? "" : " or ") + ValueText(v);
      why += wanted + " (saw " + (c.seen ? ValueText(*c.seen) : std::string("no score")) +
             (c.result ? ", yes)" : ", no)");
    }
    line += why;
    if (row.matched && row.row < rules.rows.size()) {
      const RowOutputs& out = rules.rows[row.row].outputs;
      if (!out.strengths.empty()) line += " -> strengths: " + Joined(out.strengths);
      if (!out.weaknesses.empty()) line += " -> weaknesses: " + Joined(out.weaknesses);
    }
    lines.push_back(std::move(line));
  }
  lines.push_back("total " + std::to_string(d.total) +
                  (d.outcome == Outcome::kAccepted ? " reaches" : " is below") + " the cut-off " +
                  std::to_string(d.input.cutoff_score) + " (rules version " +
                  std::to_string(d.rule_set_version) + "): " + std::string(OutcomeName(d.outcome)));
  return lines;
}

}  // namespace mcf::hiring
