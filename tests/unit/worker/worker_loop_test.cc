// The Worker's socket side against a fake broker (a raw ROUTER in the test): registration,
// subscription from the stored offset, heartbeats, RECONNECT, naming a new store from
// broker.health, PUBLISH of the outbox before the reply it was made with, and DISCONNECT.
#include <gtest/gtest.h>
#include <lmdb.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include "lib/store/fault_injection.h"
#include "lib/transport/protocol.h"
#include "lib/worker/worker.h"
#include "schemas/body.h"
#include "schemas/clock.h"
#include "schemas/test_family.h"
#include "tests/support/fake_broker.h"
#include "tests/support/temp_dir.h"

namespace mcf::worker {
namespace {

using std::chrono::steady_clock;

using testing::FakeBroker;
namespace wire = schemas::test_family;

std::string Command(const std::string& id) {
  schemas::Envelope e;
  e.id = id;
  e.type = "test.add";
  e.producer = "t";
  e.body = schemas::BodyWriter().String("name", "n").Int("amount", 2).Finish();
  return schemas::Encode(e);
}

TEST(WorkerLoopTest, RegistersServesPublishesReconnectsAndDisconnects) {
  zmq::context_t ctx;
  FakeBroker broker(ctx);
  testing::TempDir dir;
  WorkerOptions opts;
  opts.service = "test";
  opts.broker_endpoint = broker.endpoint();
  opts.data_dir = dir.path();
  // Long enough that a loaded machine never makes the worker think the fake broker went silent
  // (3 intervals) in the middle of the test: the only reconnect here is the RECONNECT we send.
  opts.heartbeat = Millis(1500);  // silence = 4.5 s: far beyond this test even on a loaded CI box
  opts.capacity = 7;
  opts.durable_replies = true;  // the reply waits for the PUB_ACK of its event
  Worker worker(opts);
  ASSERT_TRUE(worker.Open().ok());
  ASSERT_TRUE(
      worker
          .On<wire::Add>([](HandlerContext& ctx, const wire::Add& r) -> Result<wire::Total> {
            RETURN_IF_ERROR(
                ctx.Publish(wire::Added{.name = r.name, .amount = r.amount, .total = r.amount}));
            return wire::Total{.total = r.amount};
          })
          .ok());
  ASSERT_TRUE(
      worker.On<wire::Fed>([](HandlerContext&, const wire::Fed&) { return Status::Ok(); }).ok());
  int exit_code = -1;
  std::thread runner([&] { exit_code = worker.Run(); });

  // READY and SUBSCRIBE come from two sockets, in either order.
  proto::Frames f, ready_frames, sub_frames;
  const auto start_until = steady_clock::now() + std::chrono::seconds(5);
  while ((ready_frames.empty() || sub_frames.empty()) && steady_clock::now() < start_until) {
    if (!broker.Recv(f, Millis(20))) continue;
    auto kind = proto::ParseKind(f, 1);
    if (kind.ok() && *kind == proto::Kind::kReady) ready_frames = std::move(f);
    if (kind.ok() && *kind == proto::Kind::kSubscribe) sub_frames = std::move(f);
  }
  ASSERT_FALSE(ready_frames.empty());
  ASSERT_FALSE(sub_frames.empty());
  std::string peer(proto::View(ready_frames[0]));
  auto ready = proto::ParseReady(ready_frames, 1);
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->capacity, 7u);
  EXPECT_EQ(ready->services, std::vector<std::string>{"test"});
  auto sub = proto::ParseSubscribe(sub_frames, 1);
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ(sub->from_seq, 1u);
  EXPECT_EQ(sub->prefixes, std::vector<std::string>{"test.fed"});

