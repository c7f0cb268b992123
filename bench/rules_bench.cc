#include "bench/rules_bench.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "workers/hiring/screening_decision.h"

namespace mcf::bench {
namespace {

using Clock = std::chrono::steady_clock;
using hiring::Condition;
using hiring::Op;
using hiring::Value;

constexpr size_t kCandidates = 1024;
constexpr size_t kTestsTaken = 4;
const std::vector<std::string> kTests = {"agility", "mousing", "climbing",
                                         "napping", "purring", "hunting"};
const std::vector<std::string> kBreeds = {"Tabby", "Siberian", "Persian",
                                          "Siamese", "Maine Coon", "Bengal"};

// 2 or 3 conditions per row, each one of: a test's score against a bar, the total, the age, the
// breed (`==` or `in` two breeds). Bars are set so that a row holds for a few per cent of the
// candidates: under `first` most decisions go through many rows before one matches.
hiring::RuleSet Generate(size_t rows, hiring::HitPolicy policy) {
  std::mt19937 rng(12);
  auto pick = [&rng](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  auto between = [&rng](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  hiring::RuleSet rs;
  for (const std::string& t : kTests) rs.tests.push_back({t, 0, 100});
  rs.hit_policy = policy;
  rs.cutoff.kind = hiring::Cutoff::Kind::kAbsolute;
  rs.cutoff.absolute_score = 240;
  for (size_t r = 0; r < rows; ++r) {
    hiring::Row row;
    const size_t conditions = 2 + pick(2);
    for (size_t c = 0; c < conditions; ++c) {
      switch (pick(4)) {
        case 0:
          row.conditions.push_back({"score." + kTests[pick(kTests.size())],
                                    pick(2) ? Op::kGe : Op::kLt,
                                    {Value(between(20, 80))}});
          break;
        case 1:
          row.conditions.push_back(
              {"total", pick(2) ? Op::kGe : Op::kLe, {Value(between(120, 280))}});
          break;
        case 2:
          row.conditions.push_back({"age", pick(2) ? Op::kGt : Op::kLe, {Value(between(2, 12))}});
          break;
        default:
          if (pick(2)) {
            row.conditions.push_back(
                {"breed", Op::kEq, {Value(kBreeds[pick(kBreeds.size())])}});
          } else {
            row.conditions.push_back({"breed",
                                      Op::kIn,
                                      {Value(kBreeds[pick(kBreeds.size())]),
                                       Value(kBreeds[pick(kBreeds.size())])}});
          }
      }
    }
    if (r % 3 == 0) {
      row.outputs.weaknesses = {"w" + std::to_string(r % 7)};
    } else {
      row.outputs.strengths = {"s" + std::to_string(r % 11)};
    }
    rs.rows.push_back(std::move(row));
  }
  return rs;
}

std::vector<hiring::ScreeningInput> Candidates(const hiring::RuleSet& rules) {
  std::mt19937 rng(34);
  std::vector<hiring::ScreeningInput> out(kCandidates);
  for (hiring::ScreeningInput& in : out) {
    in.profile.age = std::uniform_int_distribution<int64_t>(0, 15)(rng);
    in.profile.breed = kBreeds[std::uniform_int_distribution<size_t>(0, kBreeds.size() - 1)(rng)];
    in.profile.coat_colour = "grey";
    std::vector<std::string> tests = kTests;
    std::shuffle(tests.begin(), tests.end(), rng);
    for (size_t t = 0; t < kTestsTaken; ++t) {
      in.scores.push_back({tests[t], std::uniform_int_distribution<int64_t>(0, 100)(rng)});
    }
    in.cutoff_score = hiring::CutoffFor(rules, {});
  }
  return out;
}

// Runs one window on `rules` and adds its decisions, time and trace figures to the sums.
struct Sums {
  size_t decisions = 0;
  double seconds = 0;
  size_t rows_evaluated = 0, rows_matched = 0;
};

void Window(const hiring::RuleSet& rules, const std::vector<hiring::ScreeningInput>& inputs,
            std::chrono::milliseconds window, Sums& sums) {
  const auto start = Clock::now();
  const auto end = start + window;
  size_t i = 0;
  auto now = start;
  do {
    // Checked every 64 decisions: a clock read costs far less than that, and a window ends on
    // time even when a decision is slow.
    for (int batch = 0; batch < 64; ++batch, ++i) {
      const hiring::Decision d = hiring::Decide(rules, inputs[i % inputs.size()]);
      sums.rows_evaluated += d.trace.size();
      for (const hiring::RowTrace& t : d.trace) sums.rows_matched += t.matched ? 1 : 0;
    }
    now = Clock::now();
  } while (now < end);
  sums.decisions += i;
  sums.seconds += std::chrono::duration<double>(now - start).count();
}

RuleTiming TimingOf(const Sums& s) {
  RuleTiming t;
  t.decisions = s.decisions;
  if (s.decisions == 0) return t;
  const double n = static_cast<double>(s.decisions);
  t.us_per_decision = s.seconds * 1e6 / n;
  t.rows_evaluated = static_cast<double>(s.rows_evaluated) / n;
  t.rows_matched = static_cast<double>(s.rows_matched) / n;
  return t;
}

// The generated set cut to `rows`, published as the hiring worker would.
Result<hiring::RuleSet> PublishedRules(size_t rows, hiring::HitPolicy policy) {
  hiring::RuleSet draft = Generate(rows, policy);
  RETURN_IF_ERROR(hiring::Validate(draft));
  return hiring::Publish(std::move(draft), 1, "bench-manager", 1'767'600'000'000);
}

}  // namespace

Result<RuleComparison> CompareDecisions(size_t baseline_rows, size_t rows,
                                        hiring::HitPolicy policy,
                                        std::chrono::milliseconds window, int rounds) {
  ASSIGN_OR_RETURN(const hiring::RuleSet base, PublishedRules(baseline_rows, policy));
  ASSIGN_OR_RETURN(const hiring::RuleSet full, PublishedRules(rows, policy));
  const std::vector<hiring::ScreeningInput> inputs = Candidates(full);
  for (size_t i = 0; i < inputs.size(); ++i) {
    RETURN_IF_ERROR(hiring::ValidateInput(full, inputs[i], "candidates[" + std::to_string(i) + "]"));
  }
  Sums base_sums, full_sums;
  for (int round = 0; round < rounds; ++round) {
    const bool base_first = round % 2 == 0;
    Window(base_first ? base : full, inputs, window, base_first ? base_sums : full_sums);
    Window(base_first ? full : base, inputs, window, base_first ? full_sums : base_sums);
  }
  return RuleComparison{TimingOf(base_sums), TimingOf(full_sums)};
}

}  // namespace mcf::bench
