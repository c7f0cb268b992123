// HTTP load for mcf-bench: a closed-loop load of keep-alive connections (one thread each) against
// a trivial cpp-httplib handler (the baseline, tuned like the gateway) and against the real
// gateway's POST /v1/orders (gateway -> bus -> portal, with tasks/matching/supplies reacting).
// Both are measured in the same run; the report compares them. Call from one thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <utility>
#include <string>
#include <vector>

#include "lib/base/status.h"

namespace mcf::bench {

struct HttpLoad {
  double per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
  size_t requests = 0;       // answered as expected within the measured window
  size_t all_requests = 0;   // sent at all, warm-up included (what CPU time is divided by)
  size_t errors = 0;  // transport failures and unexpected statuses
  std::string first_error;  // the first of them: "HTTP 504 {...}" or "no response"
  // OrderLoad only: CPU time (all threads) per request of each process of the system, in the
  // order the system started them ("broker", contexts..., "gateway").
  std::vector<std::pair<std::string, double>> cpu_us_per_request;
};

// One request of the load: what connection `connection` sends as its `n`-th request.
struct HttpRequestSpec {
  std::string path;
  std::string token;  // bearer token; "" = none
  std::string body;   // JSON
};
using RequestMaker = std::function<HttpRequestSpec(size_t connection, size_t n)>;

// POSTs `make(connection, n)` on `connections` keep-alive connections to 127.0.0.1:`port` for
// `duration`; a response other than `expected_status` counts as an error.
HttpLoad PostLoad(int port, size_t connections, std::chrono::milliseconds duration,
                  const RequestMaker& make, int expected_status);

// The baseline: a cpp-httplib server in this process (thread pool, TCP_NODELAY, keep-alive as in
// the gateway) answering every POST with a small fixed JSON body, under PostLoad.
HttpLoad TrivialHandlerLoad(size_t connections, std::chrono::milliseconds duration);

// The real thing: broker (sim clock), portal, tasks, matching, hiring and supplies and the gateway
// from `bin_dir` with their stores under `data_dir`; 4 workers imported, one signed-in client per
// connection, then POST /v1/orders (appointments 61 minutes apart, so matching assigns them)
// under PostLoad. Unavailable when the system does not start or set-up fails.
Result<HttpLoad> OrderLoad(const std::string& bin_dir, const std::string& data_dir,
                           size_t connections, std::chrono::milliseconds duration);

}  // namespace mcf::bench
