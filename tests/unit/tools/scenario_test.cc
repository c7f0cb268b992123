// The scenario format (tools/mcfctl/scenario.h): parsing with errors that say where, "${var}"
// substitution, the subset match of expectations and body paths; and the simulator's pure plan
// (tools/mcfctl/simulate.h) and its applicants and rules (tools/mcfctl/simulate_hiring.h).
#include "tools/mcfctl/scenario.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "schemas/clock.h"
#include "tools/mcfctl/scenario_io.h"
#include "tools/mcfctl/simulate.h"
#include "tools/mcfctl/simulate_hiring.h"

namespace mcf::mcfctl::scenario {
namespace {

Json J(const char* text) { return Json::parse(text); }

std::string ErrorOf(const char* text) {
  auto parsed = ParseScenario(text);
  EXPECT_FALSE(parsed.ok()) << text;
  return parsed.ok() ? "" : parsed.status().message();
}

TEST(ScenarioParseTest, ReadsEveryStepKind) {
  auto parsed = ParseScenario(R"({
    "name": "demo", "description": "d", "start": "2026-01-05T08:00:00Z", "seed": 7,
    "contexts": ["portal", "tasks"],
    "steps": [
      {"http": "POST /v1/orders", "as": "client:murka", "body": {"a": 1},
       "expect": {"status": 201, "body": {"status": "requested"}}, "save": {"order": "id"},
       "note": "order"},
      {"bus": "tasks.get", "as": "admin", "expect": {"status": "ok"}},
      {"advance": "151m"},
      {"advance_to": "2026-01-06T10:00:00Z"},
      {"wait_for": {"http": "GET /v1/orders/${order}", "as": "client:murka",
                    "until": {"body": {"status": "assigned"}}, "timeout": "5s"}}
    ]})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->name, "demo");
  EXPECT_EQ(parsed->seed, 7u);
  EXPECT_EQ(parsed->start_ms, *schemas::clock::ParseIso8601("2026-01-05T08:00:00Z"));
  EXPECT_EQ(parsed->contexts, (std::vector<std::string>{"portal", "tasks"}));
  ASSERT_EQ(parsed->steps.size(), 5u);

  const Step& order = parsed->steps[0];
  EXPECT_EQ(order.kind, Step::Kind::kCall);
  EXPECT_EQ(order.request.method, "POST");
  EXPECT_EQ(order.request.target, "/v1/orders");
  EXPECT_EQ(order.request.as, "client:murka");
  EXPECT_EQ(order.expect["status"], 201);
  ASSERT_EQ(order.save.size(), 1u);
  EXPECT_EQ(order.save[0], (std::pair<std::string, std::string>{"order", "id"}));
  EXPECT_EQ(order.Label(), "step 1 (POST /v1/orders as client:murka)");

  const Step& bus = parsed->steps[1];
  EXPECT_EQ(bus.request.kind, Request::Kind::kBus);
  EXPECT_EQ(bus.request.target, "tasks.get");
  EXPECT_TRUE(bus.request.body.is_object());  // a bus body defaults to {}

