// Subscriber against a real mcf-broker that restarts on the same port and data directory while
// the subscriber is cut off: the events published in between arrive once the subscriber has
// reconnected, none missing and none twice — when it had received events (resume after the last
// one), when it had been asked for a sequence still in the future, and when it had been asked
// for new events only (from_seq 0) and had received none.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "lib/base/clock.h"
#include "lib/client/bus_client.h"
#include "lib/client/publisher.h"
#include "lib/client/subscriber.h"
#include "schemas/body.h"
#include "schemas/envelope.h"
#include "schemas/msgpack.h"
#include "schemas/registry.h"
#include "tests/support/broker_process.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace mcf::client {
namespace {

using std::chrono::milliseconds;
using testing::ReadFile;
using SteadyTime = std::chrono::steady_clock;

constexpr Millis kHeartbeat(100);

class SubscriberReconnectTest : public ::testing::Test {
 protected:
  // Starts the broker; the first time on any free port, then on the same endpoint again.
  // Sim clock: a real-mode broker appends clock events at every wall-clock minute boundary, and
  // one landing mid-test would shift the sequences these tests expect.
  void StartBroker() {
    auto broker = testing::StartBrokerProcess(
        dir_.Sub("broker"), dir_.Sub("broker.log"), {"--clock", "sim", "--heartbeat-ms", "100"},
        endpoint_.empty() ? std::string("tcp://127.0.0.1:*") : endpoint_);
    ASSERT_TRUE(broker.has_value()) << ReadFile(dir_.Sub("broker.log"));
    broker_ = std::move(broker->process);
    endpoint_ = broker->endpoint;
  }
  void RestartBroker() {
    ASSERT_TRUE(broker_.Stop().has_value());
    ASSERT_NO_FATAL_FAILURE(StartBroker());
  }

  // Publishes `n` test.fed events as a new producer and waits until they are durable.
  void Publish(int n) {
    const std::string producer = "feeder-" + std::to_string(++publishers_);
    Publisher publisher(context_, endpoint_, producer);
    for (int i = 1; i <= n; ++i) {
      schemas::Envelope e;
      e.id = producer + ":" + std::to_string(i);
      e.type = "test.fed";
      e.version = schemas::FindMessageType("test.fed")->version;
      e.producer = producer;
      e.time_ms = WallMillis();
      e.body = schemas::BodyWriter().String("name", "n").Int("amount", i).Finish();
      publisher.Publish("test.fed", schemas::Encode(e));
    }
    ASSERT_TRUE(publisher.Flush(milliseconds(10000)).ok()) << ReadFile(dir_.Sub("broker.log"));
  }

  // The cursors of the broker's subscribers (next sequence each will be sent).
  std::vector<uint64_t> Cursors() {
    BusClient bus(context_, endpoint_, "subscriber-test");
    auto reply = bus.Call(bus.MakeCommand("broker.stats", schemas::EmptyBody()), Millis(2000));
    std::vector<uint64_t> out;
    if (reply.status != Code::kOk) return out;
    auto body = schemas::Body::Parse(reply.body);
    if (!body.ok()) return out;
    auto subscribers = body->Raw("subscribers");
    if (!subscribers.ok()) return out;
    schemas::MsgpackReader r(*subscribers);
    const uint32_t n = r.ReadArrayHeader().value_or(0);
    for (uint32_t i = 0; i < n; ++i) {
      auto item = r.ReadRaw();
      if (!item) break;
      auto s = schemas::Body::Parse(*item);
      if (s.ok() && s->Int("cursor").ok()) out.push_back(static_cast<uint64_t>(*s->Int("cursor")));
    }
    return out;
  }

  // Lets `sub` talk to the broker until the broker holds its subscription at `cursor`; false
  // if that does not happen within 10 s. Nothing may be delivered meanwhile.
  bool WaitSubscribedAt(Subscriber& sub, uint64_t cursor) {
    const auto end = SteadyTime::now() + milliseconds(10000);
    while (SteadyTime::now() < end) {
      if (auto ev = sub.Next(Millis(20))) {
        ADD_FAILURE() << "unexpected event seq " << ev->seq;
        return false;
      }
      for (uint64_t c : Cursors())
        if (c == cursor) return true;
    }
    return false;
  }

