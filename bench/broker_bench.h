// Measurements through a real mcf-broker process: command round trips (with an in-process
// worker speaking MCF/1 on raw sockets that answers at once), durable publish->ack, publish->
// deliver latency, catch-up replay, and process memory.
//
// The publishers and subscribers here are raw MCF/1 peers built with lib/transport/protocol.h,
// so the figures are the broker's, not a client library's. Every socket, raw or not, connects
// with the process bus identity (lib/security/bus_identity.h: ProcessCurve), as the client
// library's do; mcf-bench makes that its CURVE key. Every function runs on the calling thread
// (plus threads it starts and joins) and leaves no socket behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "bench/zmq_baseline.h"
#include "lib/base/status.h"

namespace mcf::bench {

// Starts a worker thread that registers service "test" with the broker and answers every request
// with one fixed ok reply; CommandRoundTrips then measures client round trips through the broker.
RoundTrips CommandRoundTrips(zmq::context_t& context, const std::string& endpoint, size_t in_flight,
                             std::chrono::milliseconds duration);

struct PublishResult {
  double per_second = 0;
  uint64_t events = 0;
  size_t errors = 0;  // acks that did not come in time
};

// One event per PUBLISH, waiting for its PUB_ACK before the next (producer `producer`).
PublishResult PublishOneAtATime(zmq::context_t& context, const std::string& endpoint,
                                const std::string& producer, std::chrono::milliseconds duration);

// `total` events in PUBLISH batches of `batch`, keeping up to `window` unacknowledged.
PublishResult PublishPipelined(zmq::context_t& context, const std::string& endpoint,
                               const std::string& producer, uint64_t total, size_t batch,
                               size_t window);

struct Latency {
  double p50_us = 0, p99_us = 0, max_us = 0;
  size_t samples = 0;
  size_t errors = 0;
};
// p50/p99/max and the count of `us` (latencies in microseconds, any order; empty = all 0).
Latency Summarize(std::vector<double> us);
// A subscriber thread (from now, prefix "bench.lat") receives while this thread publishes
// `samples` events one at a time; latency = publish call -> event in the subscriber's hands.
Latency PublishDeliverLatency(zmq::context_t& context, const std::string& endpoint, size_t samples);

struct CatchUp {
  double per_second = 0;
  uint64_t events = 0;
  size_t errors = 0;
};
// Subscribes from sequence 1 to everything and reads until `head` has been delivered.
CatchUp CatchUpReplay(zmq::context_t& context, const std::string& endpoint, uint64_t head,
                      uint32_t window);

// The broker's log head, from broker.stats (via the client library).
Result<uint64_t> LogHead(zmq::context_t& context, const std::string& endpoint);

struct Memory {
  double vm_rss_mib = 0;
  double rss_anon_mib = 0;
};
std::optional<Memory> ReadMemory(pid_t pid);

// utime + stime of `pid` (all its threads) in microseconds; nullopt if unreadable.
std::optional<double> CpuMicros(pid_t pid);

}  // namespace mcf::bench
