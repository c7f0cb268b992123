// The quality context over real HTTP against real processes (lib/process LocalSystem: broker on
// the simulated clock, portal, tasks, matching, hiring, supplies, quality, gateway): a failed job
// reaches the review queue and is reviewed, a completed one is picked at random once; the review
// routes refuse every other role; quality killed with SIGKILL mid-traffic changes nothing for the
// other contexts and, restarted, catches up to a complete queue; and no running peer subscribes
// to anything under `quality.` (quality feeds nothing back). The whole story as a golden:
// tests/scenarios/quality_review.json.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "lib/client/bus_client.h"
#include "schemas/body.h"
#include "schemas/bus.h"
#include "schemas/clock.h"
#include "schemas/envelope.h"
#include "schemas/registry.h"
#include "tests/integration/gateway_harness.h"
#include "tests/support/temp_dir.h"

namespace mcf::testing::gateway {
namespace {

using std::chrono::milliseconds;

class QualityHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    process::SystemOptions options = FullSystem(dir_.Sub("system"));
    options.contexts.push_back("quality");
    auto system = process::LocalSystem::Start(options);
    ASSERT_TRUE(system.ok()) << system.status().ToString();
    system_ = std::move(system).value();
    http_ = std::make_unique<Http>(system_->gateway_port());
    tokens_ = SignInEveryone(*http_, system_->admin_token());
    worker_id_ = Me(tokens_["worker"]).value("id", "");
    ASSERT_FALSE(worker_id_.empty());
  }
  void TearDown() override {
    if (HasFailure() && system_) ADD_FAILURE() << system_->Logs();
  }

  Json Me(const std::string& token) { return http_->Send("GET", "/v1/me", token).body; }

  // Repeats `call` until `done` holds (bounded); the last response.
  Response Until(const std::function<Response()>& call,
                 const std::function<bool(const Response&)>& done,
                 milliseconds wait = milliseconds(20000)) {
    const auto end = std::chrono::steady_clock::now() + wait;
    Response r = call();
    while (!done(r) && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(milliseconds(20));  // pacing a poll, not correctness
      r = call();
    }
    return r;
  }

  std::string Order(const std::string& desired_at) {
    auto r = http_->Send("POST", "/v1/orders", tokens_["client"],
                         Json{{"service_type_id", "chores"},
                              {"description", "toss the jars off the shelf"},
                              {"desired_at", desired_at}});
    EXPECT_EQ(r.status, 201) << Describe(r);
    return r.body.value("id", "");
  }

  Response OrderWhen(const std::string& id, const std::string& status) {
    return Until([&] { return http_->Send("GET", "/v1/orders/" + id, tokens_["client"]); },
                 [&](const Response& r) { return r.status == 200 && r.body["status"] == status; });
  }

  void IssueKit(const std::string& task_id) {
    // Once its fortune cookie came (at once: the harness's contractor has no delay).
    Response board =
        Until([&] { return http_->Send("GET", "/v1/supply-orders?task_id=" + task_id, tokens_["supplies"]); },
              [&](const Response& r) {
                if (r.status != 200) return false;
                for (const auto& o : r.body["orders"])
                  if (o["task_id"] == task_id && o.value("complete", false)) return true;
                return false;
              });
    std::string supply_id;
    for (const auto& o : board.body["orders"])
      if (o["task_id"] == task_id) supply_id = o["id"];
    ASSERT_FALSE(supply_id.empty()) << Describe(board);
    auto issued =
        http_->Send("POST", "/v1/supply-orders/" + supply_id + "/issue", tokens_["supplies"]);
    EXPECT_EQ(issued.status, 200) << Describe(issued);
  }

