// BusClient, Subscriber and Publisher against a fake broker: a raw ROUTER socket in the test that
// speaks MCF/1 through lib/transport/protocol.h.
#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "lib/client/bus_client.h"
#include "lib/client/publisher.h"
#include "lib/client/subscriber.h"
#include "lib/transport/protocol.h"
#include "schemas/body.h"
#include "tests/support/fake_broker.h"

namespace mcf::client {
namespace {

using std::chrono::steady_clock;

using testing::FakeBroker;

TEST(BusClientTest, MakeCommandFillsHeaderWithUniqueIds) {
  zmq::context_t ctx;
  BusClient client(ctx, "tcp://127.0.0.1:1", "tester");
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    auto cmd = client.MakeCommand("test.add", schemas::EmptyBody());
    EXPECT_EQ(cmd.id.size(), 32u);
    EXPECT_EQ(cmd.producer, "tester");
    EXPECT_EQ(cmd.type, "test.add");
    ids.insert(cmd.id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(BusClientTest, CallReturnsTheReplyForItsRequestKey) {
  zmq::context_t ctx;
  FakeBroker broker(ctx);
  BusClient client(ctx, broker.endpoint(), "tester");
  auto cmd = client.MakeCommand("test.get", schemas::BodyWriter().String("name", "a").Finish());

  std::string seen_service;
  std::thread fake([&] {
    proto::Frames f;
    if (!broker.RecvKind(proto::Kind::kRequest, f)) return;
    zmq::message_t peer(f[0].data(), f[0].size());
    auto req = proto::ParseClientRequest(f, 1);
    ASSERT_TRUE(req.ok());
    seen_service = req->service;
    auto env = schemas::DecodeEnvelope(proto::View(req->envelope));
    ASSERT_TRUE(env.ok());
    // A stray reply for an unknown key first: it must be ignored.
    schemas::Reply stray = schemas::ErrorReply(*env, Status::Conflict("stray"), "w", 1);
    std::string stray_bytes = schemas::Encode(stray);
    broker.SendTo(peer, proto::Encode(proto::ClientReply{
                            "nope", zmq::message_t(stray_bytes.data(), stray_bytes.size())}));
    schemas::Reply r = schemas::ErrorReply(*env, Status::Ok(), "test", 1);
    r.body = schemas::BodyWriter().Int("total", 7).Finish();
    std::string bytes = schemas::Encode(r);
    broker.SendTo(peer, proto::Encode(proto::ClientReply{
                            req->request_key, zmq::message_t(bytes.data(), bytes.size())}));
  });
  schemas::Reply reply = client.Call(cmd, Millis(2000));
  fake.join();
  EXPECT_EQ(seen_service, "test");
  EXPECT_EQ(reply.status, Code::kOk) << reply.message;
  EXPECT_EQ(reply.causation_id, cmd.id);
  auto body = schemas::Body::Parse(reply.body);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body->Int("total"), 7);
  EXPECT_EQ(client.in_flight(), 0u);
}

TEST(BusClientTest, CallTimesOutWithinTimeoutPlusGraceWhenNobodyAnswers) {
  zmq::context_t ctx;
  FakeBroker broker(ctx);  // receives, never answers
  BusClient client(ctx, broker.endpoint(), "tester");
  auto cmd = client.MakeCommand("test.get", schemas::EmptyBody());
  auto start = steady_clock::now();
  schemas::Reply reply = client.Call(cmd, Millis(200));
  auto took = std::chrono::duration_cast<Millis>(steady_clock::now() - start);
  EXPECT_EQ(reply.status, Code::kTimeout);
  EXPECT_EQ(reply.causation_id, cmd.id);
  // Not before the timeout; the upper bound (timeout + grace + scheduling on a loaded machine)
  // only says the client gives up on its own rather than waiting on the silent broker.
  EXPECT_GE(took, Millis(200));
  EXPECT_LT(took, Millis(200 + 2000));
}

TEST(BusClientTest, PipelinedRequestsEachGetExactlyOneReply) {
  zmq::context_t ctx;
  FakeBroker broker(ctx);
  BusClient client(ctx, broker.endpoint(), "tester");
  std::set<std::string> keys;
  for (int i = 0; i < 5; ++i)
    keys.insert(client.Send(client.MakeCommand("test.get", schemas::EmptyBody()), Millis(300)));
  EXPECT_EQ(keys.size(), 5u);
  EXPECT_EQ(client.in_flight(), 5u);
  // Answer two; the other three must come back as client-made timeouts.
  proto::Frames f;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(broker.RecvKind(proto::Kind::kRequest, f));
    zmq::message_t peer(f[0].data(), f[0].size());
    auto req = proto::ParseClientRequest(f, 1);
    ASSERT_TRUE(req.ok());
    auto env = schemas::DecodeEnvelope(proto::View(req->envelope));
    std::string bytes = schemas::Encode(schemas::ErrorReply(*env, Status::Ok(), "test", 1));
    broker.SendTo(peer, proto::Encode(proto::ClientReply{
                            req->request_key, zmq::message_t(bytes.data(), bytes.size())}));
  }
  int ok = 0, timeout = 0;
  std::set<std::string> answered;
  while (auto r = client.Receive(Millis(1000))) {
    answered.insert(r->first);
    if (r->second.status == Code::kOk) ++ok;
    if (r->second.status == Code::kTimeout) ++timeout;
  }
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(timeout, 3);
  EXPECT_EQ(answered, keys);
  EXPECT_EQ(client.in_flight(), 0u);
}

TEST(SubscriberTest, SubscribesGrantsCreditAndResubscribesAfterReconnect) {
  zmq::context_t ctx;
  FakeBroker broker(ctx);
  SubscriberOptions opts;
  opts.prefixes = {"test."};
  opts.from_seq = 5;
  opts.window = 4;
  opts.heartbeat = Millis(100);
  Subscriber sub(ctx, broker.endpoint(), opts);
  EXPECT_FALSE(sub.Next(Millis(10)).has_value());  // triggers the connect + SUBSCRIBE flush

  proto::Frames f;
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kSubscribe, f));
  zmq::message_t peer(f[0].data(), f[0].size());
  auto s = proto::ParseSubscribe(f, 1);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->from_seq, 5u);
  EXPECT_EQ(s->credit, 4u);
  EXPECT_EQ(s->prefixes, std::vector<std::string>{"test."});

  proto::Frames batch = proto::StartEventBatch();
  for (uint64_t seq = 5; seq <= 7; ++seq) proto::AppendEventFrame(batch, seq, 100, "test.x", "e");
  proto::AppendEventFrame(batch, 6, 100, "test.x", "dup");  // duplicate: dropped
  broker.SendTo(peer, std::move(batch));
  for (uint64_t seq = 5; seq <= 7; ++seq) {
    auto ev = sub.Next(Millis(1000));
    ASSERT_TRUE(ev.has_value());
    EXPECT_EQ(ev->seq, seq);
    EXPECT_EQ(ev->topic, "test.x");
  }
  EXPECT_EQ(sub.last_seq(), 7u);
  // Half the window (2) consumed -> CREDIT 2.
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kCredit, f));
  EXPECT_EQ(*proto::ParseCredit(f, 1), 2u);

  // The broker asks us to reconnect: a new SUBSCRIBE from last_seq + 1.
  broker.SendTo(peer, proto::EncodeReconnect());
  EXPECT_FALSE(sub.Next(Millis(50)).has_value());
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kSubscribe, f));
  EXPECT_NE(proto::View(f[0]), proto::View(peer));  // new socket, new routing id
  EXPECT_EQ(proto::ParseSubscribe(f, 1)->from_seq, 8u);
}

