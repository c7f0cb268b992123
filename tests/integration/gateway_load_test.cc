// The gateway under sustained keep-alive load, against a real system (lib/process LocalSystem:
// broker on the simulated clock, portal, gateway) over 127.0.0.1: 64 keep-alive connections for
// 30 s (MCF_GATEWAY_LOAD_SECONDS shortens or lengthens it), each sending
// GET /v1/service-types with a client token (a bus round trip to the portal) in a closed loop,
// with reconnect churn: a quarter of the connections are closed and reopened by the client every
// few requests, another quarter ask the server to close (Connection: close).
//
// And 32 keep-alive clients on a gateway with 8 threads (8 s at most): each is served in turn.
// It asserts correctness only — zero socket errors, every request answered 200 — never latency:
// it runs on a loaded 2-core machine.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/gateway_harness.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace mcf::testing::gateway {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kConnections = 64;
constexpr size_t kChurnEvery = 25;  // requests between reconnects on the churning connections

// MCF_GATEWAY_LOAD_BIN_DIR runs the same load against another build's executables (to compare
// with a baseline); the build's own by default.
std::string LoadBinDir() {
  const char* env = std::getenv("MCF_GATEWAY_LOAD_BIN_DIR");
  return env != nullptr && *env != '\0' ? std::string(env) : BinDir();
}

std::chrono::seconds LoadDuration() {
  const char* env = std::getenv("MCF_GATEWAY_LOAD_SECONDS");
  if (env != nullptr && std::atoi(env) > 0) return std::chrono::seconds(std::atoi(env));
  return std::chrono::seconds(30);
}

struct ConnectionTally {
  size_t sent = 0;
  size_t ok = 0;
  size_t socket_errors = 0;  // no response at all (httplib error)
  size_t bad_status = 0;     // a response, but not 200
  size_t reconnects = 0;
  size_t ok_during_load = 0;  // answered before the load ended (not once the others stopped)
  std::string first_error;
};

