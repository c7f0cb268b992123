// What a real mcf-broker acknowledges: PUB_ACK follows the log commit (a log that cannot take the
// event, its map being smaller than the event, acknowledges nothing, then acknowledges what it
// stores), and a producer name moves to another connection only from where its log ends (no
// hole behind an acknowledged seq). Written for the mutation check (tools/mutations:
// ack-before-commit, takeover-hole); the order is observed
// without timing: replies to one peer arrive in the order the broker sent them, so once a
// broker.stats reply on the same connection says no write is pending, any PUB_ACK sent for the
// batch has already arrived.
#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "tests/integration/broker_harness.h"

namespace mcf::testing {
namespace {

proto::Frames OneEvent(uint64_t producer_seq, size_t padding) {
  schemas::Envelope e;
  e.id = "ev-" + std::to_string(producer_seq);
  e.type = "a.x";
  e.producer = "p";
  e.time_ms = 1;
  e.body = schemas::BodyWriter().String("pad", std::string(padding, 'x')).Finish();
  std::string env = schemas::Encode(e);
  proto::Publish p;
  p.producer = "p";
  p.events.push_back(proto::OutgoingEvent{producer_seq, "a.x", zmq::message_t(env.data(), env.size())});
  return proto::Encode(std::move(p));
}

// Calls broker.stats on `peer` until no log write is pending (bounded); returns the PUB_ACKs
// that arrived on `peer` before that reply (and the PUB_REFUSEDs in `refused`, when given), and
// the last stats seen. A commit (with its fsync) may
// take a while on a loaded machine: up to ~20 s of polling.
std::vector<proto::PubAck> AcksUntilWritten(Peer& peer, std::string& storage,
                                            std::optional<schemas::Body>& stats,
                                            std::vector<proto::PubRefused>* refused = nullptr) {
  std::vector<proto::PubAck> acks;
  static int counter = 0;
  for (int attempt = 0; attempt < 2000; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(milliseconds(10));
    const std::string key = "stats-" + std::to_string(++counter);
    std::string env = EncodeCommand("broker.stats");
    peer.Send(proto::Encode(
        proto::ClientRequest{key, "broker", 3000, zmq::message_t(env.data(), env.size())}));
    std::optional<schemas::Reply> reply;
    while (!reply) {
      auto frames = peer.Recv(milliseconds(5000));
      if (!frames) return acks;  // the test fails on the missing stats below
      auto kind = proto::ParseKind(*frames, 0);
      if (!kind.ok()) continue;
      if (*kind == proto::Kind::kPubAck) {
        auto ack = proto::ParsePubAck(*frames, 0);
        if (ack.ok()) acks.push_back(*ack);
      } else if (*kind == proto::Kind::kPubRefused) {
        auto r = proto::ParsePubRefused(*frames, 0);
        if (r.ok() && refused) refused->push_back(*r);
      } else if (*kind == proto::Kind::kReply) {
        auto r = proto::ParseClientReply(*frames, 0);
        if (!r.ok() || r->request_key != key) continue;
        auto decoded = schemas::DecodeReply(proto::View(r->envelope));
        if (!decoded.ok()) return acks;
        reply = *decoded;
      }
    }
    storage = reply->body;
    auto body = schemas::Body::Parse(storage);
    if (!body.ok()) return acks;
    stats = *body;
    if (*stats->Int("pending_writes") == 0) return acks;
  }
  return acks;
}

TEST(BrokerAckTest, AnEventTheLogCannotStoreIsNeverAckedAndAStoredOneIs) {
  TempDir dir;
  BrokerProcess broker(dir, dir.Sub("data"), {"--clock", "sim", "--max-log-mb", "1"});
  ASSERT_TRUE(broker.ok()) << broker.Log();
  zmq::context_t context(1);
  Peer peer(context, broker.endpoint());

  peer.Send(OneEvent(1, size_t{2} << 20));  // 2 MiB into a 1 MiB log: the append fails
  std::string storage;
  std::optional<schemas::Body> stats;
  auto acks = AcksUntilWritten(peer, storage, stats);
  ASSERT_TRUE(stats) << broker.Log();
  EXPECT_EQ(*stats->Int("pending_writes"), 0);
  EXPECT_EQ(*stats->Int("log_head"), 0);
  EXPECT_TRUE(acks.empty()) << "PUB_ACK upto " << acks.front().upto_seq
                            << " for an event that is not in the log";
  EXPECT_NE(broker.Log().find("event=log_append_failed"), std::string::npos) << broker.Log();

  // The same producer_seq, small enough: stored, then acknowledged.
  peer.Send(OneEvent(1, 16));
  acks = AcksUntilWritten(peer, storage, stats);
  ASSERT_TRUE(stats);
  EXPECT_EQ(*stats->Int("log_head"), 1) << broker.Log();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].producer, "p");
  EXPECT_EQ(acks[0].upto_seq, 1u);
}

// After a restart no connection owns a name, so the first PUBLISH takes it over (no waiting for
// a binding to lapse): only from where the log ends.
TEST(BrokerAckTest, ANameIsTakenOverOnlyFromWhereTheLogEnds) {
  TempDir dir;
  auto broker = std::make_unique<BrokerProcess>(dir, dir.Sub("data"),
                                                std::vector<std::string>{"--clock", "sim"});
  ASSERT_TRUE(broker->ok()) << broker->Log();
  zmq::context_t context(1);
  std::string storage;
  std::optional<schemas::Body> stats;
  {
    Peer first(context, broker->endpoint());
    first.Send(OneEvent(1, 16));
    ASSERT_EQ(AcksUntilWritten(first, storage, stats).size(), 1u);
  }
  ASSERT_EQ(broker->process().Stop(), 0) << broker->Log();
  broker = std::make_unique<BrokerProcess>(dir, dir.Sub("data"),
                                           std::vector<std::string>{"--clock", "sim"});
  ASSERT_TRUE(broker->ok()) << broker->Log();

  Peer second(context, broker->endpoint());
  std::vector<proto::PubRefused> refused;
  second.Send(OneEvent(3, 16));  // seq 2 was never published: taking the name here leaves a hole
  auto acks = AcksUntilWritten(second, storage, stats, &refused);
  ASSERT_TRUE(stats);
  EXPECT_TRUE(acks.empty()) << "acked upto " << acks.front().upto_seq << " with seq 2 missing";
  EXPECT_EQ(*stats->Int("log_head"), 1);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].reason, proto::PubRefused::Reason::kBusy);
  EXPECT_EQ(refused[0].producer_seq, 3u);
  EXPECT_NE(broker->Log().find("why=not_contiguous"), std::string::npos) << broker->Log();

  second.Send(OneEvent(2, 16));  // from where the log ends: the name is taken over
  refused.clear();
  acks = AcksUntilWritten(second, storage, stats, &refused);
  EXPECT_TRUE(refused.empty());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].upto_seq, 2u);
  EXPECT_EQ(*stats->Int("log_head"), 2);
}

}  // namespace
}  // namespace mcf::testing
