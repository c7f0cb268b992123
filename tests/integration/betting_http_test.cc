// The betting context over real HTTP against real processes (lib/process LocalSystem: broker on
// the simulated clock, portal, tasks, matching, hiring, supplies, betting, gateway): pots shared
// by stakes with the remainder rule, a pot nobody won going to the developers' fund, each pot
// settled exactly once although betting is killed (SIGKILL) before the tasks end and dies again
// right after its first batch on the way back (--crash-point), the 16th manager refused, the
// role checks of every betting route; and "the rest behaves identically": the betting golden
// (tests/scenarios/betting_pots.json) replayed without betting gives every other context's
// replies and events unchanged.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "lib/client/bus_client.h"
#include "lib/client/subscriber.h"
#include "lib/process/child_process.h"
#include "schemas/betting.h"
#include "schemas/body.h"
#include "schemas/clock.h"
#include "schemas/envelope.h"
#include "tests/integration/gateway_harness.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace mcf::testing::gateway {
namespace {

using std::chrono::milliseconds;
namespace betting = schemas::betting;

class BettingHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    process::SystemOptions options = FullSystem(dir_.Sub("system"));
    options.contexts.push_back("betting");
    auto system = process::LocalSystem::Start(options);
    ASSERT_TRUE(system.ok()) << system.status().ToString();
    system_ = std::move(system).value();
    http_ = std::make_unique<Http>(system_->gateway_port());
    tokens_ = SignInEveryone(*http_, system_->admin_token());
  }
  void TearDown() override {
    if (HasFailure() && system_) ADD_FAILURE() << system_->Logs();
  }

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

  // A new manager's token and id.
  std::pair<std::string, std::string> Manager(const std::string& name) {
    auto r = http_->Send("POST", "/v1/staff", system_->admin_token(),
                         Json{{"role", "manager"}, {"name", name}});
    EXPECT_EQ(r.status, 201) << Describe(r);
    return {r.body.value("token", ""), r.body.value("id", "")};
  }

  // An order at `desired_at`, once assigned (so every context, betting too, knows its task).
  std::string AssignedOrder(const std::string& desired_at) {
    auto r = http_->Send("POST", "/v1/orders", tokens_["client"],
                         Json{{"service_type_id", "chores"},
                              {"description", "toss the jars off the shelf"},
                              {"desired_at", desired_at}});
    EXPECT_EQ(r.status, 201) << Describe(r);
    const std::string id = r.body.value("id", "");
    Response a = Until([&] { return http_->Send("GET", "/v1/orders/" + id, tokens_["client"]); },
                       [](const Response& r) { return r.body.value("status", "") == "assigned"; });
    EXPECT_EQ(a.body.value("status", ""), "assigned") << Describe(a);
    return id;
  }

  Response Bet(const std::string& token, const std::string& task, const std::string& outcome,
               int64_t stake) {
    return http_->Send("POST", "/v1/bets", token,
                       Json{{"task_id", task}, {"outcome", outcome}, {"stake_minor", stake}});
  }
  void BetOk(const std::string& token, const std::string& task, const std::string& outcome,
             int64_t stake) {
    Response r = Bet(token, task, outcome, stake);
    EXPECT_EQ(r.status, 201) << Describe(r);
  }

  Response SettledPot(const std::string& task) {
    return Until(
        [&] { return http_->Send("GET", "/v1/bets/pots/" + task, tokens_["admin"]); },
        [](const Response& r) { return r.status == 200 && r.body.value("settled", false); },
        milliseconds(30000));
  }

  void AdvanceClock(const std::string& by) {
    zmq::context_t context(1);
    client::BusClient bus(context, system_->broker_endpoint(), "betting-it");
    auto by_ms = schemas::clock::ParseDuration(by);
    ASSERT_TRUE(by_ms.has_value());
    auto reply = bus.Call(
        bus.MakeCommand(schemas::clock::kAdvance,
                        schemas::clock::Encode(schemas::clock::Advance{*by_ms, std::nullopt})),
        milliseconds(10000));
    ASSERT_EQ(reply.status, Code::kOk) << reply.message;
  }

  // betting.audit on the bus (as the operator's key: principal system).
  betting::Audit Audit() {
    zmq::context_t context(1);
    client::BusClient bus(context, system_->broker_endpoint(), "betting-it");
    auto reply = bus.Call(bus.MakeCommand(betting::kAudit, schemas::EmptyBody()),
                          milliseconds(10000));
    EXPECT_EQ(reply.status, Code::kOk) << reply.message;
    auto audit = schemas::Decode<betting::Audit>(reply.body);
    EXPECT_TRUE(audit.ok()) << audit.status().ToString();
    return audit.ok() ? *audit : betting::Audit{};
  }

  // Every betting.pot_settled in the log, by task (read from seq 1 until 2 s of silence).
  std::map<std::string, int> SettledEvents() {
    zmq::context_t context(1);
    client::SubscriberOptions options;
    options.prefixes = {std::string(betting::kPotSettled)};
    client::Subscriber subscriber(context, system_->broker_endpoint(), options);
    std::map<std::string, int> by_task;
    for (int i = 0; i < 1000; ++i) {
      auto e = subscriber.Next(milliseconds(2000));
      if (!e) break;
      auto env = schemas::DecodeEnvelope(e->envelope);
      if (!env.ok()) continue;
      auto body = schemas::Decode<betting::PotSettled>(env->body);
      if (body.ok()) ++by_task[body->task_id];
    }
    return by_task;
  }

  int64_t Balance(const std::string& token) {
    Response r = http_->Send("GET", "/v1/bets", token);
    EXPECT_EQ(r.status, 200) << Describe(r);
    return r.body.value("balance_minor", int64_t{-1});
  }

  TempDir dir_;
  std::unique_ptr<process::LocalSystem> system_;
  std::unique_ptr<Http> http_;
  std::map<std::string, std::string> tokens_;
};

