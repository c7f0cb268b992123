#include "workers/hiring/screening_decision.h"

#include <algorithm>
#include <functional>
#include <limits>

namespace mcf::hiring {
namespace {

// The value `field` has for this candidate; nullopt for a test not taken.
std::optional<Value> Lookup(const ScreeningInput& input, int64_t total, std::string_view field) {
  if (field.starts_with(kScorePrefix)) {
    std::string_view test = field.substr(kScorePrefix.size());
    for (const TestScore& s : input.scores)
      if (s.test == test) return Value(s.score);
    return std::nullopt;
  }
  if (field == kFieldTotal) return Value(total);
  if (field == kFieldAge) return Value(input.profile.age);
  if (field == kFieldBreed) return Value(input.profile.breed);
  if (field == kFieldCoatColour) return Value(input.profile.coat_colour);
  return std::nullopt;  // Validate() refuses such a field
}

// A value of the other type never compares equal (Validate() keeps the types apart).
bool Holds(const Value& seen, Op op, const std::vector<Value>& values) {
  if (op == Op::kIn) return std::find(values.begin(), values.end(), seen) != values.end();
  if (values.empty()) return false;
  const Value& v = values.front();
  switch (op) {
    case Op::kEq:
      return seen == v;
    case Op::kNe:
      return seen != v;
    default:
      break;
  }
  if (!std::holds_alternative<int64_t>(seen) || !std::holds_alternative<int64_t>(v)) return false;
  int64_t a = std::get<int64_t>(seen);
  int64_t b = std::get<int64_t>(v);
  switch (op) {
    case Op::kLt:
      return a < b;
    case Op::kLe:
      return a <= b;
    case Op::kGt:
      return a > b;
    case Op::kGe:
      return a >= b;
    default:
      return false;
  }
}

void AddOnce(std::vector<std::string>& to, const std::vector<std::string>& items) {
  for (const std::string& item : items)
    if (std::find(to.begin(), to.end(), item) == to.end()) to.push_back(item);
}

}  // namespace

Decision Decide(const RuleSet& rules, const ScreeningInput& input) {
  Decision d;
  d.rule_set_version = rules.meta.version;
  d.rule_set_hash = rules.meta.content_hash;
  d.input = input;
  for (const TestScore& s : input.scores) d.total += s.score;
  d.outcome = d.total >= input.cutoff_score ? Outcome::kAccepted : Outcome::kRejected;
  d.trace.reserve(rules.hit_policy == HitPolicy::kFirst ? 4 : rules.rows.size());
  for (size_t r = 0; r < rules.rows.size(); ++r) {
    const Row& row = rules.rows[r];
    RowTrace& t = d.trace.emplace_back();
    t.row = static_cast<uint32_t>(r);
    t.matched = true;
    t.conditions.reserve(row.conditions.size());
    for (const Condition& c : row.conditions) {
      ConditionTrace& ct = t.conditions.emplace_back();
      ct.field = c.field;
      ct.op = c.op;
      ct.seen = Lookup(input, d.total, c.field);
      ct.result = ct.seen.has_value() && Holds(*ct.seen, c.op, c.values);
      t.matched = t.matched && ct.result;
    }
    if (!t.matched) continue;
    AddOnce(d.strengths, row.outputs.strengths);
    AddOnce(d.weaknesses, row.outputs.weaknesses);
    if (rules.hit_policy == HitPolicy::kFirst) break;
  }
  return d;
}

int64_t CutoffFor(const RuleSet& rules, std::span<const int64_t> past_totals) {
  if (rules.cutoff.kind == Cutoff::Kind::kAbsolute) return rules.cutoff.absolute_score;
  if (past_totals.empty()) return std::numeric_limits<int64_t>::min();
  const uint64_t n = past_totals.size();
  const uint64_t p = static_cast<uint64_t>(std::clamp<int64_t>(rules.cutoff.top_percent, 1, 100));
  const uint64_t k = std::max<uint64_t>(1, p * (n + 1) / 100);
  if (k > n) return std::numeric_limits<int64_t>::min();  // only at p = 100: everyone is in
  std::vector<int64_t> sorted(past_totals.begin(), past_totals.end());
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<ptrdiff_t>(k - 1), sorted.end(),
                   std::greater<>());
  return sorted[k - 1];
}

}  // namespace mcf::hiring
