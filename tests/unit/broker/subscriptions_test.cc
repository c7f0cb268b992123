#include "broker/subscriptions.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/support/temp_dir.h"

namespace mcf::broker {
namespace {

class SubscriptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = EventLog::Open(dir_.path(), size_t{1} << 30);
    ASSERT_TRUE(log.ok());
    log_ = std::move(*log);
  }
  void Append(int n, std::string topic) {
    std::vector<AppendItem> items;
    for (int i = 0; i < n; ++i) items.push_back({"p", ++pseq_, topic, "env", 0});
    ASSERT_TRUE(log_->AppendBatch(items).ok());
  }
  // Runs delivery passes until nothing more is deliverable; returns seqs sent per subscriber.
  std::map<std::string, std::vector<uint64_t>> DeliverAll(Subscriptions& subs) {
    std::map<std::string, std::vector<uint64_t>> sent;
    for (int pass = 0; pass < 1000; ++pass) {
      auto more = subs.Deliver(*log_, [&](const std::string& id, proto::Frames& frames) {
        for (size_t i = proto::kEventFramesOffset; i < frames.size(); ++i)
          sent[id].push_back(proto::ParseEventFrame(frames[i])->seq);
        return true;
      });
      EXPECT_TRUE(more.ok());
      if (!*more) break;
    }
    return sent;
  }
  testing::TempDir dir_;
  std::unique_ptr<EventLog> log_;
  uint64_t pseq_ = 0;
  FakeClock clock_;
};

TEST_F(SubscriptionsTest, DeliversNoMoreThanCredit) {
  Append(50, "tasks.x");
  Subscriptions subs(clock_, 256, Millis(300));
  subs.Subscribe("s", 1, 10, {""}, log_->Head());
  auto sent = DeliverAll(subs);
  ASSERT_EQ(sent["s"].size(), 10u);
  EXPECT_EQ(sent["s"].front(), 1u);
  EXPECT_EQ(subs.subscribers().at("s").credit, 0u);
  EXPECT_EQ(subs.subscribers().at("s").cursor, 11u);
  ASSERT_TRUE(subs.AddCredit("s", 5));
  sent = DeliverAll(subs);
  ASSERT_EQ(sent["s"].size(), 5u);
  EXPECT_EQ(sent["s"].front(), 11u);
}

TEST_F(SubscriptionsTest, SplitsIntoBatchesOfAtMostMaxBatch) {
  Append(25, "tasks.x");
  Subscriptions subs(clock_, 10, Millis(300));
  subs.Subscribe("s", 1, 1000, {""}, log_->Head());
  std::vector<size_t> sizes;
  for (int i = 0; i < 10; ++i)
    (void)subs.Deliver(*log_, [&](const std::string&, proto::Frames& f) {
      sizes.push_back(f.size() - proto::kEventFramesOffset);
      return true;
    });
  EXPECT_EQ(sizes, (std::vector<size_t>{10, 10, 5}));
}

TEST_F(SubscriptionsTest, FiltersByPrefixAndStartsFromHeadWhenFromIsZero) {
  Append(3, "tasks.x");
  Subscriptions subs(clock_, 256, Millis(300));
  subs.Subscribe("clock", 1, 100, {"clock."}, log_->Head());
  subs.Subscribe("new", 0, 100, {""}, log_->Head());
  Append(2, "clock.tick");
  auto sent = DeliverAll(subs);
  EXPECT_EQ(sent["clock"], (std::vector<uint64_t>{4, 5}));
  EXPECT_EQ(sent["new"], (std::vector<uint64_t>{4, 5}));
}

TEST_F(SubscriptionsTest, FailedSendKeepsCursorAndStalls) {
  Append(3, "tasks.x");
  Subscriptions subs(clock_, 256, Millis(300));
  subs.Subscribe("s", 1, 100, {""}, log_->Head());
  auto more = subs.Deliver(*log_, [](const std::string&, proto::Frames&) { return false; });
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
  EXPECT_EQ(subs.subscribers().at("s").cursor, 1u);
  EXPECT_EQ(subs.subscribers().at("s").credit, 100u);
  subs.Unstall();
  EXPECT_EQ(DeliverAll(subs)["s"].size(), 3u);
}

