// The hiring and supplies contexts end to end: a real mcf-broker (sim clock), mcf-hiring and
// mcf-supplies processes. An admin imports a worker (hiring.worker_hired lands in the log); a
// tasks.task_assigned published with a client::Publisher puts an order on the supply board;
// issuing it puts supplies.kit_issued in the log, and issuing it again is a conflict.
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
#include "schemas/body.h"
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

constexpr int64_t kHour = 3'600'000;
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

  EXPECT_EQ(supplies_worker.Stop(), 0) << Logs();
  EXPECT_EQ(hiring_worker.Stop(), 0) << Logs();
}

}  // namespace
}  // namespace mcf::testing
