// The order flow end to end over real HTTP: mcf-broker (simulated clock), mcf-portal,
// mcf-tasks, mcf-matching, mcf-hiring, mcf-supplies and mcf-gateway as real processes
// (lib/process LocalSystem), spoken to with an httplib client on 127.0.0.1.
//
// Happy path: import a worker -> client signs in -> request help -> matched and assigned ->
// supply order on the board -> check-in refused before the kit (409) -> issued -> the clock
// reaches the check-in window -> check in -> complete -> exactly one tasks.task_finalized on the
// bus; the dashboard and the worker's lists show it. Check-in window: 2 hours before the
// appointment 409 naming the window, 30 minutes before ok. No-show path: the simulated clock
// passes the appointment plus grace -> canceled, copy offered -> the client orders a copy for the
// next day -> re-matched, the clock reaches it, completed.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "lib/client/bus_client.h"
#include "lib/client/subscriber.h"
#include "lib/process/local_system.h"
#include "schemas/body.h"
#include "schemas/clock.h"
#include "schemas/envelope.h"
#include "schemas/tasks.h"
#include "tests/support/process.h"
#include "tests/support/store_snapshot.h"
#include "tests/support/temp_dir.h"

namespace mcf::testing {
namespace {

using std::chrono::milliseconds;
using Json = nlohmann::json;

constexpr char kStart[] = "2026-01-05T08:00:00Z";

struct Response {
  int status = -1;
  Json body;
};

class OrderFlowHttpTest : public ::testing::Test {
 protected:
  // How long the simulated contractor takes to bring a kit's fortune cookie (bus time). These
  // tests are about the order flow, so by default it is there at once.
  virtual std::string CookieDelay() const { return "0s"; }

  void SetUp() override {
    process::SystemOptions options;
    options.bin_dir = BinDir();
    options.data_dir = dir_.Sub("system");
    options.contexts = {"portal", "tasks", "matching", "hiring", "supplies"};
    options.gateway = true;
    options.broker_flags = {"--clock", "sim", "--start", kStart, "--heartbeat-ms", "100"};
    options.worker_flags = {"--heartbeat-ms", "100", "--seed", "3"};
    options.outside = {{"contractor", "mcf-contractor-sim", {"--delay", CookieDelay()}}};
    auto system = process::LocalSystem::Start(options);
    ASSERT_TRUE(system.ok()) << system.status().ToString();
    system_ = std::move(system).value();
    http_ = std::make_unique<httplib::Client>("127.0.0.1", system_->gateway_port());
    http_->set_read_timeout(std::chrono::seconds(10));
    admin_ = system_->admin_token();
    ASSERT_FALSE(admin_.empty());
  }

  void TearDown() override {
    if (HasFailure() && system_) ADD_FAILURE() << system_->Logs();
  }

  // Every store and the log once nothing is in flight (tests/support/store_snapshot.h).
  StoreSnapshot Settled() {
    auto snap = SettledSnapshot(dir_.Sub("system"), system_->broker_endpoint(),
                                std::chrono::milliseconds(30000));
    EXPECT_TRUE(snap.ok()) << snap.status().ToString();
    return snap.ok() ? std::move(snap).value() : StoreSnapshot{};
  }

  // Since `before`, nothing changed but tasks' record of a refused command.
  void ExpectOnlyTheRefusalRecorded(const StoreSnapshot& before) {
    const std::string recorded =
        "tasks' conflict is a recorded reply under the command id, for its retries "
        "(docs/decisions/003-error-replies-are-recorded.md)";
    EXPECT_EQ(DiffStores(before, Settled(),
                         {{"_inbox", "tasks", recorded}, {"_inbox_by_time", "tasks", recorded}}),
              "");
  }

