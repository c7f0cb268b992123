#include "broker/event_log.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace mcf::broker {
namespace {

constexpr size_t kMap = size_t{1} << 30;

struct Seen {
  uint64_t seq;
  int64_t time;
  std::string topic, envelope;
};

std::vector<Seen> ReadAll(EventLog& log, uint64_t from, std::vector<std::string> prefixes = {""},
                          size_t max = 1000) {
  std::vector<Seen> out;
  auto next = log.Read(from, prefixes, max, 100000, [&](const StoredEvent& e) {
    out.push_back({e.seq, e.time_ms, std::string(e.topic), std::string(e.envelope)});
    return true;
  });
  EXPECT_TRUE(next.ok());
  return out;
}

TEST(EventLogTest, AppendsWithConsecutiveSeqsAndSkipsDuplicates) {
  testing::TempDir dir;
  auto log = EventLog::Open(dir.path(), kMap);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  std::vector<AppendItem> batch = {{"p", 1, "a.x", "e1", 10},
                                   {"p", 2, "a.y", "e2", 11},
                                   {"q", 7, "b.x", "e3", 12},
                                   {"p", 2, "a.y", "e2", 13}};  // a resend
  auto r = (*log)->AppendBatch(batch);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->appended, 3u);
  EXPECT_EQ(r->head, 3u);
  EXPECT_EQ(r->durable.at("p"), 2u);
  EXPECT_EQ(r->durable.at("q"), 7u);
  // Re-sent tail: only the new one is appended; the ack still covers the old ones.
  std::vector<AppendItem> again = {{"p", 1, "a.x", "e1", 20}, {"p", 3, "a.z", "e4", 21}};
  r = (*log)->AppendBatch(again);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->appended, 1u);
  EXPECT_EQ(r->durable.at("p"), 3u);
  auto all = ReadAll(**log, 1);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].seq, 1u);
  EXPECT_EQ(all[0].time, 10);
  EXPECT_EQ(all[0].topic, "a.x");
  EXPECT_EQ(all[0].envelope, "e1");
  EXPECT_EQ(all[3].seq, 4u);
  EXPECT_EQ(all[3].envelope, "e4");
  EXPECT_EQ(*(*log)->ProducerSeq("p"), 3u);
  EXPECT_EQ(*(*log)->ProducerSeq("nobody"), 0u);
}

TEST(EventLogTest, SeqContinuesAndDedupHoldsAcrossReopen) {
  testing::TempDir dir;
  {
    auto log = EventLog::Open(dir.path(), kMap);
    ASSERT_TRUE(log.ok());
    std::vector<AppendItem> batch = {{"p", 1, "a.x", "e1", 1}, {"p", 2, "a.x", "e2", 2}};
    ASSERT_TRUE((*log)->AppendBatch(batch, int64_t{1234}).ok());
  }
  auto log = EventLog::Open(dir.path(), kMap);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->Head(), 2u);
  EXPECT_EQ((*log)->ClockState()->value_or(0), 1234);
  std::vector<AppendItem> batch = {{"p", 2, "a.x", "e2", 3}, {"p", 3, "a.x", "e3", 3}};
  auto r = (*log)->AppendBatch(batch);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->appended, 1u);
  EXPECT_EQ(r->head, 3u);
  auto all = ReadAll(**log, 1);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].envelope, "e3");
}

TEST(EventLogTest, ReadFiltersByPrefixAndHonoursLimits) {
  testing::TempDir dir;
  auto log = EventLog::Open(dir.path(), kMap);
  ASSERT_TRUE(log.ok());
  std::vector<AppendItem> batch;
  std::vector<std::string> topics;
  for (int i = 1; i <= 10; ++i) topics.push_back(i % 2 ? "tasks.done" : "clock.tick");
  for (int i = 1; i <= 10; ++i) batch.push_back({"p", uint64_t(i), topics[i - 1], "e", i});
  ASSERT_TRUE((*log)->AppendBatch(batch).ok());
  auto clocks = ReadAll(**log, 1, {"clock."});
  ASSERT_EQ(clocks.size(), 5u);
  EXPECT_EQ(clocks[0].seq, 2u);
  EXPECT_EQ(clocks[4].seq, 10u);
  EXPECT_EQ(ReadAll(**log, 1, {"clock.", "tasks."}).size(), 10u);
  EXPECT_TRUE(ReadAll(**log, 1, {"billing."}).empty());
  EXPECT_EQ(ReadAll(**log, 4, {""}).front().seq, 4u);
  // max_events: the returned cursor is right after the last delivered event.
  size_t n = 0;
  auto next = (*log)->Read(1, {"clock."}, 2, 1000, [&](const StoredEvent&) { return ++n, true; });
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(*next, 5u);
  // max_scan bounds the work even when nothing matches.
  next = (*log)->Read(1, {"billing."}, 10, 3, [&](const StoredEvent&) { return true; });
  EXPECT_EQ(*next, 4u);
  // Beyond the head: nothing, cursor unchanged.
  next = (*log)->Read(11, {""}, 10, 10, [&](const StoredEvent&) { return true; });
  EXPECT_EQ(*next, 11u);
}

