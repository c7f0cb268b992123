#include "workers/hiring/screening_rules.h"

#include <array>
#include <set>
#include <utility>

#include "workers/hiring/screening_codec.h"

namespace mcf::hiring {
namespace {

constexpr std::array<std::pair<Op, std::string_view>, 7> kOps = {{{Op::kLt, "<"},
                                                                  {Op::kLe, "<="},
                                                                  {Op::kGt, ">"},
                                                                  {Op::kGe, ">="},
                                                                  {Op::kEq, "=="},
                                                                  {Op::kNe, "!="},
                                                                  {Op::kIn, "in"}}};

std::string At(std::string_view path, size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

Status CheckString(const std::string& s, const std::string& path, bool allow_empty) {
  if (!allow_empty && s.empty()) return Status::Invalid(path + ": must not be empty");
  if (s.size() > kMaxStringBytes)
    return Status::Invalid(path + ": longer than " + std::to_string(kMaxStringBytes) + " bytes");
  return Status::Ok();
}

Status CheckStrings(const std::vector<std::string>& list, const std::string& path) {
  if (list.size() > kMaxOutputsPerList)
    return Status::Invalid(path + ": more than " + std::to_string(kMaxOutputsPerList) + " items");
  for (size_t i = 0; i < list.size(); ++i)
    RETURN_IF_ERROR(CheckString(list[i], At(path, i), false));
  return Status::Ok();
}

// Whether `field` takes numbers (true) or texts (false); invalid for a field nobody knows.
Result<bool> FieldIsNumeric(const RuleSet& rules, const std::string& field,
                            const std::string& path) {
  if (field == kFieldTotal || field == kFieldAge) return true;
  if (field == kFieldBreed || field == kFieldCoatColour) return false;
  if (field.starts_with(kScorePrefix)) {
    std::string_view test = std::string_view(field).substr(kScorePrefix.size());
    if (FindTest(rules, test) == nullptr)
      return Status::Invalid(path + ": unknown test '" + std::string(test) + "'");
    return true;
  }
  return Status::Invalid(path + ": unknown field '" + field +
                         "' (known: score.<test>, total, age, breed, coat_colour)");
}

Status ValidateCondition(const RuleSet& rules, const Condition& c, const std::string& path) {
  ASSIGN_OR_RETURN(bool numeric, FieldIsNumeric(rules, c.field, path + ".field"));
  bool ordering = c.op == Op::kLt || c.op == Op::kLe || c.op == Op::kGt || c.op == Op::kGe;
  if (ordering && !numeric)
    return Status::Invalid(path + ".op: '" + std::string(OpName(c.op)) +
                           "' needs a numeric field, " + c.field + " is a text");
  std::string values = path + ".values";
  if (c.op == Op::kIn) {
    if (c.values.empty() || c.values.size() > kMaxValuesPerCondition)
      return Status::Invalid(values + ": 'in' takes 1.." + std::to_string(kMaxValuesPerCondition) +
                             " values");
  } else if (c.values.size() != 1) {
    return Status::Invalid(values + ": '" + std::string(OpName(c.op)) + "' takes exactly 1 value");
  }
  for (size_t i = 0; i < c.values.size(); ++i) {
    const Value& v = c.values[i];
    if (numeric != std::holds_alternative<int64_t>(v))
      return Status::Invalid(At(values, i) + ": " + c.field + " takes " +
                             (numeric ? "an integer" : "a string"));
    if (!numeric) RETURN_IF_ERROR(CheckString(std::get<std::string>(v), At(values, i), true));
  }
  return Status::Ok();
}

Status ValidateGoldenCase(const RuleSet& rules, const GoldenCase& g, const std::string& path) {
  RETURN_IF_ERROR(CheckString(g.name, path + ".name", false));
  RETURN_IF_ERROR(ValidateInput(rules, g.input, path + ".input"));
  if (rules.cutoff.kind == Cutoff::Kind::kAbsolute &&
      g.input.cutoff_score != rules.cutoff.absolute_score)
    return Status::Invalid(path + ".input.cutoff_score: " + std::to_string(g.input.cutoff_score) +
                           " differs from cutoff.absolute_score " +
                           std::to_string(rules.cutoff.absolute_score));
  if (g.expected_strengths)
    RETURN_IF_ERROR(CheckStrings(*g.expected_strengths, path + ".expected_strengths"));
  if (g.expected_weaknesses)
    RETURN_IF_ERROR(CheckStrings(*g.expected_weaknesses, path + ".expected_weaknesses"));
  return Status::Ok();
}

}  // namespace

std::string_view OpName(Op op) {
  for (const auto& [o, name] : kOps)
    if (o == op) return name;
  return "?";
}

std::optional<Op> OpFromName(std::string_view name) {
  for (const auto& [o, n] : kOps)
    if (n == name) return o;
  return std::nullopt;
}

std::string_view HitPolicyName(HitPolicy p) { return p == HitPolicy::kFirst ? "first" : "collect"; }

std::optional<HitPolicy> HitPolicyFromName(std::string_view name) {
  if (name == "first") return HitPolicy::kFirst;
  if (name == "collect") return HitPolicy::kCollect;
  return std::nullopt;
}

std::string_view OutcomeName(Outcome o) {
  return o == Outcome::kAccepted ? "accepted" : "rejected";
}

std::optional<Outcome> OutcomeFromName(std::string_view name) {
  if (name == "accepted") return Outcome::kAccepted;
  if (name == "rejected") return Outcome::kRejected;
  return std::nullopt;
}

const TestDef* FindTest(const RuleSet& rules, std::string_view name) {
  for (const TestDef& t : rules.tests)
    if (t.name == name) return &t;
  return nullptr;
}

Status ValidateInput(const RuleSet& rules, const ScreeningInput& input, std::string_view path) {
  std::string p(path);
  if (input.profile.age < 0 || input.profile.age > kMaxAge)
    return Status::Invalid(p + ".profile.age: " + std::to_string(input.profile.age) +
                           " outside 0.." + std::to_string(kMaxAge));
  RETURN_IF_ERROR(CheckString(input.profile.breed, p + ".profile.breed", true));
  RETURN_IF_ERROR(CheckString(input.profile.coat_colour, p + ".profile.coat_colour", true));
  if (input.scores.size() > kMaxTests)
    return Status::Invalid(p + ".scores: more than " + std::to_string(kMaxTests) + " scores");
  std::set<std::string_view> seen;
  for (size_t i = 0; i < input.scores.size(); ++i) {
    const TestScore& s = input.scores[i];
    std::string at = At(p + ".scores", i);
    const TestDef* test = FindTest(rules, s.test);
    if (test == nullptr) return Status::Invalid(at + ".test: unknown test '" + s.test + "'");
    if (!seen.insert(s.test).second)
      return Status::Invalid(at + ".test: '" + s.test + "' scored twice");
    if (s.score < test->min_score || s.score > test->max_score)
      return Status::Invalid(at + ".score: " + std::to_string(s.score) + " outside '" + s.test +
                             "' " + std::to_string(test->min_score) + ".." +
                             std::to_string(test->max_score));
  }
  return Status::Ok();
}

Status Validate(const RuleSet& rules) {
  if (rules.tests.empty()) return Status::Invalid("tests: at least one test is needed");
  if (rules.tests.size() > kMaxTests)
    return Status::Invalid("tests: more than " + std::to_string(kMaxTests) + " tests");
  std::set<std::string_view> names;
  for (size_t i = 0; i < rules.tests.size(); ++i) {
    const TestDef& t = rules.tests[i];
    std::string at = At("tests", i);
    RETURN_IF_ERROR(CheckString(t.name, at + ".name", false));
    if (!names.insert(t.name).second)
      return Status::Invalid(at + ".name: duplicate test '" + t.name + "'");
    if (t.min_score > t.max_score)
      return Status::Invalid(at + ".max_score: " + std::to_string(t.max_score) +
                             " below min_score " + std::to_string(t.min_score));
  }
  if (rules.rows.size() > kMaxRows)
    return Status::Invalid("rows: more than " + std::to_string(kMaxRows) + " rows");
  for (size_t r = 0; r < rules.rows.size(); ++r) {
    const Row& row = rules.rows[r];
    std::string at = At("rows", r);
    if (row.conditions.size() > kMaxConditionsPerRow)
      return Status::Invalid(at + ".conditions: more than " + std::to_string(kMaxConditionsPerRow) +
                             " conditions");
    for (size_t c = 0; c < row.conditions.size(); ++c)
      RETURN_IF_ERROR(ValidateCondition(rules, row.conditions[c], At(at + ".conditions", c)));
    RETURN_IF_ERROR(CheckStrings(row.outputs.strengths, at + ".outputs.strengths"));
    RETURN_IF_ERROR(CheckStrings(row.outputs.weaknesses, at + ".outputs.weaknesses"));
  }
  if (rules.cutoff.kind == Cutoff::Kind::kTopPercent &&
      (rules.cutoff.top_percent < 1 || rules.cutoff.top_percent > 100))
    return Status::Invalid("cutoff.top_percent: " + std::to_string(rules.cutoff.top_percent) +
                           " outside 1..100");
  if (rules.golden_cases.size() > kMaxGoldenCases)
    return Status::Invalid("golden_cases: more than " + std::to_string(kMaxGoldenCases) + " cases");
  std::set<std::string_view> case_names;
  for (size_t i = 0; i < rules.golden_cases.size(); ++i) {
    const GoldenCase& g = rules.golden_cases[i];
    std::string at = At("golden_cases", i);
    RETURN_IF_ERROR(ValidateGoldenCase(rules, g, at));
    if (!case_names.insert(g.name).second)
      return Status::Invalid(at + ".name: duplicate golden case '" + g.name + "'");
  }
  return Status::Ok();
}

Result<RuleSet> Publish(RuleSet draft, uint64_t version, std::string author, int64_t at_ms) {
  if (version == 0) return Status::Invalid("meta.version: a published version starts at 1");
  RETURN_IF_ERROR(CheckString(author, "meta.author", false));
  RETURN_IF_ERROR(Validate(draft));
  draft.meta.version = version;
  draft.meta.author = std::move(author);
  draft.meta.published_at_ms = at_ms;
  draft.meta.content_hash = ContentHash(draft);
  return draft;
}

}  // namespace mcf::hiring
