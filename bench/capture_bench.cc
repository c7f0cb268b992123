#include "bench/capture_bench.h"

#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <tuple>

#include "bench/broker_bench.h"
#include "lib/client/bus_client.h"
#include "schemas/body.h"

namespace mcf::bench {
namespace {

// A capture started through the broker's own command, stopped when the round ends.
class Recording {
 public:
  Recording(zmq::context_t& context, const std::string& endpoint, const std::string& path)
      : bus_(context, endpoint, "mcf-bench") {
    auto reply = bus_.Call(
        bus_.MakeCommand(
            "broker.capture_start",
            schemas::BodyWriter().String("path", path).Int("lease_ms", 3'600'000).Finish()),
        Millis(5000));
    if (reply.status != Code::kOk) return;
    auto body = schemas::Body::Parse(reply.body);
    if (body.ok() && body->String("capture_id").ok()) id_ = *body->String("capture_id");
  }
  bool started() const { return id_.has_value(); }
  // Stops it and adds its counts to `out`; false when it could not be stopped.
  bool Stop(TapComparison& out) {
    if (!id_) return false;
    auto reply =
        bus_.Call(bus_.MakeCommand("broker.capture_stop",
                                   schemas::BodyWriter().String("capture_id", *id_).Finish()),
                  Millis(30000));
    id_.reset();
    if (reply.status != Code::kOk) return false;
    auto body = schemas::Body::Parse(reply.body);
    if (!body.ok() || !body->Int("records").ok() || !body->Int("dropped").ok()) return false;
    out.records += static_cast<uint64_t>(*body->Int("records"));
    out.dropped += static_cast<uint64_t>(*body->Int("dropped"));
    return true;
  }

 private:
  client::BusClient bus_;
  std::optional<std::string> id_;
};

// Alternates rounds off, on, off, on... and averages each side. `measure(round, on)` returns
// (rate, operations, errors).
template <typename Measure>
TapComparison Alternate(zmq::context_t& context, const std::string& endpoint, pid_t broker_pid,
                        const std::string& capture_dir, int rounds, Measure measure) {
  TapComparison out;
  double off_sum = 0, on_sum = 0;
  double cpu[2] = {0, 0}, ops[2] = {0, 0};
  bool cpu_ok = true;
  // Runs one side of a round, adding its CPU time and operation count.
  auto timed = [&](int round, bool on) {
    auto before = CpuMicros(broker_pid);
    auto [rate, count, errors] = measure(round, on);
    auto after = CpuMicros(broker_pid);
    if (before && after) {
      cpu[on] += *after - *before;
      ops[on] += static_cast<double>(count);
    } else {
      cpu_ok = false;
    }
    out.errors += errors;
    return rate;
  };
  for (int round = 0; round < rounds; ++round) {
    off_sum += timed(round, false);

    Recording recording(context, endpoint,
                        capture_dir + "/round-" + std::to_string(round) + ".mcfcap");
    if (!recording.started()) {
      ++out.errors;
      continue;
    }
    on_sum += timed(round, true);
    if (!recording.Stop(out)) ++out.errors;
  }
  if (rounds > 0) {
    out.off_per_second = off_sum / rounds;
    out.on_per_second = on_sum / rounds;
  }
  if (cpu_ok && ops[0] > 0 && ops[1] > 0) {
    out.off_cpu_us_per_op = cpu[0] / ops[0];
    out.on_cpu_us_per_op = cpu[1] / ops[1];
  }
  return out;
}

}  // namespace

TapComparison CommandsTapOnOff(zmq::context_t& context, const std::string& endpoint,
                               pid_t broker_pid, const std::string& capture_dir, size_t in_flight,
                               std::chrono::milliseconds duration, int rounds) {
  return Alternate(context, endpoint, broker_pid, capture_dir, rounds, [&](int, bool) {
    RoundTrips rt = CommandRoundTrips(context, endpoint, in_flight, duration);
    return std::tuple{rt.per_second, rt.count, rt.errors};
  });
}

TapComparison PublishTapOnOff(zmq::context_t& context, const std::string& endpoint,
                              pid_t broker_pid, const std::string& capture_dir, uint64_t events,
                              int rounds) {
  return Alternate(context, endpoint, broker_pid, capture_dir, rounds, [&](int round, bool on) {
    // A fresh producer per round: the log would de-duplicate a reused one's sequence numbers.
    const std::string producer =
        std::string("bench-tap-") + (on ? "on-" : "off-") + std::to_string(round);
    PublishResult r = PublishPipelined(context, endpoint, producer, events, 256, 16384);
    return std::tuple{r.per_second, r.events, r.errors};
  });
}

}  // namespace mcf::bench
