// The cost of recording: broker throughput with a capture tap running (broker.capture_start)
// against the same broker without one, in the same run, for the command and the publish
// workloads of broker_bench.h. Rounds alternate off/on on one broker so drift (warm-up, other
// load on the machine) falls on both sides alike.
// Runs on the calling thread (plus the threads the workloads start); leaves no capture running.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <zmq.hpp>

namespace mcf::bench {

struct TapComparison {
  double off_per_second = 0;  // mean over the rounds without a capture
  double on_per_second = 0;   // mean over the rounds with one
  // The broker's CPU time (all threads, /proc/PID/stat) per operation, over all rounds of each
  // side: on a machine shared with other work this is steadier than the rates. 0 if unread.
  double off_cpu_us_per_op = 0;
  double on_cpu_us_per_op = 0;
  size_t errors = 0;     // workload errors, and captures that could not start/stop
  uint64_t records = 0;  // recorded by the captures, in all
  uint64_t dropped = 0;  // lost by the captures (queue full), in all
};

// Command round trips, `in_flight` outstanding, `duration` per round. `broker_pid` is the
// broker process (for its CPU time).
TapComparison CommandsTapOnOff(zmq::context_t& context, const std::string& endpoint,
                               pid_t broker_pid, const std::string& capture_dir, size_t in_flight,
                               std::chrono::milliseconds duration, int rounds);

// Pipelined durable publishes (batches of 256, 16384 unacknowledged), `events` per round.
TapComparison PublishTapOnOff(zmq::context_t& context, const std::string& endpoint,
                              pid_t broker_pid, const std::string& capture_dir, uint64_t events,
                              int rounds);

}  // namespace mcf::bench
