// HTTP load for mcf-bench: a closed-loop load of keep-alive connections (one thread each) against
// a trivial cpp-httplib handler (the baseline, tuned like the gateway) and against the real
// gateway's POST /v1/orders (gateway -> bus -> portal, with tasks/matching/supplies reacting) and
// GET /v1/orders. Both are measured in the same run; the report compares them. Call from one
// thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <memory>
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
  std::vector<double> latencies_us;  // RequestLoad: every answered request counted, per connection
  // OrderSystem::Measure only: CPU time (all threads) per request of each process of the system,
  // in the order the system started them ("broker", contexts..., "gateway"), counted until the
  // work the load left queued (events still to react to) was done or `settle_limit` passed.
  std::vector<std::pair<std::string, double>> cpu_us_per_request;
  double settle_seconds = 0;  // how long after the load the processes took to go idle
  bool settled = true;        // false: still busy at the limit (the CPU figures are a floor)
};

// One request of the load: what connection `connection` sends as its `n`-th request.
struct HttpRequestSpec {
  std::string method = "POST";  // or "GET" (no body sent)
  std::string path;
  std::string token;  // bearer token; "" = none
  std::string body;   // JSON
};
using RequestMaker = std::function<HttpRequestSpec(size_t connection, size_t n)>;

// Sends `make(connection, n)` on `connections` keep-alive connections to 127.0.0.1:`port` for
// `duration` (after a 200 ms warm-up); a response other than `expected_status` counts as an error.
HttpLoad RequestLoad(int port, size_t connections, std::chrono::milliseconds duration,
                     const RequestMaker& make, int expected_status);

// The baseline: a cpp-httplib server in this process (thread pool, TCP_NODELAY, keep-alive as in
// the gateway) answering every `method` ("POST" or "GET") request with a small fixed JSON body,
// under RequestLoad.
HttpLoad TrivialHandlerLoad(const std::string& method, size_t connections,
                            std::chrono::milliseconds duration);

// The bench's sim clock starts here (2026-01-05T08:00:00Z); seeded history lies before it and
// the load's appointments after it.
inline constexpr int64_t kBenchStartMs = 1'767'600'000'000;

// The real thing: broker (sim clock from kBenchStartMs), portal, tasks, matching, hiring and
// supplies and the gateway from `bin_dir` with their stores under `data_dir` (<data>/<context>,
// which may already hold a seeded history), 4 workers imported and `clients` signed-in clients.
// Owned by one thread; Stop() (or the destructor) stops every process.
class OrderSystem {
 public:
  static Result<std::unique_ptr<OrderSystem>> Start(const std::string& bin_dir,
                                                    const std::string& data_dir, size_t clients);
  ~OrderSystem();
  OrderSystem(const OrderSystem&) = delete;
  OrderSystem& operator=(const OrderSystem&) = delete;

  int port() const;
  // The pid of the process started as `name` ("broker", a context, "gateway"); -1 when unknown.
  pid_t pid(std::string_view name) const;
  const std::string& client_token(size_t client) const;
  // A new staff member's token ("manager", "supplies", "admin").
  Result<std::string> StaffToken(const std::string& role);
  // The order's status as a manager sees it (GET /v1/orders/{id}), e.g. "completed".
  Result<std::string> OrderStatus(const std::string& order_id);
  // RequestLoad against the gateway, with the CPU time every process spent on it (warm-up
  // included) per request sent, in HttpLoad::cpu_us_per_request. A process that fell behind
  // (matching reacting to a backlog of task events) is still working when the load ends: the
  // CPU is counted until all of them are idle (under 10% of a core together), at most
  // `settle_limit` after the load.
  HttpLoad Measure(size_t connections, std::chrono::milliseconds duration,
                   const RequestMaker& make, int expected_status,
                   std::chrono::milliseconds settle_limit = std::chrono::seconds(30));
  // POST /v1/orders from connection c as client c (appointments 61 minutes apart from a day
  // after kBenchStartMs, so matching assigns them). REQUIRES: clients >= connections.
  RequestMaker NewOrders();
  void Stop();

 private:
  struct Impl;
  explicit OrderSystem(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// POST /v1/orders under Measure on a fresh system: one signed-in client per connection.
// Unavailable when the system does not start or set-up fails.
Result<HttpLoad> OrderLoad(const std::string& bin_dir, const std::string& data_dir,
                           size_t connections, std::chrono::milliseconds duration,
                           std::chrono::milliseconds settle_limit);

// GET /v1/orders as a manager, after `orders` orders were placed, on a fresh system.
Result<HttpLoad> ManagerListLoad(const std::string& bin_dir, const std::string& data_dir,
                                 size_t connections, std::chrono::milliseconds duration,
                                 size_t orders, std::chrono::milliseconds settle_limit);

}  // namespace mcf::bench
