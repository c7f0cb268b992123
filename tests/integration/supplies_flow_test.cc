// The hiring and supplies contexts end to end: a real mcf-broker (sim clock), mcf-hiring,
// mcf-supplies and mcf-contractor-sim processes. An admin imports a worker (hiring.worker_hired
// lands in the log); a tasks.task_assigned published with a client::Publisher puts an order on
// the supply board and orders its fortune cookie; issuing before the cookie came is a conflict;
// 10 simulated minutes later the cookie is in the kit, issuing puts supplies.kit_issued in the
// log, and issuing again is a conflict. Then the contractor's failures are retried with
// back-off on the bus clock, a crash of the adapter between calling the contractor and recording
// the answer orders no second cookie, and a canceled task cancels its order and its cookie.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "lib/client/bus_client.h"
#include "lib/client/publisher.h"
#include "lib/client/subscriber.h"
#include "lib/worker/worker.h"
#include "schemas/body.h"
#include "schemas/clock.h"
#include "schemas/contractor.h"
#include "schemas/envelope.h"
#include "schemas/hiring.h"
#include "schemas/registry.h"
#include "schemas/supplies.h"
#include "tests/support/process.h"
#include "tests/support/sim_broker_test.h"
#include "tests/support/store_snapshot.h"

namespace mcf::testing {
namespace {

using std::chrono::milliseconds;
namespace hiring = schemas::hiring;
namespace supplies = schemas::supplies;
namespace contractor = schemas::contractor;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kMinute = 60'000;
constexpr int64_t kStart = 1'767'600'000'000;  // 2026-01-05T08:00:00Z

class SuppliesFlowTest : public SimBrokerTest {
 protected:
  // Sends `type` as `role` until a worker answers (the same command id each time, so a retry
  // after a lost reply cannot do the work twice); the last reply after 10 s otherwise.
  schemas::Reply CallAs(const std::string& role, std::string_view type, std::string body) {
    client::BusClient client(context_, endpoint_, "supplies-it");
    schemas::Envelope command = client.MakeCommand(type, std::move(body));
    command.principal = schemas::Principal{role, role + "-1"};
    schemas::Reply reply;
    const auto end = std::chrono::steady_clock::now() + milliseconds(10000);
    do {
      reply = client.Call(command, milliseconds(1000));
      if (reply.status != Code::kUnavailable && reply.status != Code::kTimeout) break;
      std::this_thread::sleep_for(milliseconds(20));  // pacing a retry loop, not correctness
    } while (std::chrono::steady_clock::now() < end);
    return reply;
  }

  // The whole log to its head once it holds an event of `type`: exactly one expected, so the
  // failure names the count; its body (of the first) when there is one.
  std::optional<std::string> OnlyEvent(std::string_view type, size_t* count) {
    const std::string topic(type);
    Events events = ReadLog(topic, [&](const Events& evs) { return Count(evs, topic) > 0; });
    *count = Count(events, topic);
    for (const auto& e : events)
      if (e.topic == topic) return e.body;
    return std::nullopt;
  }

  // Moves the simulated clock by `by_ms`; returns once every tick is in the log.
  void Advance(int64_t by_ms) {
    schemas::Reply reply = CallAs("admin", schemas::clock::kAdvance,
                                  schemas::clock::Encode(schemas::clock::Advance{by_ms, {}}));
    ASSERT_EQ(reply.status, Code::kOk) << reply.message;
  }

  // The contractor simulator's counters.
  contractor::SimStats ContractorStats() {
    schemas::Reply reply = CallAs("admin", contractor::kStats, contractor::Encode(contractor::Stats{}));
    EXPECT_EQ(reply.status, Code::kOk) << reply.message << Logs();
    auto stats = contractor::Decode<contractor::SimStats>(reply.body);
    return stats.ok() ? *stats : contractor::SimStats{};
  }

