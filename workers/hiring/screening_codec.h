// The canonical MessagePack of screening rules, inputs and decisions: maps with a fixed key
// order and lists in their stored order, so equal values encode to equal bytes. That is what
// makes ContentHash() stable and a re-evaluated Decision byte-identical to the stored one. The
// decoders take untrusted bytes (a manager's upload, a stored record): they accept only the
// canonical layout, refuse counts and strings beyond the bounds of screening_rules.h before
// allocating, and name the field in every error. The layout is written up in README.md
// ("Screening rules"). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "lib/base/status.h"
#include "workers/hiring/screening_decision.h"
#include "workers/hiring/screening_rules.h"

namespace mcf::hiring {

// {meta: {version, content_hash, author, published_at_ms}, rules: {tests, rows, hit_policy,
// cutoff, golden_cases}}.
std::string EncodeRuleSet(const RuleSet& rules);
// invalid naming the field for malformed bytes, a value out of bounds, trailing bytes, a rule
// set Validate() refuses, or a meta.content_hash that is not the rules' ContentHash().
Result<RuleSet> DecodeRuleSet(std::string_view bytes);

// The encoded `rules` part alone: what ContentHash() hashes (no meta).
std::string EncodeRules(const RuleSet& rules);
// 16 lower-case hex digits of StableHash over EncodeRules(): equal for equal rules, whatever
// their meta. A change detector, not a defence against a forger.
std::string ContentHash(const RuleSet& rules);

// {profile: {age, breed, coat_colour}, scores: [[test, score], ...], cutoff_score}.
std::string EncodeInput(const ScreeningInput& input);
// invalid naming the field; the scores are not checked against any rule set (ValidateInput).
Result<ScreeningInput> DecodeInput(std::string_view bytes);

// {rule_set_version, rule_set_hash, input, outcome, total, strengths, weaknesses, trace}.
std::string EncodeDecision(const Decision& decision);

}  // namespace mcf::hiring
