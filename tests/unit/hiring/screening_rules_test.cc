// The screening-rule engine as pure functions: hit policies, operators, cut-offs, validation
// paths, hostile bytes, golden cases, dry runs, byte-identical re-evaluation, content hashes.
#include "workers/hiring/screening_rules.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "schemas/msgpack.h"
#include "workers/hiring/screening_checks.h"
#include "workers/hiring/screening_codec.h"
#include "workers/hiring/screening_decision.h"

namespace mcf::hiring {
namespace {

Condition If(std::string field, Op op, Value v) { return {std::move(field), op, {std::move(v)}}; }

Row RowOf(std::vector<Condition> conditions, std::vector<std::string> strengths,
          std::vector<std::string> weaknesses = {}) {
  return {std::move(conditions), {std::move(strengths), std::move(weaknesses)}};
}

// Three tests, four rows: two that can both match a strong climber, a text row, a default row.
RuleSet Rules(HitPolicy policy = HitPolicy::kFirst) {
  RuleSet rs;
  rs.tests = {{"agility", 0, 100}, {"mousing", 0, 50}, {"climbing", 0, 10}};
  rs.rows = {
      RowOf({If("score.climbing", Op::kGe, int64_t{8})}, {"heights"}),
      RowOf({If("score.agility", Op::kGt, int64_t{70}), If("age", Op::kLt, int64_t{5})},
            {"pipes", "heights"}),
      RowOf({Condition{"coat_colour", Op::kIn, {std::string("black"), std::string("grey")}}},
            {"night work"}),
      RowOf({}, {}, {"needs training"}),
  };
  rs.hit_policy = policy;
  return rs;
}

ScreeningInput Candidate(int64_t agility, int64_t mousing, int64_t climbing, int64_t age = 3,
                         std::string coat = "ginger") {
  ScreeningInput in;
  in.profile = {age, "tabby", std::move(coat)};
  in.scores = {{"agility", agility}, {"mousing", mousing}, {"climbing", climbing}};
  in.cutoff_score = 100;
  return in;
}

RuleSet Published(RuleSet rs, uint64_t version = 1) {
  auto p = Publish(std::move(rs), version, "manager-1", 1'767'603'600'000);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : RuleSet{};
}

std::vector<uint32_t> RowsSeen(const Decision& d) {
  std::vector<uint32_t> rows;
  for (const RowTrace& t : d.trace) rows.push_back(t.row);
  return rows;
}

TEST(ScreeningRulesTest, FirstStopsAtTheFirstMatchingRow) {
  Decision d = Decide(Rules(HitPolicy::kFirst), Candidate(90, 10, 9, 2, "black"));
  EXPECT_EQ(d.strengths, (std::vector<std::string>{"heights"}));
  EXPECT_TRUE(d.weaknesses.empty());
  ASSERT_EQ(RowsSeen(d), (std::vector<uint32_t>{0}));
  EXPECT_TRUE(d.trace[0].matched);
  ASSERT_EQ(d.trace[0].conditions.size(), 1u);
  EXPECT_EQ(d.trace[0].conditions[0].field, "score.climbing");
  EXPECT_EQ(d.trace[0].conditions[0].seen, Value(int64_t{9}));
  EXPECT_TRUE(d.trace[0].conditions[0].result);
}

TEST(ScreeningRulesTest, FirstFallsThroughRowsThatDoNotMatch) {
  Decision d = Decide(Rules(HitPolicy::kFirst), Candidate(40, 10, 2, 7, "ginger"));
  EXPECT_EQ(RowsSeen(d), (std::vector<uint32_t>{0, 1, 2, 3}));
  EXPECT_FALSE(d.trace[1].matched);
  // Both conditions of row 1 are traced, with the values they saw.
  ASSERT_EQ(d.trace[1].conditions.size(), 2u);
  EXPECT_EQ(d.trace[1].conditions[0].seen, Value(int64_t{40}));
  EXPECT_EQ(d.trace[1].conditions[1].seen, Value(int64_t{7}));
  EXPECT_TRUE(d.strengths.empty());
  EXPECT_EQ(d.weaknesses, (std::vector<std::string>{"needs training"}));
}

TEST(ScreeningRulesTest, CollectGathersEveryMatchingRowOnceInRowOrder) {
  Decision d = Decide(Rules(HitPolicy::kCollect), Candidate(90, 10, 9, 2, "black"));
  EXPECT_EQ(RowsSeen(d), (std::vector<uint32_t>{0, 1, 2, 3}));
  // "heights" from rows 0 and 1 appears once.
  EXPECT_EQ(d.strengths, (std::vector<std::string>{"heights", "pipes", "night work"}));
  EXPECT_EQ(d.weaknesses, (std::vector<std::string>{"needs training"}));
}

TEST(ScreeningRulesTest, EachOperatorOnNumbers) {
  struct Case {
    Op op;
    std::vector<Value> values;
    bool at_49, at_50, at_51;
  };
  const std::vector<Case> cases = {
      {Op::kLt, {int64_t{50}}, true, false, false},
      {Op::kLe, {int64_t{50}}, true, true, false},
      {Op::kGt, {int64_t{50}}, false, false, true},
      {Op::kGe, {int64_t{50}}, false, true, true},
      {Op::kEq, {int64_t{50}}, false, true, false},
      {Op::kNe, {int64_t{50}}, true, false, true},
      {Op::kIn, {int64_t{49}, int64_t{51}}, true, false, true},
  };
  for (const Case& c : cases) {
    RuleSet rs = Rules();
    rs.rows = {Row{{Condition{"score.agility", c.op, c.values}}, {{"hit"}, {}}}};
    ASSERT_TRUE(Validate(rs).ok()) << Validate(rs).ToString();
    const bool want[] = {c.at_49, c.at_50, c.at_51};
    for (int i = 0; i < 3; ++i) {
      Decision d = Decide(rs, Candidate(49 + i, 0, 0));
      EXPECT_EQ(d.trace[0].conditions[0].result, want[i]) << OpName(c.op) << " at " << 49 + i;
      EXPECT_EQ(d.strengths.size(), want[i] ? 1u : 0u) << OpName(c.op) << " at " << 49 + i;
    }
  }
}

TEST(ScreeningRulesTest, TextOperatorsAndTotal) {
  RuleSet rs = Rules(HitPolicy::kCollect);
  rs.rows = {
      RowOf({If("breed", Op::kEq, std::string("tabby"))}, {"eq"}),
      RowOf({If("breed", Op::kNe, std::string("tabby"))}, {"ne"}),
      RowOf({Condition{"coat_colour", Op::kIn, {std::string("white"), std::string("ginger")}}},
            {"in"}),
      RowOf({If("total", Op::kGe, int64_t{60})}, {"total"})};
  ASSERT_TRUE(Validate(rs).ok()) << Validate(rs).ToString();
  Decision d = Decide(rs, Candidate(30, 20, 10));
  EXPECT_EQ(d.total, 60);
  EXPECT_EQ(d.strengths, (std::vector<std::string>{"eq", "in", "total"}));
  EXPECT_EQ(d.trace[1].conditions[0].seen, Value(std::string("tabby")));
}

TEST(ScreeningRulesTest, AScoreNotTakenFailsEveryOperatorAndIsTracedAsAbsent) {
  RuleSet rs = Rules();
  rs.rows = {RowOf({If("score.climbing", Op::kNe, int64_t{5})}, {"x"})};
  ScreeningInput in = Candidate(10, 10, 0);
  in.scores.pop_back();  // no climbing test
  Decision d = Decide(rs, in);
  EXPECT_FALSE(d.trace[0].matched);
  EXPECT_FALSE(d.trace[0].conditions[0].seen.has_value());
  EXPECT_EQ(d.total, 20);
}

TEST(ScreeningRulesTest, OutcomeComparesTheTotalWithTheStoredCutoff) {
  ScreeningInput in = Candidate(50, 30, 10);  // total 90
  in.cutoff_score = 90;
  EXPECT_EQ(Decide(Rules(), in).outcome, Outcome::kAccepted);
  in.cutoff_score = 91;
  EXPECT_EQ(Decide(Rules(), in).outcome, Outcome::kRejected);
}

TEST(ScreeningRulesTest, CutoffByTopPercent) {
  RuleSet rs = Rules();  // top 3 %
  std::vector<int64_t> totals;
  for (int64_t t = 100; t >= 1; --t) totals.push_back(t);
  std::shuffle(totals.begin(), totals.end(), std::mt19937_64(5));
  // 100 past + the candidate: k = floor(3 * 101 / 100) = 3, the third best past total.
  EXPECT_EQ(CutoffFor(rs, totals), 98);
  rs.cutoff.top_percent = 10;  // k = 10
  EXPECT_EQ(CutoffFor(rs, totals), 91);
  rs.cutoff.top_percent = 100;  // everyone
  EXPECT_EQ(CutoffFor(rs, totals), std::numeric_limits<int64_t>::min());
}

TEST(ScreeningRulesTest, CutoffWithLittleHistoryAsksToBeatTheBest) {
  RuleSet rs = Rules();
  std::vector<int64_t> totals = {40, 70, 55};
  EXPECT_EQ(CutoffFor(rs, totals), 70);
  EXPECT_EQ(CutoffFor(rs, {}), std::numeric_limits<int64_t>::min());
  // Ties at the top: an equal total is enough.
  std::vector<int64_t> tied(50, 80);
  EXPECT_EQ(CutoffFor(rs, tied), 80);
}

TEST(ScreeningRulesTest, CutoffByAbsoluteScoreIgnoresHistory) {
  RuleSet rs = Rules();
  rs.cutoff = {Cutoff::Kind::kAbsolute, 3, 120};
  std::vector<int64_t> totals = {10, 20, 500};
  EXPECT_EQ(CutoffFor(rs, totals), 120);
  EXPECT_EQ(CutoffFor(rs, {}), 120);
}

TEST(ScreeningRulesTest, ValidationNamesTheBadPart) {
  struct Case {
    std::function<void(RuleSet&)> mutate;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](RuleSet& rs) { rs.tests.clear(); }, "tests: at least one test"},
      {[](RuleSet& rs) { rs.tests[1].name = "agility"; },
       "tests[1].name: duplicate test 'agility'"},
      {[](RuleSet& rs) { rs.tests[2].max_score = -1; }, "tests[2].max_score: -1 below min_score 0"},
      {[](RuleSet& rs) { rs.rows[1].conditions[0].field = "score.jumping"; },
       "rows[1].conditions[0].field: unknown test 'jumping'"},
      {[](RuleSet& rs) { rs.rows[0].conditions[0].field = "weight"; },
       "rows[0].conditions[0].field: unknown field 'weight'"},
      {[](RuleSet& rs) { rs.rows[2].conditions[0].op = Op::kLt; },
       "rows[2].conditions[0].op: '<' needs a numeric field"},
      {[](RuleSet& rs) { rs.rows[2].conditions[0].op = Op::kEq; },
       "rows[2].conditions[0].values: '==' takes exactly 1 value"},
      {[](RuleSet& rs) { rs.rows[0].conditions[0].values = {std::string("8")}; },
       "rows[0].conditions[0].values[0]: score.climbing takes an integer"},
      {[](RuleSet& rs) { rs.rows[2].conditions[0].values.clear(); },
       "rows[2].conditions[0].values: 'in' takes 1..32 values"},
      {[](RuleSet& rs) { rs.rows[3].outputs.weaknesses.push_back(""); },
       "rows[3].outputs.weaknesses[1]: must not be empty"},
      {[](RuleSet& rs) { rs.rows.resize(kMaxRows + 1); }, "rows: more than 200 rows"},
      {[](RuleSet& rs) { rs.cutoff.top_percent = 0; }, "cutoff.top_percent: 0 outside 1..100"},
      {[](RuleSet& rs) { rs.golden_cases[0].input.scores[0].score = 120; },
       "golden_cases[0].input.scores[0].score: 120 outside 'agility' 0..100"},
      {[](RuleSet& rs) { rs.golden_cases[0].input.scores[1].test = "jumping"; },
       "golden_cases[0].input.scores[1].test: unknown test 'jumping'"},
      {[](RuleSet& rs) { rs.golden_cases[0].input.scores[1].test = "agility"; },
       "golden_cases[0].input.scores[1].test: 'agility' scored twice"},
      {[](RuleSet& rs) { rs.golden_cases[0].input.profile.age = 41; },
       "golden_cases[0].input.profile.age: 41 outside 0..40"},
      {[](RuleSet& rs) { rs.golden_cases.push_back(rs.golden_cases[0]); },
       "golden_cases[1].name: duplicate golden case 'strong'"},
      {[](RuleSet& rs) {
         rs.cutoff = {Cutoff::Kind::kAbsolute, 3, 99};
       },
       "golden_cases[0].input.cutoff_score: 100 differs from cutoff.absolute_score 99"},
  };
  RuleSet base = Rules();
  base.golden_cases = {{"strong", Candidate(90, 40, 9), Outcome::kAccepted, {}, {}}};
  ASSERT_TRUE(Validate(base).ok()) << Validate(base).ToString();
  for (const Case& c : cases) {
    RuleSet rs = base;
    c.mutate(rs);
    Status s = Validate(rs);
    EXPECT_EQ(s.code(), Code::kInvalid) << c.message;
    EXPECT_EQ(s.message().rfind(c.message, 0), 0u) << "got: " << s.message();
  }
}

