// OutboxSender against a hand-driven FakeBroker (real ZeroMQ on 127.0.0.1) and a real Dispatcher:
// an outbox record becomes deletable only once PUB_ACK covers it, never when it is merely sent
// (a broker that dies before its commit must get it again). Found unpinned by tools/mutations.
#include "lib/worker/outbox_sender.h"

#include <gtest/gtest.h>

#include <thread>

#include "schemas/body.h"
#include "schemas/envelope.h"
#include "tests/support/fake_broker.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/worker/incoming_command.h"

namespace mcf::worker {
namespace {

using testing::FakeBroker;

// Waits (bounded) until the sender has read an ack covering `upto`.
bool DrainUntilAcked(OutboxSender& sender, uint64_t upto) {
  for (int i = 0; i < 300 && sender.acked() < upto; ++i) {
    sender.Drain();
    if (sender.acked() < upto) std::this_thread::sleep_for(Millis(10));
  }
  return sender.acked() >= upto;
}

TEST(OutboxSenderTest, ARecordIsDeletableOnlyAfterThePubAckCoversIt) {
  testing::TempDir dir;
  Dispatcher d("test", 7);
  ASSERT_TRUE(d.Open(dir.path(), size_t{16} << 20, /*no_sync=*/true).ok());
  ASSERT_TRUE(d.SetProducerId("test-1").ok());
  ASSERT_TRUE(d.OnCommand("test.add",
                          [](HandlerContext& ctx, const schemas::Body&) -> Result<std::string> {
                            if (Status s = ctx.Publish("test.added",
                                                       schemas::BodyWriter().Int("total", 1).Finish());
                                !s.ok())
                              return s;
                            return schemas::EmptyBody();
                          })
                  .ok());
  std::vector<Incoming> batch = {IncomingCommand("c1", "test.add", schemas::EmptyBody()),
                                 IncomingCommand("c2", "test.add", schemas::EmptyBody())};
  ASSERT_TRUE(d.Apply(batch, SteadyClock::Instance().Now()).ok());
  ASSERT_EQ(d.last_producer_seq(), 2u);

  zmq::context_t context(1);
  FakeBroker broker(context);
  OutboxSender sender(context, broker.endpoint(), d, /*window=*/8, /*resend_after=*/Millis(60000));
  sender.Pump();
  proto::Frames publish;
  ASSERT_TRUE(broker.RecvKind(proto::Kind::kPublish, publish));
  EXPECT_EQ(sender.in_flight(), 2u);
  // Sent, not acknowledged: nothing may be deleted.
  sender.Drain();
  EXPECT_EQ(sender.TakeDeletable(), 0u);

  broker.SendTo(publish[0], proto::Encode(proto::PubAck{"test-1", 1}));
  ASSERT_TRUE(DrainUntilAcked(sender, 1));
  EXPECT_EQ(sender.TakeDeletable(), 1u);  // up to the ack, not up to what was sent
  EXPECT_EQ(sender.TakeDeletable(), 0u);

  broker.SendTo(publish[0], proto::Encode(proto::PubAck{"test-1", 2}));
  ASSERT_TRUE(DrainUntilAcked(sender, 2));
  EXPECT_EQ(sender.TakeDeletable(), 2u);
  EXPECT_EQ(sender.in_flight(), 0u);
}

}  // namespace
}  // namespace mcf::worker
