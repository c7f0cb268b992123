#include "workers/hiring/screening_codec.h"

#include <cstdio>
#include <utility>

#include "lib/base/stable_hash.h"
#include "schemas/msgpack.h"

namespace mcf::hiring {
namespace {

using schemas::MsgpackReader;
using schemas::MsgpackWriter;
using schemas::MsgType;

// Seed of the content hash; changing it changes every published hash.
constexpr uint64_t kContentHashSeed = 0x5c4ee11e5;
// Scores per input: one per test at most.
constexpr size_t kMaxScores = kMaxTests;

// ---- encoding: keys in the order the decoder expects them ----

void PutStrings(MsgpackWriter& w, const std::vector<std::string>& list) {
  w.ArrayHeader(static_cast<uint32_t>(list.size()));
  for (const std::string& s : list) w.String(s);
}

void PutValue(MsgpackWriter& w, const Value& v) {
  if (const int64_t* n = std::get_if<int64_t>(&v))
    w.Int(*n);
  else
    w.String(std::get<std::string>(v));
}

void PutInput(MsgpackWriter& w, const ScreeningInput& in) {
  w.MapHeader(3);
  w.String("profile").MapHeader(3);
  w.String("age").Int(in.profile.age);
  w.String("breed").String(in.profile.breed);
  w.String("coat_colour").String(in.profile.coat_colour);
  w.String("scores").ArrayHeader(static_cast<uint32_t>(in.scores.size()));
  for (const TestScore& s : in.scores) w.ArrayHeader(2).String(s.test).Int(s.score);
  w.String("cutoff_score").Int(in.cutoff_score);
}

void PutOptionalStrings(MsgpackWriter& w, const std::optional<std::vector<std::string>>& list) {
  if (list)
    PutStrings(w, *list);
  else
    w.Nil();
}

void PutRules(MsgpackWriter& w, const RuleSet& rs) {
  w.MapHeader(5);
  w.String("tests").ArrayHeader(static_cast<uint32_t>(rs.tests.size()));
  for (const TestDef& t : rs.tests) {
    w.MapHeader(3);
    w.String("name").String(t.name);
    w.String("min_score").Int(t.min_score);
    w.String("max_score").Int(t.max_score);
  }
  w.String("rows").ArrayHeader(static_cast<uint32_t>(rs.rows.size()));
  for (const Row& row : rs.rows) {
    w.MapHeader(2);
    w.String("conditions").ArrayHeader(static_cast<uint32_t>(row.conditions.size()));
    for (const Condition& c : row.conditions) {
      w.MapHeader(3);
      w.String("field").String(c.field);
      w.String("op").String(OpName(c.op));
      w.String("values").ArrayHeader(static_cast<uint32_t>(c.values.size()));
      for (const Value& v : c.values) PutValue(w, v);
    }
    w.String("outputs").MapHeader(2);
    w.String("strengths");
    PutStrings(w, row.outputs.strengths);
    w.String("weaknesses");
    PutStrings(w, row.outputs.weaknesses);
  }
  w.String("hit_policy").String(HitPolicyName(rs.hit_policy));
  // One shape for both kinds: the unused number is nil, so it cannot hide a difference.
  w.String("cutoff").MapHeader(2);
  if (rs.cutoff.kind == Cutoff::Kind::kTopPercent) {
    w.String("top_percent").Int(rs.cutoff.top_percent);
    w.String("absolute_score").Nil();
  } else {
    w.String("top_percent").Nil();
    w.String("absolute_score").Int(rs.cutoff.absolute_score);
  }
  w.String("golden_cases").ArrayHeader(static_cast<uint32_t>(rs.golden_cases.size()));
  for (const GoldenCase& g : rs.golden_cases) {
    w.MapHeader(5);
    w.String("name").String(g.name);
    w.String("input");
    PutInput(w, g.input);
    w.String("expected_outcome").String(OutcomeName(g.expected_outcome));
    w.String("expected_strengths");
    PutOptionalStrings(w, g.expected_strengths);
    w.String("expected_weaknesses");
    PutOptionalStrings(w, g.expected_weaknesses);
  }
}

// ---- decoding: a strict reader of the canonical layout, remembering the first error ----

class Decoder {
 public:
  explicit Decoder(std::string_view bytes) : r_(bytes) {}

  const Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }
  bool AtEnd() const { return r_.AtEnd(); }

  bool Fail(const std::string& path, std::string_view what) {
    if (status_.ok()) status_ = Status::Invalid(path + ": " + std::string(what));
    return false;
  }

