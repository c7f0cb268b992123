// The matching context end to end: a real mcf-broker (sim clock) and mcf-matching process;
// hiring/tasks events go in through a client::Publisher, matching's events are read back from
// the broker's log with a client::Subscriber, its pool through a BusClient. The re-matching
// test adds a real mcf-tasks: orders, check-in and failure are its commands, so the freed
// booking and the late assignment cross all three processes.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "lib/base/clock.h"
#include "lib/client/bus_client.h"
#include "lib/client/publisher.h"
#include "lib/client/subscriber.h"
#include "schemas/body.h"
#include "schemas/envelope.h"
#include "schemas/hiring.h"
#include "schemas/matching.h"
#include "schemas/msgpack.h"
#include "schemas/registry.h"
#include "schemas/tasks.h"
#include "tests/support/process.h"
#include "tests/support/sim_broker_test.h"

namespace mcf::testing {
namespace {

using std::chrono::milliseconds;
namespace wire = schemas::matching;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kStart = 1'767'600'000'000;  // 2026-01-05T08:00:00Z

class MatchingFlowTest : public SimBrokerTest {
 protected:
  // Reads matching.* from the log's start until `want` worker_matched events arrived (or 20 s).
  struct Seen {
    std::vector<wire::WorkerMatched> matched;
    std::vector<wire::NoWorkerAvailable> none;
  };
  Seen ReadMatchingEvents(size_t want_matched) {
    client::SubscriberOptions opts;
    opts.prefixes = {"matching."};
    opts.from_seq = 1;
    opts.heartbeat = milliseconds(100);
    client::Subscriber sub(context_, endpoint_, opts);
    Seen seen;
    const auto end = std::chrono::steady_clock::now() + milliseconds(20000);
    while (seen.matched.size() < want_matched && std::chrono::steady_clock::now() < end) {
      auto ev = sub.Next(milliseconds(200));
      if (!ev) continue;
      auto env = schemas::DecodeEnvelope(ev->envelope);
      if (!env.ok()) continue;
      if (ev->topic == wire::kWorkerMatched) {
        auto m = wire::Decode<wire::WorkerMatched>(env->body);
        if (m.ok()) seen.matched.push_back(*m);
      } else if (ev->topic == wire::kNoWorkerAvailable) {
        auto n = wire::Decode<wire::NoWorkerAvailable>(env->body);
        if (n.ok()) seen.none.push_back(*n);
      }
    }
    return seen;
  }

  // `type` as `role`/`id` over the bus, again while the reply is `unavailable` (a worker not yet
  // registered) or `retry_on` (an event the command depends on not yet applied), up to 10 s.
  schemas::Reply CallAs(client::BusClient& client, std::string_view type, const std::string& body,
                        const std::string& role, const std::string& id,
                        Code retry_on = Code::kUnavailable) {
    schemas::Reply reply;
    const auto end = std::chrono::steady_clock::now() + milliseconds(10000);
    do {
      schemas::Envelope command = client.MakeCommand(type, body);
      command.principal = schemas::Principal{role, id};
      reply = client.Call(command, milliseconds(2000));
      if (reply.status != retry_on && reply.status != Code::kUnavailable) break;
      std::this_thread::sleep_for(milliseconds(20));  // pacing a retry loop, not correctness
    } while (std::chrono::steady_clock::now() < end);
    return reply;
  }