TEST(ScreeningRulesTest, PublishStampsVersionAndHashAndRefusesInvalidRules) {
  RuleSet rs = Published(Rules(), 7);
  EXPECT_EQ(rs.meta.version, 7u);
  EXPECT_EQ(rs.meta.author, "manager-1");
  EXPECT_EQ(rs.meta.content_hash, ContentHash(Rules()));
  EXPECT_EQ(Decide(rs, Candidate(1, 1, 1)).rule_set_hash, rs.meta.content_hash);
  EXPECT_EQ(Publish(Rules(), 0, "m", 0).status().code(), Code::kInvalid);
  RuleSet bad = Rules();
  bad.tests.clear();
  EXPECT_EQ(Publish(bad, 1, "m", 0).status().message().rfind("tests:", 0), 0u);
}

// ---- golden cases and dry runs ----

RuleSet WithGoldenCases() {
  RuleSet rs = Rules();
  rs.golden_cases = {
      {"strong climber", Candidate(90, 40, 9), Outcome::kAccepted,
       std::vector<std::string>{"heights"}, std::vector<std::string>{}},
      {"weak", Candidate(10, 5, 1), Outcome::kRejected, std::nullopt, std::nullopt},
  };
  return rs;
}

TEST(ScreeningRulesTest, GoldenCasesPassOrNameTheFirstFailingCase) {
  RuleSet rs = WithGoldenCases();
  EXPECT_TRUE(CheckGoldenCases(rs).ok()) << CheckGoldenCases(rs).ToString();

  rs.golden_cases[1].expected_outcome = Outcome::kAccepted;
  Status s = CheckGoldenCases(rs);
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_EQ(s.message(),
            "golden_cases[1] 'weak': expected accepted, got rejected (total 16, cutoff 100)");

  rs = WithGoldenCases();
  rs.rows[0].outputs.strengths = {"trees"};
  s = CheckGoldenCases(rs);
  EXPECT_EQ(s.message(),
            "golden_cases[0] 'strong climber': expected strengths [heights], got [trees]");

  rs = WithGoldenCases();
  rs.golden_cases[0].input.scores[2].score = 11;  // outside climbing 0..10
  EXPECT_EQ(CheckGoldenCases(rs).code(), Code::kInvalid);
}

