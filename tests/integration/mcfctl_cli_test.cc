// mcfctl end to end: the real executable against a real mcf-broker (simulated clock).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/broker_process.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace mcf::mcfctl {
namespace {

using testing::BinDir;
using testing::ChildProcess;
using testing::TempDir;

struct Output {
  int exit_code = -1;
  std::string out;  // stdout only
  std::vector<std::string> lines;
};

Output Mcfctl(const std::string& args) {
  Output o;
  std::string cmd = BinDir() + "/mcfctl " + args + " 2>/dev/null";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return o;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) o.out.append(buf, n);
  int status = pclose(pipe);
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::istringstream in(o.out);
  for (std::string line; std::getline(in, line);) o.lines.push_back(line);
  return o;
}

class McfctlCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto broker = testing::StartBrokerProcess(
        dir_.Sub("broker"), dir_.Sub("broker.log"),
        {"--clock", "sim", "--start", "2026-01-04T23:58:00Z", "--heartbeat-ms", "100"});
    ASSERT_TRUE(broker.has_value()) << testing::ReadFile(dir_.Sub("broker.log"));
    broker_ = std::move(broker->process);
    broker_flag_ = "--broker " + broker->endpoint + " ";
  }

  TempDir dir_;
  ChildProcess broker_;
  std::string broker_flag_;
};

TEST_F(McfctlCliTest, HealthExitsZeroAndPrintsStatusOk) {
  Output o = Mcfctl(broker_flag_ + "health");
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(o.out)["status"], "ok");
}

TEST_F(McfctlCliTest, SendToUnknownServicePrintsUnavailableWithItsExitCode) {
  Output o = Mcfctl(broker_flag_ + "send nosuch x '{}'");
  EXPECT_EQ(o.exit_code, 14);
  auto reply = nlohmann::json::parse(o.out);
  EXPECT_EQ(reply["status"], "unavailable");
  EXPECT_EQ(reply["type"], "nosuch.x");
  // The README's example, with a dotted service name: the bus answers, not a usage error.
  Output dotted = Mcfctl(broker_flag_ + "send nosuch.service x '{}'");
  EXPECT_EQ(dotted.exit_code, 14) << dotted.out;
  EXPECT_EQ(nlohmann::json::parse(dotted.out)["status"], "unavailable");
}

TEST_F(McfctlCliTest, SendRejectsABodyThatIsNotAnObject) {
  EXPECT_EQ(Mcfctl(broker_flag_ + "send test add '[1,2]'").exit_code, 2);
  EXPECT_EQ(Mcfctl(broker_flag_ + "send test add '{oops'").exit_code, 2);
  EXPECT_EQ(Mcfctl(broker_flag_ + "send test other.add '{}'").exit_code, 2);
}

TEST_F(McfctlCliTest, TailOnAnEmptyLogExitsAtOnce) {
  Output o = Mcfctl(broker_flag_ + "tail --from 1");
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_TRUE(o.lines.empty()) << o.out;
}

TEST_F(McfctlCliTest, ClockAdvanceAcrossMidnightThenTailShowsItsEventsInOrder) {
  Output advanced = Mcfctl(broker_flag_ + "clock advance 5m");
  ASSERT_EQ(advanced.exit_code, 0);
  auto now = nlohmann::json::parse(advanced.out);
  EXPECT_EQ(now["now"], "2026-01-05T00:03:00Z");
  EXPECT_EQ(now["mode"], "sim");

  // 5 ticks, plus week_ended and day_started at Monday 00:00.
  Output all = Mcfctl(broker_flag_ + "tail --from 1");
  ASSERT_EQ(all.exit_code, 0);
  ASSERT_EQ(all.lines.size(), 7u) << all.out;
  uint64_t previous = 0;
  for (const std::string& line : all.lines) {
    auto event = nlohmann::json::parse(line);
    EXPECT_GT(event["seq"].get<uint64_t>(), previous);
    previous = event["seq"].get<uint64_t>();
    EXPECT_EQ(event["envelope"]["type"], event["topic"]);
  }

  Output ticks = Mcfctl(broker_flag_ + "tail --from 1 --topic clock.tick");
  EXPECT_EQ(ticks.lines.size(), 5u) << ticks.out;
  Output last = Mcfctl(broker_flag_ + "tail --last 2");
  ASSERT_EQ(last.lines.size(), 2u) << last.out;
  EXPECT_EQ(nlohmann::json::parse(last.lines[1])["time"], "2026-01-05T00:03:00Z");
  Output day = Mcfctl(broker_flag_ + "tail --from 1 --topic clock.day_started");
  ASSERT_EQ(day.lines.size(), 1u) << day.out;
  EXPECT_EQ(nlohmann::json::parse(day.lines[0])["envelope"]["body"]["date"], "2026-01-05");
}

TEST_F(McfctlCliTest, StoresShowsTheBrokerLogEntries) {
  ASSERT_EQ(Mcfctl(broker_flag_ + "clock advance 3m").exit_code, 0);
  Output o = Mcfctl("stores --json --data " + dir_.path());
  ASSERT_EQ(o.exit_code, 0) << o.out;
  auto stores = nlohmann::json::parse(o.out);
  ASSERT_EQ(stores.size(), 1u);
  EXPECT_EQ(stores[0]["context"], "broker");
  bool found = false;
  for (const auto& db : stores[0]["dbs"]) {
    if (db["name"] == "events") {
      found = true;
      EXPECT_GE(db["entries"].get<int>(), 3);
    }
  }
  EXPECT_TRUE(found) << o.out;
}

TEST(McfctlNoBrokerTest, HealthTimesOutWithTheTimeoutExitCode) {
  Output o = Mcfctl("--broker tcp://127.0.0.1:1 health --timeout 300ms");
  EXPECT_EQ(o.exit_code, 15);
}

}  // namespace
}  // namespace mcf::mcfctl
