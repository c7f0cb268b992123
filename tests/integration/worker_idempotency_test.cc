// Recorded replies through the real processes: a repeated command id, a recorded conflict and
// an expired command (mcf-broker + mcf-test-worker).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "lib/base/clock.h"
#include "tests/integration/runtime_harness.h"

namespace mcf::testing {
namespace {

using schemas::Body;
using schemas::BodyWriter;

class WorkerIdempotencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.StartBroker()) << cluster_.Logs();
    cluster_.StartWorker();
    client_.emplace(context_, cluster_.endpoint(), "idempotency-test");
    ASSERT_TRUE(GetCounter(*client_, "warmup").has_value()) << cluster_.Logs();
  }

  zmq::context_t context_;
  RuntimeCluster cluster_;
  std::optional<client::BusClient> client_;
};

TEST_F(WorkerIdempotencyTest, SameCommandIdTwiceGivesSameReplyOneEffectOneEvent) {
  auto cmd =
      TestCommand(*client_, "test.add",
                  BodyWriter().String("name", "twice").Int("amount", 5).Finish(), "same-id-1");
  schemas::Reply first = client_->Call(cmd, milliseconds(3000));
  ASSERT_EQ(first.status, Code::kOk) << first.message;
  schemas::Reply second = client_->Call(cmd, milliseconds(3000));
  ASSERT_EQ(second.status, Code::kOk) << second.message;
  EXPECT_EQ(second, first);  // byte-for-byte the recorded reply
  EXPECT_EQ(*Body::Parse(second.body)->Int("total"), 5);
  EXPECT_EQ(GetCounter(*client_, "twice"), 5);

  auto counts =
      CountByCausation(context_, cluster_.endpoint(), "test.added", 1, milliseconds(5000));
  EXPECT_EQ(counts["same-id-1"], 1);
}

TEST_F(WorkerIdempotencyTest, ConflictLeavesNoPartialWriteAndRetryGetsRecordedConflict) {
  auto cmd = TestCommand(*client_, "test.fail", BodyWriter().String("status", "conflict").Finish(),
                         "conflict-1");
  schemas::Reply first = client_->Call(cmd, milliseconds(3000));
  EXPECT_EQ(first.status, Code::kConflict) << first.message;
  // The handler wrote "fail:conflict" before failing: rolled back.
  EXPECT_EQ(GetCounter(*client_, "fail:conflict"), 0);
  schemas::Reply retry = client_->Call(cmd, milliseconds(3000));
  EXPECT_EQ(retry, first);
  EXPECT_EQ(GetCounter(*client_, "fail:conflict"), 0);

  // internal is not recorded: a retry runs the handler again (and fails again, rolled back).
  auto internal = TestCommand(*client_, "test.fail",
                              BodyWriter().String("status", "internal").Finish(), "internal-1");
  EXPECT_EQ(client_->Call(internal, milliseconds(3000)).status, Code::kInternal);
  EXPECT_EQ(client_->Call(internal, milliseconds(3000)).status, Code::kInternal);
  EXPECT_EQ(GetCounter(*client_, "fail:internal"), 0);
  EXPECT_NE(ReadFile(cluster_.dir().Sub("worker.log")).find("event=handler_failed type=test.fail"),
            std::string::npos);
}

TEST_F(WorkerIdempotencyTest, ExpiredCommandIsAnsweredTimeoutAndNotExecuted) {
  auto cmd = TestCommand(*client_, "test.add",
                         BodyWriter().String("name", "late").Int("amount", 9).Finish(), "late-1");
  cmd.deadline_ms = WallMillis() - 1000;  // real clock: bus time is past this deadline
  schemas::Reply reply = client_->Call(cmd, milliseconds(3000));
  EXPECT_EQ(reply.status, Code::kTimeout) << reply.message;
  EXPECT_EQ(GetCounter(*client_, "late"), 0);

  // Not recorded: the same id with a live deadline runs once.
  cmd.deadline_ms = 0;
  schemas::Reply again = client_->Call(cmd, milliseconds(3000));
  EXPECT_EQ(again.status, Code::kOk) << again.message;
  EXPECT_EQ(GetCounter(*client_, "late"), 9);
}