TEST(ScreeningRulesTest, DryRunListsTheDecisionsThatChangeAndWhy) {
  RuleSet current = Published(Rules(), 1);
  std::vector<StoredDecision> stored;
  const std::vector<ScreeningInput> inputs = {Candidate(90, 40, 9), Candidate(60, 30, 2),
                                              Candidate(50, 10, 5, 2, "black"),
                                              Candidate(20, 10, 1)};
  for (size_t i = 0; i < inputs.size(); ++i)
    stored.push_back({"app-" + std::to_string(i), Decide(current, inputs[i])});

  // Unchanged rules: nothing changes.
  EXPECT_TRUE(DryRun(current, stored).empty());

  // Climbing needs 10 now, and an absolute bar of 85 (totals: 139, 92, 65, 31).
  RuleSet draft = Rules();
  draft.rows[0].conditions[0].values = {int64_t{10}};
  draft.cutoff = {Cutoff::Kind::kAbsolute, 3, 85};
  auto changes = DryRun(draft, stored);
  ASSERT_EQ(changes.size(), 2u);
  // app-0 stays accepted; row 0 no longer matches (climbing 9), so row 1 is the first match.
  EXPECT_EQ(changes[0].application_id, "app-0");
  EXPECT_FALSE(changes[0].outcome_changed);
  EXPECT_TRUE(changes[0].outputs_changed);
  EXPECT_EQ(changes[0].before.strengths, (std::vector<std::string>{"heights"}));
  EXPECT_EQ(changes[0].after.strengths, (std::vector<std::string>{"pipes", "heights"}));
  EXPECT_FALSE(changes[0].after.trace[0].matched);
  EXPECT_EQ(changes[0].after.trace[0].conditions[0].seen, Value(int64_t{9}));
  // app-1 flips from rejected (92 < 100) to accepted (92 >= 85).
  EXPECT_EQ(changes[1].application_id, "app-1");
  EXPECT_TRUE(changes[1].outcome_changed);
  EXPECT_EQ(changes[1].before.outcome, Outcome::kRejected);
  EXPECT_EQ(changes[1].after.outcome, Outcome::kAccepted);
  EXPECT_EQ(changes[1].after.input.cutoff_score, 85);
  EXPECT_EQ(changes[1].after.rule_set_version, 0u);  // a draft
}

