// The Worker's socket side against a fake broker (a raw ROUTER in the test): registration,
// subscription from the stored offset, heartbeats, RECONNECT, replies, PUBLISH of the outbox,
// and DISCONNECT on Stop().
#include <gtest/gtest.h>

#include <thread>

#include "lib/transport/protocol.h"
#include "lib/worker/worker.h"
#include "schemas/body.h"
#include "tests/support/temp_dir.h"
#include "tests/support/fake_broker.h"

namespace mcf::worker {
namespace {

using std::chrono::steady_clock;

using testing::FakeBroker;

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
  Worker worker(opts);
  ASSERT_TRUE(worker.Open().ok());
  ASSERT_TRUE(
      worker
          .OnCommand("test.add",
                     [](HandlerContext& ctx, const schemas::Body& body) -> Result<std::string> {
                       if (Status s = ctx.Publish("test.added", schemas::EmptyBody()); !s.ok())
                         return s;
                       return schemas::BodyWriter().Int("total", *body.Int("amount")).Finish();
                     })
          .ok());
  ASSERT_TRUE(
      worker.OnEvent("test.fed", [](HandlerContext&, const schemas::Body&) { return Status::Ok(); })
          .ok());
  int exit_code = -1;
  std::thread runner([&] { exit_code = worker.Run(); });

  proto::Frames f;
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kReady, f));
  std::string peer(proto::View(f[0]));
  auto ready = proto::ParseReady(f, 1);
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->capacity, 7u);
  EXPECT_EQ(ready->services, std::vector<std::string>{"test"});
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kSubscribe, f));
  auto sub = proto::ParseSubscribe(f, 1);
  EXPECT_EQ(sub->from_seq, 1u);
  EXPECT_EQ(sub->prefixes, std::vector<std::string>{"test.fed"});

  // Keep the worker alive with heartbeats while we talk to it; it heartbeats too.
  broker.SendTo(peer, proto::EncodeHeartbeat());
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kHeartbeat, f, Millis(5000)));

  std::string env = Command("cmd-1");
  broker.SendTo(peer, proto::Encode(proto::WorkerRequest{42, 2000, 1234,
                                                         zmq::message_t(env.data(), env.size())}));
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kReply, f));
  auto reply = proto::ParseWorkerReply(f, 1);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->request_id, 42u);
  auto decoded = schemas::DecodeReply(proto::View(reply->envelope));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->status, Code::kOk);
  EXPECT_EQ(decoded->time_ms, 1234);

  // The outbox event goes out as PUBLISH from this store's producer "test@<id>", seq 1; we do
  // not ack it.
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kPublish, f));
  std::string pub_peer(proto::View(f[0]));
  auto pub = proto::ParsePublish(f, 1);
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(pub->producer.rfind("test@", 0), 0u) << pub->producer;
  const std::string producer = pub->producer;
  ASSERT_EQ(pub->events.size(), 1u);
  EXPECT_EQ(pub->events[0].producer_seq, 1u);
  EXPECT_EQ(pub->events[0].topic, "test.added");

  // RECONNECT: a new READY from a new socket, and the unacked outbox event again.
  broker.SendTo(peer, proto::EncodeReconnect());
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kReady, f));
  std::string peer2(proto::View(f[0]));
  EXPECT_NE(peer2, peer);
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kPublish, f));
  EXPECT_EQ(proto::ParsePublish(f, 1)->events[0].producer_seq, 1u);
  broker.SendTo(std::string(proto::View(f[0])), proto::Encode(proto::PubAck{producer, 1}));

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
  EXPECT_FALSE(worker.OnCommand("test.unknown", {}).ok());
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

}  // namespace
}  // namespace mcf::worker