  EXPECT_EQ(parsed->steps[2].advance_by_ms, 151 * 60'000);
  EXPECT_EQ(parsed->steps[2].Label(), "step 3 (advance 151m)");
  EXPECT_EQ(parsed->steps[3].Label(), "step 4 (advance to 2026-01-06T10:00:00Z)");
  EXPECT_EQ(parsed->steps[3].advance_to_ms,
            *schemas::clock::ParseIso8601("2026-01-06T10:00:00Z"));
  const Step& wait = parsed->steps[4];
  EXPECT_EQ(wait.kind, Step::Kind::kWaitFor);
  EXPECT_EQ(wait.timeout, Millis(5000));
  EXPECT_EQ(wait.expect["body"]["status"], "assigned");
}

TEST(ScenarioParseTest, DefaultsStartSeedAndContexts) {
  auto parsed = ParseScenario(R"({"name": "n", "steps": [{"advance": "1m"}]})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->start, "2026-01-05T08:00:00Z");
  EXPECT_EQ(parsed->seed, 1u);
  EXPECT_EQ(parsed->contexts, DefaultContexts());
}

TEST(ScenarioParseTest, BadFilesGiveErrorsThatSayWhere) {
  EXPECT_NE(ErrorOf("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(ErrorOf("[]").find("must be a JSON object"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"steps": [{"advance": "1m"}]})").find("\"name\" must be a string"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "n", "steps": []})").find("\"steps\" must be a non-empty array"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "n", "stpes": [], "steps": [{"advance": "1m"}]})")
                .find("unknown key \"stpes\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name": "n", "start": "monday", "steps": [{"advance": "1m"}]})")
                .find("\"start\": not an ISO-8601 time"),
            std::string::npos);
  EXPECT_EQ(ErrorOf(R"({"name": "n", "steps": [{"advance": "1m"}, {"advance": "soon"}]})"),
            "step 2: \"advance\": not a duration (e.g. \"151m\", \"2h\"): \"soon\"");
  EXPECT_EQ(ErrorOf(R"({"name": "n", "steps": [{"http": "FETCH /v1/orders"}]})"),
            "step 1: \"http\" must be \"GET|POST|PUT|PATCH /path\", got \"FETCH /v1/orders\"");
  EXPECT_EQ(ErrorOf(R"({"name": "n", "steps": [{"http": "GET v1/orders"}]})"),
            "step 1: \"http\": the path must start with '/', got \"GET v1/orders\"");
  EXPECT_EQ(ErrorOf(R"({"name": "n", "steps": [{"bus": "tasks"}]})"),
            "step 1: \"bus\" must be a command type \"service.verb\", got \"tasks\"");
  EXPECT_EQ(ErrorOf(R"({"name": "n", "steps": [{"http": "GET /x", "bus": "a.b"}]})"),
            "step 1: give exactly one of \"http\", \"bus\", \"advance\", \"advance_to\", "
            "\"wait_for\" or \"publish\"");
  EXPECT_EQ(ErrorOf(R"({"name": "n", "steps": [{"note": "nothing to do"}]})"),
            "step 1: give exactly one of \"http\", \"bus\", \"advance\", \"advance_to\", "
            "\"wait_for\" or \"publish\"");
  EXPECT_EQ(ErrorOf(R"({"name": "n", "steps": [{"http": "GET /x", "expect": {"status": "ok"}}]})"),
            "step 1: \"expect\".status must be an HTTP status number, e.g. 201");
  EXPECT_EQ(ErrorOf(R"({"name": "n", "steps": [{"bus": "a.b", "expect": {"status": 200}}]})"),
            "step 1: \"expect\".status must be a reply status name, e.g. \"ok\"");
  EXPECT_NE(ErrorOf(R"({"name": "n", "steps": [{"http": "GET /x", "expect": {"stauts": 200}}]})")
                .find("step 1: \"expect\": unknown key \"stauts\""),
            std::string::npos);
  EXPECT_EQ(ErrorOf(R"({"name": "n", "steps": [{"http": "GET /x", "save": {"a": 1}}]})"),
            "step 1: \"save\".a must be a body path, e.g. \"id\"");
  EXPECT_EQ(ErrorOf(R"({"name": "n", "steps": [{"wait_for": {"http": "GET /x"}}]})"),
            "step 1: wait_for: \"until\" is required");
  EXPECT_EQ(ErrorOf(R"({"name": "n", "steps": [{"http": "POST /x", "body": [1]}]})"),
            "step 1: \"body\" must be an object");
  EXPECT_NE(ErrorOf(R"({"name": "n", "steps": [{"advance": "1m", "as": "admin"}]})")
                .find("step 1: unknown key \"as\""),
            std::string::npos);
}

