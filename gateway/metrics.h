// Metrics: the gateway's counters in Prometheus text format (GET /metrics).
//
// mcf_gateway_requests_total{method,route,status}, mcf_gateway_request_duration_seconds (a
// histogram with fixed buckets) by method and route, and mcf_gateway_bus_errors_total{status}.
// `route` is the registered pattern (or "unmatched"), never the raw path, so label sets stay
// bounded. Thread-safe: one mutex per update, which is cheap beside an HTTP request.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "lib/base/status.h"

namespace mcf::gateway {

class Metrics {
 public:
  // Upper bounds of the latency buckets, in seconds (+Inf is implied).
  static constexpr std::array<double, 12> kLatencyBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};

  void ObserveRequest(std::string_view method, std::string_view route, int http_status,
                      std::chrono::nanoseconds latency);
  // A non-ok reply from the bus (including client-made timeouts).
  void CountBusError(Code code);

  // The whole exposition, text format 0.0.4.
  std::string Render() const;

  // For tests: the requests counted for one label set.
  uint64_t RequestCount(std::string_view method, std::string_view route, int http_status) const;

 private:
  struct Histogram {
    std::array<uint64_t, kLatencyBuckets.size()> buckets{};  // non-cumulative
    uint64_t count = 0;
    double sum_seconds = 0;
  };
  using RouteKey = std::pair<std::string, std::string>;  // method, route

  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<RouteKey, Histogram> latency_;
  std::map<Code, uint64_t> bus_errors_;
};

}  // namespace mcf::gateway