  // The sequences `sub` hands out until `want` arrived (at most 20 s), then anything else that
  // arrives within a quiet second (a duplicate would).
  std::vector<uint64_t> Receive(Subscriber& sub, size_t want) {
    std::vector<uint64_t> seqs;
    const auto end = SteadyTime::now() + milliseconds(20000);
    while (seqs.size() < want && SteadyTime::now() < end) {
      if (auto ev = sub.Next(Millis(100))) seqs.push_back(ev->seq);
    }
    const auto quiet_end = SteadyTime::now() + milliseconds(1000);
    while (SteadyTime::now() < quiet_end) {
      if (auto ev = sub.Next(Millis(100))) seqs.push_back(ev->seq);
    }
    return seqs;
  }

  SubscriberOptions Options(uint64_t from_seq) {
    SubscriberOptions o;
    o.prefixes = {"test.fed"};
    o.from_seq = from_seq;
    o.window = 16;
    o.heartbeat = kHeartbeat;
    return o;
  }

  testing::TempDir dir_;
  testing::ChildProcess broker_;
  std::string endpoint_;
  zmq::context_t context_{1};
  int publishers_ = 0;
};

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t s = first; s <= last; ++s) out.push_back(s);
  return out;
}

// The defect: from_seq 0 resubscribed "from 0" after a reconnect, which the broker reads as its
// head at that moment, so everything published while the subscriber was cut off was skipped.
TEST_F(SubscriberReconnectTest, NewEventsOnlyResumesFromTheHeadOfItsFirstSubscribe) {
  ASSERT_NO_FATAL_FAILURE(StartBroker());
  ASSERT_NO_FATAL_FAILURE(Publish(3));  // seq 1..3: before the subscriber, never delivered
  Subscriber sub(context_, endpoint_, Options(0));
  ASSERT_TRUE(WaitSubscribedAt(sub, 4)) << ReadFile(dir_.Sub("broker.log"));

  ASSERT_NO_FATAL_FAILURE(RestartBroker());
  ASSERT_NO_FATAL_FAILURE(Publish(5));  // seq 4..8 while the subscriber is not subscribed
  EXPECT_EQ(Receive(sub, 5), Range(4, 8)) << ReadFile(dir_.Sub("broker.log"));
  EXPECT_EQ(sub.last_seq(), 8u);

  ASSERT_NO_FATAL_FAILURE(Publish(2));  // live again
  EXPECT_EQ(Receive(sub, 2), Range(9, 10));
}

TEST_F(SubscriberReconnectTest, AskedSequenceIsResumedWhenNothingArrivedBeforeTheReconnect) {
  ASSERT_NO_FATAL_FAILURE(StartBroker());
  ASSERT_NO_FATAL_FAILURE(Publish(3));  // seq 1..3
  Subscriber sub(context_, endpoint_, Options(6));
  ASSERT_TRUE(WaitSubscribedAt(sub, 6)) << ReadFile(dir_.Sub("broker.log"));

  ASSERT_NO_FATAL_FAILURE(RestartBroker());
  ASSERT_NO_FATAL_FAILURE(Publish(5));  // seq 4..8
  EXPECT_EQ(Receive(sub, 3), Range(6, 8)) << ReadFile(dir_.Sub("broker.log"));
}

TEST_F(SubscriberReconnectTest, ResumesAfterTheLastEventHandedOut) {
  ASSERT_NO_FATAL_FAILURE(StartBroker());
  ASSERT_NO_FATAL_FAILURE(Publish(3));  // seq 1..3
  Subscriber sub(context_, endpoint_, Options(2));
  EXPECT_EQ(Receive(sub, 2), Range(2, 3));

  ASSERT_NO_FATAL_FAILURE(RestartBroker());
  ASSERT_NO_FATAL_FAILURE(Publish(3));  // seq 4..6
  EXPECT_EQ(Receive(sub, 3), Range(4, 6)) << ReadFile(dir_.Sub("broker.log"));
}

}  // namespace
}  // namespace mcf::client