TEST(ScenarioParseTest, PublishStepsNameTheTopicsContextAsProducerAndItDoesNotRun) {
  auto parsed = ParseScenario(R"({
    "name": "n", "contexts": ["portal", "billing"],
    "steps": [
      {"publish": "tasks.task_finalized", "as": "tasks", "times": 3, "body": {"task_id": "t-${i}"}},
      {"publish": "tasks.task_finalized", "as": "tasks", "body": {"task_id": "one"}},
      {"publish": "hiring.worker_hired", "as": "hiring", "body": {"worker_id": "w"}}
    ]})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->steps.size(), 3u);
  const Step& many = parsed->steps[0];
  EXPECT_EQ(many.kind, Step::Kind::kPublish);
  EXPECT_EQ(many.request.kind, Request::Kind::kPublish);
  EXPECT_EQ(many.request.target, "tasks.task_finalized");
  EXPECT_EQ(many.request.as, "tasks");
  EXPECT_EQ(many.times, 3);
  EXPECT_EQ(many.request.body, J(R"({"task_id": "t-${i}"})"));
  EXPECT_EQ(many.Label(), "step 1 (publish tasks.task_finalized as tasks x3)");
  EXPECT_EQ(parsed->steps[1].times, 1);
  EXPECT_EQ(parsed->publishers, (std::vector<std::string>{"tasks", "hiring"}));

  auto error = [](const char* step) {
    return ErrorOf(
        (std::string(R"({"name": "n", "contexts": ["tasks", "billing"], "steps": [)") + step +
         "]}")
            .c_str());
  };
  EXPECT_EQ(error(R"({"publish": "billing", "as": "billing", "body": {}})"),
            "step 1: \"publish\" must be an event topic \"context.event\", got \"billing\"");
  EXPECT_EQ(error(R"({"publish": "hiring.worker_hired", "as": "ops", "body": {}})"),
            "step 1: \"as\" must be the topic's context \"hiring\", got \"ops\"");
  EXPECT_EQ(error(R"({"publish": "hiring.worker_hired", "body": {}})"),
            "step 1: \"as\" must be a string");
  EXPECT_EQ(error(R"({"publish": "hiring.worker_hired", "as": "hiring"})"),
            "step 1: \"body\" must be an object");
  EXPECT_EQ(error(R"({"publish": "hiring.worker_hired", "as": "hiring", "body": {}, "times": 0})"),
            "step 1: \"times\" must be a whole number from 1 to 10000");
  EXPECT_EQ(error(R"({"publish": "hiring.worker_hired", "as": "hiring", "body": {},
                      "times": 10001})"),
            "step 1: \"times\" must be a whole number from 1 to 10000");
  EXPECT_EQ(error(R"({"publish": "tasks.task_finalized", "as": "tasks", "body": {}})"),
            "step 1: \"tasks\" is one of the scenario's contexts; publish only as a context it "
            "does not run");
  EXPECT_NE(error(R"({"publish": "hiring.worker_hired", "as": "hiring", "body": {}, "save": {}})")
                .find("step 1: unknown key \"save\""),
            std::string::npos);
}

TEST(ScenarioParseTest, LoadNamesTheFile) {
  auto missing = LoadScenario("/nonexistent/x.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "/nonexistent/x.json: cannot open");
}

TEST(ScenarioVarsTest, ExpandsReferencesAndKeepsTypesOfWholeReferences) {
  Vars vars;
  vars.Set("order", "order-1");
  vars.Set("n", 42);
  EXPECT_EQ(*vars.ExpandString("/v1/orders/${order}/copy"), "/v1/orders/order-1/copy");
  EXPECT_EQ(*vars.ExpandString("n=${n}"), "n=42");
  auto body = vars.Expand(J(R"({"id": "${order}", "count": "${n}", "list": ["${order}", 1],
                                "${order}": "key stays"})"));
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, J(R"({"id": "order-1", "count": 42, "list": ["order-1", 1],
                         "${order}": "key stays"})"));
}

TEST(ScenarioVarsTest, UnknownAndUnterminatedReferencesAreErrors) {
  Vars vars;
  auto unknown = vars.ExpandString("/v1/orders/${order}");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "${order} is not set (save it in an earlier step)");
  auto nested = vars.Expand(J(R"({"a": ["${missing}"]})"));
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(nested.status().message().find("${missing}"), std::string::npos);
  auto open = vars.ExpandString("/v1/${order");
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.status().message().find("unterminated"), std::string::npos);
}

TEST(ScenarioMatchTest, ObjectsAreSubsetsArraysAreExact) {
  const Json actual = J(R"({"status": "assigned", "worker_id": "w-1", "price": 10000,
                           "timeline": [{"event": "requested", "at": "t0"},
                                        {"event": "assigned", "at": "t1"}]})");
  EXPECT_EQ(Mismatch(J(R"({"status": "assigned"})"), actual, "body"), std::nullopt);
  EXPECT_EQ(Mismatch(J(R"({"timeline": [{"event": "requested"}, {"event": "assigned"}]})"),
                     actual, "body"),
            std::nullopt);
  EXPECT_EQ(Mismatch(J(R"({"price": 10000.0})"), actual, "body"), std::nullopt);

  EXPECT_EQ(Mismatch(J(R"({"status": "requested"})"), actual, "body"),
            "body.status: expected \"requested\", got \"assigned\"");
  EXPECT_EQ(Mismatch(J(R"({"reason": "no_show"})"), actual, "body"),
            "body.reason: expected \"no_show\", missing");
  EXPECT_EQ(Mismatch(J(R"({"timeline": [{"event": "requested"}, {"event": "canceled"}]})"),
                     actual, "body"),
            "body.timeline[1].event: expected \"canceled\", got \"assigned\"");
  auto length = Mismatch(J(R"({"timeline": [{"event": "requested"}]})"), actual, "body");
  ASSERT_TRUE(length.has_value());
  EXPECT_EQ(length->rfind("body.timeline: expected 1 items, got 2", 0), 0u) << *length;
  EXPECT_EQ(Mismatch(J("201"), J("409"), "status"), "status: expected 201, got 409");
  EXPECT_EQ(Mismatch(J(R"({"a": 1})"), J("null"), "body"), "body: expected {\"a\":1}, got null");
}