  Response Call(const std::string& method, const std::string& path, const std::string& token,
                const Json& body = nullptr) {
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    const std::string text = body.is_null() ? "" : body.dump();
    httplib::Result res = method == "GET" ? http_->Get(path, headers)
                          : method == "PATCH"
                              ? http_->Patch(path, headers, text, "application/json")
                              : http_->Post(path, headers, text, "application/json");
    Response out;
    if (!res) return out;
    out.status = res->status;
    out.body = Json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    return out;
  }

  // Repeats `call` until `done` holds for its response (bounded), returning the last response.
  Response Until(const std::function<Response()>& call,
                 const std::function<bool(const Response&)>& done,
                 milliseconds wait = milliseconds(10000)) {
    const auto end = std::chrono::steady_clock::now() + wait;
    Response r = call();
    while (!done(r) && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(milliseconds(20));
      r = call();
    }
    return r;
  }

  Response OrderWhen(const std::string& id, const std::string& token, const std::string& status) {
    return Until([&] { return Call("GET", "/v1/orders/" + id, token); },
                 [&](const Response& r) { return r.status == 200 && r.body["status"] == status; });
  }

  // An admin-imported worker's token.
  std::string ImportWorker(const std::string& name) {
    Response r = Call("POST", "/v1/workers", admin_,
                      {{"name", name},
                       {"age", 4},
                       {"breed", "Siberian"},
                       {"coat_colour", "grey tabby"},
                       {"strengths", {"jars"}},
                       {"weaknesses", {"mornings"}}});
    EXPECT_EQ(r.status, 201) << r.body.dump();
    worker_id_ = r.body.value("worker_id", "");
    return r.body.value("token", "");
  }

  std::string SignIn(const std::string& employee_id, const std::string& name) {
    Response r = Call("POST", "/v1/session", "", {{"employee_id", employee_id}, {"name", name}});
    EXPECT_EQ(r.status, 201) << r.body.dump();
    client_id_ = r.body.value("client_id", "");
    return r.body.value("token", "");
  }

  std::string StaffToken(const std::string& role) {
    Response r = Call("POST", "/v1/staff", admin_, {{"role", role}, {"name", role + " cat"}});
    EXPECT_EQ(r.status, 201) << r.body.dump();
    return r.body.value("token", "");
  }

