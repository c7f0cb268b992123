// Who a bus event concerns on the live stream, the bounded task-owner map, the SSE frame, the
// backlog's resume rule and Last-Event-ID parsing (gateway/stream_audience.h,
// gateway/stream_backlog.h).
#include "gateway/stream_audience.h"

#include <gtest/gtest.h>

#include <string>

#include "gateway/stream_backlog.h"

namespace mcf::gateway {
namespace {

const schemas::Principal kAlice{"client", "client-a"};
const schemas::Principal kBob{"client", "client-b"};
const schemas::Principal kWorker{"worker", "worker-1"};
const schemas::Principal kOtherWorker{"worker", "worker-2"};
const schemas::Principal kSupplies{"supplies", "staff-s"};
const schemas::Principal kManager{"manager", "staff-m"};
const schemas::Principal kAdmin{"admin", "bootstrap"};

TEST(StreamAudienceTest, AnAssignmentConcernsItsClientItsWorkerAndStaffOnly) {
  TaskOwners owners(10);
  const StreamAudience a = AudienceOf(
      "tasks.task_assigned",
      {{"task_id", "order-1"}, {"client_id", "client-a"}, {"worker_id", "worker-1"}}, owners);
  EXPECT_TRUE(Concerns(a, kAlice));
  EXPECT_TRUE(Concerns(a, kWorker));
  EXPECT_TRUE(Concerns(a, kManager));
  EXPECT_TRUE(Concerns(a, kAdmin));
  EXPECT_FALSE(Concerns(a, kBob));
  EXPECT_FALSE(Concerns(a, kOtherWorker));
  EXPECT_FALSE(Concerns(a, kSupplies));
}

TEST(StreamAudienceTest, AnEventWithoutTheClientFindsItFromAnEarlierEvent) {
  TaskOwners owners(10);
  AudienceOf("portal.help_requested", {{"order_id", "order-1"}, {"client_id", "client-a"}},
             owners);
  AudienceOf("tasks.task_assigned",
             {{"task_id", "order-1"}, {"client_id", "client-a"}, {"worker_id", "worker-1"}},
             owners);
  const StreamAudience checked_in =
      AudienceOf("tasks.checked_in", {{"task_id", "order-1"}, {"worker_id", "worker-1"}}, owners);
  EXPECT_EQ(checked_in.client_id, "client-a");
  EXPECT_EQ(checked_in.worker_id, "worker-1");
  const StreamAudience kit =
      AudienceOf("supplies.kit_issued", {{"task_id", "order-1"}, {"supply_order_id", "s-1"}},
                 owners);
  EXPECT_TRUE(Concerns(kit, kWorker));   // may check in now
  EXPECT_TRUE(Concerns(kit, kSupplies));
  EXPECT_FALSE(Concerns(kit, kAlice));
  // A task nobody told about reaches staff only.
  const StreamAudience unknown =
      AudienceOf("tasks.checked_in", {{"task_id", "order-9"}, {"worker_id", "worker-1"}}, owners);
  EXPECT_TRUE(Concerns(unknown, kWorker));  // the event names its worker
  EXPECT_FALSE(Concerns(unknown, kAlice));
  EXPECT_TRUE(Concerns(unknown, kManager));
}

TEST(StreamAudienceTest, TheBoardsEventsReachSuppliesAndStaffButNoClient) {
  TaskOwners owners(10);
  for (const char* topic : {"supplies.order_created", "supplies.cookie_requested",
                            "contractor.cookie_delivered", "contractor.cookie_failed"}) {
    const StreamAudience a = AudienceOf(
        topic,
        {{"task_id", "order-1"}, {"supply_order_id", "s-1"}, {"client_id", "client-a"},
         {"worker_id", "worker-1"}},
        owners);
    EXPECT_TRUE(Concerns(a, kSupplies)) << topic;
    EXPECT_TRUE(Concerns(a, kManager)) << topic;
    EXPECT_FALSE(Concerns(a, kAlice)) << topic;
    EXPECT_FALSE(Concerns(a, kWorker)) << topic;
  }
}

TEST(StreamAudienceTest, InvoicesReachTheirOwnerOnlyAndUnknownTopicsNobody) {
  TaskOwners owners(10);
  const StreamAudience client_invoice = AudienceOf(
      "billing.invoice_status_changed", {{"kind", "client"}, {"owner_id", "client-a"}}, owners);
  EXPECT_TRUE(Concerns(client_invoice, kAlice));
  EXPECT_FALSE(Concerns(client_invoice, kManager));
  const StreamAudience worker_invoice = AudienceOf(
      "billing.invoice_status_changed", {{"kind", "worker"}, {"owner_id", "worker-1"}}, owners);
  EXPECT_TRUE(Concerns(worker_invoice, kWorker));
  EXPECT_FALSE(Concerns(worker_invoice, kAlice));
  for (const char* topic : {"portal.worker_token_granted", "billing.writeoff_requested",
                            "tasks", "hiring.worker_hired"}) {
    EXPECT_TRUE(AudienceOf(topic, {{"client_id", "client-a"}}, owners).empty()) << topic;
  }
}

TEST(StreamAudienceTest, APrincipalWithoutAnIdMatchesNoEmptyOwner) {
  TaskOwners owners(10);
  const StreamAudience a =
      AudienceOf("tasks.task_finalized", {{"task_id", "order-7"}, {"worker_id", ""}}, owners);
  EXPECT_FALSE(Concerns(a, {"client", ""}));
  EXPECT_FALSE(Concerns(a, {"worker", ""}));
  EXPECT_FALSE(Concerns(a, {"system", "gateway"}));
}

TEST(StreamAudienceTest, TaskOwnersForgetsTheLeastRecentlyUsedBeyondItsCapacity) {
  TaskOwners owners(2);
  owners.Note("t-1", "c-1", "");
  owners.Note("t-2", "c-2", "");
  ASSERT_TRUE(owners.Find("t-1"));  // t-1 is now the most recent
  owners.Note("t-3", "c-3", "w-3");
  EXPECT_EQ(owners.size(), 2u);
  EXPECT_FALSE(owners.Find("t-2"));
  EXPECT_EQ(owners.Find("t-1")->client_id, "c-1");
  owners.Note("t-1", "", "w-1");  // adds what is new, keeps what it knew
  EXPECT_EQ(owners.Find("t-1")->client_id, "c-1");
  EXPECT_EQ(owners.Find("t-1")->worker_id, "w-1");
  owners.Note("", "c-9", "w-9");
  owners.Note("t-9", "", "");
  EXPECT_EQ(owners.size(), 2u);
}

TEST(StreamAudienceTest, AFrameIsOneEventWithIsoTimesAndOneDataLine) {
  const std::string frame =
      RenderStreamEvent(42, "tasks.checked_in",
                        1767600000000,  // 2026-01-05T08:00:00Z
                        {{"task_id", "o-1"}, {"at", 1767600060000}, {"note", "two\nlines"}});
  EXPECT_EQ(frame,
            "id: 42\nevent: tasks.checked_in\n"
            "data: {\"topic\":\"tasks.checked_in\",\"at\":\"2026-01-05T08:00:00Z\",\"body\":{"
            "\"task_id\":\"o-1\",\"at\":\"2026-01-05T08:01:00Z\",\"note\":\"two\\nlines\"}}\n\n");
}

// A backlog holding events 5, 7, 9 of subscription floor 4 (log head 9 at start).
StreamBacklog Backlog(size_t capacity) {
  StreamBacklog b(capacity);
  b.Reset(4, 9);
  for (uint64_t seq : {5, 7, 9}) {
    StreamAudience a;
    a.client_id = seq == 7 ? "client-b" : "client-a";
    b.Add({seq, a, "e" + std::to_string(seq)});
  }
  return b;
}

std::vector<uint64_t> Seqs(const StreamBacklog::Resume& r) {
  std::vector<uint64_t> out;
  for (const BacklogEvent* e : r.events) out.push_back(e->seq);
  return out;
}

TEST(StreamBacklogTest, ResumesAfterTheLastEventIdWithTheEventsOfThatPrincipalOnly) {
  const StreamBacklog b = Backlog(10);
  auto r = b.ResumeAfter(4, kAlice, 1000);
  EXPECT_FALSE(r.reset);
  EXPECT_EQ(Seqs(r), (std::vector<uint64_t>{5, 9}));
  EXPECT_EQ(r.cursor, 9u);
  r = b.ResumeAfter(5, kAlice, 1000);
  EXPECT_EQ(Seqs(r), (std::vector<uint64_t>{9}));
  r = b.ResumeAfter(6, kBob, 1000);
  EXPECT_EQ(Seqs(r), (std::vector<uint64_t>{7}));
  r = b.ResumeAfter(9, kAlice, 1000);
  EXPECT_FALSE(r.reset);
  EXPECT_TRUE(r.events.empty());
  // A fresh stream replays nothing and starts at the newest event.
  r = b.ResumeAfter(std::nullopt, kAlice, 1000);
  EXPECT_FALSE(r.reset);
  EXPECT_TRUE(r.events.empty());
  EXPECT_EQ(r.cursor, 9u);
}

TEST(StreamBacklogTest, ResetsWhenTheIdIsOlderThanTheBacklogOrNewerThanTheLog) {
  StreamBacklog b = Backlog(2);  // 5 was forgotten: the backlog reaches back to 5 exclusive
  EXPECT_EQ(b.size(), 2u);
  EXPECT_FALSE(b.ResumeAfter(5, kAlice, 1000).reset);
  auto r = b.ResumeAfter(4, kAlice, 1000);
  EXPECT_TRUE(r.reset);
  EXPECT_TRUE(r.events.empty());
  EXPECT_EQ(r.cursor, 9u);
  EXPECT_TRUE(b.ResumeAfter(10, kAlice, 1000).reset);  // a log wiped since
  // More to replay than the stream's queue takes: a reset, not a dropped reader.
  EXPECT_TRUE(b.ResumeAfter(5, kAlice, 1).reset);
}

TEST(StreamBacklogTest, WhileTheLogIsStillBeingReadAResumedStreamKeepsItsPlace) {
  StreamBacklog b(10);
  b.Reset(100, 200);  // events 101..200 are still to be read
  StreamAudience alice;
  alice.client_id = "client-a";
  b.Add({150, alice, "e150"});
  auto r = b.ResumeAfter(170, kAlice, 1000);
  EXPECT_FALSE(r.reset);
  EXPECT_TRUE(r.events.empty());
  EXPECT_EQ(r.cursor, 170u);  // 171..200 arrive live
  EXPECT_EQ(b.ResumeAfter(std::nullopt, kAlice, 1000).cursor, 200u);
  EXPECT_TRUE(b.ResumeAfter(201, kAlice, 1000).reset);
}

TEST(StreamBacklogTest, LastEventIdIsANumberOrAbsent) {
  EXPECT_EQ(ParseLastEventId(std::nullopt).value(), std::nullopt);
  EXPECT_EQ(ParseLastEventId("").value(), std::nullopt);
  EXPECT_EQ(ParseLastEventId("0").value(), std::optional<uint64_t>(0));
  EXPECT_EQ(ParseLastEventId("1234567").value(), std::optional<uint64_t>(1234567));
  for (const char* bad : {"-1", "12a", " 12", "1, 2", "99999999999999999999", "0x10"}) {
    auto r = ParseLastEventId(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.problem().status, 400);
    EXPECT_EQ(r.problem().field, std::optional<std::string>("header.Last-Event-ID"));
  }
}

}  // namespace
}  // namespace mcf::gateway