TEST(ScenarioLookupTest, FollowsDottedPathsIntoObjectsAndArrays) {
  const Json body = J(R"({"id": "o-1", "orders": [{"id": "s-1"}, {"id": "s-2"}]})");
  EXPECT_EQ(*Lookup(body, "id"), "o-1");
  EXPECT_EQ(*Lookup(body, "orders.1.id"), "s-2");
  auto missing = Lookup(body, "orders.2.id");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "body.orders.2 is missing (an array of 2)");
  EXPECT_EQ(Lookup(body, "token").status().message(), "body.token is missing");
}

TEST(ScenarioIoTest, ParsesGatewayAddresses) {
  using HostPort = std::pair<std::string, int>;
  EXPECT_EQ(ParseHostPort("127.0.0.1:8080"), HostPort("127.0.0.1", 8080));
  EXPECT_EQ(ParseHostPort("http://localhost:9000/"), HostPort("localhost", 9000));
  EXPECT_EQ(ParseHostPort("127.0.0.1"), std::nullopt);
  EXPECT_EQ(ParseHostPort("127.0.0.1:http"), std::nullopt);
  EXPECT_EQ(ParseHostPort("127.0.0.1:99999"), std::nullopt);
  EXPECT_EQ(ParseHostPort(":8080"), std::nullopt);
}

TEST(SimulatePlanTest, SameSeedSamePlanWithinTheDay) {
  const int64_t day = *schemas::clock::ParseIso8601("2026-01-05T00:00:00Z");
  const int64_t now = day + 8 * kHourMs;
  std::mt19937_64 a(1), b(1), c(2);
  auto plan_a = PlanDay(a, day, now, 20, 10);
  auto plan_b = PlanDay(b, day, now, 20, 10);
  auto plan_c = PlanDay(c, day, now, 20, 10);
  ASSERT_EQ(plan_a.size(), 20u);
  bool same_as_b = true, same_as_c = true;
  for (size_t i = 0; i < plan_a.size(); ++i) {
    const PlannedOrder& p = plan_a[i];
    same_as_b = same_as_b && p.place_at_ms == plan_b[i].place_at_ms &&
                p.desired_at_ms == plan_b[i].desired_at_ms && p.client == plan_b[i].client;
    same_as_c = same_as_c && p.place_at_ms == plan_c[i].place_at_ms &&
                p.desired_at_ms == plan_c[i].desired_at_ms && p.client == plan_c[i].client;
    EXPECT_GE(p.place_at_ms, now + kMinuteMs);
    EXPECT_LT(p.place_at_ms, day + 15 * kHourMs);
    EXPECT_GT(p.desired_at_ms, p.place_at_ms);
    EXPECT_LE(p.desired_at_ms, p.place_at_ms + 3 * kHourMs);
    EXPECT_EQ(p.desired_at_ms % kHourMs, 0);
    EXPECT_GE(p.client, 0);
    EXPECT_LT(p.client, 10);
    if (i > 0) {
      EXPECT_LE(plan_a[i - 1].place_at_ms, p.place_at_ms);
    }
  }
  EXPECT_TRUE(same_as_b);
  EXPECT_FALSE(same_as_c);
}

TEST(SimulatePlanTest, OutcomesAreMostlyCompletionsWithSomeFailuresAndNoShows) {
  std::mt19937_64 rng(1);
  int complete = 0, fail = 0, no_show = 0;
  for (int i = 0; i < 10000; ++i) {
    switch (DrawOutcome(rng)) {
      case AppointmentOutcome::kComplete: ++complete; break;
      case AppointmentOutcome::kFail: ++fail; break;
      case AppointmentOutcome::kNoShow: ++no_show; break;
    }
  }
  EXPECT_NEAR(complete, 9000, 300);
  EXPECT_NEAR(fail, 500, 150);
  EXPECT_NEAR(no_show, 500, 150);
}