// from_seq 0 ("only new events"): the subscriber learns the head first, subscribes from head + 1,
// and a reconnect before any event subscribes from there again — not "0", which a broker reads
// as its head at that later moment (what happened before: the events in between were skipped).
TEST(SubscriberTest, NewEventsOnlyAsksForTheHeadAndResubscribesFromItAfterReconnect) {
  zmq::context_t ctx;
  FakeBroker broker(ctx);
  SubscriberOptions opts;
  opts.from_seq = 0;
  opts.heartbeat = Millis(1000);
  Subscriber sub(ctx, broker.endpoint(), opts);
  EXPECT_FALSE(sub.Next(Millis(10)).has_value());

  proto::Frames f;
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kRequest, f));
  zmq::message_t peer(f[0].data(), f[0].size());
  auto req = proto::ParseClientRequest(f, 1);
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  EXPECT_EQ(req->service, "broker");
  auto env = schemas::DecodeEnvelope(proto::View(req->envelope));
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ(env->type, "broker.health");
  // A reply under another key is ignored; the right one resolves the start.
  schemas::Reply stray = schemas::ErrorReply(*env, Status::Ok(), "broker", 1);
  stray.body = schemas::BodyWriter().Int("log_head", 1).Finish();
  std::string stray_bytes = schemas::Encode(stray);
  broker.SendTo(peer, proto::Encode(proto::ClientReply{
                          "nope", zmq::message_t(stray_bytes.data(), stray_bytes.size())}));
  schemas::Reply health = schemas::ErrorReply(*env, Status::Ok(), "broker", 1);
  health.body = schemas::BodyWriter().Int("log_head", 41).Finish();
  std::string bytes = schemas::Encode(health);
  broker.SendTo(peer, proto::Encode(proto::ClientReply{
                          req->request_key, zmq::message_t(bytes.data(), bytes.size())}));
  EXPECT_FALSE(sub.Next(Millis(50)).has_value());
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kSubscribe, f));
  EXPECT_EQ(proto::ParseSubscribe(f, 1)->from_seq, 42u);

  broker.SendTo(peer, proto::EncodeReconnect());  // before any event
  EXPECT_FALSE(sub.Next(Millis(50)).has_value());
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kSubscribe, f));
  EXPECT_NE(proto::View(f[0]), proto::View(peer));        // a new socket...
  EXPECT_EQ(proto::ParseSubscribe(f, 1)->from_seq, 42u);  // ...from the same start
  EXPECT_EQ(sub.last_seq(), 0u);
}

