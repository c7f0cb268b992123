#include "gateway/metrics.h"

#include <cstdio>

namespace mcf::gateway {
namespace {

// Label values come from fixed sets; escaped per the text format all the same.
std::string Escape(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

std::string_view Metrics::MethodLabel(std::string_view method) {
  for (std::string_view m : kMethods) {
    if (method == m) return m;
  }
  return "other";
}

void Metrics::ObserveRequest(std::string_view raw_method, std::string_view route, int http_status,
                             std::chrono::nanoseconds latency) {
  const std::string_view method = MethodLabel(raw_method);
  if (http_status < 100 || http_status > 599) http_status = 0;
  const double seconds = std::chrono::duration<double>(latency).count();
  size_t bucket = kLatencyBuckets.size();
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) {
      bucket = i;
      break;
    }
  }
  std::lock_guard lock(mu_);
  ++requests_[{std::string(method), std::string(route), http_status}];
  Histogram& h = latency_[{std::string(method), std::string(route)}];
  if (bucket < h.buckets.size()) ++h.buckets[bucket];
  ++h.count;
  h.sum_seconds += seconds;
}

void Metrics::CountBusError(Code code) {
  std::lock_guard lock(mu_);
  ++bus_errors_[code];
}

void Metrics::SetStreamsOpen(size_t n) { streams_open_.store(n, std::memory_order_relaxed); }

void Metrics::CountSlowReaderDropped() {
  slow_readers_dropped_.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::CountRejection(Rejection why) {
  rejections_[static_cast<size_t>(why)].fetch_add(1, std::memory_order_relaxed);
}

uint64_t Metrics::RejectionCount(Rejection why) const {
  return rejections_[static_cast<size_t>(why)].load(std::memory_order_relaxed);
}

uint64_t Metrics::RequestCount(std::string_view method, std::string_view route,
                               int http_status) const {
  std::lock_guard lock(mu_);
  auto it = requests_.find({std::string(method), std::string(route), http_status});
  return it == requests_.end() ? 0 : it->second;
}

std::string Metrics::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  out += "# HELP mcf_gateway_requests_total HTTP requests answered, by route and status.\n";
  out += "# TYPE mcf_gateway_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [method, route, status] = key;
    out += "mcf_gateway_requests_total{method=\"" + Escape(method) + "\",route=\"" + Escape(route) +
           "\",status=\"" + (status == 0 ? std::string("other") : std::to_string(status)) + "\"} " +
           std::to_string(n) + "\n";
  }
  out += "# HELP mcf_gateway_request_duration_seconds Time to answer a request, by route.\n";
  out += "# TYPE mcf_gateway_request_duration_seconds histogram\n";
  for (const auto& [key, h] : latency_) {
    const std::string labels =
        "method=\"" + Escape(key.first) + "\",route=\"" + Escape(key.second) + "\"";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
      cumulative += h.buckets[i];
      out += "mcf_gateway_request_duration_seconds_bucket{" + labels + ",le=\"" +
             Number(kLatencyBuckets[i]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "mcf_gateway_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
           std::to_string(h.count) + "\n";
    out +=
        "mcf_gateway_request_duration_seconds_sum{" + labels + "} " + Number(h.sum_seconds) + "\n";
    out += "mcf_gateway_request_duration_seconds_count{" + labels + "} " + std::to_string(h.count) +
           "\n";
  }
  out += "# HELP mcf_gateway_bus_errors_total Non-ok bus replies, by bus status.\n";
  out += "# TYPE mcf_gateway_bus_errors_total counter\n";
  for (const auto& [code, n] : bus_errors_) {
    out += "mcf_gateway_bus_errors_total{status=\"" + std::string(CodeName(code)) + "\"} " +
           std::to_string(n) + "\n";
  }
  out += "# HELP mcf_gateway_rejections_total Requests refused and connections dropped by the "
         "flood protections, by reason.\n";
  out += "# TYPE mcf_gateway_rejections_total counter\n";
  for (Rejection why : kRejections) {
    out += "mcf_gateway_rejections_total{reason=\"" + std::string(RejectionName(why)) + "\"} " +
           std::to_string(RejectionCount(why)) + "\n";
  }
  out += "# HELP mcf_gateway_streams_open Live update streams open (GET /v1/stream).\n";
  out += "# TYPE mcf_gateway_streams_open gauge\n";
  out += "mcf_gateway_streams_open " + std::to_string(streams_open_.load()) + "\n";
  out += "# HELP mcf_gateway_streams_dropped_total Live update streams closed by the gateway, by "
         "reason (slow_reader: its queue was full).\n";
  out += "# TYPE mcf_gateway_streams_dropped_total counter\n";
  out += "mcf_gateway_streams_dropped_total{reason=\"slow_reader\"} " +
         std::to_string(slow_readers_dropped_.load()) + "\n";
  return out;
}

}  // namespace mcf::gateway