TEST(EventLogTest, MatchesAnyPrefix) {
  EXPECT_TRUE(MatchesAny("tasks.done", {""}));
  EXPECT_TRUE(MatchesAny("tasks.done", {"x", "tasks."}));
  EXPECT_FALSE(MatchesAny("tasks.done", {"task.", "billing"}));
  EXPECT_FALSE(MatchesAny("tasks.done", {}));
}

TEST(EventLogTest, ADuplicateThatDiffersIsRefusedNotDropped) {
  testing::TempDir dir;
  auto log = EventLog::Open(dir.path(), kMap);
  ASSERT_TRUE(log.ok());
  std::vector<AppendItem> first = {{"p", 1, "a.x", "e1", 10}, {"p", 2, "a.x", "e2", 11}};
  ASSERT_TRUE((*log)->AppendBatch(first).ok());
  // Another store under the same name: its seq 2 is not the stored seq 2; its seq 3 comes after
  // the conflict in the same batch and is not stored either. Producer q is unaffected.
  std::vector<AppendItem> other = {
      {"p", 2, "a.x", "OTHER", 20}, {"p", 3, "a.x", "e3", 21}, {"q", 1, "b.x", "q1", 22}};
  auto r = (*log)->AppendBatch(other);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->conflicts.size(), 1u);
  EXPECT_EQ(r->conflicts[0].producer, "p");
  EXPECT_EQ(r->conflicts[0].producer_seq, 2u);
  EXPECT_EQ(r->durable.count("p"), 0u);  // never acknowledged
  EXPECT_EQ(r->durable.at("q"), 1u);
  EXPECT_EQ(r->appended, 1u);
  auto all = ReadAll(**log, 1);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].envelope, "e2");
  EXPECT_EQ(all[2].envelope, "q1");
  // The topic counts too; an identical resend is still a plain duplicate.
  std::vector<AppendItem> topic = {{"p", 1, "a.other", "e1", 30}};
  EXPECT_EQ((*log)->AppendBatch(topic)->conflicts.size(), 1u);
  std::vector<AppendItem> resend = {{"p", 1, "a.x", "e1", 40}, {"p", 2, "a.x", "e2", 41}};
  r = (*log)->AppendBatch(resend);
  EXPECT_TRUE(r->conflicts.empty());
  EXPECT_EQ(r->durable.at("p"), 2u);
  EXPECT_EQ(r->appended, 0u);
}

// A publisher's seqs follow on without a hole: an item above the last stored plus one (an
// earlier batch of it was not stored) is refused with the rest of its producer's batch, and
// `durable` stays below the hole. The clock's seqs (not contiguous) may jump.
TEST(EventLogTest, AContiguousProducerIsNotStoredOverAHole) {
  testing::TempDir dir;
  auto log = EventLog::Open(dir.path(), kMap);
  ASSERT_TRUE(log.ok());
  std::vector<AppendItem> first = {{"p", 1, "a.x", "e1", 10, true},
                                   {"p", 2, "a.x", "e2", 10, true},
                                   {"p", 5, "a.x", "e5", 10, true},  // 3 and 4 never arrived
                                   {"p", 6, "a.x", "e6", 10, true},
                                   {"clock", 100, "clock.tick", "t", 10, false},
                                   {"clock", 160, "clock.tick", "t", 10, false}};
  auto r = (*log)->AppendBatch(first);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->appended, 4u);  // p:1, p:2 and both clock events
  EXPECT_EQ(r->durable.at("p"), 2u);
  ASSERT_EQ(r->gaps.size(), 1u);
  EXPECT_EQ(r->gaps[0].producer, "p");
  EXPECT_EQ(r->gaps[0].producer_seq, 5u);
  EXPECT_TRUE(r->conflicts.empty());
  EXPECT_EQ(*(*log)->ProducerSeq("p"), 2u);

  std::vector<AppendItem> resend = {{"p", 3, "a.x", "e3", 11, true},
                                    {"p", 4, "a.x", "e4", 11, true},
                                    {"p", 5, "a.x", "e5", 11, true},
                                    {"p", 6, "a.x", "e6", 11, true}};
  r = (*log)->AppendBatch(resend);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->gaps.empty());
  EXPECT_EQ(r->durable.at("p"), 6u);
  std::vector<std::string> envelopes;
  for (const auto& e : ReadAll(**log, 1, {"a."})) envelopes.push_back(e.envelope);
  EXPECT_EQ(envelopes, (std::vector<std::string>{"e1", "e2", "e3", "e4", "e5", "e6"}));
}

}  // namespace
}  // namespace mcf::broker
