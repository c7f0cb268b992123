// The test family: the counters of the test suite's own context (service "test",
// tests/support/test_worker/main.cc), which the runtime, broker and gateway tests drive. No
// production context sends or handles these; they are declared like any family so the test
// worker's handlers are typed and the reference lists them.
// The runtime's unit tests (tests/unit/worker/) also register test.* types with deliberately odd
// bodies through the raw handlers; that is why no field here has a rule beyond its type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>

#include "schemas/codec.h"
#include "schemas/declare.h"

namespace mcf::schemas::test_family {

using schemas::Decode;
using schemas::Encode;

// ---- events ----

// Published by test.add.
struct Added {
  static constexpr MessageInfo kInfo = Event("test.added", "counter `name` grew by `amount`");
  std::string name;
  int64_t amount = 0;
  int64_t total = 0;
  bool operator==(const Added&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("name", &Added::name), Field("amount", &Added::amount),
                      Field("total", &Added::total).Doc("the counter after the addition")};
  }
};

// Published by the tests themselves (never by a context); the test worker adds `amount` to
// counter "fed:<name>".
struct Fed {
  static constexpr MessageInfo kInfo = Event("test.fed", "an input event fed by the tests");
  std::string name;
  int64_t amount = 0;
  bool operator==(const Fed&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("name", &Fed::name), Field("amount", &Fed::amount)};
  }
};

// ---- commands ----

// A counter's value (0 for one never added to).
struct Total {
  int64_t total = 0;
  static constexpr auto Fields() { return std::tuple{Field("total", &Total::total)}; }
};

struct NoReply {
  static constexpr auto Fields() { return std::tuple<>{}; }
};

struct Add {
  static constexpr MessageInfo kInfo = Command("test.add", "add `amount` to counter `name`");
  using Reply = Total;
  std::string name;
  int64_t amount = 0;
  static constexpr auto Fields() {
    return std::tuple{Field("name", &Add::name), Field("amount", &Add::amount)};
  }
};

struct Get {
  static constexpr MessageInfo kInfo = ReadOnlyCommand("test.get", "read counter `name`");
  using Reply = Total;
  std::string name;
  static constexpr auto Fields() { return std::tuple{Field("name", &Get::name)}; }
};

// The status name is checked by the handler ("body.status: unknown status X"), not here: the
// tests pin that message.
struct Fail {
  static constexpr MessageInfo kInfo =
      Command("test.fail", "a handler that returns the status it is asked for");
  using Reply = NoReply;
  std::string status;
  static constexpr auto Fields() {
    return std::tuple{
        Field("status", &Fail::status).Doc("a status name (ok, invalid, conflict, internal, ...)")};
  }
};

// The declared messages of this family, for the registry.
using Messages = std::tuple<Added, Fed, Add, Get, Fail>;

}  // namespace mcf::schemas::test_family
