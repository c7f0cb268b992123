// The cost of CurveZMQ on the bus (issue 11): command round trips and pipelined durable
// publishes (the workloads of broker_bench.h) through a broker started with --keys against the
// same workloads through one started with --insecure, in the same run. Rounds alternate between
// the two brokers (and which goes first), so drift — warm-up, whatever else the machine runs —
// falls on both sides alike.
//
// The workloads' sockets take the process bus identity (lib/security/bus_identity.h): these
// functions make it plain for the insecure broker's side and `curve` for the other, and leave it
// `curve`. Runs on the calling thread (plus the threads the workloads start); no other thread may
// open bus sockets meanwhile.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <zmq.hpp>

#include "lib/security/bus_identity.h"

namespace mcf::bench {

// A broker child process of the bench: where it listens and its pid (for its CPU time).
struct BenchBroker {
  std::string endpoint;
  pid_t pid = -1;
};

struct CurveComparison {
  double off_per_second = 0;  // mean over the rounds on the --insecure broker
  double on_per_second = 0;   // mean over the rounds on the CURVE broker
  // Each broker's CPU time (all threads) per operation over all its rounds: steadier than the
  // rates on a shared machine. 0 if unreadable. The bench's own encryption is not in it.
  double off_cpu_us_per_op = 0;
  double on_cpu_us_per_op = 0;
  size_t errors = 0;  // workload errors (lost replies or acks) on either side
};

// Command round trips with `in_flight` outstanding, `duration` per round and side.
// REQUIRES: rounds >= 1.
CurveComparison CommandsCurveOnOff(zmq::context_t& context, const BenchBroker& insecure,
                                   const BenchBroker& secure, const security::ClientCurve& curve,
                                   size_t in_flight, std::chrono::milliseconds duration,
                                   int rounds);

// `events` pipelined durable publishes (batches of 256, 16384 unacknowledged) per round and
// side, each by a fresh producer. REQUIRES: rounds >= 1.
CurveComparison PublishCurveOnOff(zmq::context_t& context, const BenchBroker& insecure,
                                  const BenchBroker& secure, const security::ClientCurve& curve,
                                  uint64_t events, int rounds);

}  // namespace mcf::bench