// Runs `connections` closed-loop clients against 127.0.0.1:`port` for `duration`; what each got.
// With `churn`, a quarter of them reconnect every kChurnEvery requests and another quarter ask
// the server to close then; without, every client keeps its one connection.
std::vector<ConnectionTally> RunLoad(int port, const std::string& token, size_t connections,
                                     std::chrono::seconds duration, bool churn) {
  std::vector<ConnectionTally> tallies(connections);
  std::atomic<bool> go{false};
  const auto stop = Clock::now() + std::chrono::seconds(1) + duration;
  std::vector<std::thread> threads;
  for (size_t c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      ConnectionTally& t = tallies[c];
      const bool client_closes = churn && c % 4 == 0;
      const bool server_closes = churn && c % 4 == 1;
      auto connect = [&] {
        auto client = std::make_unique<httplib::Client>("127.0.0.1", port);
        client->set_keep_alive(true);
        client->set_tcp_nodelay(true);
        // Generous: a response that never comes is an error, not a slow one.
        client->set_connection_timeout(std::chrono::seconds(10));
        client->set_read_timeout(std::chrono::seconds(30));
        client->set_write_timeout(std::chrono::seconds(30));
        return client;
      };
      auto client = connect();
      while (!go.load()) std::this_thread::yield();
      for (size_t n = 1; Clock::now() < stop; ++n) {
        httplib::Headers headers{{"Authorization", "Bearer " + token}};
        if (server_closes && n % kChurnEvery == 0) headers.emplace("Connection", "close");
        auto res = client->Get("/v1/service-types", headers);
        ++t.sent;
        if (!res) {
          if (t.socket_errors++ == 0) t.first_error = httplib::to_string(res.error());
        } else if (res->status != 200) {
          if (t.bad_status++ == 0 && t.first_error.empty()) {
            t.first_error = "HTTP " + std::to_string(res->status) + " " + res->body.substr(0, 200);
          }
        } else {
          ++t.ok;
          if (Clock::now() < stop) ++t.ok_during_load;
        }
        if (client_closes && n % kChurnEvery == 0) {
          client = connect();
          ++t.reconnects;
        }
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  return tallies;
}

// Sums `tallies` and checks them: every connection sent, none failed, every request answered.
void ExpectEveryResponse(const std::vector<ConnectionTally>& tallies,
                         std::chrono::seconds duration) {
  ConnectionTally total;
  for (size_t c = 0; c < tallies.size(); ++c) {
    const ConnectionTally& t = tallies[c];
    EXPECT_GT(t.ok_during_load, 0u)
        << "connection " << c << " was not served while the others were (" << t.ok
        << " responses, all after the load ended)";
    total.sent += t.sent;
    total.ok += t.ok;
    total.socket_errors += t.socket_errors;
    total.bad_status += t.bad_status;
    total.reconnects += t.reconnects;
    if (total.first_error.empty() && !t.first_error.empty()) {
      total.first_error = "connection " + std::to_string(c) + ": " + t.first_error;
    }
  }
  ::testing::Test::RecordProperty("requests", static_cast<int>(total.sent));
  ::testing::Test::RecordProperty("socket_errors", static_cast<int>(total.socket_errors));
  std::printf(
      "[ load     ] %zu connections, %lld s: %zu requests, %zu ok, %zu socket errors, "
      "%zu other statuses, %zu client reconnects\n",
      tallies.size(), static_cast<long long>(duration.count()), total.sent, total.ok,
      total.socket_errors, total.bad_status, total.reconnects);
  EXPECT_EQ(total.socket_errors, 0u) << total.first_error;
  EXPECT_EQ(total.bad_status, 0u) << total.first_error;
  EXPECT_EQ(total.ok, total.sent) << "every request must get its response";
  EXPECT_GT(total.sent, tallies.size());
}

class GatewayLoadTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> gateway_flags = {}) {
    if (!HavePortal()) GTEST_SKIP() << "mcf-portal is not in " << BinDir();
    process::SystemOptions options;
    options.bin_dir = LoadBinDir();
    options.data_dir = dir_.Sub("system");
    options.contexts = {"portal"};
    options.gateway = true;
    options.broker_flags = {"--clock", "sim", "--start", kStart, "--heartbeat-ms", "100"};
    options.worker_flags = {"--heartbeat-ms", "100"};
    options.gateway_flags = std::move(gateway_flags);
    auto system = process::LocalSystem::Start(options);
    ASSERT_TRUE(system.ok()) << system.status().ToString();
    system_ = std::move(system).value();
    Http http(system_->gateway_port());
    auto session =
        http.Send("POST", "/v1/session", "", Json{{"employee_id", "E-load"}, {"name", "Load"}});
    ASSERT_EQ(session.status, 201) << Describe(session);
    token_ = session.body["token"];
  }
  void TearDown() override {
    if (HasFailure() && system_) ADD_FAILURE() << system_->Logs();
  }

  TempDir dir_;
  std::unique_ptr<process::LocalSystem> system_;
  std::string token_;
};

TEST_F(GatewayLoadTest, SixtyFourKeepAliveConnectionsWithChurnGetEveryResponse) {
  ASSERT_NO_FATAL_FAILURE(Start());
  if (IsSkipped()) return;
  const auto duration = LoadDuration();
  ExpectEveryResponse(
      RunLoad(system_->gateway_port(), token_, kConnections, duration, /*churn=*/true), duration);
}

// More keep-alive clients than server threads, none of which would ever close: a busy
// connection makes room for one that waits (Connection: close), so every client is served in
// turn and none waits out its read timeout.
TEST_F(GatewayLoadTest, MoreKeepAliveConnectionsThanThreadsAreAllServed) {
  ASSERT_NO_FATAL_FAILURE(Start({"--threads", "8"}));
  if (IsSkipped()) return;
  const auto duration = std::min(LoadDuration(), std::chrono::seconds(8));
  ExpectEveryResponse(RunLoad(system_->gateway_port(), token_, 32, duration, /*churn=*/false),
                      duration);
}

}  // namespace
}  // namespace mcf::testing::gateway