// ---- canonical encoding ----

RuleSet RandomRules(std::mt19937_64& rng, size_t rows) {
  RuleSet rs;
  rs.tests = {{"agility", 0, 100}, {"mousing", -10, 50}, {"climbing", 0, 10}, {"purring", 1, 5}};
  rs.hit_policy = rng() % 2 ? HitPolicy::kFirst : HitPolicy::kCollect;
  const std::vector<std::string> numeric = {"score.agility", "score.mousing", "score.climbing",
                                            "score.purring", "total",         "age"};
  const std::vector<std::string> colours = {"black", "grey", "ginger", "white"};
  for (size_t r = 0; r < rows; ++r) {
    Row row;
    size_t n = rng() % 4;
    for (size_t c = 0; c < n; ++c) {
      if (rng() % 4 == 0) {
        row.conditions.push_back(
            {"coat_colour", rng() % 2 ? Op::kIn : Op::kNe, {colours[rng() % colours.size()]}});
      } else {
        Op op = static_cast<Op>(rng() % 7);
        std::vector<Value> values = {int64_t(rng() % 60)};
        if (op == Op::kIn) values.push_back(int64_t(rng() % 60));
        row.conditions.push_back({numeric[rng() % numeric.size()], op, values});
      }
    }
    row.outputs.strengths = {"s" + std::to_string(rng() % 10)};
    if (rng() % 2) row.outputs.weaknesses = {"w" + std::to_string(rng() % 10)};
    rs.rows.push_back(std::move(row));
  }
  return rs;
}