  // A tasks.task_assigned for `task_id`, as the tasks context would publish it.
  void Assign(client::Publisher& pub, const std::string& task_id, const std::string& worker_id) {
    Publish(pub, "tasks.task_assigned",
            schemas::BodyWriter()
                .String("task_id", task_id)
                .String("client_id", "client-1")
                .String("worker_id", worker_id)
                .Int("price_minor", 10'000)
                .Int("starts_at", kStart + 5 * kHour)
                .Int("ends_at", kStart + 6 * kHour)
                .Finish());
    ASSERT_TRUE(pub.Flush(milliseconds(5000)).ok()) << Logs();
  }

  // supplies.get until `done(order)` holds; the last order seen.
  template <typename Done>
  std::optional<supplies::SupplyOrder> OrderUntil(const std::string& id, Done done) {
    std::optional<supplies::SupplyOrder> last;
    const auto end = std::chrono::steady_clock::now() + milliseconds(10000);
    while (std::chrono::steady_clock::now() < end) {
      schemas::Reply reply =
          CallAs("supplies", supplies::kGet, supplies::Encode(supplies::GetRequest{id}));
      if (reply.status == Code::kOk) {
        auto order = supplies::Decode<supplies::SupplyOrder>(reply.body);
        if (!order.ok()) return std::nullopt;
        last = *order;
        if (done(*last)) return last;
      }
      std::this_thread::sleep_for(milliseconds(20));  // pacing a retry loop, not correctness
    }
    return last;
  }

  // supplies.list as supplies staff until `done(board)` holds; the last board seen.
  template <typename Done>
  std::optional<supplies::Board> BoardUntil(Done done) {
    std::optional<supplies::Board> last;
    const auto end = std::chrono::steady_clock::now() + milliseconds(10000);
    while (std::chrono::steady_clock::now() < end) {
      schemas::Reply reply =
          CallAs("supplies", supplies::kList, supplies::Encode(supplies::ListRequest{}));
      if (reply.status == Code::kOk) {
        auto board = supplies::Decode<supplies::Board>(reply.body);
        if (!board.ok()) return std::nullopt;
        last = *board;
        if (done(*last)) return last;
      }
      std::this_thread::sleep_for(milliseconds(20));  // pacing a retry loop, not correctness
    }
    return last;
  }
};

TEST_F(SuppliesFlowTest, ImportedWorkerIsHiredAndAnAssignedTaskGetsItsKitIssuedOnce) {
  ChildProcess hiring_worker = StartContext("hiring");
  ChildProcess supplies_worker = StartContext("supplies");
  ChildProcess adapter = StartContext("contractor-sim", "contractor", {"--delay", "10m"});

  // Hiring: only an admin imports; the worker_hired event carries the new id.
  schemas::Reply reply =
      CallAs("manager", hiring::kImportWorker,
             hiring::Encode(hiring::ImportWorker{"Felix", 4, "tabby", "ginger", {"pipes"}, {}}));
  EXPECT_EQ(reply.status, Code::kForbidden) << reply.message << Logs();
  reply =
      CallAs("admin", hiring::kImportWorker,
             hiring::Encode(hiring::ImportWorker{"Felix", 4, "tabby", "ginger", {"pipes"}, {}}));
  ASSERT_EQ(reply.status, Code::kOk) << reply.message << Logs();
  auto ref = hiring::Decode<hiring::WorkerRef>(reply.body);
  ASSERT_TRUE(ref.ok());
  size_t hired_count = 0;
  auto hired_body = OnlyEvent(hiring::kWorkerHired, &hired_count);
  ASSERT_TRUE(hired_body.has_value()) << Logs();
  EXPECT_EQ(hired_count, 1u) << Logs();
  auto hired = hiring::Decode<hiring::WorkerHired>(*hired_body);
  ASSERT_TRUE(hired.ok());
  EXPECT_EQ(*hired, (hiring::WorkerHired{ref->worker_id, "Felix", {"pipes"}, {}, 4, "tabby", "ginger"}));

  // Supplies: the tasks context's assignment (fed here) puts a waiting order on the board.
  client::Publisher pub(context_, endpoint_, "feeder");
  Publish(pub, "tasks.task_assigned",
          schemas::BodyWriter()
              .String("task_id", "t1")
              .String("client_id", "client-1")
              .String("worker_id", ref->worker_id)
              .Int("price_minor", 10'000)
              .Int("starts_at", kStart + kHour)
              .Int("ends_at", kStart + 2 * kHour)
              .Finish());
  ASSERT_TRUE(pub.Flush(milliseconds(5000)).ok()) << Logs();

  auto board = BoardUntil([](const supplies::Board& b) { return !b.orders.empty(); });
  ASSERT_TRUE(board.has_value() && board->orders.size() == 1u) << Logs();
  const supplies::SupplyOrder& order = board->orders[0];
  EXPECT_EQ(order.task_id, "t1");
  EXPECT_EQ(order.worker_id, ref->worker_id);
  EXPECT_EQ(order.status, supplies::kStatusWaiting);
  EXPECT_EQ(order.kit, std::vector<std::string>{"Job Acceptance Form"});

  // The contractor takes the order; until its cookie comes, the kit is not issued.
  auto accepted = OrderUntil(order.id, [](const supplies::SupplyOrder& o) {
    return o.cookie.state == supplies::CookieState::kAccepted;
  });
  ASSERT_TRUE(accepted && accepted->cookie.state == supplies::CookieState::kAccepted) << Logs();
  EXPECT_EQ(accepted->cookie.expected_at_ms, kStart + 10 * kMinute);
  reply = CallAs("supplies", supplies::kIssue, supplies::Encode(supplies::IssueRequest{order.id}));
  EXPECT_EQ(reply.status, Code::kConflict) << reply.message;
  EXPECT_NE(reply.message.find("waiting for its fortune cookie"), std::string::npos) << reply.message;
  Advance(9 * kMinute);
  EXPECT_FALSE(OrderUntil(order.id, [](const supplies::SupplyOrder& o) { return o.complete; })
                   ->complete);
  Advance(kMinute);  // 10 simulated minutes after the order
  auto complete = OrderUntil(order.id, [](const supplies::SupplyOrder& o) { return o.complete; });
  ASSERT_TRUE(complete && complete->complete) << Logs();
  EXPECT_EQ(complete->cookie.delivered_at_ms, kStart + 10 * kMinute);
  EXPECT_EQ(complete->kit, (std::vector<std::string>{"Job Acceptance Form", "Fortune cookie"}));

  reply = CallAs("supplies", supplies::kIssue, supplies::Encode(supplies::IssueRequest{order.id}));
  ASSERT_EQ(reply.status, Code::kOk) << reply.message << Logs();
  size_t issued_count = 0;
  auto issued_body = OnlyEvent(supplies::kKitIssued, &issued_count);
  ASSERT_TRUE(issued_body.has_value()) << Logs();
  EXPECT_EQ(issued_count, 1u) << Logs();
  EXPECT_EQ(*supplies::Decode<supplies::KitIssued>(*issued_body),
            (supplies::KitIssued{"t1", order.id}));

  // The refusals change no store but for their own recorded replies (decision 003).
  auto before = SettledSnapshot(dir_.path(), endpoint_, milliseconds(30000));
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  reply = CallAs("supplies", supplies::kIssue, supplies::Encode(supplies::IssueRequest{order.id}));
  EXPECT_EQ(reply.status, Code::kConflict) << reply.message;
  reply = CallAs("supplies", supplies::kIssue,
                 supplies::Encode(supplies::IssueRequest{"supply-unknown"}));
  EXPECT_EQ(reply.status, Code::kNotFound) << reply.message;
  auto after = SettledSnapshot(dir_.path(), endpoint_, milliseconds(30000));
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  const std::string recorded = "the conflict and the not_found are recorded replies";
  EXPECT_NE(DiffStores(*before, *after), "") << "no recorded reply";
  EXPECT_EQ(
      DiffStores(*before, *after,
                 {{"_inbox", "supplies", recorded}, {"_inbox_by_time", "supplies", recorded}}),
      "");
  // After the refused re-issue: the whole log still holds one kit_issued and one worker_hired.
  Events all = ReadLog("", [](const Events&) { return true; });
  EXPECT_EQ(Count(all, supplies::kKitIssued), 1u) << Logs();
  EXPECT_EQ(Count(all, hiring::kWorkerHired), 1u) << Logs();
  EXPECT_EQ(Count(all, supplies::kOrderCreated), 1u) << Logs();
  EXPECT_EQ(Count(all, supplies::kCookieRequested), 1u) << Logs();
  EXPECT_EQ(Count(all, contractor::kCookieDelivered), 1u) << Logs();
  EXPECT_EQ(ContractorStats().orders, 1);

  EXPECT_EQ(adapter.Stop(), 0) << Logs();
  EXPECT_EQ(supplies_worker.Stop(), 0) << Logs();
  EXPECT_EQ(hiring_worker.Stop(), 0) << Logs();
}

TEST_F(SuppliesFlowTest, FailingContractorIsRetriedWithBackOffUntilTheCookieComes) {
  ChildProcess supplies_worker = StartContext("supplies");
  ChildProcess adapter =
      StartContext("contractor-sim", "contractor", {"--delay", "10m", "--fail-first", "2"});
  client::Publisher pub(context_, endpoint_, "feeder");
  Assign(pub, "t1", "w1");
  auto board = BoardUntil([](const supplies::Board& b) { return !b.orders.empty(); });
  ASSERT_TRUE(board && board->orders.size() == 1u) << Logs();
  const std::string id = board->orders[0].id;

  auto failed = OrderUntil(id, [](const supplies::SupplyOrder& o) {
    return o.cookie.state == supplies::CookieState::kFailed;
  });
  ASSERT_TRUE(failed && failed->cookie.state == supplies::CookieState::kFailed) << Logs();
  EXPECT_EQ(failed->cookie.next_try_at_ms, kStart + kMinute);  // 1 min after the first try
  EXPECT_NE(failed->cookie.last_error.find("contractor: "), std::string::npos);
  Advance(kMinute);  // try 2 goes out, and fails: the next waits 2 minutes
  auto second = OrderUntil(id, [](const supplies::SupplyOrder& o) {
    return o.cookie.attempts == 2 && o.cookie.state == supplies::CookieState::kFailed;
  });
  ASSERT_TRUE(second && second->cookie.attempts == 2) << Logs();
  EXPECT_EQ(second->cookie.next_try_at_ms, kStart + 3 * kMinute);
  Advance(kMinute);
  EXPECT_EQ(OrderUntil(id, [](const supplies::SupplyOrder&) { return true; })->cookie.attempts, 2);
  Advance(kMinute);  // 08:03: try 3 is accepted
  auto third = OrderUntil(id, [](const supplies::SupplyOrder& o) {
    return o.cookie.state == supplies::CookieState::kAccepted;
  });
  ASSERT_TRUE(third && third->cookie.attempts == 3) << Logs();
  Advance(10 * kMinute);
  ASSERT_TRUE(OrderUntil(id, [](const supplies::SupplyOrder& o) { return o.complete; })->complete)
      << Logs();

  Events all = ReadLog("", [](const Events& e) { return Count(e, contractor::kCookieDelivered) > 0; });
  EXPECT_EQ(Count(all, supplies::kCookieRequested), 3u) << Logs();
  EXPECT_EQ(Count(all, contractor::kCookieFailed), 2u) << Logs();
  EXPECT_EQ(Count(all, contractor::kCookieAccepted), 1u) << Logs();
  EXPECT_EQ(Count(all, contractor::kCookieDelivered), 1u) << Logs();
  const contractor::SimStats stats = ContractorStats();
  EXPECT_EQ(stats.orders, 3);
  EXPECT_EQ(stats.failures, 2);
  EXPECT_EQ(stats.repeated_calls, 0);
  EXPECT_EQ(adapter.Stop(), 0) << Logs();
  EXPECT_EQ(supplies_worker.Stop(), 0) << Logs();
}

TEST_F(SuppliesFlowTest, AdapterCrashBetweenCallAndRecordOrdersNoSecondCookie) {
  ChildProcess supplies_worker = StartContext("supplies");
  ChildProcess adapter =
      StartContext("contractor-sim", "contractor", {"--delay", "10m", "--crash-after-calls", "1"});
  client::Publisher pub(context_, endpoint_, "feeder");
  Assign(pub, "t1", "w1");
  // The adapter calls the contractor, then dies before its answer is recorded.
  EXPECT_EQ(adapter.Wait(milliseconds(10000)), worker::kCrashExitCode) << Logs();
  ChildProcess again = StartContext("contractor-sim", "contractor", {"--delay", "10m"});
  auto board = BoardUntil([](const supplies::Board& b) {
    return !b.orders.empty() && b.orders[0].cookie.state == supplies::CookieState::kAccepted;
  });
  ASSERT_TRUE(board && board->orders.size() == 1u) << Logs();
  EXPECT_EQ(board->orders[0].cookie.expected_at_ms, kStart + 10 * kMinute);  // the first answer

  const contractor::SimStats stats = ContractorStats();
  EXPECT_EQ(stats.calls, 2) << Logs();  // the redelivered request called again ...
  EXPECT_EQ(stats.repeated_calls, 1);
  EXPECT_EQ(stats.orders, 1);  // ... and ordered nothing more
  Events all = ReadLog("", [](const Events& e) { return Count(e, contractor::kCookieAccepted) > 0; });
  EXPECT_EQ(Count(all, contractor::kCookieAccepted), 1u) << Logs();
  EXPECT_EQ(again.Stop(), 0) << Logs();
  EXPECT_EQ(supplies_worker.Stop(), 0) << Logs();
}

TEST_F(SuppliesFlowTest, CanceledTaskCancelsItsSupplyOrderAndPendingCookie) {
  ChildProcess supplies_worker = StartContext("supplies");
  ChildProcess adapter = StartContext("contractor-sim", "contractor", {"--delay", "10m"});
  client::Publisher pub(context_, endpoint_, "feeder");
  Assign(pub, "t1", "w1");
  auto board = BoardUntil([](const supplies::Board& b) {
    return !b.orders.empty() && b.orders[0].cookie.state == supplies::CookieState::kAccepted;
  });
  ASSERT_TRUE(board && board->orders.size() == 1u) << Logs();
  const std::string id = board->orders[0].id;
  Publish(pub, "tasks.task_finalized",
          schemas::BodyWriter()
              .String("task_id", "t1")
              .String("worker_id", "w1")
              .String("outcome", "canceled")
              .String("reason", "no_show")
              .Finish());
  ASSERT_TRUE(pub.Flush(milliseconds(5000)).ok()) << Logs();
  auto canceled = OrderUntil(id, [](const supplies::SupplyOrder& o) {
    return o.status == supplies::SupplyStatus::kCanceled;
  });
  ASSERT_TRUE(canceled && canceled->status == supplies::SupplyStatus::kCanceled) << Logs();
  EXPECT_EQ(canceled->cookie.state, supplies::CookieState::kCanceled);
  Events all = ReadLog("", [](const Events& e) {
    return Count(e, supplies::kCookieRequestCanceled) > 0;
  });
  EXPECT_EQ(Count(all, supplies::kCookieRequestCanceled), 1u) << Logs();
  Advance(15 * kMinute);  // the canceled cookie never arrives
  all = ReadLog("", [](const Events&) { return true; });
  EXPECT_EQ(Count(all, contractor::kCookieDelivered), 0u) << Logs();
  EXPECT_EQ(ContractorStats().cancellations, 1) << Logs();
  schemas::Reply reply =
      CallAs("supplies", supplies::kIssue, supplies::Encode(supplies::IssueRequest{id}));
  EXPECT_EQ(reply.status, Code::kConflict);
  EXPECT_NE(reply.message.find("canceled"), std::string::npos) << reply.message;
  EXPECT_EQ(adapter.Stop(), 0) << Logs();
  EXPECT_EQ(supplies_worker.Stop(), 0) << Logs();
}

}  // namespace
}  // namespace mcf::testing