  // A map of exactly `n` pairs.
  bool Map(const std::string& path, uint32_t n) {
    if (!ok()) return false;
    auto got = r_.ReadMapHeader();
    if (!got) return Fail(path, "expected a map");
    if (*got != n) return Fail(path, "expected " + std::to_string(n) + " keys");
    return true;
  }

  // The next key, which must be `name`; `path` is the map's path.
  bool Key(const std::string& path, std::string_view name) {
    if (!ok()) return false;
    auto got = r_.ReadString();
    if (!got || *got != name) return Fail(Join(path, name), "expected this key here");
    return true;
  }

  // An array of at most `max` elements; 0 on error.
  uint32_t Array(const std::string& path, size_t max) {
    if (!ok()) return 0;
    auto got = r_.ReadArrayHeader();
    if (!got) Fail(path, "expected an array (of a count the input can hold)");
    if (got && *got > max) Fail(path, "more than " + std::to_string(max) + " items");
    return ok() ? *got : 0;
  }

  std::string Str(const std::string& path) {
    if (!ok()) return {};
    auto got = r_.ReadString();
    if (!got) Fail(path, "expected a string");
    if (got && got->size() > kMaxStringBytes)
      Fail(path, "longer than " + std::to_string(kMaxStringBytes) + " bytes");
    return ok() ? std::string(*got) : std::string();
  }

  int64_t Int(const std::string& path) {
    if (!ok()) return 0;
    auto got = r_.ReadInt();
    if (!got) Fail(path, "expected an integer");
    return got.value_or(0);
  }

  uint64_t Uint(const std::string& path) {
    if (!ok()) return 0;
    auto got = r_.ReadUint();
    if (!got) Fail(path, "expected a non-negative integer");
    return got.value_or(0);
  }

  // A string spelling one value of an enum, parsed by `from_name`; nullopt (and the error,
  // saying `expected`) for anything else.
  template <typename E>
  std::optional<E> Enum(const std::string& path, std::optional<E> (*from_name)(std::string_view),
                        std::string_view expected) {
    std::string name = Str(path);
    if (!ok()) return std::nullopt;
    std::optional<E> parsed = from_name(name);
    if (!parsed) Fail(path, "'" + name + "' is not one of " + std::string(expected));
    return parsed;
  }

  bool Nil() { return ok() && r_.ReadNil(); }
  MsgType Peek() const { return r_.Peek(); }

  std::vector<std::string> Strings(const std::string& path, size_t max) {
    std::vector<std::string> out;
    uint32_t n = Array(path, max);
    out.reserve(n);
    for (uint32_t i = 0; i < n && ok(); ++i) out.push_back(Str(At(path, i)));
    return out;
  }

