// Commands through a real mcf-broker: routing, re-dispatch after a worker dies, deadlines,
// malformed input and RECONNECT.
#include <gtest/gtest.h>

#include <thread>

#include "lib/base/bytes.h"
#include "tests/integration/broker_harness.h"

namespace mcf::testing {
namespace {

using Clock = std::chrono::steady_clock;

zmq::message_t Msg(std::string_view s) { return zmq::message_t(s.data(), s.size()); }

class BrokerCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = std::make_unique<BrokerProcess>(dir_, dir_.Sub("data"));
    ASSERT_TRUE(broker_->ok()) << broker_->Log();
    client_ = std::make_unique<Peer>(context_, broker_->endpoint());
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "--- broker log ---\n" << broker_->Log();
  }
  // Waits until the broker's start-up grace (3 x 100 ms) is surely over.
  void PassStartupGrace() {
    for (int i = 0; i < 100; ++i) {
      auto reply = Call(*client_, "broker.health");
      ASSERT_TRUE(reply);
      auto body = schemas::Body::Parse(reply->body);
      if (*body->Int("uptime_ms") > 400) return;
      std::this_thread::sleep_for(milliseconds(50));
    }
    FAIL() << "broker never got past its start-up grace";
  }
  std::unique_ptr<Peer> Worker(const std::string& name, const std::string& service) {
    auto w = std::make_unique<Peer>(context_, broker_->endpoint());
    w->Send(proto::Encode(proto::Ready{name, 1, {service}}));
    return w;
  }
  // Waits for broker.stats to show `n` workers.
  void WaitForWorkers(int64_t n) {
    for (int i = 0; i < 200; ++i) {
      std::string storage;
      auto stats = Stats(*client_, storage);
      ASSERT_TRUE(stats);
      if (*stats->Int("workers") == n) return;
      std::this_thread::sleep_for(milliseconds(10));
    }
    FAIL() << "worker count never reached " << n;
  }
  void SendRequest(const std::string& key, const std::string& service, uint32_t timeout_ms,
                   const std::string& envelope) {
    client_->Send(proto::Encode(proto::ClientRequest{key, service, timeout_ms, Msg(envelope)}));
  }
  std::optional<schemas::Reply> AwaitReply(const std::string& key, milliseconds wait) {
    auto frames = client_->RecvKind(proto::Kind::kReply, wait);
    if (!frames) return std::nullopt;
    auto reply = proto::ParseClientReply(*frames, 0);
    EXPECT_TRUE(reply.ok());
    EXPECT_EQ(reply->request_key, key);
    auto decoded = schemas::DecodeReply(proto::View(reply->envelope));
    EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
    if (!decoded.ok()) return std::nullopt;
    return *decoded;
  }

  TempDir dir_;
  zmq::context_t context_{1};
  std::unique_ptr<BrokerProcess> broker_;
  std::unique_ptr<Peer> client_;
};

TEST_F(BrokerCommandsTest, UnknownServiceIsUnavailableWellWithinTheDeadline) {
  PassStartupGrace();
  auto start = Clock::now();
  // A long deadline, so "well within" it can be a bound that a loaded machine meets.
  SendRequest("k1", "nobody", 30000, EncodeCommand("nobody.do"));
  auto reply = AwaitReply("k1", milliseconds(31000));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, Code::kUnavailable);
  EXPECT_EQ(reply->producer, "broker");
  EXPECT_EQ(reply->type, "nobody.do");
  EXPECT_LT(Clock::now() - start, milliseconds(10000));  // answered at once, not at 30 s
}

TEST_F(BrokerCommandsTest, RequestRoundTripsThroughAWorker) {
  auto worker = Worker("test-1", "test");
  WaitForWorkers(1);
  const std::string envelope = EncodeCommand("test.echo");
  SendRequest("k1", "test", 3000, envelope);
  auto request_frames = worker->RecvKind(proto::Kind::kRequest, milliseconds(3000));
  ASSERT_TRUE(request_frames);
  auto request = proto::ParseWorkerRequest(*request_frames, 0);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(proto::View(request->envelope), envelope);
  EXPECT_GT(request->timeout_ms, 2000u);
  EXPECT_LE(request->timeout_ms, 3000u);
  EXPECT_GT(request->bus_time_ms, 1'700'000'000'000);  // real mode: the wall clock
  schemas::Reply answer =
      schemas::ErrorReply(*schemas::DecodeEnvelope(envelope), Status::Ok(), "test", 5);
  std::string answer_bytes = schemas::Encode(answer);
  worker->Send(proto::Encode(proto::WorkerReply{request->request_id, Msg(answer_bytes)}));
  auto reply = AwaitReply("k1", milliseconds(3000));
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, answer);
}

TEST_F(BrokerCommandsTest, RequestOfADeadWorkerIsRedispatchedToAnother) {
  auto dying = Worker("test-dying", "test");
  WaitForWorkers(1);
  SendRequest("k1", "test", 5000, EncodeCommand("test.echo"));
  auto first = dying->RecvKind(proto::Kind::kRequest, milliseconds(3000));
  ASSERT_TRUE(first);
  // The first worker now goes silent; a second one registers and keeps heartbeating.
  auto healthy = Worker("test-healthy", "test");
  std::optional<proto::Frames> second;
  auto end = Clock::now() + milliseconds(4000);
  while (!second && Clock::now() < end) {
    healthy->Send(proto::EncodeHeartbeat());
    second = healthy->RecvKind(proto::Kind::kRequest, milliseconds(50));
  }
  ASSERT_TRUE(second) << "the request was not re-dispatched";
  auto request = proto::ParseWorkerRequest(*second, 0);
  ASSERT_TRUE(request.ok());
  std::string answer = schemas::Encode(schemas::ErrorReply(
      *schemas::DecodeEnvelope(proto::View(request->envelope)), Status::Ok(), "test", 5));
  healthy->Send(proto::Encode(proto::WorkerReply{request->request_id, Msg(answer)}));
  auto reply = AwaitReply("k1", milliseconds(3000));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, Code::kOk);
  EXPECT_EQ(reply->producer, "test");
  // Re-dispatched because the silent worker was dropped (the broker requeues only then): one
  // worker is left, the one that answered.
  healthy->Send(proto::EncodeHeartbeat());
  std::string storage;
  auto stats = Stats(*client_, storage);
  ASSERT_TRUE(stats);
  EXPECT_EQ(*stats->Int("workers"), 1);
}