  std::string Order(const std::string& client, const std::string& desired_at) {
    Response r = Call("POST", "/v1/orders", client,
                      {{"service_type_id", "chores"},
                       {"description", "toss the jars off the shelf"},
                       {"desired_at", desired_at}});
    EXPECT_EQ(r.status, 201) << r.body.dump();
    EXPECT_EQ(r.body.value("status", ""), "requested");
    EXPECT_EQ(r.body.value("approx_cost", -1), 10'000);
    return r.body.value("id", "");
  }

  // Barsik imported, Murka signed in, a supplies account, and Murka's order for `desired_at`
  // assigned to Barsik: their tokens and the order id.
  struct Cast {
    std::string worker, client, supplies, id;
  };
  Cast OrderAssigned(const std::string& desired_at) {
    Cast c;
    c.worker = ImportWorker("Barsik");
    c.client = SignIn("hcb-017", "Murka");
    c.supplies = StaffToken("supplies");
    c.id = Order(c.client, desired_at);
    EXPECT_EQ(OrderWhen(c.id, c.client, "assigned").body["status"], "assigned");
    return c;
  }

  // The supply order of `order_id` from the board, once `done(order)` holds (or the last seen).
  Response SupplyOrder(const std::string& supplies, const std::string& order_id,
                       const std::function<bool(const Json&)>& done) {
    return Until([&] { return Call("GET", "/v1/supply-orders?task_id=" + order_id, supplies); },
                 [&](const Response& r) {
                   return r.status == 200 && r.body["orders"].size() == 1 &&
                          done(r.body["orders"][0]);
                 });
  }

  // Issues the kit of `order_id` from the supplies board, once its cookie is in it.
  void IssueKit(const std::string& supplies, const std::string& order_id) {
    Response board = SupplyOrder(supplies, order_id,
                                 [](const Json& o) { return o.value("complete", false); });
    ASSERT_EQ(board.status, 200) << board.body.dump();
    std::string supply_id;
    for (const auto& o : board.body["orders"]) {
      if (o["task_id"] != order_id) continue;
      supply_id = o["id"];
      EXPECT_EQ(o["worker_id"], worker_id_);
      EXPECT_EQ(o["client_id"], client_id_);
      EXPECT_NE(o["kit"].dump().find("Job Acceptance Form"), std::string::npos) << o.dump();
    }
    ASSERT_FALSE(supply_id.empty());
    Response issued = Call("POST", "/v1/supply-orders/" + supply_id + "/issue", supplies);
    EXPECT_EQ(issued.status, 200) << issued.body.dump();
  }

  // Checks in, retrying only while the kit event is on its way (409 naming the kit).
  Response CheckIn(const std::string& worker, const std::string& order_id) {
    return Until(
        [&] {
          return Call("POST", "/v1/jobs/" + order_id + "/check-in", worker,
                      {{"photo", "aGVsbG8="}});
        },
        [](const Response& r) {
          return r.status != 409 ||
                 r.body.value("detail", "").find("kit") == std::string::npos;
        });
  }

  // Checks in (the clock inside the window), then completes.
  void CheckInAndComplete(const std::string& worker, const std::string& order_id) {
    Response in = CheckIn(worker, order_id);
    ASSERT_EQ(in.status, 200) << in.body.dump();
    Response done =
        Call("POST", "/v1/jobs/" + order_id + "/complete", worker, {{"photo", "c2lnbmVk"}});
    ASSERT_EQ(done.status, 200) << done.body.dump();
  }

  std::vector<std::string> JobIds(const std::string& worker, const std::string& state) {
    Response r = Call("GET", "/v1/jobs?state=" + state, worker);
    EXPECT_EQ(r.status, 200) << r.body.dump();
    std::vector<std::string> ids;
    for (const auto& j : r.body["jobs"]) ids.push_back(j["id"]);
    return ids;
  }

  // Every tasks.task_finalized in the log, as decoded bodies. Callers first saw the effect of the
  // last one (the portal shows the outcome), so it is in the log: reads the whole log up to its
  // head as broker.health tells it (not "until quiet", which a slow start would cut short).
  std::vector<schemas::tasks::TaskFinalized> Finalized() {
    zmq::context_t context(1);
    client::BusClient bus(context, system_->broker_endpoint(), "finalized-reader");
    auto health =
        bus.Call(bus.MakeCommand("broker.health", schemas::EmptyBody()), milliseconds(10000));
    EXPECT_EQ(health.status, Code::kOk) << health.message;
    auto body = schemas::Body::Parse(health.body);
    const int64_t head = body.ok() && body->Int("log_head").ok() ? *body->Int("log_head") : 0;
    EXPECT_GT(head, 0);
    client::SubscriberOptions options;
    options.prefixes = {""};  // every event: the last one read is the head
    client::Subscriber sub(context, system_->broker_endpoint(), options);
    std::vector<schemas::tasks::TaskFinalized> out;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    uint64_t last = 0;
    while (last < static_cast<uint64_t>(head) && std::chrono::steady_clock::now() < end) {
      auto event = sub.Next(milliseconds(200));
      if (!event) continue;
      last = event->seq;
      if (event->topic != schemas::tasks::kTaskFinalized) continue;
      auto envelope = schemas::DecodeEnvelope(event->envelope);
      EXPECT_TRUE(envelope.ok());
      if (!envelope.ok()) continue;
      auto finalized = schemas::tasks::Decode<schemas::tasks::TaskFinalized>(envelope->body);
      EXPECT_TRUE(finalized.ok()) << finalized.status().ToString();
      if (finalized.ok()) out.push_back(*finalized);
    }
    EXPECT_GE(last, static_cast<uint64_t>(head)) << "the log was not read to its head";
    return out;
  }

  void AdvanceClock(const std::string& by) {
    zmq::context_t context(1);
    client::BusClient bus(context, system_->broker_endpoint(), "test");
    auto by_ms = schemas::clock::ParseDuration(by);
    ASSERT_TRUE(by_ms.has_value());
    auto reply = bus.Call(
        bus.MakeCommand(schemas::clock::kAdvance,
                        schemas::clock::Encode(schemas::clock::Advance{*by_ms, std::nullopt})),
        milliseconds(10000));
    ASSERT_EQ(reply.status, Code::kOk) << reply.message;
  }

  TempDir dir_;
  std::unique_ptr<process::LocalSystem> system_;
  std::unique_ptr<httplib::Client> http_;
  std::string admin_;
  std::string worker_id_;
  std::string client_id_;
};

TEST_F(OrderFlowHttpTest, ClientOrdersWorkerCompletesAndTheOutcomeIsOnTheBus) {
  const std::string worker = ImportWorker("Barsik");
  const std::string client = SignIn("hcb-017", "Murka");
  const std::string supplies = StaffToken("supplies");
  ASSERT_FALSE(worker.empty());
  ASSERT_FALSE(client.empty());

  Response types = Call("GET", "/v1/service-types", client);
  ASSERT_EQ(types.status, 200) << types.body.dump();
  EXPECT_NE(types.body.dump().find("\"chores\""), std::string::npos);

  const std::string id = Order(client, "2026-01-05T10:00:00Z");
  ASSERT_FALSE(id.empty());
  Response assigned = OrderWhen(id, client, "assigned");
  ASSERT_EQ(assigned.body["status"], "assigned") << assigned.body.dump();
  EXPECT_EQ(assigned.body["worker_id"], worker_id_);
  EXPECT_EQ(assigned.body["starts_at"], "2026-01-05T10:00:00Z");

  // The kit has not been issued: check-in is refused with the reason, and nothing changes but
  // the refusal's own record.
  const StoreSnapshot before_early = Settled();
  Response early = Call("POST", "/v1/jobs/" + id + "/check-in", worker, {{"photo", "aGVsbG8="}});
  EXPECT_EQ(early.status, 409) << early.body.dump();
  EXPECT_NE(early.body.value("detail", "").find("kit"), std::string::npos) << early.body.dump();
  EXPECT_EQ(JobIds(worker, "active"), std::vector<std::string>{id});
  ExpectOnlyTheRefusalRecorded(before_early);

  IssueKit(supplies, id);
  AdvanceClock("90m");  // 08:00 -> 09:30: inside the 60-minute check-in window
  CheckInAndComplete(worker, id);

  Response done = OrderWhen(id, client, "completed");
  EXPECT_EQ(done.body["status"], "completed") << done.body.dump();
  EXPECT_GE(done.body["timeline"].size(), 4u) << done.body.dump();
  Response dashboard = Call("GET", "/v1/orders", client);
  ASSERT_EQ(dashboard.status, 200);
  ASSERT_EQ(dashboard.body["orders"].size(), 1u) << dashboard.body.dump();
  EXPECT_EQ(dashboard.body["orders"][0]["id"], id);
  EXPECT_EQ(dashboard.body["orders"][0]["status"], "completed");
  EXPECT_EQ(JobIds(worker, "completed"), std::vector<std::string>{id});
  EXPECT_TRUE(JobIds(worker, "active").empty());

  auto finalized = Finalized();
  ASSERT_EQ(finalized.size(), 1u);
  EXPECT_EQ(finalized[0].task_id, id);
  EXPECT_EQ(finalized[0].outcome, schemas::tasks::Outcome::kCompleted);
  EXPECT_EQ(finalized[0].worker_id, worker_id_);
  EXPECT_EQ(finalized[0].price_minor, 10'000);

  // Another client neither sees the order nor learns that it exists.
  const std::string stranger = SignIn("hcb-099", "Vaska");
  EXPECT_EQ(Call("GET", "/v1/orders/" + id, stranger).status, 404);
  Response theirs = Call("GET", "/v1/orders", stranger);
  EXPECT_EQ(theirs.body["orders"].size(), 0u) << theirs.body.dump();
}

TEST_F(OrderFlowHttpTest, NoShowIsCanceledByTheClockAndItsCopyIsMatchedAndCompleted) {
  const Cast cast = OrderAssigned("2026-01-05T10:00:00Z");
  ASSERT_FALSE(HasFailure()) << "the order was not assigned";
  const std::string &worker = cast.worker, &client = cast.client, &supplies = cast.supplies,
                    &id = cast.id;

  // 08:00 -> 10:31: the appointment plus the 30-minute grace has passed without a check-in.
  AdvanceClock("151m");
  Response canceled = OrderWhen(id, client, "canceled");
  ASSERT_EQ(canceled.body["status"], "canceled") << canceled.body.dump();
  EXPECT_EQ(canceled.body["reason"], "no_show");
  EXPECT_EQ(canceled.body["copy_offered"], true);
  EXPECT_EQ(JobIds(worker, "canceled"), std::vector<std::string>{id});

  Response copy =
      Call("POST", "/v1/orders/" + id + "/copy", client, {{"desired_at", "2026-01-06T10:00:00Z"}});
  ASSERT_EQ(copy.status, 201) << copy.body.dump();
  const std::string copy_id = copy.body.value("id", "");
  ASSERT_FALSE(copy_id.empty());
  ASSERT_NE(copy_id, id);

  Response assigned = OrderWhen(copy_id, client, "assigned");
  ASSERT_EQ(assigned.body["status"], "assigned") << assigned.body.dump();
  EXPECT_EQ(assigned.body["copied_from"], id);
  EXPECT_EQ(assigned.body["starts_at"], "2026-01-06T10:00:00Z");

  IssueKit(supplies, copy_id);
  AdvanceClock("23h");  // 10:31 -> 09:31 the next day: inside the copy's check-in window
  CheckInAndComplete(worker, copy_id);
  EXPECT_EQ(OrderWhen(copy_id, client, "completed").body["status"], "completed");

  auto finalized = Finalized();
  ASSERT_EQ(finalized.size(), 2u);
  EXPECT_EQ(finalized[0].task_id, id);
  EXPECT_EQ(finalized[0].outcome, schemas::tasks::Outcome::kCanceled);
  EXPECT_EQ(finalized[0].reason, "no_show");
  EXPECT_EQ(finalized[1].task_id, copy_id);
  EXPECT_EQ(finalized[1].outcome, schemas::tasks::Outcome::kCompleted);

  // A second copy of the same no-show is refused.
  EXPECT_EQ(
      Call("POST", "/v1/orders/" + id + "/copy", client, {{"desired_at", "2026-01-07T10:00:00Z"}})
          .status,
      409);
}

// Read your writes across contexts (docs/protocol.md): supplies answers "issued" and the check-in
// sent the moment that reply arrives finds the kit issued in tasks, every time. 500 jobs in a
// row for one worker and one slot (each completed, which frees the slot for the next).
TEST_F(OrderFlowHttpTest, CheckInRightAfterTheKitIsIssuedIsNeverRefused500Times) {
  const std::string worker = ImportWorker("Barsik");
  const std::string client = SignIn("hcb-017", "Murka");
  const std::string supplies = StaffToken("supplies");
  constexpr int kJobs = 500;
  int refused = 0;
  std::string first_refusal;
  for (int i = 0; i < kJobs; ++i) {
    const std::string id = Order(client, "2026-01-05T08:30:00Z");
    ASSERT_EQ(OrderWhen(id, client, "assigned").body["status"], "assigned") << i;
    IssueKit(supplies, id);
    Response in = Call("POST", "/v1/jobs/" + id + "/check-in", worker, {{"photo", "aGVsbG8="}});
    if (in.status == 409) {  // counted; then as a patient client would, so the next job can run
      if (refused++ == 0) first_refusal = in.body.dump();
      in = Until(
          [&] {
            return Call("POST", "/v1/jobs/" + id + "/check-in", worker, {{"photo", "aGVsbG8="}});
          },
          [](const Response& r) { return r.status != 409; });
    }
    ASSERT_EQ(in.status, 200) << i << " " << in.body.dump();
    Response done = Call("POST", "/v1/jobs/" + id + "/complete", worker, {{"photo", "c2lnbmVk"}});
    ASSERT_EQ(done.status, 200) << i << " " << done.body.dump();
    ASSERT_EQ(OrderWhen(id, client, "completed").body["status"], "completed") << i;
  }
  EXPECT_EQ(refused, 0) << "check-ins refused right after \"issued\", of " << kJobs
                        << "; the first: " << first_refusal;
}

TEST_F(OrderFlowHttpTest, StaffProvisionedWithMcfctlSignInOverHttp) {
  const std::string out = dir_.Sub("mcfctl.out");
  ChildProcess mcfctl =
      ChildProcess::Start({BinDir() + "/mcfctl", "--broker", system_->broker_endpoint(), "--key",
                           system_->keys_dir() + "/operator.key", "staff", "add", "manager", "Tom"},
                          out);
  ASSERT_EQ(mcfctl.Wait(milliseconds(10000)), 0) << ReadFile(out);
  const std::string text = ReadFile(out);
  const Json reply = Json::parse(text.substr(text.find('{')), nullptr, false);
  ASSERT_TRUE(reply.is_object()) << text;
  const std::string token = reply["body"].value("token", "");
  ASSERT_EQ(token.size(), 64u) << text;
  Response me = Call("GET", "/v1/me", token);
  ASSERT_EQ(me.status, 200) << me.body.dump();
  EXPECT_EQ(me.body["role"], "manager");
  EXPECT_EQ(me.body["id"], reply["body"]["id"]);
  // A manager edits service types; a client may not (403), and nothing changes.
  Response created = Call("POST", "/v1/service-types", token,
                          {{"name", "Jar tossing"}, {"description", "Off the shelf, gently"}});
  ASSERT_EQ(created.status, 201) << created.body.dump();
  const std::string client = SignIn("hcb-1", "Murka");
  const StoreSnapshot before_refused = Settled();
  Response refused = Call("PATCH", "/v1/service-types/" + created.body.value("id", ""), client,
                          {{"active", false}});
  EXPECT_EQ(refused.status, 403) << refused.body.dump();
  Response listed = Call("GET", "/v1/service-types", client);
  EXPECT_NE(listed.body.dump().find("Jar tossing"), std::string::npos) << listed.body.dump();
  EXPECT_EQ(DiffStores(before_refused, Settled()), "");
  // A bad role is refused by mcfctl itself (usage error), before anything is sent.
  ChildProcess bad =
      ChildProcess::Start({BinDir() + "/mcfctl", "--broker", system_->broker_endpoint(), "--key",
                           system_->keys_dir() + "/operator.key", "staff", "add", "emperor", "Tom"},
                          dir_.Sub("mcfctl-bad.out"));
  EXPECT_EQ(bad.Wait(milliseconds(10000)), 2);
}

// The check-in window (tasks' --check-in-window-ms, 60 minutes by default) on bus time: the
// simulated clock, moved with clock.advance.
TEST_F(OrderFlowHttpTest, CheckInTwoHoursBeforeIs409NamingTheWindowAndHalfAnHourBeforeIsOk) {
  const Cast cast = OrderAssigned("2026-01-05T10:00:00Z");
  ASSERT_FALSE(HasFailure()) << "the order was not assigned";
  const std::string &worker = cast.worker, &client = cast.client, &id = cast.id;
  IssueKit(cast.supplies, id);

  // 08:00, two hours before: refused, naming when the window opens; nothing changes but the
  // refusal's own record.
  const StoreSnapshot before_early = Settled();
  Response early = CheckIn(worker, id);
  EXPECT_EQ(early.status, 409) << early.body.dump();
  EXPECT_EQ(early.body.value("detail", ""),
            "check-in opens 60 minutes before the appointment, at 2026-01-05T09:00:00Z")
      << early.body.dump();
  ExpectOnlyTheRefusalRecorded(before_early);
  EXPECT_EQ(OrderWhen(id, client, "assigned").body["status"], "assigned");

  // 09:30, half an hour before: checked in.
  AdvanceClock("90m");
  Response in = CheckIn(worker, id);
  ASSERT_EQ(in.status, 200) << in.body.dump();
  EXPECT_EQ(in.body.value("status", ""), "checked_in") << in.body.dump();
  EXPECT_EQ(OrderWhen(id, client, "checked_in").body["status"], "checked_in");
}

// The fortune cookie over HTTP (issue 13): the supply order is on the board the moment the job
// is assigned, its cookie ordered from the contractor; issuing it early is 409 naming the
// cookie; 10 simulated minutes later the cookie is in the kit, it is issued, and the worker
// checks in.
class CookieFlowHttpTest : public OrderFlowHttpTest {
 protected:
  std::string CookieDelay() const override { return "10m"; }
};

TEST_F(CookieFlowHttpTest, KitIsIssuedOnlyOnceItsCookieArrivedTenSimulatedMinutesLater) {
  const std::string worker = ImportWorker("Barsik");
  const std::string client = SignIn("hcb-017", "Murka");
  const std::string supplies = StaffToken("supplies");
  const std::string id = Order(client, "2026-01-05T09:30:00Z");
  ASSERT_EQ(OrderWhen(id, client, "assigned").body["status"], "assigned");

  Response waiting = SupplyOrder(supplies, id, [](const Json& o) {
    return o["cookie"].value("state", "") == "accepted";
  });
  ASSERT_EQ(waiting.status, 200) << waiting.body.dump();
  const Json order = waiting.body["orders"][0];
  EXPECT_EQ(order["status"], "waiting");
  EXPECT_EQ(order["complete"], false);
  EXPECT_EQ(order["cookie"]["expected_at"], "2026-01-05T08:10:00Z") << order.dump();
  const std::string supply_id = order["id"];
  Response early = Call("POST", "/v1/supply-orders/" + supply_id + "/issue", supplies);
  EXPECT_EQ(early.status, 409) << early.body.dump();
  EXPECT_NE(early.body.value("detail", "").find("waiting for its fortune cookie"),
            std::string::npos)
      << early.body.dump();
  // A worker's and a client's token cannot issue; a client cannot read the board.
  EXPECT_EQ(Call("POST", "/v1/supply-orders/" + supply_id + "/issue", worker).status, 403);
  EXPECT_EQ(Call("GET", "/v1/supply-orders", client).status, 403);

  AdvanceClock("9m");
  EXPECT_EQ(Call("POST", "/v1/supply-orders/" + supply_id + "/issue", supplies).status, 409);
  AdvanceClock("1m");
  Response arrived = SupplyOrder(supplies, id, [](const Json& o) {
    return o.value("complete", false);
  });
  ASSERT_EQ(arrived.body["orders"][0]["cookie"]["delivered_at"], "2026-01-05T08:10:00Z")
      << arrived.body.dump();
  EXPECT_NE(arrived.body["orders"][0]["kit"].dump().find("Fortune cookie"), std::string::npos);
  Response issued = Call("POST", "/v1/supply-orders/" + supply_id + "/issue", supplies);
  ASSERT_EQ(issued.status, 200) << issued.body.dump();
  EXPECT_EQ(issued.body["status"], "issued");
  Response one = Call("GET", "/v1/supply-orders/" + supply_id, supplies);
  EXPECT_EQ(one.body["status"], "issued") << one.body.dump();

  AdvanceClock("30m");  // 08:40: inside the check-in window of the 09:30 job
  Response in = CheckIn(worker, id);
  EXPECT_EQ(in.status, 200) << in.body.dump();
}

}  // namespace
}  // namespace mcf::testing
