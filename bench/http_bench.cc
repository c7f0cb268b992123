#include "bench/http_bench.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "bench/broker_bench.h"
#include "lib/process/local_system.h"
#include "schemas/clock.h"

namespace mcf::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return sorted[i];
}

}  // namespace

HttpLoad PostLoad(int port, size_t connections, std::chrono::milliseconds duration,
                  const RequestMaker& make, int expected_status) {
  std::vector<std::vector<double>> latencies(connections);
  std::vector<size_t> errors(connections, 0);
  std::vector<size_t> sent(connections, 0);
  std::vector<std::string> first_error(connections);
  std::atomic<bool> go{false};
  const auto warmup = std::chrono::milliseconds(200);
  Clock::time_point start, stop;
  std::vector<std::thread> threads;
  for (size_t c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      client.set_read_timeout(std::chrono::seconds(10));
      while (!go.load()) std::this_thread::yield();
      size_t n = 0;
      for (auto now = Clock::now(); now < stop; now = Clock::now()) {
        HttpRequestSpec spec = make(c, n++);
        httplib::Headers headers;
        if (!spec.token.empty()) headers.emplace("Authorization", "Bearer " + spec.token);
        const auto t0 = Clock::now();
        auto res = client.Post(spec.path, headers, spec.body, "application/json");
        const auto t1 = Clock::now();
        ++sent[c];
        if (t0 < start) continue;  // warm-up: connections open, caches fill
        if (!res || res->status != expected_status) {
          if (errors[c]++ == 0)
            first_error[c] = res ? "HTTP " + std::to_string(res->status) + " " + res->body.substr(0, 200)
                                 : "no response (" + httplib::to_string(res.error()) + ")";
          continue;
        }
        latencies[c].push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      }
    });
  }
  start = Clock::now() + warmup;
  stop = start + duration;
  go = true;
  for (auto& t : threads) t.join();

  HttpLoad load;
  std::vector<double> all;
  for (size_t c = 0; c < connections; ++c) {
    all.insert(all.end(), latencies[c].begin(), latencies[c].end());
    load.errors += errors[c];
    load.all_requests += sent[c];
    if (load.first_error.empty()) load.first_error = first_error[c];
  }
  std::sort(all.begin(), all.end());
  load.requests = all.size();
  load.per_second = static_cast<double>(all.size()) / std::chrono::duration<double>(duration).count();
  load.p50_us = Percentile(all, 0.50);
  load.p99_us = Percentile(all, 0.99);
  return load;
}

HttpLoad TrivialHandlerLoad(size_t connections, std::chrono::milliseconds duration) {
  httplib::Server server;
  const size_t threads = std::max<size_t>(64, connections * 2);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  });
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(100000);
  server.Post(".*", [](const httplib::Request&, httplib::Response& res) {
    res.status = 201;
    res.set_content(R"({"id":"order-1","status":"requested","approx_cost":10000})",
                    "application/json");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  HttpLoad load = PostLoad(
      port, connections, duration,
      [](size_t, size_t) {
        return HttpRequestSpec{"/v1/orders", "token",
                               R"({"service_type_id":"chores","description":"x","desired_at":"2026-01-06T10:00:00Z"})"};
      },
      201);
  server.stop();
  serving.join();
  return load;
}

Result<HttpLoad> OrderLoad(const std::string& bin_dir, const std::string& data_dir,
                           size_t connections, std::chrono::milliseconds duration) {
  using Json = nlohmann::json;
  constexpr int64_t kStartMs = 1'767'600'000'000;  // 2026-01-05T08:00:00Z
  process::SystemOptions options;
  options.bin_dir = bin_dir;
  options.data_dir = data_dir;
  options.contexts = {"portal", "tasks", "matching", "hiring", "supplies"};
  options.gateway = true;
  options.broker_flags = {"--clock", "sim", "--start", schemas::clock::Iso8601(kStartMs)};
  ASSIGN_OR_RETURN(auto system, process::LocalSystem::Start(options));
  const int port = system->gateway_port();

  httplib::Client setup("127.0.0.1", port);
  setup.set_read_timeout(std::chrono::seconds(10));
  const httplib::Headers admin = {{"Authorization", "Bearer " + system->admin_token()}};
  for (int w = 0; w < 4; ++w) {
    Json worker = {{"name", "bench-worker-" + std::to_string(w)}, {"age", 3},
                   {"breed", "Siberian"},  {"coat_colour", "grey"},
                   {"strengths", {"jars"}}, {"weaknesses", Json::array()}};
    auto res = setup.Post("/v1/workers", admin, worker.dump(), "application/json");
    if (!res || res->status != 201)
      return Status::Unavailable("bench set-up: POST /v1/workers answered " +
                                 (res ? std::to_string(res->status) + " " + res->body : "nothing"));
  }
  std::vector<std::string> tokens;
  for (size_t c = 0; c < connections; ++c) {
    Json session = {{"employee_id", "bench-" + std::to_string(c)}, {"name", "bench client"}};
    auto res = setup.Post("/v1/session", session.dump(), "application/json");
    // Sign-in is rate limited per address: wait for the bucket to refill (bounded).
    for (int retry = 0; retry < 100 && res && res->status == 429; ++retry) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      res = setup.Post("/v1/session", session.dump(), "application/json");
    }
    if (!res || res->status != 201)
      return Status::Unavailable("bench set-up: POST /v1/session answered " +
                                 (res ? std::to_string(res->status) + " " + res->body : "nothing"));
    tokens.push_back(Json::parse(res->body).value("token", ""));
  }

  std::atomic<int64_t> next_slot{0};
  auto make = [&](size_t connection, size_t) {
    const int64_t slot = next_slot.fetch_add(1);
    const int64_t desired_at = kStartMs + 24 * 3'600'000 + slot * 61 * 60'000;
    Json order = {{"service_type_id", "chores"},
                  {"description", "bench: toss the jars"},
                  {"desired_at", schemas::clock::Iso8601(desired_at)}};
    return HttpRequestSpec{"/v1/orders", tokens[connection], order.dump()};
  };
  const std::vector<std::string> names = {"broker", "portal",   "tasks",  "matching",
                                          "hiring", "supplies", "gateway"};
  auto cpu = [&] {
    std::vector<double> out;
    for (const auto& name : names) {
      auto* p = system->Find(name);
      out.push_back(p ? CpuMicros(p->pid()).value_or(0) : 0);
    }
    return out;
  };
  const std::vector<double> before = cpu();
  HttpLoad load = PostLoad(port, connections, duration, make, 201);
  const std::vector<double> after = cpu();
  for (size_t i = 0; i < names.size(); ++i) {
    load.cpu_us_per_request.emplace_back(
        names[i], load.all_requests ? (after[i] - before[i]) / static_cast<double>(load.all_requests) : 0);
  }
  return load;
}

}  // namespace mcf::bench