TEST_F(BettingHttpTest, PotsAreSharedByStakesOrGoToTheFundAndSettledOnceAcrossCrashes) {
  auto [m1, m1_id] = Manager("Ann");
  auto [m2, m2_id] = Manager("Bob");
  auto [m3, m3_id] = Manager("Cid");
  // One worker, jobs two hours apart; nobody checks in, so the clock cancels each (no-show).
  const std::string a = AssignedOrder("2026-01-05T10:00:00Z");
  const std::string b = AssignedOrder("2026-01-05T12:00:00Z");
  const std::string c = AssignedOrder("2026-01-05T14:00:00Z");
  const std::string d = AssignedOrder("2026-01-05T16:00:00Z");
  BetOk(m1, a, "canceled", 100);  // 1000 * 100/300 = 333 rem 100
  BetOk(m2, a, "canceled", 200);  // 1000 * 200/300 = 666 rem 200 -> the unit left
  BetOk(m3, a, "completed", 700);
  BetOk(m1, b, "completed", 10);  // nobody wins b: 30 to the developers' fund
  BetOk(m2, b, "failed", 20);
  BetOk(m1, c, "canceled", 1);  // everyone wins c: stakes back
  BetOk(m2, c, "canceled", 1);
  BetOk(m3, c, "canceled", 1);
  BetOk(m3, d, "canceled", 5);  // a sole winner takes 9
  BetOk(m1, d, "failed", 4);
  EXPECT_EQ(Balance(m1), 10000 - 115);
  Json mine = http_->Send("GET", "/v1/bets", m1).body;
  EXPECT_EQ(mine["open_pots"].size(), 4u) << mine.dump();
  EXPECT_EQ(mine["bets"].size(), 4u) << mine.dump();

  // Betting is down while every task ends; the others do not notice.
  process::ChildProcess* worker = system_->Find("betting");
  ASSERT_NE(worker, nullptr);
  ASSERT_TRUE(worker->Signal(SIGKILL));
  AdvanceClock("9h");  // 17:00: all four canceled as no-shows
  for (const std::string& id : {a, b, c, d}) {
    Response r = Until([&] { return http_->Send("GET", "/v1/orders/" + id, tokens_["client"]); },
                       [](const Response& r) { return r.body.value("status", "") == "canceled"; });
    EXPECT_EQ(r.body.value("status", ""), "canceled") << Describe(r);
  }
  // Back, it dies again right after committing its first batch of the backlog...
  ASSERT_TRUE(system_->Restart("betting", {"--crash-point", "after-event-commit:1"}).ok());
  worker = system_->Find("betting");
  EXPECT_EQ(worker->Wait(milliseconds(20000)), std::optional<int>(42)) << "no crash point hit";
  // ... and comes back for good.
  ASSERT_TRUE(system_->Restart("betting", {"--crash-point", "after-event-commit:1000000"}).ok());

  Response pa = SettledPot(a);
  ASSERT_TRUE(pa.body.value("settled", false)) << Describe(pa);
  EXPECT_EQ(pa.body["shares"], (Json::array({{{"manager_id", m1_id}, {"stake_minor", 100}, {"payout_minor", 333}},
                                             {{"manager_id", m2_id}, {"stake_minor", 200}, {"payout_minor", 667}}})))
      << Describe(pa);
  Response pb = SettledPot(b);
  EXPECT_EQ(pb.body["shares"], Json::array()) << Describe(pb);
  EXPECT_EQ(pb.body["developers_fund_minor"], 30) << Describe(pb);
  Response pc = SettledPot(c);
  EXPECT_EQ(pc.body["shares"].size(), 3u) << Describe(pc);
  for (const auto& share : pc.body["shares"]) EXPECT_EQ(share["payout_minor"], 1) << Describe(pc);
  Response pd = SettledPot(d);
  EXPECT_EQ(pd.body["shares"], (Json::array({{{"manager_id", m3_id}, {"stake_minor", 5}, {"payout_minor", 9}}})))
      << Describe(pd);

  // The balances recomputed here from the bets alone.
  const int64_t want_m1 = 10000 - 100 - 10 - 1 - 4 + 333 + 1;
  const int64_t want_m2 = 10000 - 200 - 20 - 1 + 667 + 1;
  const int64_t want_m3 = 10000 - 700 - 1 - 5 + 1 + 9;
  EXPECT_EQ(Balance(m1), want_m1);
  EXPECT_EQ(Balance(m2), want_m2);
  EXPECT_EQ(Balance(m3), want_m3);
  betting::Audit audit = Audit();
  EXPECT_TRUE(audit.balanced);
  EXPECT_EQ(audit.total_funded_minor, 30000);
  EXPECT_EQ(audit.developers_fund_minor, 30);
  EXPECT_EQ(audit.open_pots_minor, 0);
  EXPECT_EQ(audit.accounts, 3);
  Json after = http_->Send("GET", "/v1/bets", m1).body;
  EXPECT_TRUE(after["open_pots"].empty()) << after.dump();
  EXPECT_EQ(after["bets"][0]["status"], "lost");  // d: failed, newest first
  EXPECT_EQ(after["bets"][1]["status"], "won");   // c

  // One pot_settled per pot in the log; a kill and restart now changes nothing.
  EXPECT_EQ(SettledEvents(), (std::map<std::string, int>{{a, 1}, {b, 1}, {c, 1}, {d, 1}}));
  ASSERT_TRUE(system_->Find("betting")->Signal(SIGKILL));
  ASSERT_TRUE(system_->Restart("betting").ok());
  Response again = Until([&] { return http_->Send("GET", "/v1/bets", m1); },
                         [](const Response& r) { return r.status == 200; });
  EXPECT_EQ(again.body.value("balance_minor", int64_t{-1}), want_m1) << Describe(again);
  EXPECT_EQ(Balance(m2), want_m2);
  EXPECT_TRUE(Audit().balanced);
  EXPECT_EQ(SettledEvents().size(), 4u);

  // No bet on a final task, none on an unknown one.
  Response final_bet = Bet(m1, a, "canceled", 1);
  EXPECT_EQ(final_bet.status, 409) << Describe(final_bet);
  EXPECT_EQ(final_bet.body.value("field", ""), "body.task_id") << Describe(final_bet);
  Response unknown = Bet(m1, "order-nope", "canceled", 1);
  EXPECT_EQ(unknown.status, 404) << Describe(unknown);
  EXPECT_NE(unknown.body.value("detail", "").find("order-nope"), std::string::npos);
}