  // Checks in, retrying only while the kit event is on its way (409 naming the kit).
  void CheckIn(const std::string& task_id) {
    Response in = Until(
        [&] {
          return http_->Send("POST", "/v1/jobs/" + task_id + "/check-in", tokens_["worker"],
                             Json{{"photo", "aGVsbG8="}});
        },
        [](const Response& r) {
          return r.status != 409 || r.body.value("detail", "").find("kit") == std::string::npos;
        });
    ASSERT_EQ(in.status, 200) << Describe(in);
  }

  void AdvanceClock(const std::string& by) {
    zmq::context_t context(1);
    client::BusClient bus(context, system_->broker_endpoint(), "quality-it");
    auto by_ms = schemas::clock::ParseDuration(by);
    ASSERT_TRUE(by_ms.has_value());
    auto reply = bus.Call(
        bus.MakeCommand(schemas::clock::kAdvance,
                        schemas::clock::Encode(schemas::clock::Advance{*by_ms, std::nullopt})),
        milliseconds(10000));
    ASSERT_EQ(reply.status, Code::kOk) << reply.message;
  }

  // The queue's task ids once it holds `want` jobs (bounded wait); what it held last otherwise.
  std::set<std::string> QueueOnce(size_t want) {
    Response r =
        Until([&] { return http_->Send("GET", "/v1/reviews/queue?limit=100", tokens_["manager"]); },
              [&](const Response& r) { return r.status == 200 && r.body["jobs"].size() >= want; },
              milliseconds(30000));
    std::set<std::string> ids;
    for (const auto& j : r.body["jobs"]) ids.insert(j.value("task_id", ""));
    return ids;
  }

  TempDir dir_;
  std::unique_ptr<process::LocalSystem> system_;
  std::unique_ptr<Http> http_;
  std::map<std::string, std::string> tokens_;
  std::string worker_id_;
};

