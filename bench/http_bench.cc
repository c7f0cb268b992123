#include "bench/http_bench.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <numeric>
#include <nlohmann/json.hpp>
#include <thread>

#include "bench/broker_bench.h"
#include "lib/process/local_system.h"
#include "schemas/clock.h"

namespace mcf::bench {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

}  // namespace

HttpLoad RequestLoad(int port, size_t connections, std::chrono::milliseconds duration,
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
        auto res = spec.method == "GET"
                       ? client.Get(spec.path, headers)
                       : client.Post(spec.path, headers, spec.body, "application/json");
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
  load.requests = all.size();
  load.per_second = static_cast<double>(all.size()) / std::chrono::duration<double>(duration).count();
  const Latency latency = Summarize(all);
  load.p50_us = latency.p50_us;
  load.p99_us = latency.p99_us;
  load.latencies_us = std::move(all);
  return load;
}

HttpLoad TrivialHandlerLoad(const std::string& method, size_t connections,
                            std::chrono::milliseconds duration) {
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
  const int status = method == "GET" ? 200 : 201;
  auto answer = [status](const httplib::Request&, httplib::Response& res) {
    res.status = status;
    res.set_content(R"({"id":"order-1","status":"requested","approx_cost":10000})",
                    "application/json");
  };
  if (method == "GET") {
    server.Get(".*", answer);
  } else {
    server.Post(".*", answer);
  }
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  HttpLoad load = RequestLoad(
      port, connections, duration,
      [&method](size_t, size_t) {
        return HttpRequestSpec{method, "/v1/orders", "token",
                               method == "GET" ? "" : R"({"service_type_id":"chores","description":"x","desired_at":"2026-01-06T10:00:00Z"})"};
      },
      status);
  server.stop();
  serving.join();
  return load;
}

// --- OrderSystem ------------------------------------------------------------------------------

namespace {

const std::vector<std::string> kProcesses = {"broker", "portal",   "tasks",  "matching",
                                             "hiring", "supplies", "gateway"};

Status SetUpFailed(const std::string& what, const httplib::Result& res) {
  return Status::Unavailable("bench set-up: " + what + " answered " +
                             (res ? std::to_string(res->status) + " " + res->body : "nothing"));
}

}  // namespace

struct OrderSystem::Impl {
  std::unique_ptr<process::LocalSystem> system;
  std::vector<std::string> tokens;
  std::atomic<int64_t> next_slot{0};
  std::unique_ptr<httplib::Client> setup;
  httplib::Headers admin;
  int staff = 0;
  std::string manager;  // made by the first OrderStatus call
};

OrderSystem::OrderSystem(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OrderSystem::~OrderSystem() { Stop(); }

Result<std::unique_ptr<OrderSystem>> OrderSystem::Start(const std::string& bin_dir,
                                                        const std::string& data_dir,
                                                        size_t clients) {
  auto impl = std::make_unique<Impl>();
  process::SystemOptions options;
  options.bin_dir = bin_dir;
  options.data_dir = data_dir;
  options.contexts = {"portal", "tasks", "matching", "hiring", "supplies"};
  options.gateway = true;
  options.broker_flags = {"--clock", "sim", "--start", schemas::clock::Iso8601(kBenchStartMs)};
  ASSIGN_OR_RETURN(impl->system, process::LocalSystem::Start(options));
  impl->setup = std::make_unique<httplib::Client>("127.0.0.1", impl->system->gateway_port());
  httplib::Client& setup = *impl->setup;
  setup.set_read_timeout(std::chrono::seconds(10));
  impl->admin = {{"Authorization", "Bearer " + impl->system->admin_token()}};
  for (int w = 0; w < 4; ++w) {
    Json worker = {{"name", "bench-worker-" + std::to_string(w)}, {"age", 3},
                   {"breed", "Siberian"},  {"coat_colour", "grey"},
                   {"strengths", {"jars"}}, {"weaknesses", Json::array()}};
    auto res = setup.Post("/v1/workers", impl->admin, worker.dump(), "application/json");
    if (!res || res->status != 201) return SetUpFailed("POST /v1/workers", res);
  }
  for (size_t c = 0; c < clients; ++c) {
    Json session = {{"employee_id", "bench-" + std::to_string(c)}, {"name", "bench client"}};
    auto res = setup.Post("/v1/session", session.dump(), "application/json");
    // Sign-in is rate limited per address: wait for the bucket to refill (bounded).
    for (int retry = 0; retry < 100 && res && res->status == 429; ++retry) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      res = setup.Post("/v1/session", session.dump(), "application/json");
    }
    if (!res || res->status != 201) return SetUpFailed("POST /v1/session", res);
    impl->tokens.push_back(Json::parse(res->body).value("token", ""));
  }
  return std::unique_ptr<OrderSystem>(new OrderSystem(std::move(impl)));
}

int OrderSystem::port() const { return impl_->system->gateway_port(); }

pid_t OrderSystem::pid(std::string_view name) const {
  auto* p = impl_->system->Find(name);
  return p ? p->pid() : -1;
}

const std::string& OrderSystem::client_token(size_t client) const {
  return impl_->tokens.at(client);
}

