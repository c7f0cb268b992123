// Scenario: the small, human-readable JSON format of tests/scenarios/*.json (docs/scenarios.md)
// and the pure pieces the driver (scenario_driver.h) needs: parsing with clear errors, "${var}"
// substitution, the subset match of expectations, and body paths for "save".
//
// Pure functions and plain values; no I/O except LoadScenario. Thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/base/clock.h"
#include "lib/base/status.h"
#include "tools/mcfctl/json.h"

namespace mcf::mcfctl::scenario {

// One request to the running system: over HTTP through the gateway, a bus command, or an event
// published as an outside producer.
struct Request {
  enum class Kind { kHttp, kBus, kPublish };
  Kind kind = Kind::kHttp;
  std::string method;  // http: GET, POST or PATCH; else empty
  std::string target;  // http: the path (may hold ${var}); bus: the command type "tasks.get";
                       // publish: the event's topic "tasks.task_finalized"
  std::string as;      // the actor (http), principal (bus) or producer (publish: the topic's
                       // context, which the scenario does not run); "" = anonymous / none
  Json body;           // null = no body (http) / {} (bus)
  // "GET /v1/orders/${order} as client:murka", for messages.
  std::string Describe() const;
};

// The most events one "publish" step may publish ("times").
inline constexpr int64_t kMaxPublishTimes = 10'000;

struct Step {
  enum class Kind { kCall, kAdvance, kWaitFor, kPublish };
  Kind kind = Kind::kCall;
  int number = 0;     // 1-based position in "steps", for messages
  std::string note;   // optional free text, printed while running
  Request request;    // kCall, kWaitFor, kPublish
  int64_t times = 1;  // kPublish: "times": N publishes the body N times, ${i} = 1..N in it
  Json expect;        // kCall: {status?, body?}; kWaitFor: the "until" condition; null = none
  std::vector<std::pair<std::string, std::string>> save;  // variable -> body path ("orders.0.id")
  std::optional<int64_t> advance_by_ms;                   // kAdvance: "advance": "151m"
  std::optional<int64_t> advance_to_ms;                   // kAdvance: "advance_to": ISO-8601
  // kAdvance: "by": "1m" moves the clock in steps of this size, the system idle after each (so
  // every minute's reactions, the outside adapters' included, are in before the next minute).
  std::optional<int64_t> advance_step_ms;
  Millis timeout{10000};                                  // kWaitFor: "timeout", default 10s
  // "step 4 (POST /v1/orders as client:murka)", the prefix of every message about the step.
  std::string Label() const;
};

struct Scenario {
  std::string name;
  std::string description;
  std::string start = "2026-01-05T08:00:00Z";  // the simulated clock's start
  int64_t start_ms = 0;
  uint64_t seed = 1;
  std::vector<std::string> contexts;  // default: portal, tasks, matching, hiring, supplies
  // The outside systems' adapters to start, by name, with their flags (docs/outside-systems.md):
  // "outside": {"contractor": ["--fail-first", "2"]}. Default: every simulator of
  // kOutsideAdapters with its defaults; {} starts none.
  std::vector<std::pair<std::string, std::vector<std::string>>> outside;
  // The producers of the "publish" steps: each gets a key of role outside and no process.
  std::vector<std::string> publishers;
  std::vector<Step> steps;
};

// The outside adapters a build has, name -> executable (docs/outside-systems.md), in start order.
inline constexpr std::pair<std::string_view, std::string_view> kOutsideAdapters[] = {
    {"contractor", "mcf-contractor-sim"},
    {"payments", "mcf-payments-sim"},
    {"goldhat", "mcf-goldhat-sim"}};

// The executable of an outside adapter by name ("contractor" -> "mcf-contractor-sim"); "" for a
// name this build has no adapter for.
std::string OutsideExecutable(std::string_view name);

// The contexts a scenario gets when it names none.
std::vector<std::string> DefaultContexts();

// Parses a scenario. Unknown keys are rejected; every error names where it is:
// "step 3: \"expect\" must be an object", "\"start\": not an ISO-8601 time: ...".
Result<Scenario> ParseScenario(std::string_view text);
// Reads and parses a file; errors are prefixed with the path.
Result<Scenario> LoadScenario(const std::string& path);

// Saved values by name ("order", "worker:barsik"). Whole-string references ("${n}") keep the
// saved JSON type; references inside a longer string insert its text.
class Vars {
 public:
  void Set(const std::string& name, Json value) { values_[name] = std::move(value); }
  void Erase(const std::string& name) { values_.erase(name); }
  const Json* Find(const std::string& name) const;
  // `text` with every ${name} replaced; not_found "${name} is not set" for an unknown name,
  // invalid for an unterminated "${".
  Result<std::string> ExpandString(std::string_view text) const;
  // Every string in `value` (keys untouched) expanded as above.
  Result<Json> Expand(const Json& value) const;

 private:
  std::map<std::string, Json> values_;
};

// Where `expected` differs from `actual` under the subset rule (objects: every listed key must
// be there and match; arrays: same length, items match pairwise; scalars: equal, and 201 equals
// 201.0), as "PATH: expected X, got Y"; nullopt when it matches. `path` names the root
// ("body"); nested paths read "body.orders[0].status".
std::optional<std::string> Mismatch(const Json& expected, const Json& actual,
                                    const std::string& path);

// The value at a dotted path: "id", "orders.0.id" (numbers index arrays). not_found naming the
// first missing part.
Result<Json> Lookup(const Json& document, std::string_view path);

}  // namespace mcf::mcfctl::scenario
