#include "broker/log_writer.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "lib/store/fault_injection.h"
#include "tests/support/temp_dir.h"

namespace mcf::broker {
namespace {

WriteItem Item(std::string producer, uint64_t pseq) {
  std::string env = "\x80";
  return WriteItem{std::move(producer), pseq, "tasks.x", zmq::message_t(env.data(), env.size()),
                   42};
}

// Waits (bounded: `rounds` x 50 ms) for the writer's wake-up and collects completions until `n`
// arrived.
std::vector<WriteDone> AwaitDone(LogWriter& writer, size_t n, int rounds = 100) {
  std::vector<WriteDone> all;
  for (int i = 0; i < rounds && all.size() < n; ++i) {
    zmq::pollitem_t item{writer.wake_socket().handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(50));
    writer.DrainWake();
    for (auto& d : writer.TakeDone()) all.push_back(std::move(d));
  }
  return all;
}

TEST(LogWriterTest, CompletesBatchesInOrderAfterTheyAreDurable) {
  testing::TempDir dir;
  auto log = EventLog::Open(dir.path(), size_t{1} << 30);
  ASSERT_TRUE(log.ok());
  zmq::context_t context(1);
  auto writer = LogWriter::Start(**log, context);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  for (uint64_t t = 1; t <= 20; ++t) {
    WriteBatch batch;
    batch.ticket = t;
    batch.items.push_back(Item("a", 2 * t - 1));
    batch.items.push_back(Item("a", 2 * t));
    if (t == 20) batch.clock_ms = 777;
    (*writer)->Submit(std::move(batch));
  }
  auto done = AwaitDone(**writer, 20);
  ASSERT_EQ(done.size(), 20u);
  for (size_t i = 0; i < done.size(); ++i) {
    EXPECT_EQ(done[i].ticket, i + 1);
    ASSERT_TRUE(done[i].status.ok());
    // Durable when reported: the log already holds at least this batch.
    EXPECT_GE(done[i].result->head, 2 * (i + 1));
    EXPECT_GE(done[i].result->durable.at("a"), 2 * (i + 1));
  }
  EXPECT_EQ((*log)->Head(), 40u);
  EXPECT_EQ((*log)->ClockState()->value_or(0), 777);
  // Batches queued during a commit are merged: fewer commits than batches is allowed, more is not.
  EXPECT_LE((*writer)->commits(), 20u);
  (*writer)->Stop();
}

TEST(LogWriterTest, StopFinishesWhatWasSubmitted) {
  testing::TempDir dir;
  auto log = EventLog::Open(dir.path(), size_t{1} << 30);
  ASSERT_TRUE(log.ok());
  zmq::context_t context(1);
  auto writer = LogWriter::Start(**log, context);
  ASSERT_TRUE(writer.ok());
  WriteBatch batch;
  batch.ticket = 1;
  for (uint64_t i = 1; i <= 1000; ++i) batch.items.push_back(Item("b", i));
  (*writer)->Submit(std::move(batch));
  (*writer)->Stop();
  EXPECT_EQ((*log)->Head(), 1000u);
  auto done = (*writer)->TakeDone();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result->appended, 1000u);
}

// The completion is the only way the routing thread learns of durability (it acks on it): none
// while the commit is held, an error and no result when the commit fails, and a resend of the
// same events after that is appended once.
TEST(LogWriterTest, NoCompletionWhileTheCommitIsHeldAndAFailedCommitCompletesWithItsError) {
  testing::TempDir dir;
  store::FaultPlan plan;
  EventLogOptions options;
  options.faults = &plan;
  auto log = EventLog::Open(dir.path(), options);
  ASSERT_TRUE(log.ok());
  zmq::context_t context(1);
  auto writer = LogWriter::Start(**log, context);
  ASSERT_TRUE(writer.ok());
  auto submit = [&](uint64_t ticket) {
    WriteBatch batch;
    batch.ticket = ticket;
    batch.items.push_back(Item("a", 1));
    batch.items.push_back(Item("a", 2));
    (*writer)->Submit(std::move(batch));
  };
  plan.BlockCommits();
  submit(1);
  ASSERT_TRUE(plan.WaitUntilBlocked(std::chrono::milliseconds(10000)));
  EXPECT_TRUE(AwaitDone(**writer, 1, /*rounds=*/10).empty()) << "completed while held";
  EXPECT_EQ((*log)->Head(), 0u);

  plan.FailCommits(1, EIO);
  plan.ReleaseCommits();
  auto failed = AwaitDone(**writer, 1);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].ticket, 1u);
  EXPECT_FALSE(failed[0].status.ok());
  EXPECT_EQ(failed[0].result, nullptr);
  EXPECT_EQ((*log)->Head(), 0u);

  submit(2);  // the publisher's resend
  auto done = AwaitDone(**writer, 1);
  ASSERT_EQ(done.size(), 1u);
  ASSERT_TRUE(done[0].status.ok()) << done[0].status.ToString();
  EXPECT_EQ(done[0].result->appended, 2u);
  EXPECT_EQ(done[0].result->durable.at("a"), 2u);
  EXPECT_EQ((*log)->Head(), 2u);
  (*writer)->Stop();
  EXPECT_EQ(plan.gate_timeouts(), 0u);
}

// The durable sink (the capture tap) is told exactly what the log stored when a batch is
// refused at a hole: the events before it, not the ones after it.
TEST(LogWriterTest, TheSinkIsToldOnlyWhatWasStoredBeforeAHole) {
  struct Recorder : DurableEventSink {
    std::mutex mu;
    std::vector<std::pair<uint64_t, uint64_t>> seen;  // (seq, producer_seq from the envelope)
    void OnDurable(uint64_t seq, int64_t, std::string_view, std::string_view,
                   std::string_view envelope) override {
      std::lock_guard lock(mu);
      seen.emplace_back(seq, std::stoull(std::string(envelope)));
    }
  };
  testing::TempDir dir;
  auto log = EventLog::Open(dir.path(), size_t{1} << 30);
  ASSERT_TRUE(log.ok());
  zmq::context_t context(1);
  auto writer = LogWriter::Start(**log, context);
  ASSERT_TRUE(writer.ok());
  auto sink = std::make_shared<Recorder>();
  (*writer)->SetSink(sink);
  WriteBatch batch;
  batch.ticket = 1;
  for (uint64_t pseq : {1, 2, 4, 5}) {  // 3 is missing
    const std::string env = std::to_string(pseq);
    batch.items.push_back(
        WriteItem{"p", pseq, "tasks.x", zmq::message_t(env.data(), env.size()), 42, true});
  }
  (*writer)->Submit(std::move(batch));
  auto done = AwaitDone(**writer, 1);
  ASSERT_EQ(done.size(), 1u);
  ASSERT_TRUE(done[0].status.ok());
  EXPECT_EQ(done[0].result->durable.at("p"), 2u);
  (*writer)->Stop();
  EXPECT_EQ((*log)->Head(), 2u);
  std::lock_guard lock(sink->mu);
  EXPECT_EQ(sink->seen, (std::vector<std::pair<uint64_t, uint64_t>>{{1, 1}, {2, 2}}));
}

}  // namespace
}  // namespace mcf::broker
