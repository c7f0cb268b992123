#include "lib/transport/protocol.h"

#include <gtest/gtest.h>

namespace mcf::proto {
namespace {

TEST(ProtocolTest, RoundTripsEveryKind) {
  Frames f = Encode(Ready{"tasks-1", 8, {"tasks", "extra"}, 0xABCDEF0123456789});
  ASSERT_EQ(*ParseKind(f, 0), Kind::kReady);
  auto ready = ParseReady(f, 0);
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->capacity, 8u);
  EXPECT_EQ(ready->services.size(), 2u);
  EXPECT_EQ(ready->worker_name, "tasks-1");
  EXPECT_EQ(ready->incarnation, 0xABCDEF0123456789u);

  f = Encode(Subscribe{9, 16, {"tasks."}, 31});
  auto sub = ParseSubscribe(f, 0);
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ(sub->from_seq, 9u);
  EXPECT_EQ(sub->credit, 16u);
  EXPECT_EQ(sub->incarnation, 31u);

  f = Encode(WorkerRequest{5, 100, -3, zmq::message_t(std::string_view("env")), 1234});
  auto wreq = ParseWorkerRequest(f, 0);
  ASSERT_TRUE(wreq.ok());
  EXPECT_EQ(wreq->request_id, 5u);
  EXPECT_EQ(wreq->bus_time_ms, -3);
  EXPECT_EQ(wreq->wait_for_seq, 1234u);

  f = Encode(ClientRequest{"k1", "tasks", 2500, zmq::message_t(std::string_view("env"))});
  auto req = ParseClientRequest(f, 0);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->timeout_ms, 2500u);
  EXPECT_EQ(View(req->envelope), "env");

  Publish p{"tasks", {}};
  p.events.push_back({7, "tasks.x", zmq::message_t(std::string_view("e1"))});
  p.events.push_back({8, "tasks.y", zmq::message_t(std::string_view("e2"))});
  f = Encode(std::move(p));
  auto pub = ParsePublish(f, 0);
  ASSERT_TRUE(pub.ok());
  ASSERT_EQ(pub->events.size(), 2u);
  EXPECT_EQ(pub->events[1].producer_seq, 8u);

  f = StartEventBatch();
  AppendEventFrame(f, 42, -5, "clock.tick", "envelope-bytes");
  SetScannedThrough(f, 50);
  ASSERT_EQ(*ParseKind(f, 0), Kind::kEvent);
  EXPECT_EQ(*ParseEventBatch(f, 0), 50u);
  auto ev = ParseEventFrame(f[kEventFramesOffset]);
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->seq, 42u);
  EXPECT_EQ(ev->time_ms, -5);
  EXPECT_EQ(ev->topic, "clock.tick");
  EXPECT_EQ(ev->envelope, "envelope-bytes");
}

TEST(ProtocolTest, RejectsMalformedFramesWithReasons) {
  Frames bad;
  bad.emplace_back(std::string_view("NOPE\x01"));
  EXPECT_EQ(ParseKind(bad, 0).status().message(), "not an MCF1 message");

  Frames f = Encode(Subscribe{1, 10, {""}});
  f[0] = zmq::message_t(std::string_view("MCF1\x05short"));
  auto s = ParseSubscribe(f, 0);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "SUBSCRIBE: from seq truncated");

  Frames r = Encode(Ready{"w", 0, {"svc"}});
  EXPECT_FALSE(ParseReady(r, 0).ok());

  Frames ev = StartEventBatch();
  ev.emplace_back(std::string_view("tiny"));
  EXPECT_FALSE(ParseEventFrame(ev[kEventFramesOffset]).ok());

  Frames pub = Encode(Publish{"p", {}});
  EXPECT_FALSE(ParsePublish(pub, 0).ok());
}

}  // namespace
}  // namespace mcf::proto