  // matching.pool until `done(pool)` holds (commands and events are not ordered with each other,
  // so the pool may lag the events just read); the last pool seen, or nullopt.
  template <typename Done>
  std::optional<wire::Pool> PoolOverBus(Done done) {
    std::optional<wire::Pool> last;
    client::BusClient client(context_, endpoint_, "matching-it");
    const auto end = std::chrono::steady_clock::now() + milliseconds(10000);
    while (std::chrono::steady_clock::now() < end) {
      auto reply =
          client.Call(client.MakeCommand(wire::kPool, schemas::EmptyBody()), milliseconds(1000));
      if (reply.status == Code::kOk) {
        auto pool = wire::Decode<wire::Pool>(reply.body);
        if (!pool.ok()) return std::nullopt;
        last = *pool;
        if (done(*last)) return last;
      }
      std::this_thread::sleep_for(milliseconds(20));  // pacing a retry loop, not correctness
    }
    return last;
  }
};

TEST_F(MatchingFlowTest, WaitingTaskIsMatchedWhenAWorkerIsHiredAndReplayPicksTheSameWorkers) {
  ChildProcess matching = StartContext("matching");
  client::Publisher pub(context_, endpoint_, "feeder");
  // t1 arrives before anyone is hired: it waits.
  Publish(pub, schemas::tasks::kTaskRequested,
          schemas::tasks::Encode(schemas::tasks::TaskRequested{
              "t1", "client-1", "plumbing", kStart + kHour, kStart + 2 * kHour}));
  for (const char* w : {"w1", "w2", "w3"})
    Publish(pub, schemas::hiring::kWorkerHired,
            schemas::hiring::Encode(
                schemas::hiring::WorkerHired{w, std::string("Worker ") + w, {"pipes"}, {}}));
  for (int i = 2; i <= 6; ++i)
    Publish(
        pub, schemas::tasks::kTaskRequested,
        schemas::tasks::Encode(schemas::tasks::TaskRequested{
            "t" + std::to_string(i), "client-1", "plumbing", kStart + kHour, kStart + 2 * kHour}));
  ASSERT_TRUE(pub.Flush(milliseconds(5000)).ok()) << Logs();

  Seen seen = ReadMatchingEvents(3);
  // t1 waited, then took the first hire; three workers for one hour: t2, t3 get the other two
  // and t4..t6 wait.
  ASSERT_EQ(seen.matched.size(), 3u) << Logs();
  EXPECT_EQ(seen.matched[0], (wire::WorkerMatched{"t1", "w1", 10'000, "drop_booked,pick_random"}));
  std::map<std::string, std::string> first;
  for (const auto& m : seen.matched) first[m.task_id] = m.worker_id;
  EXPECT_TRUE(first.contains("t2") && first.contains("t3")) << Logs();
  EXPECT_NE(first["t2"], first["t3"]);
  auto pool = PoolOverBus([](const wire::Pool& p) { return p.waiting.size() >= 3; });
  ASSERT_TRUE(pool.has_value()) << Logs();
  EXPECT_EQ(pool->waiting, (std::vector<std::string>{"t4", "t5", "t6"}));
  ASSERT_EQ(pool->workers.size(), 3u);
  for (const auto& w : pool->workers) EXPECT_EQ(w.bookings.size(), 1u) << w.worker_id;
  EXPECT_GE(seen.none.size(), 1u);
  EXPECT_EQ(seen.none.at(0).task_id, "t1");

  // Replay: a fresh store on the same log picks the same workers for the same tasks.
  ASSERT_EQ(matching.Stop(), 0) << Logs();
  ChildProcess replay = StartContext("matching", "matching-replay");
  Seen again = ReadMatchingEvents(6);
  ASSERT_EQ(again.matched.size(), 6u) << Logs();
  for (size_t i = 3; i < 6; ++i)
    EXPECT_EQ(again.matched[i].worker_id, first[again.matched[i].task_id])
        << again.matched[i].task_id;
  EXPECT_EQ(replay.Stop(), 0);
}

TEST_F(MatchingFlowTest,
       TwoWorkersThreeOrdersFirstJobFailsTheWaitingOrderIsAssignedToItsWorkerOnce) {
  namespace tasks = schemas::tasks;
  using schemas::BodyWriter;
  ChildProcess matching = StartContext("matching");
  ChildProcess tasks_worker = StartContext("tasks");
  client::Publisher pub(context_, endpoint_, "feeder");
  for (const char* w : {"w1", "w2"})
    Publish(pub, schemas::hiring::kWorkerHired,
            schemas::hiring::Encode(
                schemas::hiring::WorkerHired{w, std::string("Worker ") + w, {}, {}}));
  ASSERT_TRUE(pub.Flush(milliseconds(5000)).ok()) << Logs();
  // Both hires are applied before the orders: matching.pool lists them.
  ASSERT_TRUE(PoolOverBus([](const wire::Pool& p) { return p.workers.size() == 2; }).has_value());

  // Three clients, one slot: 08:30 for an hour, the bus at 08:00 (inside any check-in window).
  client::BusClient client(context_, endpoint_, "rematch-it");
  std::vector<std::string> orders;
  for (const char* c : {"c1", "c2", "c3"}) {
    auto r = CallAs(client, tasks::kRequest,
                    BodyWriter()
                        .String("client_id", c)
                        .String("service_type_id", "plumbing")
                        .Int("starts_at", kStart + kHour / 2)
                        .Finish(),
                    "client", c);
    ASSERT_EQ(r.status, Code::kOk) << r.message << Logs();
    orders.push_back(*schemas::Body::Parse(r.body)->String("id"));
    // The next order only once this one is matched or waiting: arrival order is request order.
    ReadLog("matching.", [&](const Events& evs) { return evs.size() == orders.size(); });
  }
  auto events = ReadLog("", [](const Events& evs) {
    return Count(evs, tasks::kTaskAssigned) >= 2 && Count(evs, wire::kNoWorkerAvailable) >= 1;
  });
  ASSERT_EQ(Count(events, tasks::kTaskAssigned), 2u) << Logs();
  ASSERT_EQ(Count(events, wire::kNoWorkerAvailable), 1u) << Logs();
  std::map<std::string, std::string> worker_of;
  for (const auto& [topic, body] : events)
    if (topic == tasks::kTaskAssigned) {
      auto a = tasks::Decode<tasks::TaskAssigned>(body);
      ASSERT_TRUE(a.ok());
      worker_of[a->task_id] = a->worker_id;
    }
  ASSERT_TRUE(worker_of.contains(orders[0]) && worker_of.contains(orders[1])) << Logs();
  ASSERT_FALSE(worker_of.contains(orders[2]));
  const std::string freed = worker_of[orders[0]];

  // The first job: kit issued, checked in, failed.
  Publish(pub, "supplies.kit_issued",
          BodyWriter().String("task_id", orders[0]).String("supply_order_id", "so-1").Finish());
  ASSERT_TRUE(pub.Flush(milliseconds(5000)).ok()) << Logs();
  schemas::MsgpackWriter photo;
  photo.Binary("JPEG");
  auto in = CallAs(client, tasks::kCheckIn,
                   BodyWriter().String("task_id", orders[0]).Raw("photo", photo.bytes()).Finish(),
                   "worker", freed, Code::kConflict);
  ASSERT_EQ(in.status, Code::kOk) << in.message << Logs();
  auto failed =
      CallAs(client, tasks::kFail,
             BodyWriter().String("task_id", orders[0]).String("reason", "no water").Finish(),
             "worker", freed);
  ASSERT_EQ(failed.status, Code::kOk) << failed.message << Logs();

  // The waiting order goes to the freed worker, and only once (the whole log, to its head).
  events = ReadLog("", [](const Events& evs) { return Count(evs, tasks::kTaskAssigned) >= 3; });
  ASSERT_EQ(Count(events, tasks::kTaskAssigned), 3u) << Logs();
  EXPECT_EQ(Count(events, tasks::kTaskFinalized), 1u);
  size_t matched_third = 0;
  for (const auto& [topic, body] : events) {
    if (topic == wire::kWorkerMatched) {
      auto m = wire::Decode<wire::WorkerMatched>(body);
      ASSERT_TRUE(m.ok());
      matched_third += m->task_id == orders[2];
    }
    if (topic != tasks::kTaskAssigned) continue;
    auto a = tasks::Decode<tasks::TaskAssigned>(body);
    ASSERT_TRUE(a.ok());
    if (a->task_id == orders[2]) EXPECT_EQ(a->worker_id, freed);
  }
  EXPECT_EQ(matched_third, 1u);
  auto got = CallAs(client, tasks::kGet, BodyWriter().String("task_id", orders[2]).Finish(),
                    "client", "c3");
  ASSERT_EQ(got.status, Code::kOk) << got.message;
  EXPECT_EQ(*schemas::Body::Parse(got.body)->String("status"), "assigned");
  EXPECT_EQ(*schemas::Body::Parse(got.body)->String("worker_id"), freed);

  EXPECT_EQ(tasks_worker.Stop(), 0) << Logs();
  EXPECT_EQ(matching.Stop(), 0) << Logs();
}

TEST_F(MatchingFlowTest, UnknownPipelineStepFailsStartUp) {
  ChildProcess matching =
      StartContext("matching", "matching", {"--pipeline", "drop_booked,best_rated"});
  auto code = matching.Wait(milliseconds(10000));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2);
  EXPECT_NE(ReadFile(dir_.Sub("matching.log")).find("unknown matching step \"best_rated\""),
            std::string::npos)
      << Logs();
}

}  // namespace
}  // namespace mcf::testing