// Read your writes: what a command sent to a worker must wait for, and the progress report a
// narrow subscription is owed when nothing after its last event matched.
TEST_F(SubscriptionsTest, WaitSeqIsTheLastEventSentOnceScannedPastTheHead) {
  Append(3, "tasks.x");  // 1..3
  Subscriptions subs(clock_, 256, Millis(300));
  subs.Subscribe("w", 1, 100, {"tasks."}, log_->Head(), /*incarnation=*/77);
  EXPECT_EQ(subs.WaitSeqFor(77, log_->Head()), 3u);  // not delivered yet: the head
  DeliverAll(subs);
  Append(2, "clock.tick");                            // 4, 5: not for w
  EXPECT_EQ(subs.WaitSeqFor(77, log_->Head()), 5u);  // not scanned yet: the head, owed
  std::vector<uint64_t> progress;
  (void)subs.Deliver(*log_, [&](const std::string&, proto::Frames& f) {
    EXPECT_EQ(f.size(), proto::kEventFramesOffset);  // no events, only how far it was scanned
    progress.push_back(*proto::ParseEventBatch(f, 0));
    return true;
  });
  EXPECT_EQ(progress, (std::vector<uint64_t>{5}));
  // Scanned past the head now: only its last event (3) needs applying.
  EXPECT_EQ(subs.WaitSeqFor(77, log_->Head()), 3u);
  // Nothing is owed any more: no further message.
  EXPECT_TRUE(DeliverAll(subs).empty());
  // Another process, or none known: the head.
  EXPECT_EQ(subs.WaitSeqFor(78, log_->Head()), 5u);
  EXPECT_EQ(subs.WaitSeqFor(0, log_->Head()), 0u);
  subs.Remove("w");
  EXPECT_EQ(subs.WaitSeqFor(77, log_->Head()), 5u);
}

// READY and SUBSCRIBE travel on different sockets: a command can be dispatched (waiting for the
// head) before the worker's subscription exists. The subscription, once there, reports its
// progress to that head even though nothing in the log matches it.
TEST_F(SubscriptionsTest, ASubscriptionArrivingAfterItsWorkersCommandReportsProgressToTheHead) {
  Append(2, "hiring.worker_hired");
  Subscriptions subs(clock_, 256, Millis(300));
  EXPECT_EQ(subs.WaitSeqFor(9, log_->Head()), 2u);  // no subscription yet: the head
  subs.Subscribe("w", 1, 100, {"tasks."}, log_->Head(), 9);
  std::vector<uint64_t> scanned;
  for (int pass = 0; pass < 3; ++pass)
    (void)subs.Deliver(*log_, [&](const std::string&, proto::Frames& f) {
      EXPECT_EQ(f.size(), proto::kEventFramesOffset);
      scanned.push_back(*proto::ParseEventBatch(f, 0));
      return true;
    });
  EXPECT_EQ(scanned, (std::vector<uint64_t>{2}));
}

TEST_F(SubscriptionsTest, EventBatchesSayHowFarTheLogWasScanned) {
  Append(2, "tasks.x");     // 1, 2
  Append(2, "clock.tick");  // 3, 4
  Subscriptions subs(clock_, 256, Millis(300));
  subs.Subscribe("w", 1, 100, {"tasks."}, log_->Head(), 5);
  std::vector<uint64_t> scanned;
  (void)subs.Deliver(*log_, [&](const std::string&, proto::Frames& f) {
    scanned.push_back(*proto::ParseEventBatch(f, 0));
    return true;
  });
  EXPECT_EQ(scanned, (std::vector<uint64_t>{4}));
}

TEST_F(SubscriptionsTest, PurgesSilentSubscriber) {
  Subscriptions subs(clock_, 256, Millis(300));
  subs.Subscribe("a", 1, 1, {""}, 0);
  subs.Subscribe("b", 1, 1, {""}, 0);
  clock_.Advance(Millis(200));
  EXPECT_TRUE(subs.Touch("b"));
  clock_.Advance(Millis(100));
  EXPECT_EQ(subs.Purge(), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(subs.IsSubscriber("b"));
  EXPECT_FALSE(subs.AddCredit("a", 1));
}

}  // namespace
}  // namespace mcf::broker
