// OutboxSender against a hand-driven FakeBroker (real ZeroMQ on 127.0.0.1) and a real Dispatcher:
// an outbox record becomes deletable only once PUB_ACK covers it, never when it is merely sent
// (a broker that dies before its commit must get it again), and a conflict refusal stops the
// sender. Pinned for tools/mutations (outbox-delete-before-ack, outbox-conflict-ignored).
#include "lib/worker/outbox_sender.h"

#include <gtest/gtest.h>

#include <optional>
#include <thread>

#include "schemas/body.h"
#include "schemas/envelope.h"
#include "tests/support/fake_broker.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/worker/incoming_command.h"

namespace mcf::worker {
namespace {

using testing::FakeBroker;

// Drains the sender until `done` holds (bounded: about 3 s).
template <typename Pred>
bool DrainUntil(OutboxSender& sender, Pred done) {
  for (int i = 0; i < 300 && !done(); ++i) {
    sender.Drain();
    if (!done()) std::this_thread::sleep_for(Millis(10));
  }
  return done();
}

// A Dispatcher whose outbox holds two events (producer_seq 1 and 2) under the name "test-1", a
// FakeBroker, and a sender between them.
class OutboxSenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(d_.Open(dir_.path(), size_t{16} << 20, /*no_sync=*/true).ok());
    ASSERT_TRUE(d_.SetProducerId("test-1").ok());
    ASSERT_TRUE(
        d_.OnRawCommand("test.add",
                        [](HandlerContext& ctx, std::string_view) -> Result<std::string> {
                          RETURN_IF_ERROR(ctx.Publish(
                              "test.added", schemas::BodyWriter().Int("total", 1).Finish()));
                          return schemas::EmptyBody();
                        })
            .ok());
    std::vector<Incoming> batch = {IncomingCommand("c1", "test.add", schemas::EmptyBody()),
                                   IncomingCommand("c2", "test.add", schemas::EmptyBody())};
    ASSERT_TRUE(d_.Apply(batch, SteadyClock::Instance().Now()).ok());
    ASSERT_EQ(d_.last_producer_seq(), 2u);
    sender_.emplace(context_, broker_.endpoint(), d_, /*window=*/8,
                    /*resend_after=*/Millis(60000));
  }

  testing::TempDir dir_;
  Dispatcher d_{"test", 7};
  zmq::context_t context_{1};
  FakeBroker broker_{context_};
  std::optional<OutboxSender> sender_;
};

TEST_F(OutboxSenderTest, ARecordIsDeletableOnlyAfterThePubAckCoversIt) {
  OutboxSender& sender = *sender_;
  sender.Pump();
  proto::Frames publish;
  ASSERT_TRUE(broker_.RecvKind(proto::Kind::kPublish, publish));
  EXPECT_EQ(sender.in_flight(), 2u);
  // Sent, not acknowledged: nothing may be deleted.
  sender.Drain();
  EXPECT_EQ(sender.TakeDeletable(), 0u);

  broker_.SendTo(publish[0], proto::Encode(proto::PubAck{"test-1", 1}));
  ASSERT_TRUE(DrainUntil(sender, [&] { return sender.acked() >= 1; }));
  EXPECT_EQ(sender.TakeDeletable(), 1u);  // up to the ack, not up to what was sent
  EXPECT_EQ(sender.TakeDeletable(), 0u);

  broker_.SendTo(publish[0], proto::Encode(proto::PubAck{"test-1", 2}));
  ASSERT_TRUE(DrainUntil(sender, [&] { return sender.acked() >= 2; }));
  EXPECT_EQ(sender.TakeDeletable(), 2u);
  EXPECT_EQ(sender.in_flight(), 0u);
}

// PUB_REFUSED conflict: the log holds a different event under this name and seq (a copied
// store). The sender stops for good (the worker exits 4) and deletes nothing.
TEST_F(OutboxSenderTest, AConflictRefusalStopsSendingAndDeletesNothing) {
  OutboxSender& sender = *sender_;
  sender.Pump();
  proto::Frames publish;
  ASSERT_TRUE(broker_.RecvKind(proto::Kind::kPublish, publish));
  broker_.SendTo(publish[0], proto::Encode(proto::PubRefused{
                                 "test-1", 1, proto::PubRefused::Reason::kConflict}));
  ASSERT_TRUE(DrainUntil(sender, [&] { return sender.conflicted(); }));
  EXPECT_EQ(sender.conflict_seq(), 1u);
  EXPECT_EQ(sender.TakeDeletable(), 0u);
  // Not even after a reconnect, which otherwise sends everything unacknowledged again.
  sender.Reconnect();
  sender.Pump();
  EXPECT_FALSE(broker_.RecvKind(proto::Kind::kPublish, publish, Millis(300)));
  auto kept = d_.ReadOutbox(0, 10);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->size(), 2u);
}

}  // namespace
}  // namespace mcf::worker
