#include "broker/service_table.h"

#include <gtest/gtest.h>

namespace mcf::broker {
namespace {

zmq::message_t Msg(std::string_view s) { return zmq::message_t(s.data(), s.size()); }
std::string Str(const zmq::message_t& m) {
  return std::string(static_cast<const char*>(m.data()), m.size());
}

class ServiceTableTest : public ::testing::Test {
 protected:
  ServiceTableOptions Options() {
    ServiceTableOptions o;
    o.expiry = Millis(300);
    o.startup_grace = Millis(300);
    o.max_queued_per_service = 3;
    return o;
  }
  void PassGrace(ServiceTable& table) {
    clock_.Advance(Millis(301));
    table.Tick(out_);
    out_.Clear();
  }
  FakeClock clock_;
  Actions out_;
};

TEST_F(ServiceTableTest, DispatchesToRegisteredWorkerAndRoutesReply) {
  ServiceTable table(clock_, Options());
  table.Ready("w1", "tasks-1", 1, {"tasks"}, out_);
  table.Submit("c1", "k1", "tasks", 1000, Msg("env"), out_);
  ASSERT_EQ(out_.dispatches.size(), 1u);
  EXPECT_EQ(out_.dispatches[0].worker, "w1");
  EXPECT_EQ(Str(out_.dispatches[0].envelope), "env");
  EXPECT_EQ(out_.dispatches[0].timeout_ms, 1000u);
  uint64_t id = out_.dispatches[0].request_id;
  out_.Clear();
  auto route = table.OnReply("w1", id, out_);
  ASSERT_TRUE(route);
  EXPECT_EQ(route->client, "c1");
  EXPECT_EQ(route->request_key, "k1");
  EXPECT_EQ(table.in_flight(), 0u);
  EXPECT_FALSE(table.OnReply("w1", id, out_));
  EXPECT_EQ(table.late_replies(), 1u);
}

TEST_F(ServiceTableTest, UnknownServiceIsUnavailableAtOnce) {
  ServiceTable table(clock_, Options());
  PassGrace(table);
  table.Submit("c1", "k1", "nobody", 1000, Msg("env"), out_);
  ASSERT_EQ(out_.failures.size(), 1u);
  EXPECT_EQ(out_.failures[0].status.code(), Code::kUnavailable);
  EXPECT_EQ(out_.failures[0].request_key, "k1");
  EXPECT_EQ(Str(out_.failures[0].envelope), "env");
}

TEST_F(ServiceTableTest, QueuesUnknownServiceDuringStartupGrace) {
  ServiceTable table(clock_, Options());
  table.Submit("c1", "k1", "tasks", 5000, Msg("env"), out_);
  EXPECT_TRUE(out_.failures.empty());
  EXPECT_EQ(table.queued(), 1u);
  clock_.Advance(Millis(100));
  table.Ready("w1", "tasks-1", 1, {"tasks"}, out_);
  ASSERT_EQ(out_.dispatches.size(), 1u);
  EXPECT_EQ(out_.dispatches[0].timeout_ms, 4900u);
}

TEST_F(ServiceTableTest, RefusesQueuedUnknownServiceWhenGraceEnds) {
  ServiceTable table(clock_, Options());
  table.Submit("c1", "k1", "tasks", 5000, Msg("env"), out_);
  ASSERT_TRUE(table.NextDeadline());
  clock_.Advance(Millis(300));
  table.Tick(out_);
  ASSERT_EQ(out_.failures.size(), 1u);
  EXPECT_EQ(out_.failures[0].status.code(), Code::kUnavailable);
  EXPECT_EQ(table.queued(), 0u);
}

TEST_F(ServiceTableTest, ExpiresQueuedRequestAtDeadline) {
  ServiceTable table(clock_, Options());
  table.Ready("w1", "tasks-1", 1, {"tasks"}, out_);
  table.Submit("c1", "busy", "tasks", 10000, Msg("a"), out_);
  table.Submit("c1", "k2", "tasks", 200, Msg("b"), out_);
  ASSERT_EQ(out_.dispatches.size(), 1u);
  out_.Clear();
  table.Touch("w1");
  clock_.Advance(Millis(199));
  table.Tick(out_);
  EXPECT_TRUE(out_.failures.empty());
  ASSERT_TRUE(table.NextDeadline());
  EXPECT_EQ(*table.NextDeadline(), clock_.Now() + Millis(1));
  clock_.Advance(Millis(1));
  table.Tick(out_);
  ASSERT_EQ(out_.failures.size(), 1u);
  EXPECT_EQ(out_.failures[0].request_key, "k2");
  EXPECT_EQ(out_.failures[0].status.code(), Code::kTimeout);
  EXPECT_EQ(table.queued(), 0u);
}

TEST_F(ServiceTableTest, ExpiresInFlightRequestAndCountsLateReply) {
  ServiceTable table(clock_, Options());
  table.Ready("w1", "tasks-1", 1, {"tasks"}, out_);
  table.Submit("c1", "k1", "tasks", 100, Msg("a"), out_);
  uint64_t id = out_.dispatches.at(0).request_id;
  out_.Clear();
  clock_.Advance(Millis(100));
  table.Tick(out_);
  ASSERT_EQ(out_.failures.size(), 1u);
  EXPECT_EQ(out_.failures[0].status.code(), Code::kTimeout);
  EXPECT_EQ(table.in_flight(), 0u);
  EXPECT_FALSE(table.OnReply("w1", id, out_));
  EXPECT_EQ(table.late_replies(), 1u);
}

TEST_F(ServiceTableTest, RoundRobinsOverWorkersWithSpareCapacity) {
  ServiceTable table(clock_, Options());
  table.Ready("w1", "a", 1, {"tasks"}, out_);
  table.Ready("w2", "b", 2, {"tasks"}, out_);
  for (int i = 0; i < 4; ++i) table.Submit("c", std::to_string(i), "tasks", 1000, Msg("e"), out_);
  ASSERT_EQ(out_.dispatches.size(), 3u);
  EXPECT_EQ(out_.dispatches[0].worker, "w1");
  EXPECT_EQ(out_.dispatches[1].worker, "w2");
  EXPECT_EQ(out_.dispatches[2].worker, "w2");
  EXPECT_EQ(table.queued(), 1u);
  uint64_t first = out_.dispatches[0].request_id;
  out_.Clear();
  ASSERT_TRUE(table.OnReply("w1", first, out_));
  ASSERT_EQ(out_.dispatches.size(), 1u);  // the waiting one goes to the freed worker
  EXPECT_EQ(out_.dispatches[0].worker, "w1");
}

TEST_F(ServiceTableTest, PurgesWorkerAfterMissedHeartbeats) {
  ServiceTable table(clock_, Options());
  table.Ready("w1", "a", 1, {"tasks"}, out_);
  clock_.Advance(Millis(200));
  EXPECT_TRUE(table.Touch("w1"));
  clock_.Advance(Millis(299));
  EXPECT_TRUE(table.Tick(out_).empty());
  clock_.Advance(Millis(1));
  auto purged = table.Tick(out_);
  ASSERT_EQ(purged.size(), 1u);
  EXPECT_EQ(purged[0], "w1");
  EXPECT_FALSE(table.IsWorker("w1"));
  EXPECT_FALSE(table.Touch("w1"));
}

TEST_F(ServiceTableTest, RequeuesInFlightRequestsOfDeadWorker) {
  ServiceTable table(clock_, Options());
  table.Ready("w1", "a", 2, {"tasks"}, out_);
  table.Submit("c", "k1", "tasks", 10000, Msg("one"), out_);
  table.Submit("c", "k2", "tasks", 10000, Msg("two"), out_);
  ASSERT_EQ(out_.dispatches.size(), 2u);
  out_.Clear();
  clock_.Advance(Millis(300));
  table.Tick(out_);  // w1 purged; both back at the head of the queue
  EXPECT_TRUE(out_.failures.empty());
  EXPECT_EQ(table.queued(), 2u);
  table.Ready("w2", "b", 2, {"tasks"}, out_);
  ASSERT_EQ(out_.dispatches.size(), 2u);
  EXPECT_EQ(Str(out_.dispatches[0].envelope), "one");
  EXPECT_EQ(Str(out_.dispatches[1].envelope), "two");
  EXPECT_EQ(out_.dispatches[0].worker, "w2");
  auto route = table.OnReply("w2", out_.dispatches[0].request_id, out_);
  ASSERT_TRUE(route);
  EXPECT_EQ(route->request_key, "k1");
}

TEST_F(ServiceTableTest, DisconnectRedispatchesToAnotherWorkerAtOnce) {
  ServiceTable table(clock_, Options());
  table.Ready("w1", "a", 1, {"tasks"}, out_);
  table.Submit("c", "k1", "tasks", 10000, Msg("one"), out_);
  table.Ready("w2", "b", 1, {"tasks"}, out_);
  out_.Clear();
  EXPECT_TRUE(table.Disconnect("w1", out_));
  ASSERT_EQ(out_.dispatches.size(), 1u);
  EXPECT_EQ(out_.dispatches[0].worker, "w2");
  EXPECT_FALSE(table.Disconnect("w1", out_));
}

TEST_F(ServiceTableTest, KnownServiceWithoutWorkersQueuesUntilDeadline) {
  ServiceTable table(clock_, Options());
  table.Ready("w1", "a", 1, {"tasks"}, out_);
  EXPECT_TRUE(table.Disconnect("w1", out_));
  PassGrace(table);
  table.Submit("c", "k1", "tasks", 500, Msg("one"), out_);
  EXPECT_TRUE(out_.failures.empty());
  clock_.Advance(Millis(500));
  table.Tick(out_);
  ASSERT_EQ(out_.failures.size(), 1u);
  EXPECT_EQ(out_.failures[0].status.code(), Code::kTimeout);
}

TEST_F(ServiceTableTest, RefusesWhenQueueIsFull) {
  ServiceTable table(clock_, Options());
  table.Ready("w1", "a", 1, {"tasks"}, out_);
  for (int i = 0; i < 5; ++i) table.Submit("c", std::to_string(i), "tasks", 1000, Msg("e"), out_);
  EXPECT_EQ(out_.dispatches.size(), 1u);
  EXPECT_EQ(table.queued(), 3u);
  ASSERT_EQ(out_.failures.size(), 1u);
  EXPECT_EQ(out_.failures[0].status.code(), Code::kUnavailable);
  EXPECT_EQ(out_.failures[0].request_key, "4");
}

TEST_F(ServiceTableTest, ZeroBudgetTimesOutAtOnce) {
  ServiceTable table(clock_, Options());
  table.Ready("w1", "a", 1, {"tasks"}, out_);
  table.Submit("c", "k", "tasks", 0, Msg("e"), out_);
  ASSERT_EQ(out_.failures.size(), 1u);
  EXPECT_EQ(out_.failures[0].status.code(), Code::kTimeout);
  EXPECT_TRUE(out_.dispatches.empty());
}

}  // namespace
}  // namespace mcf::broker
