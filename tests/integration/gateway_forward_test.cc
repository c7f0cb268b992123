// Server::ForwardCommand against a real mcf-broker and mcf-test-worker: JSON in, the bus reply
// back as an HTTP status and JSON (problems for errors), bus errors counted in metrics.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "gateway/auth.h"
#include "gateway/server.h"
#include "tests/support/broker_process.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace mcf::gateway {
namespace {

using std::chrono::milliseconds;
using testing::BinDir;
using testing::ChildProcess;
using testing::ReadFile;
using testing::StartBrokerProcess;

class GatewayForwardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto broker = StartBrokerProcess(dir_.Sub("broker"), dir_.Sub("broker.log"));
    ASSERT_TRUE(broker) << ReadFile(dir_.Sub("broker.log"));
    broker_ = std::move(broker->process);
    worker_ = ChildProcess::Start({BinDir() + "/mcf-test-worker", "--broker", broker->endpoint,
                                   "--data", dir_.Sub("worker"), "--heartbeat-ms", "100"},
                                  dir_.Sub("worker.log"));
    ServerConfig config;
    config.port = 0;
    config.broker_endpoint = broker->endpoint;
    server_ = std::make_unique<Server>(config, tokens_);
  }

  void TearDown() override { server_.reset(); }

  // Forwards until the service answers something other than unavailable (the worker may still
  // be registering), within a bounded time.
  ForwardResult ForwardWhenUp(std::string_view type, const Json& body) {
    const auto until = std::chrono::steady_clock::now() + milliseconds(10000);
    ForwardResult r;
    do {
      r = server_->ForwardCommand(type, kManager, body, milliseconds(2000));
    } while (r.status == 503 && std::chrono::steady_clock::now() < until);
    return r;
  }

  std::string Logs() const {
    return ReadFile(dir_.Sub("broker.log")) + ReadFile(dir_.Sub("worker.log"));
  }

  const Principal kManager{"manager", "m-1"};
  testing::TempDir dir_;
  ChildProcess broker_, worker_;
  InMemoryTokenStore tokens_;
  std::unique_ptr<Server> server_;
};

TEST_F(GatewayForwardTest, OkReplyBodyComesBackAsJson) {
  ForwardResult r = ForwardWhenUp("test.add", Json{{"name", "n"}, {"amount", 2}});
  ASSERT_EQ(r.status, 200) << r.body.dump() << Logs();
  EXPECT_EQ(r.body["total"], 2);
  ForwardResult again =
      server_->ForwardCommand("test.add", kManager, Json{{"name", "n"}, {"amount", 3}},
                              milliseconds(2000), /*created=*/true);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body["total"], 5);
}

TEST_F(GatewayForwardTest, WorkerErrorsBecomeProblemsAndAreCounted) {
  ForwardResult bad = ForwardWhenUp("test.add", Json{{"name", "n"}, {"amount", "two"}});
  ASSERT_EQ(bad.status, 400) << bad.body.dump() << Logs();
  EXPECT_NE(bad.body["detail"].get<std::string>().find("body.amount"), std::string::npos);
  ForwardResult conflict = server_->ForwardCommand(
      "test.fail", kManager, Json{{"status", "conflict"}}, milliseconds(2000));
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.body["type"], "urn:mcf:problem:conflict");
  std::string metrics = server_->metrics().Render();
  EXPECT_NE(metrics.find("mcf_gateway_bus_errors_total{status=\"invalid\"} 1\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("mcf_gateway_bus_errors_total{status=\"conflict\"} 1\n"),
            std::string::npos);
}

TEST_F(GatewayForwardTest, NonObjectBodyIsRefusedBeforeTheBus) {
  ForwardResult r = server_->ForwardCommand("test.add", kManager, Json::array(), milliseconds(10));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["field"], "body");
}

}  // namespace
}  // namespace mcf::gateway