TEST_F(WorkerIdempotencyTest, TimedOutCommandsRetriedWithSameIdTakeEffectOnce) {
  // A slow worker (300 ms per handler) and 400 ms budgets: some callers get `timeout` while
  // their command ran anyway, others' commands expire in the worker before running. Retrying
  // every id until ok must leave each effect exactly once.
  cluster_.worker().Stop();
  cluster_.StartWorker({"--handler-delay-ms", "300", "--capacity", "8"});
  ASSERT_TRUE(GetCounter(*client_, "warmup").has_value()) << cluster_.Logs();
  std::vector<schemas::Envelope> cmds;
  for (int i = 0; i < 4; ++i)
    cmds.push_back(TestCommand(*client_, "test.add",
                               BodyWriter().String("name", "budget").Int("amount", 1).Finish(),
                               "budget-" + std::to_string(i)));
  for (const auto& c : cmds) client_->Send(c, milliseconds(400));
  int timeouts = 0, answered = 0;
  while (auto r = client_->Receive(milliseconds(2000))) {
    ++answered;
    if (r->second.status == Code::kTimeout) ++timeouts;
  }
  EXPECT_EQ(answered, 4);
  EXPECT_GE(timeouts, 1);
  for (const auto& c : cmds) {
    schemas::Reply r = client_->Call(c, milliseconds(5000));
    EXPECT_EQ(r.status, Code::kOk) << r.message;
  }
  EXPECT_EQ(GetCounter(*client_, "budget"), 4) << cluster_.Logs();
}

TEST_F(WorkerIdempotencyTest, SigtermFinishesCleanlyWithExitZeroAndDisconnects) {
  auto cmd = TestCommand(*client_, "test.add",
                         BodyWriter().String("name", "term").Int("amount", 1).Finish());
  ASSERT_EQ(client_->Call(cmd, milliseconds(3000)).status, Code::kOk);
  EXPECT_EQ(cluster_.worker().Stop(milliseconds(5000)), 0);
  EXPECT_NE(ReadFile(cluster_.dir().Sub("worker.log")).find("event=worker_stopped"),
            std::string::npos);
  // A restarted worker has the state.
  cluster_.StartWorker();
  EXPECT_EQ(GetCounter(*client_, "term"), 1) << cluster_.Logs();
}

TEST_F(WorkerIdempotencyTest, UnusableDataDirFailsFastWithExitTwo) {
  std::string file = cluster_.dir().Sub("not-a-dir");
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::fclose(f);
  }
  auto p = ChildProcess::Start(
      {BinDir() + "/mcf-test-worker", "--broker", cluster_.endpoint(), "--data", file + "/sub"},
      cluster_.dir().Sub("bad-worker.log"));
  EXPECT_EQ(p.Wait(milliseconds(5000)), 2);
  EXPECT_NE(ReadFile(cluster_.dir().Sub("bad-worker.log")).find("cannot open store"),
            std::string::npos);
}

TEST_F(WorkerIdempotencyTest, WorkerWithAWipedStoreStillGetsItsEventsIntoTheLog) {
  auto add = [&](const std::string& id) {
    auto cmd = TestCommand(*client_, "test.add",
                           BodyWriter().String("name", "wiped").Int("amount", 1).Finish(), id);
    return client_->Call(cmd, milliseconds(5000)).status;
  };
  ASSERT_EQ(add("before-wipe"), Code::kOk);
  ASSERT_EQ(CountByCausation(context_, cluster_.endpoint(), "test.added", 1,
                             milliseconds(5000))["before-wipe"],
            1);
  // A new store restarts producer_seq at 1; it must be a new stream at the broker, not a
  // "duplicate" of the old store's first event.
  cluster_.KillWorker();
  std::filesystem::remove_all(cluster_.dir().Sub("worker"));
  cluster_.StartWorker();
  ASSERT_TRUE(GetCounter(*client_, "warmup").has_value()) << cluster_.Logs();
  ASSERT_EQ(add("after-wipe"), Code::kOk);
  auto counts =
      CountByCausation(context_, cluster_.endpoint(), "test.added", 2, milliseconds(5000));
  EXPECT_EQ(counts["before-wipe"], 1);
  EXPECT_EQ(counts["after-wipe"], 1) << cluster_.Logs();
}

}  // namespace
}  // namespace mcf::testing
