// The public edge under a flood (issue 12; SPEC section 4; gateway/public_gate.h) for mcf-bench:
// on a fresh system (OrderSystem: broker, contexts and a gateway with its default public limits,
// what users get), a manager's GET /v1/applications?limit=10 over one keep-alive connection is
// measured quiet, then again while flood threads send POST /v1/applications (public, no token)
// as fast as they can, one connection per attempt (a refused public request closes its
// connection), half of them each from one fixed loopback address and half from a new address
// per connection (all of 127.0.0.0/8 is local on Linux), so that both the per-address and the
// per-route limits are hit. The listed page is full (10 applications) before the quiet run, so
// the staff request does the same work in both runs. The gateway's VmRSS is read before the
// flood, every 50 ms during it and after it; the CPU time of the gateway, of this process and of
// the whole machine over the flood, since on a small machine the flood's own threads compete
// with the gateway for the cores.
//
// Call from one thread (it starts and joins its own); the system is stopped before returning.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "bench/http_bench.h"
#include "lib/base/status.h"

namespace mcf::bench {

struct FloodResult {
  HttpLoad quiet;    // the staff request with no flood, all rounds
  HttpLoad flooded;  // the same request during the floods (same system, same run)
  double flood_seconds = 0;  // summed over the floods, first flood thread's start to last's end
  size_t attempts = 0;       // flood requests started
  size_t accepted = 0;       // 201
  size_t limited = 0;        // 429 (a bucket)
  size_t unavailable = 0;    // 503 (an in-flight cap)
  size_t other_status = 0;   // anything else: a bench or gateway bug
  size_t no_response = 0;    // connect failed, or no status line within 5 s
  std::string first_problem;  // the first other status, "HTTP 400"
  double rss_before_mib = 0;  // gateway VmRSS before the first flood
  double rss_peak_mib = 0;    // the highest sample during the floods (and after them)
  double rss_after_mib = 0;   // once the last flood's threads have stopped
  // Where the CPU went during the flood, in cores busy on average (the machine has what
  // std::thread::hardware_concurrency says): the gateway, this process (the flood threads and the
  // staff client) and the whole machine (/proc/stat: other processes too). 0 when unreadable.
  double gateway_cores = 0;
  double bench_cores = 0;
  double machine_cores = 0;
};

// `rounds` rounds of one quiet run and one flood, the quiet run first in even rounds (quiet,
// flood, flood, quiet, ...) so that drift on a shared machine falls on both sides alike; each
// run takes `window` of staff requests after RequestLoad's 200 ms warm-up (during a flood, its
// ramp-up). The figures are over all rounds. Unavailable when the system does not start or
// set-up fails. REQUIRES: flood_threads >= 2, rounds >= 1.
Result<FloodResult> MeasureFlood(const std::string& bin_dir, const std::string& data_dir,
                                 std::chrono::milliseconds window, size_t flood_threads,
                                 int rounds);

}  // namespace mcf::bench
