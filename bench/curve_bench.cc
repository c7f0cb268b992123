#include "bench/curve_bench.h"

#include <optional>
#include <tuple>

#include "bench/broker_bench.h"

namespace mcf::bench {
namespace {

// Runs `measure(round, on, broker)` (-> rate, operations, errors) on both brokers `rounds` times,
// the insecure one first in even rounds, and averages each side.
template <typename Measure>
CurveComparison Alternate(const BenchBroker& insecure, const BenchBroker& secure,
                          const security::ClientCurve& curve, int rounds, Measure measure) {
  CurveComparison out;
  double rate[2] = {0, 0}, cpu[2] = {0, 0}, ops[2] = {0, 0};
  bool cpu_ok = true;
  auto side = [&](int round, bool on) {
    const BenchBroker& broker = on ? secure : insecure;
    security::SetProcessCurve(on ? std::optional(curve) : std::nullopt);
    auto before = CpuMicros(broker.pid);
    auto [per_second, count, errors] = measure(round, on, broker);
    auto after = CpuMicros(broker.pid);
    if (before && after) {
      cpu[on] += *after - *before;
      ops[on] += static_cast<double>(count);
    } else {
      cpu_ok = false;
    }
    rate[on] += per_second;
    out.errors += errors;
  };
  for (int round = 0; round < rounds; ++round) {
    const bool first_on = round % 2 == 1;
    side(round, first_on);
    side(round, !first_on);
  }
  security::SetProcessCurve(curve);
  out.off_per_second = rate[0] / rounds;
  out.on_per_second = rate[1] / rounds;
  if (cpu_ok && ops[0] > 0 && ops[1] > 0) {
    out.off_cpu_us_per_op = cpu[0] / ops[0];
    out.on_cpu_us_per_op = cpu[1] / ops[1];
  }
  return out;
}

}  // namespace

CurveComparison CommandsCurveOnOff(zmq::context_t& context, const BenchBroker& insecure,
                                   const BenchBroker& secure, const security::ClientCurve& curve,
                                   size_t in_flight, std::chrono::milliseconds duration,
                                   int rounds) {
  return Alternate(insecure, secure, curve, rounds, [&](int, bool, const BenchBroker& broker) {
    RoundTrips rt = CommandRoundTrips(context, broker.endpoint, in_flight, duration);
    return std::tuple{rt.per_second, rt.count, rt.errors};
  });
}

CurveComparison PublishCurveOnOff(zmq::context_t& context, const BenchBroker& insecure,
                                  const BenchBroker& secure, const security::ClientCurve& curve,
                                  uint64_t events, int rounds) {
  return Alternate(
      insecure, secure, curve, rounds, [&](int round, bool on, const BenchBroker& broker) {
        // A fresh producer per round and side: a log de-duplicates a reused one's sequence numbers.
        const std::string producer =
            std::string("bench-curve-") + (on ? "on-" : "off-") + std::to_string(round);
        PublishResult r = PublishPipelined(context, broker.endpoint, producer, events, 256, 16384);
        return std::tuple{r.per_second, r.events, r.errors};
      });
}

}  // namespace mcf::bench
