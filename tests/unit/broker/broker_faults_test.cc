// The broker's acknowledgement rule under injected faults in its event log (a broker::Broker in
// this process over a real LMDB log, lib/store/fault_injection.h; raw MCF/1 peers on real
// sockets): no PUB_ACK while the commit is blocked, none after a failed append, commit (fsync)
// or a full map, and a resend once the fault clears is appended exactly once. Also: the log is
// opened with durable sync flags (docs/protocol.md, "Events").
#include <gtest/gtest.h>
#include <lmdb.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <vector>

#include "broker/event_log.h"
#include "broker/options.h"
#include "lib/store/fault_injection.h"
#include "tests/integration/broker_harness.h"
#include "tests/support/temp_dir.h"

namespace mcf::testing {
namespace {

using std::chrono::milliseconds;

// How long a test waits for something that must not happen. Nothing is guaranteed by it: the
// commit is held at the gate, so an ack can only come from a broker that acks before durability;
// the window gives such a broker ample time to show it.
constexpr milliseconds kQuiet{500};
// Generous bounds for things that must happen (a loaded 2-core machine).
constexpr milliseconds kSoon{10000};

std::vector<std::pair<uint64_t, std::string>> Events(uint64_t from, uint64_t to) {
  std::vector<std::pair<uint64_t, std::string>> out;
  for (uint64_t i = from; i <= to; ++i) out.emplace_back(i, "tasks.x");
  return out;
}

class BrokerFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker::BrokerOptions options;
    options.data_dir = dir_.Sub("log");
    options.clock_mode = broker::ClockMode::kSim;  // no minute events: every commit is ours
    options.log_faults = &plan_;
    broker_ = std::make_unique<InProcessBroker>(context_, options);
    ASSERT_TRUE(broker_->ok()) << broker_->error();
    pub_ = std::make_unique<Peer>(context_, broker_->endpoint());
    admin_ = std::make_unique<Peer>(context_, broker_->endpoint());
  }
  void TearDown() override {
    plan_.Clear();  // let a held commit through, so the broker can stop
    EXPECT_EQ(plan_.gate_timeouts(), 0u) << "a commit waited out the gate's timeout";
    pub_.reset();
    admin_.reset();
    broker_.reset();
  }

  int64_t StatInt(const std::string& field) {
    std::string storage;
    auto stats = Stats(*admin_, storage);
    EXPECT_TRUE(stats) << "broker.stats";
    if (!stats) return -1;
    auto v = stats->Int(field);
    EXPECT_TRUE(v.ok()) << field;
    return v.ok() ? *v : -1;
  }

  // Every event of the log, read by a subscriber from seq 1 until `expect` arrived or a quiet
  // spell after them: a duplicate would show as an extra event.
  std::vector<ReceivedEvent> ReadLog(size_t expect) {
    Peer sub(context_, broker_->endpoint());
    sub.Send(proto::Encode(proto::Subscribe{1, 1000, {""}}));
    auto events = Collect(sub, expect, kSoon);
    auto extra = Collect(sub, 1, kQuiet);
    events.insert(events.end(), extra.begin(), extra.end());
    return events;
  }

  // A PUBLISH of p:1..3 is refused durability by the armed fault: no PUB_ACK, nothing in the
  // log; then, the fault cleared, the same resend is acked and stored once.
  void PublishFailsThenResendIsStoredOnce() {
    pub_->Send(PublishFrames("p", Events(1, 3)));
    const auto until = std::chrono::steady_clock::now() + kSoon;
    while (plan_.faults_fired() == 0 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(milliseconds(5));
    ASSERT_EQ(plan_.faults_fired(), 1u) << "the fault never fired";
    EXPECT_FALSE(pub_->RecvKind(proto::Kind::kPubAck, kQuiet)) << "acked a failed append";
    EXPECT_EQ(StatInt("log_head"), 0);
    EXPECT_EQ(StatInt("append_failed"), 1);

    // The broker goes on: the publisher's resend (the same events, the same seqs) is stored.
    plan_.Clear();
    pub_->Send(PublishFrames("p", Events(1, 3)));
    EXPECT_EQ(AwaitAck(*pub_, 3, kSoon), 3u);
    pub_->Send(PublishFrames("p", Events(2, 3)));  // a second resend: a duplicate, acked again
    EXPECT_EQ(AwaitAck(*pub_, 3, kSoon), 3u);
    EXPECT_EQ(StatInt("log_head"), 3);
    auto events = ReadLog(3);
    ASSERT_EQ(events.size(), 3u) << "each event exactly once";
    for (size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].seq, i + 1);
      EXPECT_EQ(events[i].pseq, static_cast<int64_t>(i + 1));
    }
  }

  TempDir dir_;
  store::FaultPlan plan_{std::chrono::seconds(60)};
  zmq::context_t context_{1};
  std::unique_ptr<InProcessBroker> broker_;
  std::unique_ptr<Peer> pub_, admin_;
};

