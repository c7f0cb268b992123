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
  // Some tests block the worker in a handler for hundreds of ms: a peer is dropped (and a
  // silent broker left) only after 3 s, not 3 heartbeats of 100 ms, on both sides.
  static std::vector<std::string> Patient(std::vector<std::string> flags = {}) {
    flags.insert(flags.end(), {"--liveness", "30"});
    return flags;
  }

  void SetUp() override {
    ASSERT_TRUE(cluster_.StartBroker(Patient())) << cluster_.Logs();
    cluster_.StartWorker(Patient());
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

// docs/decisions/003-error-replies-are-recorded.md, status by status: a handler's invalid,
// not_found, conflict and forbidden are recorded (a retry gets the same reply and the handler
// does not run again); internal, unavailable and timeout are not (a retry runs it again).
TEST_F(WorkerIdempotencyTest, ExactlyTheHandlerVerdictsOfDecision003AreRecorded) {
  struct Case {
    std::string status;
    bool recorded;
  };
  const std::vector<Case> cases = {{"invalid", true},   {"not_found", true}, {"conflict", true},
                                   {"forbidden", true}, {"internal", false}, {"unavailable", false},
                                   {"timeout", false}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.status);
    const std::string id = "verdict-" + c.status;
    auto cmd =
        TestCommand(*client_, "test.fail", BodyWriter().String("status", c.status).Finish(), id);
    schemas::Reply first = client_->Call(cmd, milliseconds(5000));
    ASSERT_EQ(CodeName(first.status), c.status) << first.message;
    schemas::Reply retry = client_->Call(cmd, milliseconds(5000));
    EXPECT_EQ(CodeName(retry.status), c.status) << retry.message;
    // The handler logs each run that failed: once if the retry was answered from the inbox.
    const std::string log = ReadFile(cluster_.dir().Sub("worker.log"));
    size_t runs = 0;
    const std::string line = "event=handler_failed type=test.fail id=" + id + " ";
    for (size_t p = log.find(line); p != std::string::npos; p = log.find(line, p + 1)) ++runs;
    EXPECT_EQ(runs, c.recorded ? 1u : 2u);
    if (c.recorded) {
      EXPECT_EQ(retry, first);  // byte for byte, time included
    } else {
      EXPECT_NE(retry.time_ms, 0);
    }
    EXPECT_EQ(GetCounter(*client_, "fail:" + c.status), 0);  // rolled back every time
  }
}

// lib/worker/README.md "Deadlines": a command that ran after its caller's budget ran out still
// has its outcome recorded, and a retry with the same id (and a new budget) gets that outcome
// from the inbox instead of running again. A retry whose *envelope* deadline has passed never
// reaches the worker: the broker answers it `timeout` (docs/protocol.md, Commands).
TEST_F(WorkerIdempotencyTest, RetryAfterTheCallersTimeoutGetsTheRecordedReply) {
  cluster_.worker().Stop();
  cluster_.StartWorker(Patient({"--handler-delay-ms", "600"}));
  ASSERT_TRUE(GetCounter(*client_, "warmup").has_value()) << cluster_.Logs();
  auto cmd = TestCommand(*client_, "test.add",
                         BodyWriter().String("name", "ran").Int("amount", 3).Finish(), "ran-1");
  // 300 ms budgets against a 600 ms handler: the caller always times out; the worker runs the
  // command unless the budget ran out before it got to it (then nothing is recorded: again).
  std::optional<int64_t> total;
  for (int attempt = 0; attempt < 10 && total != 3; ++attempt) {
    EXPECT_EQ(client_->Call(cmd, milliseconds(300)).status, Code::kTimeout);
    total = GetCounter(*client_, "ran");
  }
  ASSERT_EQ(total, 3) << cluster_.Logs();
  ASSERT_EQ(ReadFile(cluster_.dir().Sub("worker.log")).find("event=replies_replayed"),
            std::string::npos);

  schemas::Reply retry = client_->Call(cmd, milliseconds(10000));
  EXPECT_EQ(retry.status, Code::kOk) << retry.producer << ": " << retry.message;
  EXPECT_EQ(*Body::Parse(retry.body)->Int("total"), 3);
  EXPECT_EQ(GetCounter(*client_, "ran"), 3);
  EXPECT_NE(ReadFile(cluster_.dir().Sub("worker.log")).find("event=replies_replayed"),
            std::string::npos);

  cmd.deadline_ms = WallMillis() - 1000;  // real clock: bus time is past this deadline
  schemas::Reply late = client_->Call(cmd, milliseconds(5000));
  EXPECT_EQ(late.status, Code::kTimeout);
  EXPECT_EQ(late.producer, "broker");
}

// lib/worker/README.md "Store layout": one offset per handled type, so a handler added later
// starts from the beginning of the log, and the subscription resuming from min(offsets) + 1
// skips the events of the types already applied.
TEST_F(WorkerIdempotencyTest, AHandlerAddedLaterStartsFromTheBeginningOfTheLog) {
  client::Publisher publisher(context_, cluster_.endpoint(), "feeder-later");
  int64_t added = 0;
  for (int i = 1; i <= 5; ++i) {
    auto cmd = TestCommand(*client_, "test.add",
                           BodyWriter().String("name", "x").Int("amount", i).Finish());
    ASSERT_EQ(client_->Call(cmd, milliseconds(5000)).status, Code::kOk);
    added += i;
    publisher.Publish("test.fed", FedEvent("feeder-later", i, "f", 10));
  }
  ASSERT_TRUE(publisher.Flush(milliseconds(10000)).ok());
  ASSERT_EQ(WaitForCounter(*client_, "fed:f", 50, milliseconds(10000)), 50) << cluster_.Logs();
  EXPECT_EQ(GetCounter(*client_, "added"), 0);  // nobody handles test.added yet

  cluster_.worker().Stop();
  cluster_.StartWorker(Patient({"--count-added"}));
  EXPECT_EQ(WaitForCounter(*client_, "added", added, milliseconds(10000)), added)
      << cluster_.Logs();
  // The test.fed events came again with the rest of the log and were skipped, not re-applied.
  EXPECT_EQ(GetCounter(*client_, "fed:f"), 50);
  const std::string log = ReadFile(cluster_.dir().Sub("worker.log"));
  EXPECT_NE(log.find("resume_seq=1 "), log.rfind("resume_seq=1 ")) << "second start not from 1";
  EXPECT_NE(log.find("event=events_skipped"), std::string::npos);
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
  cluster_.StartWorker(Patient({"--handler-delay-ms", "300", "--capacity", "8"}));
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
  cluster_.StartWorker(Patient());
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
  cluster_.StartWorker(Patient());
  ASSERT_TRUE(GetCounter(*client_, "warmup").has_value()) << cluster_.Logs();
  ASSERT_EQ(add("after-wipe"), Code::kOk);
  auto counts =
      CountByCausation(context_, cluster_.endpoint(), "test.added", 2, milliseconds(5000));
  EXPECT_EQ(counts["before-wipe"], 1);
  EXPECT_EQ(counts["after-wipe"], 1) << cluster_.Logs();
}

}  // namespace
}  // namespace mcf::testing
