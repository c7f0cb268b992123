// The portal context end to end: a real mcf-broker (sim clock), mcf-portal, mcf-tasks and
// mcf-matching. A client signs in (as the gateway would), requests help; tasks creates the task
// with the order's id (tasks.task_requested, task_id == order id); a worker is hired, matching
// assigns, and the portal's order shows "assigned" with that worker.
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
#include "schemas/portal.h"
#include "schemas/registry.h"
#include "schemas/tasks.h"
#include "tests/support/process.h"
#include "tests/support/sim_broker_test.h"

namespace mcf::testing {
namespace {

using std::chrono::milliseconds;
namespace portal = schemas::portal;
using schemas::Body;
using schemas::BodyWriter;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kStart = 1'767'600'000'000;  // 2026-01-05T08:00:00Z
const std::string kToken(64, 'c');

class PortalFlowTest : public SimBrokerTest {
 protected:
  // Calls `type` as `principal` until the reply is not `unavailable` (the worker may not be
  // registered yet), for up to 10 s.
  schemas::Reply Call(client::BusClient& client, std::string_view type, const std::string& body,
                      const schemas::Principal& principal) {
    schemas::Reply reply;
    const auto end = std::chrono::steady_clock::now() + milliseconds(10000);
    while (std::chrono::steady_clock::now() < end) {
      schemas::Envelope command = client.MakeCommand(type, body);
      command.principal = principal;
      reply = client.Call(command, milliseconds(2000));
      if (reply.status != Code::kUnavailable) return reply;
      std::this_thread::sleep_for(milliseconds(20));  // pacing a retry loop, not correctness
    }
    return reply;
  }