  // Keep the worker alive with heartbeats while we talk to it; it heartbeats too.
  broker.SendTo(peer, proto::EncodeHeartbeat());
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kHeartbeat, f, Millis(5000)));

  std::string env = Command("cmd-1");
  broker.SendTo(peer, proto::Encode(proto::WorkerRequest{42, 2000, 1234,
                                                         zmq::message_t(env.data(), env.size())}));

  // A new store is named when it first has an event to publish: broker.health's log head.
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kRequest, f));
  std::string client_peer(proto::View(f[0]));
  auto health = proto::ParseClientRequest(f, 1);
  ASSERT_TRUE(health.ok());
  auto health_cmd = schemas::DecodeEnvelope(proto::View(health->envelope));
  ASSERT_TRUE(health_cmd.ok());
  EXPECT_EQ(health_cmd->type, "broker.health");
  schemas::Reply health_reply;
  health_reply.id = health_cmd->id + ":reply";
  health_reply.type = health_cmd->type;
  health_reply.producer = "broker";
  health_reply.causation_id = health_cmd->id;
  health_reply.body = schemas::BodyWriter().String("status", "ok").Int("log_head", 7).Finish();
  std::string health_bytes = schemas::Encode(health_reply);
  broker.SendTo(client_peer, proto::Encode(proto::ClientReply{
                                 health->request_key,
                                 zmq::message_t(health_bytes.data(), health_bytes.size())}));

  // The outbox event goes out as PUBLISH from this store's producer "test@7", seq 1; we do not
  // ack it, so the reply is held (a reply means its events are durable).
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kPublish, f));
  auto pub = proto::ParsePublish(f, 1);
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(pub->producer, "test@7");
  const std::string producer = pub->producer;
  ASSERT_EQ(pub->events.size(), 1u);
  EXPECT_EQ(pub->events[0].producer_seq, 1u);
  EXPECT_EQ(pub->events[0].topic, "test.added");

  // RECONNECT: a new READY from a new socket, and the unacked outbox event again (two sockets:
  // they may arrive in either order).
  broker.SendTo(peer, proto::EncodeReconnect());
  std::string peer2, pub_peer;
  const auto until = steady_clock::now() + std::chrono::seconds(5);
  while ((peer2.empty() || pub_peer.empty()) && steady_clock::now() < until) {
    if (!broker.Recv(f, Millis(20))) continue;
    auto kind = proto::ParseKind(f, 1);
    if (!kind.ok()) continue;
    if (*kind == proto::Kind::kReady) peer2 = std::string(proto::View(f[0]));
    if (*kind == proto::Kind::kPublish) {
      EXPECT_EQ(proto::ParsePublish(f, 1)->events[0].producer_seq, 1u);
      pub_peer = std::string(proto::View(f[0]));
    }
  }
  ASSERT_FALSE(peer2.empty());
  ASSERT_FALSE(pub_peer.empty());
  EXPECT_NE(peer2, peer);
  broker.SendTo(pub_peer, proto::Encode(proto::PubAck{producer, 1}));

  // Acknowledged: now the reply comes.
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kReply, f));
  auto reply = proto::ParseWorkerReply(f, 1);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->request_id, 42u);
  auto decoded = schemas::DecodeReply(proto::View(reply->envelope));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->status, Code::kOk);
  EXPECT_EQ(decoded->time_ms, 1234);

  worker.Stop();
  // The worker socket and the subscription both say goodbye, in either order.
  bool worker_disconnected = false;
  for (int i = 0; i < 2 && !worker_disconnected; ++i) {
    ASSERT_TRUE(broker.RecvKind(proto::Kind::kDisconnect, f));
    worker_disconnected = proto::View(f[0]) == peer2;
  }
  EXPECT_TRUE(worker_disconnected);
  runner.join();
  EXPECT_EQ(exit_code, 0);
  EXPECT_EQ(worker.stats().commands_run, 1u);
}

TEST(WorkerLoopTest, RefusesToRunWithABadHandlerRegistration) {
  testing::TempDir dir;
  WorkerOptions opts;
  opts.service = "test";
  opts.data_dir = dir.path();
  Worker worker(opts);
  ASSERT_TRUE(worker.Open().ok());
  // A command of another service (clock.advance is the broker's): refused.
  EXPECT_FALSE(worker
                   .On<schemas::clock::Advance>(
                       [](HandlerContext&, const schemas::clock::Advance&)
                           -> Result<schemas::clock::BusTime> { return schemas::clock::BusTime{}; })
                   .ok());
  EXPECT_EQ(worker.Run(), 2);
}

TEST(WorkerLoopTest, OpenFailsWithAClearMessageOnAnUnusableDirectory) {
  testing::TempDir dir;
  WorkerOptions opts;
  opts.service = "test";
  opts.data_dir = "/proc/definitely/not/writable";
  Worker worker(opts);
  Status s = worker.Open();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/proc/definitely/not/writable"), std::string::npos) << s.message();
}

