// Screening rules: the data managers change at run time to screen candidates (SPEC 3,
// "hiring") -- which tests exist, a small decision table turning scores and profile fields into
// strengths and weaknesses, the acceptance cut-off, and golden cases the rules must pass before
// they may be activated. Plain values, no store, no bus; a published RuleSet is never changed
// (a change is a new version). Validate() is the one gate: the evaluator, the codec and the
// checks assume a valid RuleSet. Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "lib/base/status.h"

namespace mcf::hiring {

// Bounds on a rule set, checked by Validate() and by the decoder before anything is allocated.
inline constexpr size_t kMaxTests = 64;
inline constexpr size_t kMaxRows = 200;
inline constexpr size_t kMaxConditionsPerRow = 16;
inline constexpr size_t kMaxValuesPerCondition = 32;  // `in` lists
inline constexpr size_t kMaxOutputsPerList = 20;      // strengths, weaknesses of one row
inline constexpr size_t kMaxGoldenCases = 100;
inline constexpr size_t kMaxStringBytes = 200;
inline constexpr int64_t kMaxAge = 40;  // as hiring.import_worker

// The fields a condition may name. "score.<test name>" names one test's score.
inline constexpr std::string_view kScorePrefix = "score.";
inline constexpr std::string_view kFieldTotal = "total";
inline constexpr std::string_view kFieldAge = "age";
inline constexpr std::string_view kFieldBreed = "breed";
inline constexpr std::string_view kFieldCoatColour = "coat_colour";

struct TestDef {
  std::string name;  // 1..200 bytes, unique in the set
  int64_t min_score = 0;
  int64_t max_score = 100;  // >= min_score
  bool operator==(const TestDef&) const = default;
};

enum class Op { kLt, kLe, kGt, kGe, kEq, kNe, kIn };
// "<", "<=", ">", ">=", "==", "!=", "in" (the wire spelling); nullopt for anything else.
std::string_view OpName(Op op);
std::optional<Op> OpFromName(std::string_view name);

// A number (scores, total, age) or a text (breed, coat_colour); which one a field takes is fixed
// by the field.
using Value = std::variant<int64_t, std::string>;

struct Condition {
  std::string field;
  Op op = Op::kEq;
  // Exactly one value, except `in`: 1..32 values, true when the field equals any of them.
  std::vector<Value> values;
  bool operator==(const Condition&) const = default;
};

struct RowOutputs {
  std::vector<std::string> strengths;
  std::vector<std::string> weaknesses;
  bool operator==(const RowOutputs&) const = default;
};

// A row matches when all its conditions hold (a row without conditions always matches).
struct Row {
  std::vector<Condition> conditions;
  RowOutputs outputs;
  bool operator==(const Row&) const = default;
};

// first: only the first matching row gives outputs (evaluation stops there); collect: every
// matching row does, in row order, a repeated strength or weakness kept once.
enum class HitPolicy { kFirst, kCollect };
std::string_view HitPolicyName(HitPolicy p);
std::optional<HitPolicy> HitPolicyFromName(std::string_view name);

// The bar a candidate's total must reach. The evaluator never looks at history: the caller
// turns this into a number with CutoffFor() (screening_decision.h) and stores it in the input.
struct Cutoff {
  enum class Kind { kTopPercent, kAbsolute };
  Kind kind = Kind::kTopPercent;
  int64_t top_percent = 3;     // kTopPercent: 1..100
  int64_t absolute_score = 0;  // kAbsolute: the total needed
  bool operator==(const Cutoff&) const = default;
};

struct Profile {
  int64_t age = 0;  // 0..40
  std::string breed;
  std::string coat_colour;
  bool operator==(const Profile&) const = default;
};

struct TestScore {
  std::string test;
  int64_t score = 0;
  bool operator==(const TestScore&) const = default;
};

// Everything a decision depends on: re-deciding the same input under the same rule set gives
// the same decision, whatever happened since.
struct ScreeningInput {
  Profile profile;
  // The tests this candidate took (a manager assigns tests per candidate), each at most once;
  // kept in the caller's order (the encoding keeps it too).
  std::vector<TestScore> scores;
  // The total needed to be accepted, fixed when the decision is made (CutoffFor()).
  int64_t cutoff_score = 0;
  bool operator==(const ScreeningInput&) const = default;
};

enum class Outcome { kAccepted, kRejected };
std::string_view OutcomeName(Outcome o);
std::optional<Outcome> OutcomeFromName(std::string_view name);

struct GoldenCase {
  std::string name;  // 1..200 bytes, unique in the set
  ScreeningInput input;
  Outcome expected_outcome = Outcome::kRejected;
  // When present, the decision's lists must equal these exactly (order included).
  std::optional<std::vector<std::string>> expected_strengths;
  std::optional<std::vector<std::string>> expected_weaknesses;
  bool operator==(const GoldenCase&) const = default;
};

// Who published which version. Not part of the content hash: the same rules published twice
// hash the same.
struct RuleSetMeta {
  uint64_t version = 0;         // 0 = a draft; published versions count up from 1
  std::string content_hash;     // ContentHash() of the rules; empty in a draft
  std::string author;           // the publishing manager's id; empty in a draft
  int64_t published_at_ms = 0;  // bus time of publishing; 0 in a draft
  bool operator==(const RuleSetMeta&) const = default;
};

struct RuleSet {
  RuleSetMeta meta;
  std::vector<TestDef> tests;  // 1..64
  std::vector<Row> rows;       // 0..200
  HitPolicy hit_policy = HitPolicy::kFirst;
  Cutoff cutoff;
  std::vector<GoldenCase> golden_cases;  // 0..100
  bool operator==(const RuleSet&) const = default;
};

// ok, or invalid naming the first bad part by its path, e.g.
// "rows[3].conditions[0].field: unknown test 'jumping'",
// "golden_cases[1].input.scores[0].score: 120 outside 'agility' 0..100".
Status Validate(const RuleSet& rules);

// ok when `input` can be decided under `rules` (REQUIRES: Validate(rules).ok()): every score
// names a test of the set once and lies in its range, age 0..40, strings <= 200 bytes.
// Messages start with `path` ("input" by default).
Status ValidateInput(const RuleSet& rules, const ScreeningInput& input,
                     std::string_view path = "input");

// The test named `name`, or nullptr.
const TestDef* FindTest(const RuleSet& rules, std::string_view name);

// `draft` made a published version: validated, then stamped with `version`, `author`, `at_ms`
// and its ContentHash(). invalid when Validate() fails or version is 0. Activating it (after
// CheckGoldenCases, screening_checks.h) is the caller's separate step.
Result<RuleSet> Publish(RuleSet draft, uint64_t version, std::string author, int64_t at_ms);

}  // namespace mcf::hiring