  static std::string Str(const std::string& body, std::string_view field) {
    auto b = Body::Parse(body);
    if (!b.ok()) return "<bad body>";
    auto v = b->String(field);
    return v.ok() ? *v : "<missing>";
  }
};

TEST_F(PortalFlowTest, RequestedHelpBecomesATaskWithTheSameIdAndTheOrderShowsAssigned) {
  ChildProcess portal_worker = StartContext("portal");
  ChildProcess tasks_worker = StartContext("tasks");
  ChildProcess matching_worker = StartContext("matching");
  client::BusClient client(context_, endpoint_, "portal-it");

  auto signed_in = Call(client, portal::kSignIn,
                        BodyWriter()
                            .String("employee_id", "HCB-42")
                            .String("name", "Tom")
                            .String("token", kToken)
                            .Finish(),
                        {"system", "gateway"});
  ASSERT_EQ(signed_in.status, Code::kOk) << signed_in.message << Logs();
  const std::string client_id = Str(signed_in.body, "client_id");
  auto who = Call(client, portal::kAuthenticate, BodyWriter().String("token", kToken).Finish(),
                  {"system", "gateway"});
  ASSERT_EQ(who.status, Code::kOk) << who.message;
  EXPECT_EQ(Str(who.body, "id"), client_id);
  const schemas::Principal as_client{"client", client_id};

  // In the past (bus time is 08:00) -> invalid, naming the field.
  auto past = Call(client, portal::kRequestHelp,
                   BodyWriter()
                       .String("service_type_id", "chores")
                       .String("description", "toss the jars")
                       .Int("starts_at", kStart - kHour)
                       .Finish(),
                   as_client);
  EXPECT_EQ(past.status, Code::kInvalid);
  EXPECT_EQ(past.message.rfind("body.starts_at:", 0), 0u) << past.message;

  auto requested = Call(client, portal::kRequestHelp,
                        BodyWriter()
                            .String("service_type_id", "chores")
                            .String("description", "toss the jars")
                            .Int("starts_at", kStart + 2 * kHour)
                            .Finish(),
                        as_client);
  ASSERT_EQ(requested.status, Code::kOk) << requested.message << Logs();
  const std::string order_id = Str(requested.body, "id");
  EXPECT_EQ(Str(requested.body, "status"), "requested");

  // The whole log to its head: exactly one portal event (the refused request published none).
  auto portal_events = ReadLog("portal.", [](const Events& evs) { return !evs.empty(); });
  ASSERT_EQ(portal_events.size(), 1u) << Logs();
  EXPECT_EQ(portal_events[0].topic, portal::kHelpRequested);
  auto help = schemas::Decode<portal::HelpRequested>(portal_events[0].body);
  ASSERT_TRUE(help.ok()) << help.status().ToString();
  EXPECT_EQ(*help, (portal::HelpRequested{order_id, client_id, "chores", "toss the jars",
                                          kStart + 2 * kHour, kStart + 3 * kHour, 10'000}));

  // tasks consumes portal.help_requested and makes the task with the order's id.
  auto tasks_for_order = [&](const Events& evs) {
    size_t n = 0;
    for (const auto& [topic, body] : evs) {
      if (topic != schemas::tasks::kTaskRequested) continue;
      auto e = schemas::tasks::Decode<schemas::tasks::TaskRequested>(body);
      n += e.ok() && e->task_id == order_id;
    }
    return n;
  };
  auto task_events = ReadLog("tasks.", [&](const Events& evs) { return tasks_for_order(evs) > 0; });
  ASSERT_EQ(tasks_for_order(task_events), 1u)
      << "want exactly one tasks.task_requested with task_id == " << order_id << "\n"
      << Logs();
  EXPECT_EQ(Count(task_events, schemas::tasks::kTaskRequested), 1u) << Logs();

  // A worker joins; matching assigns them; the portal's order follows tasks.task_assigned.
  client::Publisher pub(context_, endpoint_, "feeder");
  schemas::Envelope hired;
  hired.id = "feeder:1";
  hired.type = std::string(schemas::hiring::kWorkerHired);
  hired.version = schemas::FindMessageType(hired.type)->version;
  hired.producer = "feeder";
  hired.time_ms = kStart;
  hired.body = schemas::Encode(schemas::hiring::WorkerHired{"w1", "Worker w1", {"jars"}, {}});
  pub.Publish(hired.type, schemas::Encode(hired));
  ASSERT_TRUE(pub.Flush(milliseconds(5000)).ok()) << Logs();

  schemas::Reply order;
  const auto end = std::chrono::steady_clock::now() + milliseconds(20000);
  while (std::chrono::steady_clock::now() < end) {
    order = Call(client, portal::kGetOrder, BodyWriter().String("order_id", order_id).Finish(),
                 as_client);
    if (order.status == Code::kOk && Str(order.body, "status") == "assigned") break;
    std::this_thread::sleep_for(milliseconds(50));  // pacing a polling loop
  }
  ASSERT_EQ(order.status, Code::kOk) << order.message << Logs();
  EXPECT_EQ(Str(order.body, "status"), "assigned") << Logs();
  EXPECT_EQ(Str(order.body, "worker_id"), "w1");
  // The whole log to its head: one assignment, and still one request from the portal.
  auto assigned =
      ReadLog("", [](const Events& evs) { return Count(evs, schemas::tasks::kTaskAssigned) > 0; });
  EXPECT_EQ(Count(assigned, schemas::tasks::kTaskAssigned), 1u) << Logs();
  EXPECT_EQ(Count(assigned, schemas::tasks::kTaskRequested), 1u) << Logs();
  EXPECT_EQ(Count(assigned, portal::kHelpRequested), 1u) << Logs();

  // Another client cannot see it (not_found, not forbidden).
  auto other = Call(client, portal::kGetOrder, BodyWriter().String("order_id", order_id).Finish(),
                    {"client", "client-other"});
  EXPECT_EQ(other.status, Code::kNotFound);

  EXPECT_EQ(portal_worker.Stop(), 0) << Logs();
  EXPECT_EQ(tasks_worker.Stop(), 0) << Logs();
  EXPECT_EQ(matching_worker.Stop(), 0) << Logs();
}

}  // namespace
}  // namespace mcf::testing
