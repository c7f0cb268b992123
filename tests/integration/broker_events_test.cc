// Events through a real mcf-broker: durable publish/ack, de-duplication, catch-up then live
// delivery with prefixes, bounded memory for a stuck subscriber, and kill -9 durability.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "broker/event_log.h"
#include "schemas/msgpack.h"
#include "tests/integration/broker_harness.h"

namespace mcf::testing {
namespace {

using Clock = std::chrono::steady_clock;
using Event = ReceivedEvent;

class BrokerEventsTest : public ::testing::Test {
 protected:
  void StartBroker() {
    broker_ = std::make_unique<BrokerProcess>(dir_, dir_.Sub("data"),
                                              std::vector<std::string>{"--clock", "sim"});
    ASSERT_TRUE(broker_->ok()) << broker_->Log();
  }
  void TearDown() override {
    if (HasFailure() && broker_) std::cerr << "--- broker log ---\n" << broker_->Log();
  }
  TempDir dir_;
  zmq::context_t context_{1};
  std::unique_ptr<BrokerProcess> broker_;
};

TEST_F(BrokerEventsTest, PublishIsAckedAndDuplicatesAreNotAppended) {
  StartBroker();
  Peer pub(context_, broker_->endpoint());
  pub.Send(PublishFrames("p", {{1, "a.x"}, {2, "a.x"}, {3, "a.x"}}));
  EXPECT_EQ(AwaitAck(pub, 3, milliseconds(3000)), 3u);
  pub.Send(PublishFrames("p", {{2, "a.x"}, {3, "a.x"}, {4, "a.x"}}));
  EXPECT_EQ(AwaitAck(pub, 4, milliseconds(3000)), 4u);
  pub.Send(PublishFrames("p", {{4, "a.x"}}));  // all duplicates: still acked
  EXPECT_EQ(AwaitAck(pub, 4, milliseconds(3000)), 4u);
  std::string storage;
  auto stats = Stats(pub, storage);
  ASSERT_TRUE(stats);
  EXPECT_EQ(*stats->Int("log_head"), 4);
  Peer sub(context_, broker_->endpoint());
  sub.Send(proto::Encode(proto::Subscribe{1, 100, {""}}));
  auto events = Collect(sub, 4, milliseconds(3000));
  ASSERT_EQ(events.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(events[i].pseq, static_cast<int64_t>(i + 1));
}

// The PUB_REFUSED the broker sent `peer`, if one comes within `wait`.
std::optional<proto::PubRefused> AwaitRefused(Peer& peer, milliseconds wait) {
  auto frames = peer.RecvKind(proto::Kind::kPubRefused, wait);
  if (!frames) return std::nullopt;
  auto refused = proto::ParsePubRefused(*frames, 0);
  EXPECT_TRUE(refused.ok()) << refused.status().ToString();
  return refused.ok() ? std::optional(*refused) : std::nullopt;
}

TEST_F(BrokerEventsTest, AProducerNameLiveOnAnotherConnectionIsRefusedBusyThenLapses) {
  StartBroker();  // heartbeat 100 ms, liveness 3: a binding lapses after 300 ms of silence
  Peer first(context_, broker_->endpoint());
  first.Send(PublishFrames("p", {{1, "a.x"}}));
  ASSERT_EQ(AwaitAck(first, 1, milliseconds(3000)), 1u);
  Peer second(context_, broker_->endpoint());
  second.Send(PublishFrames("p", {{2, "a.x"}}));
  auto refused = AwaitRefused(second, milliseconds(3000));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, proto::PubRefused::Reason::kBusy);
  EXPECT_EQ(refused->producer_seq, 2u);
  std::string storage;
  EXPECT_EQ(*Stats(second, storage)->Int("log_head"), 1);
  // Once the first connection has been silent for the expiry, the name may move.
  bool acked = false;
  for (int i = 0; i < 50 && !acked; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    second.Send(PublishFrames("p", {{2, "a.x"}}));
    acked = AwaitAck(second, 2, milliseconds(100)) == 2u;
  }
  EXPECT_TRUE(acked);
  EXPECT_GE(*Stats(second, storage)->Int("refused_busy"), 1);
}

TEST_F(BrokerEventsTest, ADifferentEventUnderAStoredProducerSeqIsRefusedAndNeverAcked) {
  StartBroker();
  Peer first(context_, broker_->endpoint());
  first.Send(PublishFrames("p", {{1, "a.x"}, {2, "a.x"}}));
  ASSERT_EQ(AwaitAck(first, 2, milliseconds(3000)), 2u);
  // Same name, same seqs, other content: a copied store publishing its own events.
  proto::Publish other;
  other.producer = "p";
  for (uint64_t pseq : {2, 3}) {
    std::string env = EventEnvelope("a.x", pseq + 100);
    other.events.push_back(
        proto::OutgoingEvent{pseq, "a.x", zmq::message_t(env.data(), env.size())});
  }
  first.Send(proto::Encode(std::move(other)));
  auto refused = AwaitRefused(first, milliseconds(3000));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, proto::PubRefused::Reason::kConflict);
  EXPECT_EQ(refused->producer_seq, 2u);
  EXPECT_FALSE(first.RecvKind(proto::Kind::kPubAck, milliseconds(300)));  // nothing acked
  std::string storage;
  auto stats = Stats(first, storage);
  EXPECT_EQ(*stats->Int("log_head"), 2);  // seq 3 after the conflict was not stored
  EXPECT_EQ(*stats->Int("refused_conflicts"), 1);
  EXPECT_NE(broker_->Log().find("event=publish_refused reason=conflict"), std::string::npos);
}

TEST_F(BrokerEventsTest, SubscriberGetsCatchUpThenLiveEventsInOrderWithPrefixFilter) {
  StartBroker();
  Peer pub(context_, broker_->endpoint());
  std::vector<std::pair<uint64_t, std::string>> batch;
  for (uint64_t i = 1; i <= 200; ++i) batch.emplace_back(i, i % 2 ? "tasks.done" : "billing.x");
  pub.Send(PublishFrames("p", batch));
  ASSERT_EQ(AwaitAck(pub, 200, milliseconds(3000)), 200u);

  Peer sub(context_, broker_->endpoint());
  sub.Send(proto::Encode(proto::Subscribe{1, 16, {"tasks."}}));
  auto caught_up = Collect(sub, 100, milliseconds(5000));
  ASSERT_EQ(caught_up.size(), 100u);
  batch.clear();
  for (uint64_t i = 201; i <= 300; ++i) batch.emplace_back(i, i % 2 ? "tasks.done" : "billing.x");
  pub.Send(PublishFrames("p", batch));
  auto live = Collect(sub, 50, milliseconds(5000));
  ASSERT_EQ(live.size(), 50u);
  caught_up.insert(caught_up.end(), live.begin(), live.end());
  for (size_t i = 0; i < caught_up.size(); ++i) {
    EXPECT_EQ(caught_up[i].topic, "tasks.done");
    EXPECT_EQ(caught_up[i].pseq, static_cast<int64_t>(2 * i + 1));
    if (i > 0) EXPECT_GT(caught_up[i].seq, caught_up[i - 1].seq);
  }
  EXPECT_TRUE(Collect(sub, 1, milliseconds(300)).empty());  // nothing beyond
}

TEST_F(BrokerEventsTest, StuckSubscriberHoldsAtMostItsCreditAndMemoryStaysBounded) {
  StartBroker();
  Peer sub(context_, broker_->endpoint());
  sub.Send(proto::Encode(proto::Subscribe{1, 10, {""}}));
  Peer pub(context_, broker_->endpoint());
  std::vector<Event> got;
  constexpr uint64_t kTotal = 50'000, kBatch = 500;
  const std::string padding(200, 'x');
  for (uint64_t first = 1; first <= kTotal; first += kBatch) {
    std::vector<std::pair<uint64_t, std::string>> batch;
    for (uint64_t i = first; i < first + kBatch; ++i) batch.emplace_back(i, "tasks.x");
    pub.Send(PublishFrames("p", batch));
    ASSERT_EQ(AwaitAck(pub, first + kBatch - 1, milliseconds(5000)), first + kBatch - 1);
    // The subscriber stays alive (heartbeats) but never grants credit.
    auto more = Collect(sub, 1, milliseconds(1), /*credit=*/false);
    got.insert(got.end(), more.begin(), more.end());
  }
  auto more = Collect(sub, 100, milliseconds(300), /*credit=*/false);
  got.insert(got.end(), more.begin(), more.end());
  EXPECT_EQ(got.size(), 10u);
  std::string storage;
  auto stats = Stats(pub, storage);
  ASSERT_TRUE(stats);
  EXPECT_EQ(*stats->Int("log_head"), static_cast<int64_t>(kTotal));
  auto subs_raw = stats->Raw("subscribers");
  ASSERT_TRUE(subs_raw.ok());
  schemas::MsgpackReader reader(*subs_raw);
  ASSERT_EQ(reader.ReadArrayHeader(), 1u);
  auto sub_body = schemas::Body::Parse(*reader.ReadRaw());
  ASSERT_TRUE(sub_body.ok());
  EXPECT_EQ(*sub_body->Int("credit"), 0);
  EXPECT_EQ(*sub_body->Int("cursor"), 11);
  // 50,000 events of ~300 bytes are ~15 MiB of log; the broker holds none of them for the
  // subscriber, so its resident size (code, LMDB pages it touched, socket buffers) stays far
  // below 64 MiB. A per-subscriber queue would not.
  EXPECT_LT(*stats->Int("rss_bytes"), int64_t{64} << 20);
}

TEST_F(BrokerEventsTest, AckedEventsSurviveKillNineAndResendIsDeduplicated) {
  StartBroker();
  uint64_t sent = 0, acked = 0;
  {
    Peer pub(context_, broker_->endpoint());
    constexpr uint64_t kBatch = 100;
    // Stream without waiting for each ack; kill once a good part is acked.
    while (acked < 3000 && sent < 200'000) {
      std::vector<std::pair<uint64_t, std::string>> batch;
      for (uint64_t i = sent + 1; i <= sent + kBatch; ++i) batch.emplace_back(i, "tasks.x");
      pub.Send(PublishFrames("p", batch));
      sent += kBatch;
      while (auto frames = pub.Recv(milliseconds(0))) {
        auto ack = proto::ParsePubAck(*frames, 0);
        if (ack.ok()) acked = std::max(acked, ack->upto_seq);
      }
      if (sent - acked > 2000)
        acked = std::max(acked, AwaitAck(pub, acked + 1, milliseconds(2000)));
    }
    broker_->process().Kill();
  }
  ASSERT_GE(acked, 3000u);
  // Read the log as kill -9 left it, before anything is resent (a resend would repair a lost
  // acknowledged event unseen): it must hold every acknowledged event, once, in order.
  {
    auto log = broker::EventLog::Open(dir_.Sub("data"), broker::EventLogOptions{});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    std::vector<int64_t> pseqs;
    for (uint64_t from = 1; from <= (*log)->Head();) {
      auto next = (*log)->Read(from, {""}, 10000, 10000, [&](const broker::StoredEvent& e) {
        int64_t pseq = -1;
        if (auto env = schemas::DecodeEnvelope(e.envelope); env.ok())
          if (auto body = schemas::Body::Parse(env->body); body.ok() && body->Int("pseq").ok())
            pseq = *body->Int("pseq");
        pseqs.push_back(pseq);
        return true;
      });
      ASSERT_TRUE(next.ok()) << next.status().ToString();
      ASSERT_GT(*next, from);
      from = *next;
    }
    ASSERT_GE(pseqs.size(), acked) << "acknowledged events were lost by kill -9";
    for (size_t i = 0; i < pseqs.size(); ++i)
      ASSERT_EQ(pseqs[i], static_cast<int64_t>(i + 1)) << "log position " << i + 1;
    EXPECT_EQ(*(*log)->ProducerSeq("p"), pseqs.size());
  }
  StartBroker();
  Peer pub(context_, broker_->endpoint());
  // Re-send the unacked tail, overlapping some acked events, with the same seqs: each is
  // appended once (the overlap and whatever survived beyond the last ack are deduplicated).
  const uint64_t from = acked > 50 ? acked - 50 : 1;
  for (uint64_t first = from; first <= sent; first += 500) {
    std::vector<std::pair<uint64_t, std::string>> batch;
    for (uint64_t i = first; i < first + 500 && i <= sent; ++i) batch.emplace_back(i, "tasks.x");
    pub.Send(PublishFrames("p", batch));
  }
  ASSERT_EQ(AwaitAck(pub, sent, milliseconds(10000)), sent);
  Peer sub(context_, broker_->endpoint());
  sub.Send(proto::Encode(proto::Subscribe{1, 1000, {""}}));
  auto events = Collect(sub, sent, milliseconds(20000));
  ASSERT_EQ(events.size(), sent);
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(events[i].seq, i + 1) << "seqs must be contiguous";
    ASSERT_EQ(events[i].pseq, static_cast<int64_t>(i + 1)) << "each event once, in order";
  }
  EXPECT_TRUE(Collect(sub, 1, milliseconds(300)).empty());
}

}  // namespace
}  // namespace mcf::testing
