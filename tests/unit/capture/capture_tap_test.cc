// The broker side of captures without sockets to peers: LogWriter reports durable events with
// their log seqs (duplicates skipped), and CaptureTap writes, drops (and says so) and seals.
#include "broker/capture_tap.h"

#include <gtest/gtest.h>

#include <mutex>

#include "broker/log_writer.h"
#include "lib/capture/reader.h"
#include "tests/support/temp_dir.h"

namespace mcf::broker {
namespace {

using capture::RecordKind;

struct Seen {
  uint64_t seq;
  std::string producer, topic, envelope;
};

class RecordingSink final : public DurableEventSink {
 public:
  void OnDurable(uint64_t seq, int64_t, std::string_view producer, std::string_view topic,
                 std::string_view envelope) override {
    std::lock_guard lock(mu);
    seen.push_back({seq, std::string(producer), std::string(topic), std::string(envelope)});
  }
  std::mutex mu;
  std::vector<Seen> seen;
};

WriteItem Item(std::string producer, uint64_t pseq, std::string envelope) {
  return WriteItem{std::move(producer), pseq, "t.x",
                   zmq::message_t(envelope.data(), envelope.size()), 1};
}

TEST(DurableSinkTest, ReportsAppendedEventsWithTheirSeqsAndSkipsDuplicates) {
  testing::TempDir dir;
  auto log = EventLog::Open(dir.path(), size_t{1} << 30);
  ASSERT_TRUE(log.ok());
  zmq::context_t context(1);
  {  // Before the sink: producer "a" is at 2 in the log.
    auto writer = LogWriter::Start(**log, context);
    ASSERT_TRUE(writer.ok());
    WriteBatch b;
    b.items.push_back(Item("a", 1, "a1"));
    b.items.push_back(Item("a", 2, "a2"));
    (*writer)->Submit(std::move(b));
    (*writer)->Stop();
  }
  auto writer = LogWriter::Start(**log, context);
  ASSERT_TRUE(writer.ok());
  auto sink = std::make_shared<RecordingSink>();
  (*writer)->SetSink(sink);
  WriteBatch b1;
  b1.items.push_back(Item("a", 2, "a2"));  // a resend of a stored event: skipped by the log
  b1.items.push_back(Item("b", 1, "b1"));
  b1.items.push_back(Item("a", 3, "a3"));
  b1.items.push_back(Item("b", 1, "b1"));  // resent within the batch
  (*writer)->Submit(std::move(b1));
  WriteBatch b2;
  b2.items.push_back(Item("b", 2, "b2"));
  (*writer)->Submit(std::move(b2));
  (*writer)->Stop();
  ASSERT_EQ(sink->seen.size(), 3u);
  EXPECT_EQ(sink->seen[0].seq, 3u);
  EXPECT_EQ(sink->seen[0].envelope, "b1");
  EXPECT_EQ(sink->seen[1].seq, 4u);
  EXPECT_EQ(sink->seen[1].envelope, "a3");
  EXPECT_EQ(sink->seen[2].seq, 5u);
  EXPECT_EQ(sink->seen[2].envelope, "b2");
  EXPECT_EQ((*log)->Head(), 5u);
}

CaptureTapOptions Options(const std::string& path) {
  CaptureTapOptions o;
  o.path = path;
  o.header.clock_mode = "sim";
  o.header.build_id = "test";
  return o;
}

TEST(CaptureTapTest, WritesWhatItIsGivenAndATrailer) {
  testing::TempDir dir;
  auto tap = CaptureTap::Start(Options(dir.Sub("c")));
  ASSERT_TRUE(tap.ok()) << tap.status().ToString();
  (*tap)->Command(10, "test", "\x80", "k:0123456789ab");
  (*tap)->Reply(11, "", "\x81\xa4type\xa8test.add");  // service filled in from the type
  (*tap)->OnDurable(7, 12, "clock", "clock.tick", "\x80");
  (*tap)->OnDurable(8, 13, "tasks", "tasks.x", "\x80");
  ASSERT_TRUE((*tap)->Stop(14).ok());
  auto capture = capture::ReadCapture(dir.Sub("c"));
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  EXPECT_TRUE(capture->complete);
  ASSERT_EQ(capture->records.size(), 5u);
  EXPECT_EQ(capture->records[0].kind, RecordKind::kCommand);
  EXPECT_EQ(capture->records[1].name, "test");
  EXPECT_EQ(capture->records[2].kind, RecordKind::kClock);
  EXPECT_EQ(capture->records[2].seq, 7u);
  EXPECT_EQ(capture->records[3].kind, RecordKind::kEvent);
  EXPECT_EQ(capture->records[4].kind, RecordKind::kEnd);
  // The sender's key id rides with its command only, and the records queued after it are intact.
  EXPECT_EQ(capture->records[0].key, "k:0123456789ab");
  EXPECT_EQ(capture->records[0].envelope, "\x80");
  for (size_t i = 1; i < capture->records.size(); ++i)
    EXPECT_EQ(capture->records[i].key, "") << "record " << i;
  EXPECT_EQ(capture->records[1].envelope, "\x81\xa4type\xa8test.add");
}

TEST(CaptureTapTest, AFullQueueDropsRecordsAndMarksTheCaptureIncomplete) {
  testing::TempDir dir;
  CaptureTapOptions o = Options(dir.Sub("c"));
  o.max_queued_records = 3;
  o.drain_interval = Millis(60000);  // the writer does not drain before Stop
  auto tap = CaptureTap::Start(o);
  ASSERT_TRUE(tap.ok());
  for (int i = 0; i < 10; ++i) (*tap)->Command(i, "test", "\x80", "k:0123456789ab");
  EXPECT_EQ((*tap)->stats().records, 3u);
  EXPECT_EQ((*tap)->stats().dropped, 7u);
  ASSERT_TRUE((*tap)->Stop(20).ok());
  auto capture = capture::ReadCapture(dir.Sub("c"));
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  EXPECT_FALSE(capture->complete);
  EXPECT_EQ(capture->dropped, 7u);
}

TEST(CaptureTapTest, SealTakesTheLastRecordAndIgnoresLaterOnes) {
  testing::TempDir dir;
  auto tap = CaptureTap::Start(Options(dir.Sub("c")));
  ASSERT_TRUE(tap.ok());
  (*tap)->Command(1, "broker", "\x80", "");
  auto stats = (*tap)->Seal(2, "broker", [](const CaptureTap::Stats& s) {
    return std::string("\x81\xa7records") + static_cast<char>(s.records);
  });
  EXPECT_EQ(stats.records, 2u);
  (*tap)->OnDurable(1, 3, "x", "x.y", "\x80");  // after the seal: not part of the capture
  ASSERT_TRUE((*tap)->Stop(4).ok());
  auto capture = capture::ReadCapture(dir.Sub("c"));
  ASSERT_TRUE(capture.ok());
  ASSERT_EQ(capture->records.size(), 3u);
  EXPECT_EQ(capture->records[1].kind, RecordKind::kReply);
  EXPECT_EQ(capture->records[1].envelope.back(), '\x02');
  EXPECT_EQ(capture->records[2].kind, RecordKind::kEnd);
  EXPECT_TRUE(capture->complete);
}

// The header's outside names are written as given; names marked while recording (keys of role
// outside that published, registered later ones included) go in the trailer, sorted, once each;
// a name marked after the seal is not.
TEST(CaptureTapTest, OutsideNamesAreInTheHeaderAndMarkedOnesInTheTrailer) {
  testing::TempDir dir;
  CaptureTapOptions o = Options(dir.Sub("c"));
  o.header.outside = {"contractor"};
  auto tap = CaptureTap::Start(o);
  ASSERT_TRUE(tap.ok());
  (*tap)->MarkOutside("payments");
  (*tap)->MarkOutside("contractor");
  (*tap)->MarkOutside("payments");
  (*tap)->OnDurable(1, 3, "payments", "payments.settled", "\x80");
  (*tap)->Seal(4, "broker", [](const CaptureTap::Stats&) { return std::string("\x80"); });
  (*tap)->MarkOutside("late");
  ASSERT_TRUE((*tap)->Stop(5).ok());
  auto capture = capture::ReadCapture(dir.Sub("c"));
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  EXPECT_EQ(capture->header.outside, (std::vector<std::string>{"contractor"}));
  ASSERT_EQ(capture->records.back().kind, RecordKind::kEnd);
  auto end = capture::DecodeEndBody(capture->records.back().envelope);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->outside, (std::vector<std::string>{"contractor", "payments"}));
  EXPECT_TRUE(capture->complete);
}

}  // namespace
}  // namespace mcf::broker
