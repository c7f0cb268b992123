// The hiring half of `mcfctl simulate` (simulate.h), its pure part: when applicants send the
// public form and what they send (valid forms with a small photo, double submissions, junk the
// gateway must refuse), the screening rules the simulated manager publishes (one set at the
// start, a changed one mid-run) and the scores the manager records. simulate.cc sends them.
//
// Every choice comes from the caller's std::mt19937_64, by modulo (so every standard library
// agrees): the same seed gives the same applicants. Pure functions; thread-compatible. Included
// by simulate.cc and its unit test only (it pulls in nlohmann-json).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tools/mcfctl/json.h"

namespace mcf::mcfctl {

enum class ApplicationKind {
  kValid,          // 201 expected
  kDuplicate,      // a valid form sent twice in a row: 201, then 409 (the first is still open)
  kJunkField,      // a field of the wrong type: 400
  kJunkEmoji,      // emoji in the name: 400
  kJunkLongName,   // a name over the 100-character limit: 400
  kJunkHugePhoto,  // a photo over the gateway's 5 MiB: 413
};

struct PlannedApplication {
  int64_t at_ms = 0;  // when the form is sent
  ApplicationKind kind = ApplicationKind::kValid;
};

// `count` applications of the day starting at `day_start_ms`, at random seconds over the whole
// day but never before `now_ms` + 1 min, sorted by time. From 10 a day on, a few are duplicates
// (max(2, count / 40)) and a few junk (max(4, count / 25), the junk kinds in turn); below 10
// all are valid. Deterministic in `rng`.
std::vector<PlannedApplication> PlanApplications(std::mt19937_64& rng, int64_t day_start_ms,
                                                 int64_t now_ms, int count);

// The form for applicant number `serial` of kind `kind`: varied name, age, breed, coat, a
// contact unique to (`contact_tag`, `serial`) and a small base64 photo; junk kinds carry their
// defect. Deterministic in `rng`.
Json ApplicationForm(std::mt19937_64& rng, ApplicationKind kind, uint64_t serial,
                     const std::string& contact_tag);

// The bodies of PUT /v1/screening-rules ({"rules": ...}): version 1 at the start (tests "mice"
// and "jars", accept a total of 120 or more), the mid-run change (the same tests, a stricter
// cutoff of 140 and a strength for jars >= 80). Both pass their own golden cases.
Json InitialRules();
Json ChangedRules();
// The test names of a rules body (its "rules.tests[].name").
std::vector<std::string> RuleTests(const Json& rules_body);

// A score the manager records for one test: 20..100.
int64_t DrawScore(std::mt19937_64& rng);

// Standard base64 (with padding) of `bytes`.
std::string Base64(const std::string& bytes);

}  // namespace mcf::mcfctl
