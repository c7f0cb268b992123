// BusClient, Subscriber and Publisher against a fake broker: a raw ROUTER socket in the test that
// speaks MCF/1 through lib/transport/protocol.h.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>
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

// How long a test waits for something that must happen; loops return as soon as it has.
// Generous: a loaded 2-core machine may be slow, and only a broken behaviour takes this long.
constexpr Millis kPatience(20000);
// A heartbeat or resend interval that never elapses within a test: no timer-driven reconnect
// can then stand in for (or disturb) the one a test causes.
constexpr Millis kNever(3'600'000);

// Calls `done` until it returns true (true) or kPatience has passed (false).
template <typename Done>
bool Eventually(Done done) {
  const auto end = steady_clock::now() + kPatience;
  while (steady_clock::now() < end)
    if (done()) return true;
  return done();
}

// The next message of `kind` the broker already has, skipping others; false if none is queued.
bool RecvKindNow(FakeBroker& broker, proto::Kind kind, proto::Frames& frames) {
  while (broker.Recv(frames, Millis(0))) {
    auto k = proto::ParseKind(frames, 1);
    if (k.ok() && *k == kind) return true;
  }
  return false;
}

// The next message of `kind`, while `step` lets the peer under test run for a short slice
// (a Subscriber or Publisher only acts inside its own calls); false if none within kPatience.
template <typename Step>
bool RecvKindWhile(FakeBroker& broker, proto::Kind kind, proto::Frames& frames, Step step) {
  return Eventually([&] {
    step();
    return RecvKindNow(broker, kind, frames);
  });
}

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
  EXPECT_LT(took, Millis(200 + 15000));
}

TEST(BusClientTest, PipelinedRequestsEachGetExactlyOneReply) {
  zmq::context_t ctx;
  FakeBroker broker(ctx);
  BusClient client(ctx, broker.endpoint(), "tester");
  std::set<std::string> keys;
  // The first two (answered below) may wait as long as a loaded machine needs; the last three
  // time out at the client.
  for (int i = 0; i < 5; ++i)
    keys.insert(client.Send(client.MakeCommand("test.get", schemas::EmptyBody()),
                            Millis(i < 2 ? 20000 : 300)));
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
  while (answered.size() < keys.size()) {
    auto r = client.Receive(Millis(20000));
    if (!r) break;
    answered.insert(r->first);
    if (r->second.status == Code::kOk) ++ok;
    if (r->second.status == Code::kTimeout) ++timeout;
  }
  EXPECT_FALSE(client.Receive(Millis(500)).has_value()) << "a request got a second reply";
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
  // The fake broker never heartbeats: with a short interval the subscriber would reconnect on
  // its own when the test is slow, dropping the batch below and sending SUBSCRIBEs of its own.
  opts.heartbeat = kNever;
  Subscriber sub(ctx, broker.endpoint(), opts);
  auto idle = [&] { EXPECT_FALSE(sub.Next(Millis(20)).has_value()); };

  proto::Frames f;
  ASSERT_TRUE(RecvKindWhile(broker, proto::Kind::kSubscribe, f, idle));
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
    auto ev = sub.Next(kPatience);
    ASSERT_TRUE(ev.has_value());
    EXPECT_EQ(ev->seq, seq);
    EXPECT_EQ(ev->topic, "test.x");
  }
  EXPECT_EQ(sub.last_seq(), 7u);
  // Half the window (2) consumed -> CREDIT 2.
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kCredit, f, kPatience));
  EXPECT_EQ(*proto::ParseCredit(f, 1), 2u);

  // The broker asks us to reconnect: a new SUBSCRIBE from last_seq + 1.
  broker.SendTo(peer, proto::EncodeReconnect());
  ASSERT_TRUE(RecvKindWhile(broker, proto::Kind::kSubscribe, f, idle));
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
  // Each heartbeat interval re-asks for the head under a new key (the answer to the old one is
  // then ignored) and silence reconnects: neither may happen on its own while the test is slow.
  opts.heartbeat = kNever;
  Subscriber sub(ctx, broker.endpoint(), opts);
  auto idle = [&] { EXPECT_FALSE(sub.Next(Millis(20)).has_value()); };

  proto::Frames f;
  ASSERT_TRUE(RecvKindWhile(broker, proto::Kind::kRequest, f, idle));
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
  ASSERT_TRUE(RecvKindWhile(broker, proto::Kind::kSubscribe, f, idle));
  EXPECT_EQ(proto::ParseSubscribe(f, 1)->from_seq, 42u);

  broker.SendTo(peer, proto::EncodeReconnect());  // before any event
  ASSERT_TRUE(RecvKindWhile(broker, proto::Kind::kSubscribe, f, idle));
  EXPECT_NE(proto::View(f[0]), proto::View(peer));        // a new socket...
  EXPECT_EQ(proto::ParseSubscribe(f, 1)->from_seq, 42u);  // ...from the same start
  EXPECT_EQ(sub.last_seq(), 0u);
}