TEST_F(QualityHttpTest, FailedJobIsQueuedAndReviewedAndACompletedOneIsPickedOnce) {
  const std::string failed = Order("2026-01-05T10:00:00Z");
  const std::string completed = Order("2026-01-05T12:00:00Z");
  ASSERT_EQ(OrderWhen(failed, "assigned").body["status"], "assigned");
  ASSERT_EQ(OrderWhen(completed, "assigned").body["status"], "assigned");
  IssueKit(failed);
  IssueKit(completed);
  const std::string manager = tokens_["manager"];

  // Nothing finished yet: the queue is empty and there is nothing to pick.
  EXPECT_TRUE(QueueOnce(0).empty());
  auto none = http_->Send("POST", "/v1/reviews/random", manager);
  EXPECT_EQ(none.status, 404) << Describe(none);

  AdvanceClock("90m");  // 09:30: inside the first job's check-in window
  CheckIn(failed);
  auto fail = http_->Send("POST", "/v1/jobs/" + failed + "/fail", tokens_["worker"],
                          Json{{"reason", "the jar was glued to the shelf"}});
  ASSERT_EQ(fail.status, 200) << Describe(fail);

  ASSERT_EQ(QueueOnce(1), std::set<std::string>{failed});
  Response queue = http_->Send("GET", "/v1/reviews/queue", manager);
  ASSERT_EQ(queue.status, 200) << Describe(queue);
  const Json& job = queue.body["jobs"][0];
  EXPECT_EQ(job["outcome"], "failed") << job.dump();
  EXPECT_EQ(job["reason"], "the jar was glued to the shelf");
  EXPECT_EQ(job["worker_id"], worker_id_);
  EXPECT_EQ(job["review_state"], "queued");
  EXPECT_EQ(job["description"], "toss the jars off the shelf");
  EXPECT_EQ(job["starts_at"], "2026-01-05T10:00:00Z");
  ASSERT_EQ(job["photos"].size(), 1u) << job.dump();
  EXPECT_EQ(job["photos"][0]["kind"], "check_in");
  std::vector<std::string> events;
  for (const auto& e : job["timeline"]) events.push_back(e["event"]);
  EXPECT_EQ(events, (std::vector<std::string>{"tasks.task_requested", "tasks.task_assigned",
                                              "supplies.kit_issued", "tasks.checked_in",
                                              "tasks.task_finalized"}));

  // The form: bad input names the field, an unknown task is 404, a completed job not picked is
  // 409 with the reason.
  auto bad = http_->Send("POST", "/v1/reviews/" + failed, manager, Json{{"findings", ""}});
  EXPECT_EQ(bad.status, 400) << Describe(bad);
  EXPECT_EQ(bad.body.value("field", ""), "body.findings");
  auto bad_list = http_->Send("POST", "/v1/reviews/" + failed, manager,
                              Json{{"findings", "x"}, {"hypotheses", {"ok", ""}}});
  EXPECT_EQ(bad_list.body.value("field", ""), "body.hypotheses[1]") << Describe(bad_list);
  auto unknown = http_->Send("POST", "/v1/reviews/order-nope", manager, Json{{"findings", "x"}});
  EXPECT_EQ(unknown.status, 404) << Describe(unknown);
  EXPECT_NE(unknown.body.value("detail", "").find("order-nope"), std::string::npos)
      << Describe(unknown);

  const Json form = {{"findings", "the client glues jars down"},
                     {"client_call_note", "called Client One: yes, on purpose"},
                     {"hypotheses", {"ask about glue when ordering", "bring a spatula"}}};
  auto reviewed = http_->Send("POST", "/v1/reviews/" + failed, manager, form);
  ASSERT_EQ(reviewed.status, 201) << Describe(reviewed);
  EXPECT_EQ(reviewed.body["task_id"], failed);
  EXPECT_EQ(reviewed.body["outcome"], "failed");
  EXPECT_EQ(reviewed.body["hypotheses"].size(), 2u);
  EXPECT_EQ(reviewed.body["reviewed_at"], "2026-01-05T09:30:00Z");
  auto twice = http_->Send("POST", "/v1/reviews/" + failed, manager, form);
  EXPECT_EQ(twice.status, 409) << Describe(twice);
  EXPECT_NE(twice.body.value("detail", "").find("already reviewed"), std::string::npos)
      << Describe(twice);
  EXPECT_TRUE(QueueOnce(0).empty()) << "a reviewed job leaves the queue";

  // The completed job: picked at random (the only one), once.
  AdvanceClock("2h");  // 11:30
  CheckIn(completed);
  auto done = http_->Send("POST", "/v1/jobs/" + completed + "/complete", tokens_["worker"],
                          Json{{"photo", "c2lnbmVk"}});
  ASSERT_EQ(done.status, 200) << Describe(done);
  ASSERT_EQ(OrderWhen(completed, "completed").body["status"], "completed");
  auto early = http_->Send("POST", "/v1/reviews/" + completed, manager, Json{{"findings", "x"}});
  Response picked = Until([&] { return http_->Send("POST", "/v1/reviews/random", manager); },
                          [](const Response& r) { return r.status != 404; });
  ASSERT_EQ(picked.status, 200) << Describe(picked);
  EXPECT_EQ(early.status, 409) << Describe(early) << " (reviewed before it was picked)";
  EXPECT_EQ(early.body.value("field", ""), "path.task_id") << Describe(early);
  EXPECT_NE(early.body.value("detail", "").find("pick it first"), std::string::npos)
      << Describe(early);
  EXPECT_EQ(picked.body["task_id"], completed);
  EXPECT_EQ(picked.body["review_state"], "under_review");
  EXPECT_EQ(picked.body["photos"].size(), 2u) << picked.body.dump();
  auto again = http_->Send("POST", "/v1/reviews/random", manager);
  EXPECT_EQ(again.status, 404) << "handed out twice: " << Describe(again);
  auto second = http_->Send("POST", "/v1/reviews/" + completed, tokens_["admin"],
                            Json{{"findings", "all fine"}});
  EXPECT_EQ(second.status, 201) << Describe(second);

  // The search.
  auto all = http_->Send("GET", "/v1/reviews?worker=" + worker_id_, manager);
  ASSERT_EQ(all.status, 200) << Describe(all);
  ASSERT_EQ(all.body["reviews"].size(), 2u) << Describe(all);
  EXPECT_EQ(all.body["reviews"][0]["task_id"], completed);  // newest first
  auto only_failed = http_->Send("GET", "/v1/reviews?outcome=failed", manager);
  ASSERT_EQ(only_failed.body["reviews"].size(), 1u) << Describe(only_failed);
  EXPECT_EQ(only_failed.body["reviews"][0]["task_id"], failed);
  auto window = http_->Send(
      "GET", "/v1/reviews?from=2026-01-05T10:00:00Z&to=2026-01-05T12:00:00Z&limit=1", manager);
  ASSERT_EQ(window.body["reviews"].size(), 1u) << Describe(window);
  EXPECT_EQ(window.body["reviews"][0]["task_id"], completed);
  auto bad_query = http_->Send("GET", "/v1/reviews?from=2026-13-01T00:00:00Z", manager);
  EXPECT_EQ(bad_query.status, 400);
  EXPECT_EQ(bad_query.body.value("field", ""), "query.from") << Describe(bad_query);
}

