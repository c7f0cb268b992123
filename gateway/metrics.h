// Metrics: the gateway's counters in Prometheus text format (GET /metrics).
//
// mcf_gateway_requests_total{method,route,status}, mcf_gateway_request_duration_seconds (a
// histogram with fixed buckets) by method and route, mcf_gateway_bus_errors_total{status} and
// mcf_gateway_rejections_total{reason} (gateway/rejection.h; every reason always listed), and
// for the live stream (GET /v1/stream) the gauge mcf_gateway_streams_open and
// mcf_gateway_streams_dropped_total{reason="slow_reader"}.
// Every label value comes from a fixed set, never from the request, so the exposition stays
// bounded whatever clients send: `method` is one of kMethods or "other", `route` a registered
// pattern (or "unmatched"), `status` an HTTP status the gateway answers with (100..599, else
// "other"), the bus status a Code name. Thread-safe: one mutex per update, which is cheap beside
// an HTTP request.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "gateway/rejection.h"
#include "lib/base/status.h"

namespace mcf::gateway {

class Metrics {
 public:
  // Upper bounds of the latency buckets, in seconds (+Inf is implied).
  static constexpr std::array<double, 12> kLatencyBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};

  // The methods counted by name; any other is counted as "other".
  static constexpr std::array<std::string_view, 7> kMethods = {"GET",   "HEAD",   "POST",   "PUT",
                                                               "PATCH", "DELETE", "OPTIONS"};

  // `method` is the request's (any bytes); `route` must be a registered pattern or
  // kUnmatchedRoute (callers pass only those).
  void ObserveRequest(std::string_view method, std::string_view route, int http_status,
                      std::chrono::nanoseconds latency);
  // A non-ok reply from the bus (including client-made timeouts).
  void CountBusError(Code code);
  // A request refused or a connection dropped by the flood protections. Lock-free: a flood
  // calls it tens of thousands of times a second.
  void CountRejection(Rejection why);
  uint64_t RejectionCount(Rejection why) const;
  // Live update streams (gateway/event_stream.h): how many are open; one dropped because its
  // reader fell behind. Lock-free.
  void SetStreamsOpen(size_t n);
  void CountSlowReaderDropped();

  // The whole exposition, text format 0.0.4.
  std::string Render() const;

  // For tests: the requests counted for one label set (`method` as labelled, e.g. "other").
  uint64_t RequestCount(std::string_view method, std::string_view route, int http_status) const;

  // The label value for a request method: itself when in kMethods, else "other".
  static std::string_view MethodLabel(std::string_view method);

 private:
  struct Histogram {
    std::array<uint64_t, kLatencyBuckets.size()> buckets{};  // non-cumulative
    uint64_t count = 0;
    double sum_seconds = 0;
  };
  using RouteKey = std::pair<std::string, std::string>;  // method, route

  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;  // status 0 = other
  std::map<RouteKey, Histogram> latency_;
  std::map<Code, uint64_t> bus_errors_;
  std::array<std::atomic<uint64_t>, std::size(kRejections)> rejections_{};
  std::atomic<size_t> streams_open_{0};
  std::atomic<uint64_t> slow_readers_dropped_{0};
};

}  // namespace mcf::gateway