Result<std::string> OrderSystem::StaffToken(const std::string& role) {
  Json staff = {{"role", role}, {"name", "bench " + role + " " + std::to_string(++impl_->staff)}};
  auto res = impl_->setup->Post("/v1/staff", impl_->admin, staff.dump(), "application/json");
  if (!res || res->status != 201) return SetUpFailed("POST /v1/staff", res);
  return Json::parse(res->body).value("token", "");
}

Result<std::string> OrderSystem::OrderStatus(const std::string& order_id) {
  if (impl_->manager.empty()) {
    ASSIGN_OR_RETURN(impl_->manager, StaffToken("manager"));
  }
  auto res = impl_->setup->Get("/v1/orders/" + order_id,
                               {{"Authorization", "Bearer " + impl_->manager}});
  if (!res || res->status != 200) return SetUpFailed("GET /v1/orders/" + order_id, res);
  return Json::parse(res->body).value("status", "");
}

RequestMaker OrderSystem::NewOrders() {
  return [this](size_t connection, size_t) {
    const int64_t slot = impl_->next_slot.fetch_add(1);
    const int64_t desired_at = kBenchStartMs + 24 * 3'600'000 + slot * 61 * 60'000;
    Json order = {{"service_type_id", "chores"},
                  {"description", "bench: toss the jars"},
                  {"desired_at", schemas::clock::Iso8601(desired_at)}};
    return HttpRequestSpec{"POST", "/v1/orders", impl_->tokens.at(connection), order.dump()};
  };
}

HttpLoad OrderSystem::Measure(size_t connections, std::chrono::milliseconds duration,
                              const RequestMaker& make, int expected_status,
                              std::chrono::milliseconds settle_limit) {
  auto cpu = [&] {
    std::vector<double> out;
    for (const auto& name : kProcesses) {
      auto* p = impl_->system->Find(name);
      out.push_back(p ? CpuMicros(p->pid()).value_or(0) : 0);
    }
    return out;
  };
  auto sum = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); };
  const std::vector<double> before = cpu();
  HttpLoad load = RequestLoad(port(), connections, duration, make, expected_status);
  // Idle = under 10% of one core together over a 250 ms window: heartbeats cost far less, a
  // process working off a backlog a whole core, and /proc counts CPU in 10 ms ticks.
  constexpr auto kWindow = std::chrono::milliseconds(250);
  constexpr double kIdleMicros = 0.10 * 250'000;
  const auto load_end = Clock::now();
  std::vector<double> after = cpu();
  load.settled = false;
  while (Clock::now() - load_end < settle_limit) {
    std::this_thread::sleep_for(kWindow);
    std::vector<double> now = cpu();
    const double busy = sum(now) - sum(after);
    after = std::move(now);
    if (busy < kIdleMicros) {
      load.settled = true;
      break;
    }
  }
  load.settle_seconds = std::chrono::duration<double>(Clock::now() - load_end).count();
  for (size_t i = 0; i < kProcesses.size(); ++i) {
    load.cpu_us_per_request.emplace_back(
        kProcesses[i],
        load.all_requests ? (after[i] - before[i]) / static_cast<double>(load.all_requests) : 0);
  }
  return load;
}

void OrderSystem::Stop() {
  if (impl_ && impl_->system) impl_->system->Stop();
}

Result<HttpLoad> OrderLoad(const std::string& bin_dir, const std::string& data_dir,
                           size_t connections, std::chrono::milliseconds duration,
                           std::chrono::milliseconds settle_limit) {
  ASSIGN_OR_RETURN(auto system, OrderSystem::Start(bin_dir, data_dir, connections));
  return system->Measure(connections, duration, system->NewOrders(), 201, settle_limit);
}

Result<HttpLoad> ManagerListLoad(const std::string& bin_dir, const std::string& data_dir,
                                 size_t connections, std::chrono::milliseconds duration,
                                 size_t orders, std::chrono::milliseconds settle_limit) {
  ASSIGN_OR_RETURN(auto system, OrderSystem::Start(bin_dir, data_dir, 1));
  const RequestMaker place = system->NewOrders();
  httplib::Client client("127.0.0.1", system->port());
  client.set_read_timeout(std::chrono::seconds(10));
  for (size_t n = 0; n < orders; ++n) {
    const HttpRequestSpec spec = place(0, n);
    auto res = client.Post(spec.path, {{"Authorization", "Bearer " + spec.token}}, spec.body,
                           "application/json");
    if (!res || res->status != 201) return SetUpFailed("POST /v1/orders", res);
  }
  ASSIGN_OR_RETURN(const std::string manager, system->StaffToken("manager"));
  auto res = client.Get("/v1/orders", {{"Authorization", "Bearer " + manager}});
  if (!res || res->status != 200) return SetUpFailed("GET /v1/orders", res);
  const size_t listed = Json::parse(res->body).value("orders", Json::array()).size();
  if (listed != orders)
    return Status::Unavailable("bench set-up: the manager lists " + std::to_string(listed) +
                               " orders, not " + std::to_string(orders));
  return system->Measure(connections, duration,
                         [&manager](size_t, size_t) {
                           return HttpRequestSpec{"GET", "/v1/orders", manager, ""};
                         },
                         200, settle_limit);
}

}  // namespace mcf::bench