TEST_F(BrokerFaultsTest, NoPubAckWhileTheLogCommitIsBlocked) {
  plan_.BlockCommits();
  pub_->Send(PublishFrames("p", Events(1, 3)));
  ASSERT_TRUE(plan_.WaitUntilBlocked(kSoon)) << "the append never reached its commit";
  EXPECT_FALSE(pub_->RecvKind(proto::Kind::kPubAck, kQuiet)) << "acked before the commit returned";
  // The routing thread is not held by the commit: commands are served meanwhile.
  EXPECT_EQ(StatInt("log_head"), 0);
  EXPECT_EQ(StatInt("pending_writes"), 1);

  plan_.ReleaseCommits();
  EXPECT_EQ(AwaitAck(*pub_, 3, kSoon), 3u);
  EXPECT_EQ(StatInt("log_head"), 3);
}

TEST_F(BrokerFaultsTest, AFailedAppendIsNotAckedAndTheResendIsStoredOnce) {
  plan_.FailPuts(1, EIO);
  PublishFailsThenResendIsStoredOnce();
}

TEST_F(BrokerFaultsTest, AFailedCommitIsNotAckedAndTheResendIsStoredOnce) {
  plan_.FailCommits(1, EIO);  // what a failed fsync returns
  PublishFailsThenResendIsStoredOnce();
}

TEST_F(BrokerFaultsTest, AFullMapIsNotAckedAndTheResendIsStoredOnce) {
  plan_.FillMap(1);
  PublishFailsThenResendIsStoredOnce();
}

// A publisher pipelines: its next PUBLISH may reach the broker after an earlier one failed to
// append. The later batch must not be stored over the hole (its PUB_ACK would cover the lost
// events, and the publisher would delete them from its outbox); the resend fills the hole.
TEST_F(BrokerFaultsTest, ABatchAfterAFailedAppendIsNotStoredOverTheHole) {
  plan_.FailPuts(1, EIO);
  pub_->Send(PublishFrames("p", Events(1, 3)));
  const auto until = std::chrono::steady_clock::now() + kSoon;
  while (plan_.faults_fired() == 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(milliseconds(5));
  ASSERT_EQ(plan_.faults_fired(), 1u);
  pub_->Send(PublishFrames("p", Events(4, 6)));  // already on its way when 1..3 failed
  EXPECT_EQ(AwaitAck(*pub_, 1, kQuiet), 0u) << "an ack covers events that were never stored";
  EXPECT_EQ(StatInt("log_head"), 0);
  EXPECT_EQ(StatInt("refused_gaps"), 1);

  pub_->Send(PublishFrames("p", Events(1, 6)));  // the resend of the unacked tail
  EXPECT_EQ(AwaitAck(*pub_, 6, kSoon), 6u);
  auto events = ReadLog(6);
  ASSERT_EQ(events.size(), 6u);
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].pseq, static_cast<int64_t>(i + 1));
}

// The broker opens its log with LogOptionsFor (Broker::Create); nothing may turn fsync off.
TEST(BrokerLogOptionsTest, TheLogIsOpenedWithDurableSyncFlags) {
  TempDir dir;
  broker::BrokerOptions options;  // mcf-broker's defaults; its flags set no store option
  auto log = broker::EventLog::Open(dir.Sub("log"), broker::LogOptionsFor(options));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  auto flags = (*log)->EnvFlags();
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(*flags & MDB_NOSYNC, 0u);
  EXPECT_EQ(*flags & MDB_NOMETASYNC, 0u);
  EXPECT_EQ(*flags & MDB_MAPASYNC, 0u);
  EXPECT_EQ(*flags & MDB_WRITEMAP, 0u);  // with MAPASYNC it would defer the writes' flush
}

}  // namespace
}  // namespace mcf::testing