TEST(SubscriberTest, HeartbeatsWhenIdleAndReconnectsWhenBrokerIsSilent) {
  zmq::context_t ctx;
  FakeBroker broker(ctx);
  SubscriberOptions opts;
  opts.heartbeat = Millis(50);
  Subscriber sub(ctx, broker.endpoint(), opts);
  EXPECT_FALSE(sub.Next(Millis(120)).has_value());
  proto::Frames f;
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kSubscribe, f));
  std::string first_peer(proto::View(f[0]));
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kHeartbeat, f));
  // Silent broker: after 3 intervals the subscriber resubscribes on a new socket.
  EXPECT_FALSE(sub.Next(Millis(300)).has_value());
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kSubscribe, f));
  EXPECT_NE(std::string(proto::View(f[0])), first_peer);
}

TEST(PublisherTest, BatchesTracksAcksAndResendsUnackedAfterReconnect) {
  zmq::context_t ctx;
  FakeBroker broker(ctx);
  Publisher pub(ctx, broker.endpoint(), "tp", 10);
  pub.set_resend_after(Millis(200));
  EXPECT_EQ(pub.Publish("test.fed", "a"), 10u);  // goes at once
  EXPECT_EQ(pub.Publish("test.fed", "b"), 11u);  // waits for the first ack
  EXPECT_EQ(pub.Publish("test.fed", "c"), 12u);
  EXPECT_EQ(pub.last_seq(), 12u);

  proto::Frames f;
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kPublish, f));
  zmq::message_t peer(f[0].data(), f[0].size());
  auto p = proto::ParsePublish(f, 1);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->producer, "tp");
  ASSERT_EQ(p->events.size(), 1u);
  EXPECT_EQ(p->events[0].producer_seq, 10u);
  broker.SendTo(peer, proto::Encode(proto::PubAck{"tp", 10}));
  EXPECT_EQ(pub.PollAcks(Millis(100)), 10u);

  // The rest went as one batch; do not ack it: after resend_after it comes again, new socket.
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kPublish, f));
  p = proto::ParsePublish(f, 1);
  ASSERT_EQ(p->events.size(), 2u);
  EXPECT_EQ(p->events[0].producer_seq, 11u);
  EXPECT_EQ(proto::View(p->events[1].envelope), "c");
  // Keep the publisher polling until its resend shows up on a new socket.
  bool resent = false;
  for (int i = 0; i < 100 && !resent; ++i) {
    pub.PollAcks(Millis(20));
    resent = broker.Recv(f, Millis(0)) && *proto::ParseKind(f, 1) == proto::Kind::kPublish;
  }
  ASSERT_TRUE(resent);
  zmq::message_t peer2(f[0].data(), f[0].size());
  EXPECT_NE(proto::View(peer2), proto::View(peer));
  p = proto::ParsePublish(f, 1);
  ASSERT_EQ(p->events.size(), 2u);
  EXPECT_EQ(p->events[0].producer_seq, 11u);
  broker.SendTo(peer2, proto::Encode(proto::PubAck{"other", 99}));  // not ours: ignored
  broker.SendTo(peer2, proto::Encode(proto::PubAck{"tp", 12}));
  EXPECT_TRUE(pub.Flush(Millis(1000)).ok());
  EXPECT_EQ(pub.acked_seq(), 12u);
}

TEST(PublisherTest, FlushTimesOutWhenNothingIsAcked) {
  zmq::context_t ctx;
  FakeBroker broker(ctx);
  Publisher pub(ctx, broker.endpoint(), "tp");
  pub.Publish("test.fed", "a");
  Status s = pub.Flush(Millis(100));
  EXPECT_EQ(s.code(), Code::kTimeout);
  EXPECT_EQ(pub.acked_seq(), 0u);
}

}  // namespace
}  // namespace mcf::client