ScreeningInput RandomInput(std::mt19937_64& rng) {
  const std::vector<std::string> colours = {"black", "grey", "ginger", "white"};
  ScreeningInput in;
  in.profile = {int64_t(rng() % 41), "tabby", colours[rng() % colours.size()]};
  if (rng() % 4) in.scores.push_back({"agility", int64_t(rng() % 101)});
  if (rng() % 4) in.scores.push_back({"mousing", int64_t(rng() % 61) - 10});
  if (rng() % 4) in.scores.push_back({"climbing", int64_t(rng() % 11)});
  if (rng() % 4) in.scores.push_back({"purring", int64_t(rng() % 5) + 1});
  in.cutoff_score = int64_t(rng() % 150);
  return in;
}

TEST(ScreeningRulesTest, ReevaluatingTheStoredInputReproducesTheDecisionByteForByte) {
  std::mt19937_64 rng(20260105);
  int accepted = 0;
  for (int set = 0; set < 20; ++set) {
    RuleSet rs = Published(RandomRules(rng, 1 + rng() % 30), set + 1);
    ASSERT_TRUE(Validate(rs).ok()) << Validate(rs).ToString();
    std::string stored_rules = EncodeRuleSet(rs);
    for (int i = 0; i < 100; ++i) {
      ScreeningInput in = RandomInput(rng);
      ASSERT_TRUE(ValidateInput(rs, in).ok()) << ValidateInput(rs, in).ToString();
      std::string stored_decision = EncodeDecision(Decide(rs, in));
      std::string stored_input = EncodeInput(in);
      // Later: load the stored version and input, decide again.
      auto rules_again = DecodeRuleSet(stored_rules);
      ASSERT_TRUE(rules_again.ok()) << rules_again.status().ToString();
      auto input_again = DecodeInput(stored_input);
      ASSERT_TRUE(input_again.ok()) << input_again.status().ToString();
      EXPECT_EQ(*input_again, in);
      Decision again = Decide(*rules_again, *input_again);
      ASSERT_EQ(EncodeDecision(again), stored_decision) << "set " << set << " input " << i;
      accepted += again.outcome == Outcome::kAccepted;
    }
  }
  EXPECT_GT(accepted, 0);  // the random inputs reach both outcomes
  EXPECT_LT(accepted, 2000);
}