  static std::string Join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  static std::string At(const std::string& path, size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

 private:
  MsgpackReader r_;
  Status status_;
};

std::string Join(const std::string& path, std::string_view key) { return Decoder::Join(path, key); }
std::string At(const std::string& path, size_t i) { return Decoder::At(path, i); }

ScreeningInput GetInput(Decoder& d, const std::string& path) {
  ScreeningInput in;
  if (!d.Map(path, 3) || !d.Key(path, "profile")) return in;
  std::string profile = Join(path, "profile");
  if (d.Map(profile, 3) && d.Key(profile, "age")) in.profile.age = d.Int(Join(profile, "age"));
  if (d.Key(profile, "breed")) in.profile.breed = d.Str(Join(profile, "breed"));
  if (d.Key(profile, "coat_colour")) in.profile.coat_colour = d.Str(Join(profile, "coat_colour"));
  if (!d.Key(path, "scores")) return in;
  std::string scores = Join(path, "scores");
  uint32_t n = d.Array(scores, kMaxScores);
  in.scores.reserve(n);
  for (uint32_t i = 0; i < n && d.ok(); ++i) {
    std::string at = At(scores, i);
    if (d.Array(at, 2) != 2) {
      d.Fail(at, "expected [test, score]");
      break;
    }
    TestScore& s = in.scores.emplace_back();
    s.test = d.Str(at + "[0]");
    s.score = d.Int(at + "[1]");
  }
  if (d.Key(path, "cutoff_score")) in.cutoff_score = d.Int(Join(path, "cutoff_score"));
  return in;
}

Value GetValue(Decoder& d, const std::string& path) {
  if (d.Peek() == MsgType::kString) return d.Str(path);
  if (d.Peek() != MsgType::kInt) d.Fail(path, "expected an integer or a string");
  return d.Int(path);
}

Condition GetCondition(Decoder& d, const std::string& path) {
  Condition c;
  if (!d.Map(path, 3) || !d.Key(path, "field")) return c;
  c.field = d.Str(Join(path, "field"));
  if (!d.Key(path, "op")) return c;
  auto op = d.Enum(Join(path, "op"), &OpFromName, "<, <=, >, >=, ==, !=, in");
  if (!op) return c;
  c.op = *op;
  if (!d.Key(path, "values")) return c;
  std::string values = Join(path, "values");
  uint32_t n = d.Array(values, kMaxValuesPerCondition);
  c.values.reserve(n);
  for (uint32_t i = 0; i < n && d.ok(); ++i) c.values.push_back(GetValue(d, At(values, i)));
  return c;
}

Row GetRow(Decoder& d, const std::string& path) {
  Row row;
  if (!d.Map(path, 2) || !d.Key(path, "conditions")) return row;
  std::string conditions = Join(path, "conditions");
  uint32_t n = d.Array(conditions, kMaxConditionsPerRow);
  row.conditions.reserve(n);
  for (uint32_t i = 0; i < n && d.ok(); ++i)
    row.conditions.push_back(GetCondition(d, At(conditions, i)));
  if (!d.Key(path, "outputs")) return row;
  std::string outputs = Join(path, "outputs");
  if (!d.Map(outputs, 2)) return row;
  if (d.Key(outputs, "strengths"))
    row.outputs.strengths = d.Strings(Join(outputs, "strengths"), kMaxOutputsPerList);
  if (d.Key(outputs, "weaknesses"))
    row.outputs.weaknesses = d.Strings(Join(outputs, "weaknesses"), kMaxOutputsPerList);
  return row;
}

std::optional<std::vector<std::string>> GetOptionalStrings(Decoder& d, const std::string& path) {
  if (d.Nil()) return std::nullopt;
  return d.Strings(path, kMaxOutputsPerList);
}

GoldenCase GetGoldenCase(Decoder& d, const std::string& path) {
  GoldenCase g;
  if (!d.Map(path, 5) || !d.Key(path, "name")) return g;
  g.name = d.Str(Join(path, "name"));
  if (d.Key(path, "input")) g.input = GetInput(d, Join(path, "input"));
  if (!d.Key(path, "expected_outcome")) return g;
  auto outcome = d.Enum(Join(path, "expected_outcome"), &OutcomeFromName, "accepted, rejected");
  if (!outcome) return g;
  g.expected_outcome = *outcome;
  if (d.Key(path, "expected_strengths"))
    g.expected_strengths = GetOptionalStrings(d, Join(path, "expected_strengths"));
  if (d.Key(path, "expected_weaknesses"))
    g.expected_weaknesses = GetOptionalStrings(d, Join(path, "expected_weaknesses"));
  return g;
}

void GetCutoff(Decoder& d, Cutoff& cutoff) {
  const std::string path = "rules.cutoff";
  if (!d.Map(path, 2) || !d.Key(path, "top_percent")) return;
  bool has_percent = !d.Nil();
  if (has_percent) cutoff.top_percent = d.Int(Join(path, "top_percent"));
  if (!d.Key(path, "absolute_score")) return;
  bool has_absolute = !d.Nil();
  if (has_absolute) cutoff.absolute_score = d.Int(Join(path, "absolute_score"));
  if (!d.ok()) return;
  if (has_percent == has_absolute) {
    d.Fail(path, "exactly one of top_percent, absolute_score must be set");
    return;
  }
  cutoff.kind = has_percent ? Cutoff::Kind::kTopPercent : Cutoff::Kind::kAbsolute;
  if (!has_percent) cutoff.top_percent = Cutoff{}.top_percent;
}

void GetRules(Decoder& d, RuleSet& rs) {
  const std::string path = "rules";
  if (!d.Map(path, 5) || !d.Key(path, "tests")) return;
  uint32_t n = d.Array("rules.tests", kMaxTests);
  rs.tests.reserve(n);
  for (uint32_t i = 0; i < n && d.ok(); ++i) {
    std::string at = At("rules.tests", i);
    TestDef& t = rs.tests.emplace_back();
    if (d.Map(at, 3) && d.Key(at, "name")) t.name = d.Str(Join(at, "name"));
    if (d.Key(at, "min_score")) t.min_score = d.Int(Join(at, "min_score"));
    if (d.Key(at, "max_score")) t.max_score = d.Int(Join(at, "max_score"));
  }
  if (!d.Key(path, "rows")) return;
  n = d.Array("rules.rows", kMaxRows);
  rs.rows.reserve(n);
  for (uint32_t i = 0; i < n && d.ok(); ++i) rs.rows.push_back(GetRow(d, At("rules.rows", i)));
  if (!d.Key(path, "hit_policy")) return;
  auto policy = d.Enum("rules.hit_policy", &HitPolicyFromName, "first, collect");
  if (!policy) return;
  rs.hit_policy = *policy;
  if (d.Key(path, "cutoff")) GetCutoff(d, rs.cutoff);
  if (!d.Key(path, "golden_cases")) return;
  n = d.Array("rules.golden_cases", kMaxGoldenCases);
  rs.golden_cases.reserve(n);
  for (uint32_t i = 0; i < n && d.ok(); ++i)
    rs.golden_cases.push_back(GetGoldenCase(d, At("rules.golden_cases", i)));
}

Status Finish(const Decoder& d) {
  if (!d.ok()) return d.status();
  if (!d.AtEnd()) return Status::Invalid("trailing bytes after the value");
  return Status::Ok();
}

}  // namespace

std::string EncodeRules(const RuleSet& rules) {
  MsgpackWriter w;
  PutRules(w, rules);
  return w.Take();
}

std::string ContentHash(const RuleSet& rules) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(StableHash(kContentHashSeed, EncodeRules(rules))));
  return hex;
}