// A worker's store as mcf-<context> opens it (RunWorkerMain -> Worker::Open with WorkerOptions
// from flags, none of which is a store sync option): fsync on every commit.
TEST(WorkerLoopTest, TheStoreIsOpenedWithDurableSyncFlags) {
  testing::TempDir dir;
  WorkerOptions opts;
  opts.service = "test";
  opts.data_dir = dir.path();
  Worker worker(opts);
  ASSERT_TRUE(worker.Open().ok());
  auto flags = worker.env().Flags();
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(*flags & MDB_NOSYNC, 0u);
  EXPECT_EQ(*flags & MDB_NOMETASYNC, 0u);
  EXPECT_EQ(*flags & MDB_MAPASYNC, 0u);
  EXPECT_EQ(*flags & MDB_WRITEMAP, 0u);
}

// lib/worker/README.md, "Exit codes": 1 when the store fails mid-run, nothing of that batch
// committed. The batch's command gets no reply (its caller retries), and nothing of it is in the
// store when it is opened again.
TEST(WorkerLoopTest, AStoreThatCannotCommitExitsOneAnsweringNothingAndApplyingNothing) {
  zmq::context_t ctx;
  FakeBroker broker(ctx);
  testing::TempDir dir;
  store::FaultPlan plan;  // outlives the worker's store
  WorkerOptions opts;
  opts.service = "test";
  opts.broker_endpoint = broker.endpoint();
  opts.data_dir = dir.path();
  opts.heartbeat = Millis(1500);  // no silence-driven reconnect during the test
  int runs = 0;
  {
    Worker worker(opts);
    ASSERT_TRUE(worker.Open().ok());
    auto counters = worker.OpenDb("counters");
    ASSERT_TRUE(counters.ok());
    ASSERT_TRUE(
        worker
            .On<wire::Add>([&](HandlerContext& hc, const wire::Add&) -> Result<wire::Total> {
              ++runs;
              RETURN_IF_ERROR(hc.txn().Put(*counters, "n", "1"));
              return wire::Total{};
            })
            .ok());
    worker.env().SetFaultPlan(&plan);
    plan.FailCommits(store::FaultPlan::kAlways, EIO);  // every fsync fails from now on
    std::atomic<int> exit_code{-1};
    std::thread runner([&] { exit_code = worker.Run(); });

    proto::Frames f;
    ASSERT_TRUE(broker.RecvKind(proto::Kind::kReady, f, Millis(5000)));
    std::string peer(proto::View(f[0]));
    std::string env = Command("cmd-1");
    broker.SendTo(peer, proto::Encode(proto::WorkerRequest{
                            42, 5000, 1234, zmq::message_t(env.data(), env.size())}));
    // Until the worker exits (bounded), and a little after: no REPLY.
    int replies = 0;
    const auto until = steady_clock::now() + std::chrono::seconds(20);
    while (exit_code.load() < 0 && steady_clock::now() < until)
      if (broker.Recv(f, Millis(20)) && *proto::ParseKind(f, 1) == proto::Kind::kReply) ++replies;
    if (exit_code.load() < 0) worker.Stop();  // the test fails below; do not hang in join
    runner.join();
    while (broker.Recv(f, Millis(200)))
      if (*proto::ParseKind(f, 1) == proto::Kind::kReply) ++replies;
    EXPECT_EQ(exit_code.load(), 1);
    EXPECT_EQ(replies, 0);
    EXPECT_EQ(runs, 1);  // the handler ran; its batch was not committed
    EXPECT_GE(plan.faults_fired(), 1u);
  }
  // Opened again without faults: no trace of the command (no inbox record, no effect).
  Worker again(opts);
  ASSERT_TRUE(again.Open().ok());
  auto counters = again.OpenDb("counters");
  ASSERT_TRUE(counters.ok());
  auto txn = again.env().BeginRead();
  ASSERT_TRUE(txn.ok());
  EXPECT_FALSE(txn->Get(*counters, "n")->has_value());
  MDB_dbi inbox = 0;
  ASSERT_EQ(mdb_dbi_open(txn->raw(), "_inbox", 0, &inbox), 0);
  EXPECT_FALSE(txn->Get(store::Db{inbox}, "cmd-1")->has_value());
  MDB_stat st;
  ASSERT_EQ(mdb_stat(txn->raw(), inbox, &st), 0);
  EXPECT_EQ(st.ms_entries, 0u);
}

}  // namespace
}  // namespace mcf::worker