TEST(ScreeningRulesTest, RuleSetRoundTripsAndItsHashIsStable) {
  RuleSet rs = Published(WithGoldenCases(), 3);
  rs.golden_cases[1].expected_weaknesses = std::vector<std::string>{"needs training"};
  rs = Published(rs, 3);
  auto back = DecodeRuleSet(EncodeRuleSet(rs));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, rs);
  EXPECT_EQ(EncodeRuleSet(*back), EncodeRuleSet(rs));
  EXPECT_EQ(ContentHash(*back), rs.meta.content_hash);
  EXPECT_EQ(rs.meta.content_hash.size(), 16u);
  // Absolute cut-offs round-trip too.
  RuleSet abs = Rules();
  abs.cutoff = {Cutoff::Kind::kAbsolute, 3, -5};
  auto abs_back = DecodeRuleSet(EncodeRuleSet(abs));
  ASSERT_TRUE(abs_back.ok()) << abs_back.status().ToString();
  EXPECT_EQ(*abs_back, abs);
}

TEST(ScreeningRulesTest, ContentHashIgnoresMetaButChangesWithAnyRuleChange) {
  const RuleSet base = WithGoldenCases();
  const std::string hash = ContentHash(base);
  RuleSet meta_only = Published(base, 9);
  meta_only.meta.author = "someone else";
  meta_only.meta.published_at_ms = 1;
  EXPECT_EQ(ContentHash(meta_only), hash);

  const std::vector<std::function<void(RuleSet&)>> changes = {
      [](RuleSet& rs) { rs.tests[0].name = "agilitY"; },
      [](RuleSet& rs) { rs.tests[0].min_score = 1; },
      [](RuleSet& rs) { rs.tests[1].max_score = 51; },
      [](RuleSet& rs) { std::swap(rs.tests[0], rs.tests[1]); },
      [](RuleSet& rs) { rs.rows[0].conditions[0].op = Op::kGt; },
      [](RuleSet& rs) { rs.rows[0].conditions[0].values[0] = int64_t{7}; },
      [](RuleSet& rs) { rs.rows[0].conditions[0].values[0] = std::string("8"); },
      [](RuleSet& rs) { rs.rows[1].conditions[1].field = "total"; },
      [](RuleSet& rs) { rs.rows[2].outputs.strengths[0] = "night shift"; },
      [](RuleSet& rs) { rs.rows[3].outputs.weaknesses.clear(); },
      [](RuleSet& rs) { std::swap(rs.rows[0], rs.rows[1]); },
      [](RuleSet& rs) { rs.rows.pop_back(); },
      [](RuleSet& rs) { rs.hit_policy = HitPolicy::kCollect; },
      [](RuleSet& rs) { rs.cutoff.top_percent = 4; },
      [](RuleSet& rs) {
        rs.cutoff = {Cutoff::Kind::kAbsolute, 3, 3};
      },
      [](RuleSet& rs) { rs.golden_cases[0].name = "strong"; },
      [](RuleSet& rs) { rs.golden_cases[0].input.cutoff_score = 101; },
      [](RuleSet& rs) { rs.golden_cases[1].expected_strengths = std::vector<std::string>{}; },
      [](RuleSet& rs) { rs.golden_cases[0].expected_outcome = Outcome::kRejected; },
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    RuleSet rs = base;
    changes[i](rs);
    EXPECT_NE(ContentHash(rs), hash) << "change " << i;
  }
}

// ---- hostile bytes ----