std::string EncodeRuleSet(const RuleSet& rules) {
  MsgpackWriter w;
  w.MapHeader(2);
  w.String("meta").MapHeader(4);
  w.String("version").Uint(rules.meta.version);
  w.String("content_hash").String(rules.meta.content_hash);
  w.String("author").String(rules.meta.author);
  w.String("published_at_ms").Int(rules.meta.published_at_ms);
  w.String("rules");
  PutRules(w, rules);
  return w.Take();
}

Result<RuleSet> DecodeRuleSet(std::string_view bytes) {
  Decoder d(bytes);
  RuleSet rs;
  if (d.Map("", 2) && d.Key("", "meta") && d.Map("meta", 4) && d.Key("meta", "version"))
    rs.meta.version = d.Uint("meta.version");
  if (d.Key("meta", "content_hash")) rs.meta.content_hash = d.Str("meta.content_hash");
  if (d.Key("meta", "author")) rs.meta.author = d.Str("meta.author");
  if (d.Key("meta", "published_at_ms")) rs.meta.published_at_ms = d.Int("meta.published_at_ms");
  if (d.Key("", "rules")) GetRules(d, rs);
  RETURN_IF_ERROR(Finish(d));
  if (Status s = Validate(rs); !s.ok()) return Status::Invalid("rules." + s.message());
  if (!rs.meta.content_hash.empty() && rs.meta.content_hash != ContentHash(rs))
    return Status::Invalid("meta.content_hash: does not match the rules (" + ContentHash(rs) + ")");
  return rs;
}

std::string EncodeInput(const ScreeningInput& input) {
  MsgpackWriter w;
  PutInput(w, input);
  return w.Take();
}

Result<ScreeningInput> DecodeInput(std::string_view bytes) {
  Decoder d(bytes);
  ScreeningInput in = GetInput(d, "input");
  RETURN_IF_ERROR(Finish(d));
  return in;
}

std::string EncodeDecision(const Decision& decision) {
  MsgpackWriter w;
  w.MapHeader(8);
  w.String("rule_set_version").Uint(decision.rule_set_version);
  w.String("rule_set_hash").String(decision.rule_set_hash);
  w.String("input");
  PutInput(w, decision.input);
  w.String("outcome").String(OutcomeName(decision.outcome));
  w.String("total").Int(decision.total);
  w.String("strengths");
  PutStrings(w, decision.strengths);
  w.String("weaknesses");
  PutStrings(w, decision.weaknesses);
  w.String("trace").ArrayHeader(static_cast<uint32_t>(decision.trace.size()));
  for (const RowTrace& t : decision.trace) {
    w.MapHeader(3);
    w.String("row").Uint(t.row);
    w.String("matched").Bool(t.matched);
    w.String("conditions").ArrayHeader(static_cast<uint32_t>(t.conditions.size()));
    for (const ConditionTrace& c : t.conditions) {
      w.MapHeader(4);
      w.String("field").String(c.field);
      w.String("op").String(OpName(c.op));
      w.String("seen");
      if (c.seen)
        PutValue(w, *c.seen);
      else
        w.Nil();
      w.String("result").Bool(c.result);
    }
  }
  return w.Take();
}

}  // namespace mcf::hiring
