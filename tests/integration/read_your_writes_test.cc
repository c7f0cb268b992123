// Read your writes through the real processes (mcf-broker + mcf-test-worker): a command sees
// every event that was in the log before it was sent, whoever produced it (docs/protocol.md,
// "Read your writes"). Each test acts on a reply the moment it has it, 500 times in a tight loop;
// without the broker's wait_for_seq and the worker's hold (or without durable replies) some
// iterations read the state from before the event.
#include <gtest/gtest.h>

#include <string>

#include "tests/integration/runtime_harness.h"

namespace mcf::testing {
namespace {

using schemas::BodyWriter;

constexpr int kRounds = 500;

class ReadYourWritesTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> worker_flags) {
    ASSERT_TRUE(cluster_.StartBroker()) << cluster_.Logs();
    cluster_.StartWorker(std::move(worker_flags));
    client_.emplace(context_, cluster_.endpoint(), "ryw-test");
    ASSERT_TRUE(GetCounter(*client_, "warmup").has_value()) << cluster_.Logs();
  }
  // test.get {name} once, right now (no retry: a stale read must show).
  int64_t GetNow(const std::string& name) {
    auto cmd = TestCommand(*client_, "test.get", BodyWriter().String("name", name).Finish());
    schemas::Reply reply = client_->Call(cmd, milliseconds(5000));
    EXPECT_EQ(reply.status, Code::kOk) << reply.message;
    auto body = schemas::Body::Parse(reply.body);
    if (!body.ok()) return -1;
    auto total = body->Int("total");
    return total.ok() ? *total : -1;
  }

  zmq::context_t context_;
  RuntimeCluster cluster_;
  std::optional<client::BusClient> client_;
};

// Events published by someone else (here a bare Publisher), acknowledged, then a command: the
// command sees them all, also when they are a backlog the worker is still applying (it takes 64
// events per transaction) and when events it does not subscribe to were appended after them (its
// subscription is then behind the log head on nothing it cares about: the broker must say so).
TEST_F(ReadYourWritesTest, ACommandSeesEveryEventAcknowledgedBeforeItWasSent) {
  Start({});
  client::Publisher feeder(context_, cluster_.endpoint(), "ryw-feeder");
  client::Publisher noise(context_, cluster_.endpoint(), "ryw-noise");
  constexpr int kBacklogRounds = 20, kBacklog = 300;
  uint64_t fed = 0, noisy = 0;
  int stale = 0;
  for (int round = 1; round <= kBacklogRounds + kRounds; ++round) {
    const int burst = round <= kBacklogRounds ? kBacklog : 1;
    for (int i = 0; i < burst; ++i) feeder.Publish("test.fed", FedEvent("ryw-feeder", ++fed, "r", 1));
    ASSERT_TRUE(feeder.Flush(milliseconds(10000)).ok()) << cluster_.Logs();
    if (round % 2 == 0) {
      // test.added: a topic this worker (no --count-added) does not subscribe to.
      noise.Publish("test.added", FedEvent("ryw-noise", ++noisy, "n", 1));
      ASSERT_TRUE(noise.Flush(milliseconds(5000)).ok()) << cluster_.Logs();
    }
    if (GetNow("fed:r") != static_cast<int64_t>(fed)) ++stale;
  }
  EXPECT_EQ(stale, 0) << "of " << kBacklogRounds + kRounds << " reads right after the ack";
}

// A command's reply, then a command that reads what the first one's event caused in the same
// context (test.add publishes test.added, which --count-added applies to counter "added").
TEST_F(ReadYourWritesTest, ACommandSeesTheEffectsOfTheEventsOfTheReplyBeforeIt) {
  Start({"--count-added"});
  int stale = 0;
  for (int i = 1; i <= kRounds; ++i) {
    auto add = TestCommand(*client_, "test.add",
                           BodyWriter().String("name", "a").Int("amount", 1).Finish());
    schemas::Reply reply = client_->Call(add, milliseconds(5000));
    ASSERT_EQ(reply.status, Code::kOk) << reply.message << cluster_.Logs();
    if (GetNow("added") != i) ++stale;
  }
  EXPECT_EQ(stale, 0) << "of " << kRounds << " reads right after the reply";
}

}  // namespace
}  // namespace mcf::testing