TEST(SubscriberTest, HeartbeatsWhenIdleAndReconnectsWhenBrokerIsSilent) {
  zmq::context_t ctx;
  FakeBroker broker(ctx);  // silent: never sends anything
  SubscriberOptions opts;
  opts.heartbeat = Millis(100);
  const auto created = steady_clock::now();
  Subscriber sub(ctx, broker.endpoint(), opts);
  // Idle until the broker has seen a HEARTBEAT and a SUBSCRIBE on a second socket. A slow test
  // may see more reconnects than one, or a socket replaced before its heartbeat went out;
  // neither matters, only that both things happen.
  std::string first_peer;
  bool heartbeat = false;
  std::optional<steady_clock::time_point> resubscribed;
  proto::Frames f;
  Eventually([&] {
    EXPECT_FALSE(sub.Next(Millis(20)).has_value());
    while (broker.Recv(f, Millis(0))) {
      auto kind = proto::ParseKind(f, 1);
      if (!kind.ok()) continue;
      std::string peer(proto::View(f[0]));
      if (*kind == proto::Kind::kHeartbeat) heartbeat = true;
      if (*kind != proto::Kind::kSubscribe) continue;
      if (first_peer.empty()) first_peer = peer;
      if (peer != first_peer && !resubscribed) resubscribed = steady_clock::now();
    }
    return heartbeat && resubscribed.has_value();
  });
  EXPECT_TRUE(heartbeat);
  ASSERT_TRUE(resubscribed.has_value());
  // Silence for 3 intervals, not less (load only makes it later): it was the silence.
  EXPECT_GE(*resubscribed - created, 3 * opts.heartbeat);
}

TEST(PublisherTest, BatchesTracksAcksAndResendsUnackedAfterReconnect) {
  zmq::context_t ctx;
  FakeBroker broker(ctx);
  Publisher pub(ctx, broker.endpoint(), "tp", 10);
  // No resend until the test asks for one: a slow test would otherwise reconnect early, lose
  // the ack below on the closed socket and send all three events in one batch.
  pub.set_resend_after(kNever);
  EXPECT_EQ(pub.Publish("test.fed", "a"), 10u);  // goes at once
  EXPECT_EQ(pub.Publish("test.fed", "b"), 11u);  // waits for the first ack
  EXPECT_EQ(pub.Publish("test.fed", "c"), 12u);
  EXPECT_EQ(pub.last_seq(), 12u);

  proto::Frames f;
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kPublish, f, kPatience));
  zmq::message_t peer(f[0].data(), f[0].size());
  auto p = proto::ParsePublish(f, 1);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->producer, "tp");
  ASSERT_EQ(p->events.size(), 1u);
  EXPECT_EQ(p->events[0].producer_seq, 10u);
  broker.SendTo(peer, proto::Encode(proto::PubAck{"tp", 10}));
  Eventually([&] { return pub.PollAcks(Millis(20)) >= 10u; });
  EXPECT_EQ(pub.acked_seq(), 10u);

  // The rest went as one batch; do not ack it: after resend_after it comes again, new socket.
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kPublish, f, kPatience));
  p = proto::ParsePublish(f, 1);
  ASSERT_EQ(p->events.size(), 2u);
  EXPECT_EQ(p->events[0].producer_seq, 11u);
  EXPECT_EQ(proto::View(p->events[1].envelope), "c");
  pub.set_resend_after(Millis(200));
  ASSERT_TRUE(RecvKindWhile(broker, proto::Kind::kPublish, f, [&] { pub.PollAcks(Millis(20)); }));
  // No more reconnects from here. A slow test may have seen the publisher reconnect more than
  // once before the first resend arrived, so every resend is checked and answered; only the
  // publisher's current socket is still open to get the answer.
  pub.set_resend_after(kNever);
  std::vector<std::string> resent_from;
  auto answer_resend = [&](proto::Frames& resend) {
    std::string from(proto::View(resend[0]));
    EXPECT_NE(from, std::string(proto::View(peer)));
    auto again = proto::ParsePublish(resend, 1);
    ASSERT_TRUE(again.ok());
    ASSERT_EQ(again->events.size(), 2u);
    EXPECT_EQ(again->events[0].producer_seq, 11u);
    resent_from.push_back(from);
    // Someone else's ack first on the same socket (ordered): ignored, or acked would reach 12.
    broker.SendTo(from, proto::Encode(proto::PubAck{"other", 12}));
    broker.SendTo(from, proto::Encode(proto::PubAck{"tp", 11}));
  };
  answer_resend(f);
  Eventually([&] {
    pub.PollAcks(Millis(20));
    while (RecvKindNow(broker, proto::Kind::kPublish, f)) answer_resend(f);
    return pub.acked_seq() >= 11u;
  });
  EXPECT_EQ(pub.acked_seq(), 11u);
  for (const std::string& from : resent_from)
    broker.SendTo(from, proto::Encode(proto::PubAck{"tp", 12}));
  EXPECT_TRUE(pub.Flush(kPatience).ok());
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