TEST_F(QualityHttpTest, OtherRolesAreRefusedOnEveryReviewRouteAndNothingSubscribesToQuality) {
  struct Route {
    std::string method, path;
    Json body;
  };
  const std::vector<Route> routes = {{"GET", "/v1/reviews/queue", nullptr},
                                     {"POST", "/v1/reviews/random", nullptr},
                                     {"POST", "/v1/reviews/order-1", Json{{"findings", "x"}}},
                                     {"GET", "/v1/reviews", nullptr}};
  for (const std::string role : {"client", "worker", "supplies"}) {
    for (const Route& route : routes) {
      auto r = route.body.is_null()
                   ? http_->Send(route.method, route.path, tokens_[role])
                   : http_->Send(route.method, route.path, tokens_[role], route.body);
      EXPECT_EQ(r.status, 403) << role << " " << route.method << " " << route.path << ": "
                               << Describe(r);
    }
  }
  auto anonymous = http_->Send("GET", "/v1/reviews/queue", "");
  EXPECT_EQ(anonymous.status, 401) << Describe(anonymous);
  EXPECT_EQ(http_->Send("GET", "/v1/reviews/queue", tokens_["manager"]).status, 200);
  EXPECT_EQ(http_->Send("GET", "/v1/reviews", tokens_["admin"]).status, 200);

  // Quality declares no event: nothing can come out of it for others to consume...
  std::vector<std::string> quality_events;
  for (const schemas::MessageType& m : schemas::AllMessageTypes()) {
    if (m.kind == schemas::MessageKind::kEvent && m.type.starts_with("quality."))
      quality_events.emplace_back(m.type);
  }
  EXPECT_TRUE(quality_events.empty());
  // ...and no running peer (each context's subscription, the gateway's) reads a quality topic.
  zmq::context_t context(1);
  client::BusClient bus(context, system_->broker_endpoint(), "quality-it");
  schemas::bus::StatsReply stats;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  bool quality_subscribed = false;
  while (!quality_subscribed && std::chrono::steady_clock::now() < end) {
    auto reply = bus.Call(bus.MakeCommand(schemas::bus::Stats::kInfo.type, schemas::EmptyBody()),
                          milliseconds(5000));
    ASSERT_EQ(reply.status, Code::kOk) << reply.message;
    auto decoded = schemas::Decode<schemas::bus::StatsReply>(reply.body);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    stats = *decoded;
    // Quality subscribes last among the contexts LocalSystem started (it is started last); a
    // subscriber reading tasks.task_finalized and supplies.kit_issued is it.
    for (const auto& s : stats.subscribers) {
      if (std::find(s.prefixes.begin(), s.prefixes.end(), "supplies.kit_issued") !=
              s.prefixes.end() &&
          std::find(s.prefixes.begin(), s.prefixes.end(), "tasks.task_finalized") !=
              s.prefixes.end() &&
          std::find(s.prefixes.begin(), s.prefixes.end(), "tasks.copy_offered") != s.prefixes.end())
        quality_subscribed = true;
    }
    if (!quality_subscribed) std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_TRUE(quality_subscribed) << "quality's own subscription never showed";
  EXPECT_GE(stats.subscribers.size(), 4u) << "portal, tasks, matching, supplies, quality subscribe";
  const std::vector<std::string> quality_topics = {"quality.", "quality.review_submitted",
                                                   "quality.job_picked"};
  for (const auto& s : stats.subscribers) {
    for (const std::string& prefix : s.prefixes) {
      for (const std::string& topic : quality_topics) {
        EXPECT_FALSE(topic.starts_with(prefix) || prefix.starts_with("quality"))
            << "a peer subscribes to \"" << prefix << "\", which reads " << topic;
      }
    }
  }
}

TEST_F(QualityHttpTest, KilledMidTrafficOthersCarryOnAndRestartedItCatchesUpToACompleteQueue) {
  // Orders two hours apart (one worker: no overlap), each a no-show that the clock cancels.
  std::vector<std::string> orders;
  const std::vector<std::string> times = {"2026-01-05T10:00:00Z", "2026-01-05T12:00:00Z",
                                          "2026-01-05T14:00:00Z", "2026-01-05T16:00:00Z",
                                          "2026-01-05T18:00:00Z", "2026-01-05T20:00:00Z"};
  process::ChildProcess* quality = system_->Find("quality");
  ASSERT_NE(quality, nullptr);
  for (size_t i = 0; i < times.size(); ++i) {
    if (i == 2) {
      // Mid-traffic: two orders are on their way through portal, tasks and matching.
      ASSERT_TRUE(quality->Signal(SIGKILL));  // and reaped
      ASSERT_FALSE(quality->running());
    }
    orders.push_back(Order(times[i]));
  }
  for (const std::string& id : orders)
    ASSERT_EQ(OrderWhen(id, "assigned").body["status"], "assigned") << id;
  AdvanceClock("2h");   // 10:00 -> the first no-show is canceled at 10:30 ...
  AdvanceClock("12h");  // ... and the last at 20:30
  // The other contexts did not notice: every order is canceled, the copies offered.
  for (const std::string& id : orders) {
    Response r = OrderWhen(id, "canceled");
    EXPECT_EQ(r.body["status"], "canceled") << id << ": " << Describe(r);
  }
  auto down = http_->Send("GET", "/v1/orders", tokens_["client"]);
  EXPECT_EQ(down.status, 200);

  ASSERT_TRUE(system_->Restart("quality").ok());
  const std::set<std::string> want(orders.begin(), orders.end());
  EXPECT_EQ(QueueOnce(orders.size()), want);
  Response queue = http_->Send("GET", "/v1/reviews/queue?limit=100", tokens_["manager"]);
  ASSERT_EQ(queue.body["jobs"].size(), orders.size()) << Describe(queue) << " (queued twice?)";
  for (const auto& job : queue.body["jobs"]) {
    EXPECT_EQ(job["outcome"], "canceled") << job.dump();
    EXPECT_EQ(job["reason"], "no_show") << job.dump();
    EXPECT_EQ(job["review_state"], "queued");
  }
  // Newest first (by the bus time each entered the queue: one clock.advance can cancel several
  // at the same time).
  for (size_t i = 1; i < queue.body["jobs"].size(); ++i)
    EXPECT_GE(queue.body["jobs"][i - 1]["queued_at"].get<std::string>(),
              queue.body["jobs"][i]["queued_at"].get<std::string>());
}

}  // namespace
}  // namespace mcf::testing::gateway