TEST_F(BettingHttpTest, TheSixteenthManagerIsRefusedAndEveryRouteChecksTheRole) {
  const std::string task = AssignedOrder("2026-01-05T10:00:00Z");
  std::vector<std::string> managers;
  for (int i = 1; i <= 16; ++i) managers.push_back(Manager("Manager " + std::to_string(i)).first);
  for (int i = 0; i < 15; ++i) BetOk(managers[i], task, "completed", 1 + i);
  Response sixteenth = Bet(managers[15], task, "completed", 1);
  EXPECT_EQ(sixteenth.status, 409) << Describe(sixteenth);
  EXPECT_NE(sixteenth.body.value("detail", "").find("limited to 15 managers"), std::string::npos)
      << Describe(sixteenth);
  EXPECT_EQ(http_->Send("GET", "/v1/bets", managers[15]).body.value("has_account", true), false);
  Response pot = http_->Send("GET", "/v1/bets/pots/" + task, managers[0]);
  EXPECT_EQ(pot.body["bets"].size(), 15u) << Describe(pot);
  EXPECT_EQ(pot.body["total_minor"], 120);  // 1 + 2 + ... + 15

  // Bad input names the field.
  Response bad = http_->Send("POST", "/v1/bets", managers[0],
                             Json{{"task_id", task}, {"outcome", "soon"}, {"stake_minor", 1}});
  EXPECT_EQ(bad.status, 400) << Describe(bad);
  EXPECT_EQ(bad.body.value("field", ""), "body.outcome");
  Response over = Bet(managers[1], AssignedOrder("2026-01-05T12:00:00Z"), "failed", 10'001);
  EXPECT_EQ(over.status, 409) << Describe(over);
  EXPECT_EQ(over.body.value("field", ""), "body.stake_minor") << Describe(over);

  struct Route {
    std::string method, path;
    Json body;
  };
  const std::vector<Route> routes = {
      {"POST", "/v1/bets", Json{{"task_id", task}, {"outcome", "completed"}, {"stake_minor", 1}}},
      {"GET", "/v1/bets", nullptr},
      {"GET", "/v1/bets/pots/" + task, nullptr}};
  for (const std::string role : {"client", "worker", "supplies", "admin"}) {
    for (const Route& route : routes) {
      const bool allowed = role == "admin" && route.path.starts_with("/v1/bets/pots/");
      auto r = route.body.is_null()
                   ? http_->Send(route.method, route.path, tokens_[role])
                   : http_->Send(route.method, route.path, tokens_[role], route.body);
      EXPECT_EQ(r.status, allowed ? 200 : 403)
          << role << " " << route.method << " " << route.path << ": " << Describe(r);
    }
  }
  EXPECT_EQ(http_->Send("GET", "/v1/bets", "").status, 401);
  EXPECT_TRUE(Audit().balanced);
}

struct Outcome {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// The golden of tests/scenarios/betting_pots.json, replayed with and without betting.
Outcome ReplayGolden(const TempDir& dir, const std::vector<std::string>& extra) {
  static int n = 0;
  const std::string log = dir.Sub("replay-" + std::to_string(++n) + ".out");
  std::vector<std::string> argv = {BinDir() + "/mcfctl", "replay",
                                   std::string(MCF_SOURCE_DIR) + "/tests/captures/betting_pots.cap",
                                   "--json"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  process::ChildProcess p = process::ChildProcess::Start(argv, log);
  Outcome out;
  out.exit_code = p.Wait(milliseconds(120000)).value_or(-999);
  out.output = ReadFile(log);
  return out;
}

TEST(BettingReplayTest, TheRestBehavesIdenticallyWithoutBetting) {
  TempDir dir;
  Outcome with = ReplayGolden(dir, {});
  EXPECT_EQ(with.exit_code, 0) << with.output;
  Outcome without = ReplayGolden(dir, {"--exclude", "betting"});
  EXPECT_EQ(without.exit_code, 0) << without.output;
  EXPECT_NE(without.output.find("\"identical\":true"), std::string::npos) << without.output;
  EXPECT_EQ(without.output.find("\"betting\""), std::string::npos)
      << "betting still started: " << without.output;
  // The control: leaving out a context the others do depend on is noticed.
  Outcome no_supplies = ReplayGolden(dir, {"--exclude", "supplies", "--exclude", "betting"});
  EXPECT_EQ(no_supplies.exit_code, 1) << no_supplies.output;
}

}  // namespace
}  // namespace mcf::testing::gateway