TEST(SimulateHiringTest, ApplicationsSpreadOverTheDayWithAFewDuplicatesAndJunkOfEachKind) {
  const int64_t day = *schemas::clock::ParseIso8601("2026-01-05T00:00:00Z");
  const int64_t now = day + 8 * kHourMs;
  std::mt19937_64 a(1), b(1);
  auto plan = PlanApplications(a, day, now, 1000);
  auto again = PlanApplications(b, day, now, 1000);
  ASSERT_EQ(plan.size(), 1000u);
  std::map<ApplicationKind, int> kinds;
  int evening = 0;
  for (size_t i = 0; i < plan.size(); ++i) {
    EXPECT_GE(plan[i].at_ms, now + kMinuteMs);
    EXPECT_LT(plan[i].at_ms, day + kDayMs);
    if (i > 0) EXPECT_LE(plan[i - 1].at_ms, plan[i].at_ms);
    EXPECT_EQ(plan[i].at_ms, again[i].at_ms);
    EXPECT_EQ(plan[i].kind, again[i].kind);
    kinds[plan[i].kind]++;
    if (plan[i].at_ms >= day + 17 * kHourMs) ++evening;
  }
  EXPECT_EQ(kinds[ApplicationKind::kDuplicate], 25);  // 1000 / 40
  for (auto junk : {ApplicationKind::kJunkField, ApplicationKind::kJunkEmoji,
                    ApplicationKind::kJunkLongName, ApplicationKind::kJunkHugePhoto})
    EXPECT_EQ(kinds[junk], 10);  // 1000 / 25, the four kinds in turn
  EXPECT_EQ(kinds[ApplicationKind::kValid], 1000 - 25 - 40);
  EXPECT_NEAR(evening, 1000 * 7 / 16, 60);  // 17:00..24:00 of 08:01..24:00

  std::mt19937_64 small(1);
  for (const auto& p : PlanApplications(small, day, now, 9))
    EXPECT_EQ(p.kind, ApplicationKind::kValid);
}

TEST(SimulateHiringTest, FormsAreValidApartFromTheirDefectAndTheSameSeedGivesTheSameForm) {
  std::mt19937_64 a(3), b(3);
  const Json valid = ApplicationForm(a, ApplicationKind::kValid, 7, "t");
  EXPECT_EQ(valid, ApplicationForm(b, ApplicationKind::kValid, 7, "t"));
  EXPECT_TRUE(valid["name"].is_string());
  EXPECT_TRUE(valid["age"].is_number_integer());
  EXPECT_NE(valid["contact"].get<std::string>().find("cat-t-7@"), std::string::npos);
  const std::string photo = valid["photo"];
  EXPECT_GE(photo.size(), 24u);  // 16..63 bytes
  EXPECT_EQ(photo.size() % 4, 0u);

  auto defect = [](ApplicationKind kind) {
    std::mt19937_64 rng(3);
    return ApplicationForm(rng, kind, 7, "t");
  };
  EXPECT_EQ(defect(ApplicationKind::kDuplicate), valid);
  EXPECT_TRUE(defect(ApplicationKind::kJunkField)["age"].is_string());
  EXPECT_NE(defect(ApplicationKind::kJunkEmoji)["name"].get<std::string>().find("\xF0\x9F"),
            std::string::npos);
  EXPECT_EQ(defect(ApplicationKind::kJunkLongName)["name"].get<std::string>().size(), 101u);
  // Decoded, more than the gateway's 5 MiB photo limit.
  EXPECT_GT(defect(ApplicationKind::kJunkHugePhoto)["photo"].get<std::string>().size() / 4 * 3,
            size_t{5} << 20);
}

TEST(SimulateHiringTest, Base64AndTheRulesBodies) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("h"), "aA==");
  EXPECT_EQ(Base64("he"), "aGU=");
  EXPECT_EQ(Base64("hello"), "aGVsbG8=");
  EXPECT_EQ(Base64(std::string("\xff\x00\xfe", 3)), "/wD+");
  EXPECT_EQ(RuleTests(InitialRules()), (std::vector<std::string>{"mice", "jars"}));
  EXPECT_EQ(RuleTests(ChangedRules()), RuleTests(InitialRules()));
  EXPECT_EQ(InitialRules()["rules"]["absolute_score"], 120);
  EXPECT_GT(ChangedRules()["rules"]["absolute_score"], 120);
  std::mt19937_64 rng(5);
  for (int i = 0; i < 1000; ++i) {
    const int64_t score = DrawScore(rng);
    EXPECT_GE(score, 20);
    EXPECT_LE(score, 100);
  }
}

}  // namespace
}  // namespace mcf::mcfctl::scenario
