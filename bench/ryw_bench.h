// mcf-bench's read-your-writes cost (docs/protocol.md, "Read your writes"): round trips of a
// read-only command (test.get) through a real mcf-broker to a real mcf-test-worker, one in
// flight, on an idle log or while a client::Publisher feeds test.fed events (e.g. one per
// millisecond: then a command often finds an event on its way to the worker, and waits for
// it). Both workers apply test.fed (their subscriptions are live); one waits for
// wait_for_seq before each command, the other is started with --no-read-your-writes. The
// difference is what the guarantee costs when there is nothing to catch up. Runs on the calling
// thread plus a publisher thread it joins.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <zmq.hpp>

#include "bench/broker_bench.h"
#include "lib/base/clock.h"
#include "lib/base/status.h"

namespace mcf::bench {

struct ReadYourWritesCost {
  Latency caught_up;    // worker subscribed to test.fed, waiting for wait_for_seq
  Latency no_wait;      // the same, started with --no-read-your-writes
  uint64_t events = 0;  // test.fed events published during both measurements
};

// Starts `bin_dir`/mcf-test-worker against the broker at `endpoint` (stores under `data_dir`,
// bus key `key_file`) in `rounds` alternating rounds of each kind, timing `samples` test.get
// round trips of each kind in all, with a test.fed every `event_every` (none: an idle log). This
// process's own sockets take the process bus identity. Unavailable when a worker does not answer.
// REQUIRES: rounds >= 1.
Result<ReadYourWritesCost> MeasureReadYourWrites(zmq::context_t& context,
                                                 const std::string& endpoint,
                                                 const std::string& bin_dir,
                                                 const std::string& data_dir,
                                                 const std::string& key_file, size_t samples,
                                                 int rounds, std::optional<Millis> event_every);

}  // namespace mcf::bench