TEST(ScreeningRulesTest, DecodeRefusesEveryTruncationOfAValidRuleSet) {
  RuleSet rs = Published(WithGoldenCases(), 2);
  std::string bytes = EncodeRuleSet(rs);
  ASSERT_TRUE(DecodeRuleSet(bytes).ok());
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_EQ(DecodeRuleSet(bytes.substr(0, n)).status().code(), Code::kInvalid) << n;
  EXPECT_EQ(DecodeRuleSet(bytes + '\x00').status().message(), "trailing bytes after the value");
  std::string input = EncodeInput(Candidate(1, 2, 3));
  for (size_t n = 0; n < input.size(); ++n)
    EXPECT_EQ(DecodeInput(input.substr(0, n)).status().code(), Code::kInvalid) << n;
}

TEST(ScreeningRulesTest, DecodeOfRandomlyCorruptedBytesFailsOrGivesAValidRuleSet) {
  std::mt19937_64 rng(12);
  const std::string bytes = EncodeRuleSet(Published(WithGoldenCases(), 4));
  int refused = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string bad = bytes;
    for (int flips = 1 + int(rng() % 3); flips > 0; --flips)
      bad[rng() % bad.size()] = static_cast<char>(rng() % 256);
    auto got = DecodeRuleSet(bad);
    if (!got.ok()) {
      EXPECT_EQ(got.status().code(), Code::kInvalid);
      EXPECT_FALSE(got.status().message().empty());
      ++refused;
      continue;
    }
    // Accepted: then it is a valid rule set whose hash matches, e.g. a changed name char.
    EXPECT_TRUE(Validate(*got).ok()) << i;
    EXPECT_EQ(ContentHash(*got), got->meta.content_hash) << i;
  }
  EXPECT_GT(refused, 2000);  // most corruptions break the layout or the content hash
}

// A rule set whose `rules` map is written by `rules_body` (after the canonical meta).
std::string RuleSetBytes(const std::function<void(schemas::MsgpackWriter&)>& rules_body) {
  schemas::MsgpackWriter w;
  w.MapHeader(2).String("meta").MapHeader(4);
  w.String("version").Uint(0).String("content_hash").String("").String("author").String("");
  w.String("published_at_ms").Int(0).String("rules");
  rules_body(w);
  return w.Take();
}

TEST(ScreeningRulesTest, DecodeRefusesOversizedCountsAndNamesTheField) {
  // 201 rows claimed: refused at the header, before reading (or allocating) any row.
  std::string rows = RuleSetBytes([](schemas::MsgpackWriter& w) {
    w.MapHeader(5).String("tests").ArrayHeader(1).MapHeader(3);
    w.String("name").String("agility").String("min_score").Int(0).String("max_score").Int(9);
    w.String("rows").ArrayHeader(201);
    for (int i = 0; i < 201; ++i) w.Nil();
  });
  EXPECT_EQ(DecodeRuleSet(rows).status().message(), "rules.rows: more than 200 items");

  // A huge count with no bytes behind it.
  std::string tests = RuleSetBytes([](schemas::MsgpackWriter& w) {
    w.MapHeader(5).String("tests").ArrayHeader(4'000'000'000u);
  });
  EXPECT_EQ(DecodeRuleSet(tests).status().message(),
            "rules.tests: expected an array (of a count the input can hold)");

  std::string long_name = RuleSetBytes([](schemas::MsgpackWriter& w) {
    w.MapHeader(5).String("tests").ArrayHeader(1).MapHeader(3);
    w.String("name").String(std::string(201, 'a'));
  });
  EXPECT_EQ(DecodeRuleSet(long_name).status().message(),
            "rules.tests[0].name: longer than 200 bytes");

  std::string wrong_key = EncodeRuleSet(Rules());
  wrong_key.replace(wrong_key.find("tests"), 5, "tsets");
  EXPECT_EQ(DecodeRuleSet(wrong_key).status().message(), "rules.tests: expected this key here");

  // Well-formed bytes, rules Validate() refuses: the path is prefixed with "rules.".
  RuleSet bad = Rules();
  bad.rows[1].conditions[0].field = "score.jumping";
  EXPECT_EQ(DecodeRuleSet(EncodeRuleSet(bad)).status().message(),
            "rules.rows[1].conditions[0].field: unknown test 'jumping'");

  // Bad operator spelling.
  std::string bytes = EncodeRuleSet(Rules());
  size_t at = bytes.find(std::string("\xa2>=", 3));
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 3, std::string("\xa2=>", 3));
  EXPECT_EQ(DecodeRuleSet(bytes).status().message().rfind(
                "rules.rows[0].conditions[0].op: '=>' is not one of <, <=", 0),
            0u);
}

