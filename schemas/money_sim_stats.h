// MoneySimStats: the counters of a simulated outside service that moves money (adapters/money:
// the payment service, Gold Hat), the reply of `payments.stats` and `goldhat.stats`: what the
// outside party did, as opposed to what the bus saw. `moved` counts money actually moved (one per
// transfer id, however often it was asked or answered); `pending` is the adapter's: transfers it
// is still asking about. Declared once here for both families; plain value.
#pragma once

#include <cstdint>
#include <tuple>

#include "schemas/declare.h"

namespace mcf::schemas {

struct MoneySimStats {
  int64_t calls = 0;
  int64_t moved = 0;
  int64_t amount_moved_minor = 0;
  int64_t repeated_calls = 0;
  int64_t failures = 0;
  int64_t timeouts = 0;
  int64_t pending = 0;
  bool operator==(const MoneySimStats&) const = default;
  static constexpr auto Fields() {
    using T = MoneySimStats;
    return std::tuple{
        Field("calls", &T::calls).Doc("calls the service received"),
        Field("moved", &T::moved).Doc("transfers done: distinct transfer ids that moved money"),
        Field("amount_moved_minor", &T::amount_moved_minor).Doc("the money they moved"),
        Field("repeated_calls", &T::repeated_calls).Doc("calls with a transfer id it had seen"),
        Field("failures", &T::failures).Doc("transfer ids it refused"),
        Field("timeouts", &T::timeouts).Doc("calls that timed out (done or not)"),
        Field("pending", &T::pending).Doc("transfers the adapter still asks about")};
  }
};

}  // namespace mcf::schemas
