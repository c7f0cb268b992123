// mcf-bench's read-your-writes cost (docs/protocol.md, "Read your writes"): round trips of a
// read-only command (test.get) through a real mcf-broker to a real mcf-test-worker, one in
// flight, while a client::Publisher feeds test.fed events (about one per millisecond). Measured
// twice: with a worker that applies test.fed (its subscription is live and caught up, so every
// command goes through the wait for wait_for_seq) and with one started with --no-events (it
// subscribes to nothing, so nothing is waited for). The difference is what the guarantee costs
// when there is nothing to catch up. Runs on the calling thread plus a publisher thread it joins.
#pragma once

#include <chrono>
#include <string>
#include <zmq.hpp>

#include "bench/broker_bench.h"
#include "lib/base/status.h"

namespace mcf::bench {

struct ReadYourWritesCost {
  Latency caught_up;  // worker subscribed to test.fed
  Latency no_events;  // worker started with --no-events
  uint64_t events = 0;  // test.fed events published during both measurements
};

// Starts `bin_dir`/mcf-test-worker against the broker at `endpoint` (stores under `data_dir`),
// in `rounds` alternating rounds of each kind, timing `samples` test.get round trips of each kind
// in all. Unavailable when a worker does not answer. REQUIRES: rounds >= 1.
Result<ReadYourWritesCost> MeasureReadYourWrites(zmq::context_t& context,
                                                 const std::string& endpoint,
                                                 const std::string& bin_dir,
                                                 const std::string& data_dir, size_t samples,
                                                 int rounds);

}  // namespace mcf::bench