TEST(ScreeningRulesTest, DecodeRefusesAConditionValueOfAnotherType) {
  std::string bytes = EncodeRuleSet(Rules());
  // Row 0's only value is the positive fixint 8, right after the "values" key and [1].
  size_t at = bytes.find(std::string("\xa6values\x91\x08", 9));
  ASSERT_NE(at, std::string::npos);
  bytes[at + 8] = '\xc3';  // true
  EXPECT_EQ(DecodeRuleSet(bytes).status().message(),
            "rules.rows[0].conditions[0].values[0]: expected an integer or a string");
}

TEST(ScreeningRulesTest, DecodeRefusesATamperedContentHash) {
  RuleSet rs = Published(Rules(), 1);
  rs.meta.content_hash = "0000000000000000";
  auto got = DecodeRuleSet(EncodeRuleSet(rs));
  EXPECT_EQ(got.status().message().rfind("meta.content_hash: does not match the rules", 0), 0u)
      << got.status().ToString();
}

TEST(ScreeningRulesTest, DecodeInputRefusesTooManyScoresAndWrongTypes) {
  schemas::MsgpackWriter w;
  w.MapHeader(3).String("profile").MapHeader(3);
  w.String("age").Int(3).String("breed").String("x").String("coat_colour").String("y");
  w.String("scores").ArrayHeader(65);
  for (int i = 0; i < 65; ++i) w.ArrayHeader(2).String("t").Int(1);
  w.String("cutoff_score").Int(0);
  EXPECT_EQ(DecodeInput(w.bytes()).status().message(), "input.scores: more than 64 items");

  schemas::MsgpackWriter v;
  v.MapHeader(3).String("profile").MapHeader(3);
  v.String("age").String("three");
  EXPECT_EQ(DecodeInput(v.bytes()).status().message(), "input.profile.age: expected an integer");
}

// Not a timed assertion: logs the cost of one 50-row decision for the report. The machine is
// shared, so it logs the fastest and the median of 20 batches, and thread CPU time (which
// leaves out time the thread was not running).
TEST(ScreeningRulesTest, FiftyRowDecisionCostIsLogged) {
  std::mt19937_64 rng(50);
  RuleSet rs = Published(RandomRules(rng, 50));
  rs.hit_policy = HitPolicy::kCollect;  // every row evaluated
  size_t conditions = 0;
  for (const Row& row : rs.rows) conditions += row.conditions.size();
  std::vector<ScreeningInput> inputs;
  for (int i = 0; i < 256; ++i) inputs.push_back(RandomInput(rng));
  constexpr int kBatches = 20;
  constexpr int kPerBatch = 1'000;
  auto thread_cpu = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
  };
  size_t trace_rows = 0;
  std::vector<double> batch_us;
  auto cpu_start = thread_cpu();
  for (int b = 0; b < kBatches; ++b) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kPerBatch; ++i)
      trace_rows += Decide(rs, inputs[(b * kPerBatch + i) % inputs.size()]).trace.size();
    auto elapsed = std::chrono::steady_clock::now() - start;
    batch_us.push_back(std::chrono::duration<double, std::micro>(elapsed).count() / kPerBatch);
  }
  double cpu_us = std::chrono::duration<double, std::micro>(thread_cpu() - cpu_start).count() /
                  (kBatches * kPerBatch);
  EXPECT_EQ(trace_rows, size_t{50} * kBatches * kPerBatch);
  std::sort(batch_us.begin(), batch_us.end());
  spdlog::info(
      "event=screening_bench rows=50 conditions={} policy=collect decisions={} "
      "us_per_decision_min={:.2f} median={:.2f} thread_cpu={:.2f}",
      conditions, kBatches * kPerBatch, batch_us.front(), batch_us[kBatches / 2], cpu_us);
}

}  // namespace
}  // namespace mcf::hiring