TEST_F(BrokerCommandsTest, KnownServiceWithoutWorkerTimesOutAtTheDeadline) {
  auto worker = Worker("test-1", "test");
  WaitForWorkers(1);
  worker->Send(proto::EncodeDisconnect());
  WaitForWorkers(0);
  PassStartupGrace();
  auto start = Clock::now();
  SendRequest("k1", "test", 500, EncodeCommand("test.echo"));
  auto reply = AwaitReply("k1", milliseconds(10000));
  auto elapsed = Clock::now() - start;
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, Code::kTimeout);
  // Not early: the broker waits for the deadline. The upper bound only says it does not hang
  // past it; it is generous for a loaded machine (the tight number is the bench's).
  EXPECT_GE(elapsed, milliseconds(480));
  EXPECT_LT(elapsed, milliseconds(3000));
}

TEST_F(BrokerCommandsTest, TheEnvelopeDeadlineShortensTheBudget) {
  auto worker = Worker("test-1", "test");
  WaitForWorkers(1);
  worker->Send(proto::EncodeDisconnect());
  WaitForWorkers(0);
  PassStartupGrace();
  std::string storage;
  const int64_t bus_now = *Stats(*client_, storage)->Int("bus_time");
  // Already past: answered timeout at once, although the frame allows 20 s.
  schemas::Envelope past = MakeCommand("test.echo");
  past.deadline_ms = bus_now - 1;
  SendRequest("past", "test", 20000, schemas::Encode(past));
  auto reply = AwaitReply("past", milliseconds(5000));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, Code::kTimeout);
  // 300 ms ahead with a 20 s frame budget: timeout long before the frame's budget.
  schemas::Envelope soon = MakeCommand("test.echo");
  soon.deadline_ms = bus_now + 300;
  auto start = Clock::now();
  SendRequest("soon", "test", 20000, schemas::Encode(soon));
  reply = AwaitReply("soon", milliseconds(15000));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, Code::kTimeout);
  EXPECT_LT(Clock::now() - start, milliseconds(10000));
}

TEST_F(BrokerCommandsTest, GarbageIsCountedAndTheBrokerKeepsAnswering) {
  PassStartupGrace();
  // Not MCF1 at all; a bad kind; a REQUEST without its envelope frame (key readable: answered).
  client_->Send([] {
    proto::Frames f;
    f.push_back(Msg("junk"));
    return f;
  }());
  client_->Send([] {
    proto::Frames f;
    f.push_back(Msg("MCF1\x63"));
    return f;
  }());
  client_->Send([] {
    proto::Frames f;
    // header: "MCF1", REQUEST, timeout 1000, key "bad-timeout", service "test"; no envelope.
    f.push_back(Msg(std::string("MCF1\x02\xe8\x03\x00\x00\x0b", 10) + "bad-timeout" + "test"));
    return f;
  }());
  auto reply = AwaitReply("bad-timeout", milliseconds(3000));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, Code::kInvalid);
  // Garbage envelopes: to a worker service (not a map) and to a broker service (a truncated map).
  SendRequest("not-a-map", "test", 1000, "garbage");
  reply = AwaitReply("not-a-map", milliseconds(3000));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, Code::kInvalid);
  SendRequest("truncated", "broker", 1000, "\x85\xa2id");
  reply = AwaitReply("truncated", milliseconds(3000));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, Code::kInvalid);
  // Garbage PUBLISH and SUBSCRIBE are dropped.
  client_->Send([] {
    proto::Frames f;
    f.push_back(Msg("MCF1\x04producer"));
    return f;
  }());
  std::string storage;
  auto stats = Stats(*client_, storage);
  ASSERT_TRUE(stats);
  EXPECT_EQ(*stats->Int("malformed"), 6);
  auto health = Call(*client_, "broker.health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, Code::kOk);
  EXPECT_EQ(*schemas::Body::Parse(health->body)->String("status"), "ok");
}

TEST_F(BrokerCommandsTest, UnknownHeartbeatingPeerIsToldToReconnect) {
  Peer stranger(context_, broker_->endpoint());
  stranger.Send(proto::EncodeHeartbeat());
  EXPECT_TRUE(stranger.RecvKind(proto::Kind::kReconnect, milliseconds(3000)));
  stranger.Send(proto::EncodeCredit(5));
  EXPECT_TRUE(stranger.RecvKind(proto::Kind::kReconnect, milliseconds(3000)));
  stranger.Send(proto::Encode(proto::WorkerReply{42, Msg("\x80")}));
  EXPECT_TRUE(stranger.RecvKind(proto::Kind::kReconnect, milliseconds(3000)));
}

TEST_F(BrokerCommandsTest, StopsCleanlyOnSigterm) {
  EXPECT_EQ(broker_->process().Stop(milliseconds(3000)), 0);
}

}  // namespace
}  // namespace mcf::testing
