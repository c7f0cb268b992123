// The business routes as pure functions: (principal, request) -> bus command or problem.
#include "gateway/business_routes.h"

#include <gtest/gtest.h>

#include <set>

#include "gateway/base64.h"
#include "schemas/body.h"
#include "schemas/msgpack.h"

namespace mcf::gateway {
namespace {

const std::vector<std::string> kAllRoles = {"client", "worker", "manager", "supplies", "admin"};

ProblemOr<BusCommand> Build(const RouteSpec& spec, const Principal& principal,
                            const HttpRequest& request, size_t max_photo = kMaxPhotoBytes) {
  const BusinessRoute* route = FindBusinessRoute(spec);
  EXPECT_NE(route, nullptr) << spec.method << " " << spec.path;
  if (route == nullptr) return MakeProblem(500, "no route");
  return route->build(RouteInput{principal, request, "f00d", max_photo});
}

HttpRequest WithBody(Json body, std::map<std::string, std::string> path = {},
                     std::map<std::string, std::string> query = {}) {
  HttpRequest r;
  r.body = std::move(body);
  r.path_params = std::move(path);
  r.query = std::move(query);
  return r;
}

// The problem a build gave (failing the test when it built a command).
Problem ProblemOf(const ProblemOr<BusCommand>& r) {
  EXPECT_FALSE(r.ok());
  return r.ok() ? Problem{} : r.problem();
}

TEST(BusinessRoutesTest, EveryBusinessRouteIsInTheRouteList) {
  // All but healthz, metrics, openapi, me, stream and the console's four (page, files, sign-in/out).
  EXPECT_EQ(BusinessRoutes().size(), kRoutes.size() - 9);
  for (const BusinessRoute& route : BusinessRoutes()) {
    EXPECT_NE(std::find(kRoutes.begin(), kRoutes.end(), route.spec), kRoutes.end());
    EXPECT_NE(route.build, nullptr);
  }
}

TEST(BusinessRoutesTest, RoleChecksFollowTheContractAndAdminPassesStaffChecks) {
  const std::vector<std::pair<RouteSpec, std::set<std::string>>> kAllowed = {
      {kStaff, {"admin"}},
      {kWorkers, {"admin"}},
      {kListServiceTypes, {"client", "worker", "manager", "supplies", "admin"}},
      {kCreateServiceType, {"manager", "admin"}},
      {kUpdateServiceType, {"manager", "admin"}},
      {kCreateOrder, {"client"}},
      {kListOrders, {"client", "manager", "admin"}},
      {kGetOrder, {"client", "manager", "admin"}},
      {kCopyOrder, {"client"}},
      {kListJobs, {"worker"}},
      {kCheckIn, {"worker"}},
      {kComplete, {"worker"}},
      {kFail, {"worker"}},
      {kListSupplyOrders, {"supplies", "manager", "admin"}},
      {kGetSupplyOrder, {"supplies", "manager", "admin"}},
      {kIssueSupplyOrder, {"supplies", "admin"}},
      {kListApplications, {"manager", "admin"}},
      {kGetApplication, {"manager", "admin"}},
      {kAssignTests, {"manager", "admin"}},
      {kRecordResult, {"manager", "admin"}},
      {kProposeDecision, {"manager", "admin"}},
      {kDecide, {"manager", "admin"}},
      {kGetScreeningRules, {"manager", "admin"}},
      {kPublishScreeningRules, {"manager", "admin"}},
      {kActivateScreeningRules, {"manager", "admin"}},
      {kDryRunScreeningRules, {"manager", "admin"}},
      {kReviewQueue, {"manager", "admin"}},
      {kRandomReview, {"manager", "admin"}},
      {kSubmitReview, {"manager", "admin"}},
      {kListReviews, {"manager", "admin"}},
      {kPlaceBet, {"manager"}},
      {kMyBets, {"manager"}},
      {kGetPot, {"manager", "admin"}},
      {kStatement, {"client", "worker", "manager", "admin"}},
      {kListInvoices, {"client", "worker", "manager", "admin"}},
      {kCreditWorker, {"manager", "admin"}},
  };
  // + the public routes: POST /v1/session, POST /v1/applications, GET .../status.
  EXPECT_EQ(kAllowed.size() + 3, BusinessRoutes().size());
  for (const auto& [spec, allowed] : kAllowed) {
    for (const std::string& role : kAllRoles) {
      // An empty body: allowed roles get past the role check (then maybe 400), others get 403.
      auto r = Build(spec, {role, role + "-1"}, WithBody(Json::object(), {{"id", "x-1"}}));
      const int status = r.ok() ? 200 : r.problem().status;
      if (allowed.count(role)) {
        EXPECT_NE(status, 403) << role << " " << spec.method << " " << spec.path;
      } else {
        EXPECT_EQ(status, 403) << role << " " << spec.method << " " << spec.path;
      }
    }
  }
}

TEST(BusinessRoutesTest, SessionSendsTheMintedTokenAndScopesTheKeyByEmployee) {
  auto r = Build(kSession, {"anonymous", ""},
                 WithBody({{"employee_id", "E-42"}, {"name", "Tom"}, {"extra", "ignored"}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().type, "portal.sign_in");
  EXPECT_TRUE(r.value().created);
  EXPECT_EQ(r.value().body, (Json{{"employee_id", "E-42"}, {"name", "Tom"}, {"token", "f00d"}}));
  EXPECT_EQ(r.value().idempotency_scope, "employee:E-42");
  EXPECT_TRUE(FindBusinessRoute(kSession)->is_public);
}

TEST(BusinessRoutesTest, SessionValidatesFieldsNamingThem) {
  EXPECT_EQ(ProblemOf(Build(kSession, {}, WithBody({{"name", "Tom"}}))).field, "body.employee_id");
  EXPECT_EQ(ProblemOf(Build(kSession, {}, WithBody({{"employee_id", ""}, {"name", "Tom"}}))).field,
            "body.employee_id");
  EXPECT_EQ(ProblemOf(Build(kSession, {},
                            WithBody({{"employee_id", std::string(65, 'e')}, {"name", "Tom"}})))
                .field,
            "body.employee_id");
  auto long_name = ProblemOf(
      Build(kSession, {}, WithBody({{"employee_id", "E"}, {"name", std::string(101, 'n')}})));
  EXPECT_EQ(long_name.status, 400);
  EXPECT_EQ(long_name.field, "body.name");
  EXPECT_EQ(ProblemOf(Build(kSession, {}, WithBody({{"employee_id", 7}, {"name", "Tom"}}))).field,
            "body.employee_id");
  EXPECT_EQ(ProblemOf(Build(kSession, {}, HttpRequest{})).field, "body.employee_id");
}

TEST(BusinessRoutesTest, StaffNeedsAKnownRole) {
  Principal admin{"admin", "bootstrap"};
  auto ok = Build(kStaff, admin, WithBody({{"role", "supplies"}, {"name", "Sue"}}));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value().body, (Json{{"role", "supplies"}, {"name", "Sue"}, {"token", "f00d"}}));
  EXPECT_EQ(ProblemOf(Build(kStaff, admin, WithBody({{"role", "client"}, {"name", "x"}}))).field,
            "body.role");
}

TEST(BusinessRoutesTest, WorkersBuildsTheProfileExplicitly) {
  Principal admin{"admin", "bootstrap"};
  Json profile = {{"name", "Murka"},         {"age", 3},
                  {"breed", "Siberian"},     {"coat_colour", "grey"},
                  {"strengths", {"poking"}}, {"weaknesses", Json::array()},
                  {"worker_id", "forged"}};
  auto ok = Build(kWorkers, admin, WithBody(profile));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value().type, "hiring.import_worker");
  EXPECT_FALSE(ok.value().body.contains("worker_id"));
  EXPECT_EQ(ok.value().body["age"], 3);
  profile["age"] = 41;
  EXPECT_EQ(ProblemOf(Build(kWorkers, admin, WithBody(profile))).field, "body.age");
  profile["age"] = 3;
  profile["strengths"] = {"ok", ""};
  EXPECT_EQ(ProblemOf(Build(kWorkers, admin, WithBody(profile))).field, "body.strengths[1]");
  auto grant = GrantWorkerTokenCommand("worker-7", "tok");
  EXPECT_EQ(grant.type, "portal.grant_worker_token");
  EXPECT_EQ(grant.body, (Json{{"worker_id", "worker-7"}, {"token", "tok"}, {"just_hired", true}}));
}

TEST(BusinessRoutesTest, ServiceTypesValidateAndTakeTheIdFromThePath) {
  Principal manager{"manager", "manager-1"};
  auto created = Build(kCreateServiceType, manager,
                       WithBody({{"name", "Naps"}, {"description", ""}, {"active", false}}));
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created.value().body, (Json{{"name", "Naps"}, {"description", ""}, {"active", false}}));
  EXPECT_EQ(ProblemOf(Build(kCreateServiceType, manager,
                            WithBody({{"name", "Naps"}, {"description", std::string(2001, 'd')}})))
                .field,
            "body.description");
  auto updated =
      Build(kUpdateServiceType, manager, WithBody({{"active", true}}, {{"id", "service-2"}}));
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated.value().body, (Json{{"id", "service-2"}, {"active", true}}));
  EXPECT_EQ(ProblemOf(Build(kUpdateServiceType, manager,
                            WithBody({{"active", "yes"}}, {{"id", "service-2"}})))
                .field,
            "body.active");
  EXPECT_EQ(ProblemOf(Build(kUpdateServiceType, manager,
                            WithBody(Json::object(), {{"id", std::string(129, 'i')}})))
                .field,
            "path.id");
  auto list = Build(kListServiceTypes, {"client", "c"},
                    WithBody(Json::object(), {}, {{"include_inactive", "true"}}));
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list.value().body, (Json{{"include_inactive", true}}));
  EXPECT_EQ(ProblemOf(Build(kListServiceTypes, {"client", "c"},
                            WithBody(Json::object(), {}, {{"include_inactive", "1"}})))
                .field,
            "query.include_inactive");
}

TEST(BusinessRoutesTest, OrdersConvertDesiredAtToStartsAtMillis) {
  Principal client{"client", "client-1"};
  auto r = Build(kCreateOrder, client,
                 WithBody({{"service_type_id", "chores"},
                           {"description", "jars"},
                           {"desired_at", "2026-01-05T10:30:00Z"},
                           {"client_id", "someone-else"}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().type, "portal.request_help");
  EXPECT_TRUE(r.value().created);
  EXPECT_EQ(r.value().body, (Json{{"service_type_id", "chores"},
                                  {"description", "jars"},
                                  {"starts_at", int64_t{1767609000000}}}));
  Json bad = {{"service_type_id", "chores"}, {"description", "jars"}, {"desired_at", "tomorrow"}};
  EXPECT_EQ(ProblemOf(Build(kCreateOrder, client, WithBody(bad))).field, "body.desired_at");
  bad["desired_at"] = "2026-01-05T10:30:00Z";
  bad["description"] = std::string(4001, 'd');
  EXPECT_EQ(ProblemOf(Build(kCreateOrder, client, WithBody(bad))).field, "body.description");
  bad["description"] = "jars";
  bad["duration_minutes"] = 90;
  auto with_duration = Build(kCreateOrder, client, WithBody(bad));
  ASSERT_TRUE(with_duration.ok());
  EXPECT_EQ(with_duration.value().body["duration_ms"], 5400000);
  bad["duration_minutes"] = 5;
  EXPECT_EQ(ProblemOf(Build(kCreateOrder, client, WithBody(bad))).field, "body.duration_minutes");

  auto copy = Build(kCopyOrder, client,
                    WithBody({{"desired_at", "2026-01-06T08:00:00Z"}}, {{"id", "order-3"}}));
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(copy.value().type, "tasks.copy");
  EXPECT_EQ(copy.value().body,
            (Json{{"task_id", "order-3"}, {"starts_at", int64_t{1767686400000}}}));
}

// desired_at: an RFC 3339 date-time on the calendar, 2000-01-01T00:00:00Z..9999-12-31T23:59:59Z,
// the derived ends_at included; every refusal names body.desired_at and says what is wrong.
TEST(BusinessRoutesTest, DesiredAtIsAStrictDateTimeInRange) {
  const Principal client{"client", "client-1"};
  struct Case {
    const char* desired_at;
    std::optional<int> duration_minutes;
    const char* problem;  // a part of the detail; nullptr = accepted
  };
  const Case cases[] = {
      {"2028-02-29T10:00:00Z", std::nullopt, nullptr},
      {"2026-01-05T11:30:00+01:00", std::nullopt, nullptr},
      {"2026-01-05t10:30:00.5z", std::nullopt, nullptr},
      {"2027-02-29T10:00:00Z", std::nullopt, "not a valid date-time on the calendar"},
      {"2026-02-30T10:00:00Z", std::nullopt, "not a valid date-time on the calendar"},
      {"2026-12-31T23:59:60Z", std::nullopt, "leap seconds"},
      {"2026-01-05T24:00:00Z", std::nullopt, "hour 24"},
      {"2026-01-05T10:30Z", std::nullopt, "not an RFC 3339 date-time"},
      {"2026-01-05 10:30:00Z", std::nullopt, "not an RFC 3339 date-time"},
      {"2026-01-05T10:30:00", std::nullopt, "not an RFC 3339 date-time"},
      {"1999-12-31T23:59:59Z", std::nullopt, "out of range"},
      {"2000-01-01T00:30:00+01:00", std::nullopt, "out of range"},  // 1999-12-31T23:30Z
      {"2000-01-01T00:00:00Z", std::nullopt, nullptr},
      {"9999-12-31T22:59:59Z", std::nullopt, nullptr},  // ends 23:59:59 (60 minutes)
      {"9999-12-31T23:00:00Z", std::nullopt, "too late"},
      {"9999-12-31T23:59:59Z", std::nullopt, "too late"},  // ends_at was in year 10000
      {"9999-12-31T23:44:59Z", 15, nullptr},
      {"9999-12-31T23:45:00Z", 15, "too late"},
      {"9999-12-31T23:30:00-01:00", std::nullopt, "out of range"},
  };
  for (const Case& c : cases) {
    Json body = {
        {"service_type_id", "chores"}, {"description", "jars"}, {"desired_at", c.desired_at}};
    if (c.duration_minutes) body["duration_minutes"] = *c.duration_minutes;
    auto r = Build(kCreateOrder, client, WithBody(body));
    if (c.problem == nullptr) {
      EXPECT_TRUE(r.ok()) << c.desired_at << ": " << (r.ok() ? "" : r.problem().detail);
      continue;
    }
    ASSERT_FALSE(r.ok()) << c.desired_at;
    EXPECT_EQ(r.problem().status, 400);
    EXPECT_EQ(r.problem().field, "body.desired_at") << c.desired_at;
    EXPECT_NE(r.problem().detail.find(c.problem), std::string::npos)
        << c.desired_at << ": " << r.problem().detail;
    EXPECT_EQ(r.problem().detail.rfind("body.desired_at: ", 0), 0u) << r.problem().detail;
  }
  // A copy keeps the original's duration (up to 12 h), which the gateway does not know.
  auto late_copy = Build(kCopyOrder, client,
                         WithBody({{"desired_at", "9999-12-31T12:00:00Z"}}, {{"id", "order-3"}}));
  EXPECT_EQ(ProblemOf(late_copy).field, "body.desired_at");
  EXPECT_TRUE(Build(kCopyOrder, client,
                    WithBody({{"desired_at", "9999-12-31T11:59:59Z"}}, {{"id", "order-3"}}))
                  .ok());
}

// A context answers in its own field names; the problem names what the caller sent.
TEST(BusinessRoutesTest, BusFieldNamesAreMappedBackToTheRequestsFields) {
  const Principal client{"client", "client-1"};
  auto order = Build(kCreateOrder, client,
                     WithBody({{"service_type_id", "chores"},
                               {"description", "jars"},
                               {"desired_at", "2026-01-05T10:30:00Z"}}));
  ASSERT_TRUE(order.ok());
  Json problem = {{"status", 400},
                  {"detail", "body.starts_at: must not be in the past"},
                  {"field", "body.starts_at"}};
  RenameField(order.value().field_names, problem);
  EXPECT_EQ(problem["field"], "body.desired_at");
  EXPECT_EQ(problem["detail"], "body.desired_at: must not be in the past");
  auto copy = Build(kCopyOrder, client,
                    WithBody({{"desired_at", "2026-01-06T08:00:00Z"}}, {{"id", "order-3"}}));
  ASSERT_TRUE(copy.ok());
  Json copy_problem = {{"detail", "body.starts_at: must not be in the past"},
                       {"field", "body.starts_at"}};
  RenameField(copy.value().field_names, copy_problem);
  EXPECT_EQ(copy_problem["field"], "body.desired_at");
  Json task_problem = {{"detail", "body.task_id: unknown"}, {"field", "body.task_id"}};
  RenameField(copy.value().field_names, task_problem);
  EXPECT_EQ(task_problem["field"], "path.id");
  // Other fields, and problems without one, are left alone.
  Json other = {{"detail", "body.service_type_id: no active service type"},
                {"field", "body.service_type_id"}};
  RenameField(order.value().field_names, other);
  EXPECT_EQ(other["field"], "body.service_type_id");
  Json none = {{"detail", "conflict"}};
  RenameField(order.value().field_names, none);
  EXPECT_FALSE(none.contains("field"));
  // A not_found naming the path's id in its detail only: the path gets named.
  auto credit = Build(kCreditWorker, {"manager", "m1"},
                      WithBody({{"amount_minor", 500}, {"reason", "late"}}, {{"id", "nobody"}}));
  ASSERT_TRUE(credit.ok());
  Json unknown = {{"status", 404}, {"detail", "body.worker_id: no worker \"nobody\""}};
  RenameField(credit.value().field_names, unknown);
  EXPECT_EQ(unknown["field"], "path.id");
  EXPECT_EQ(unknown["detail"], "path.id: no worker \"nobody\"");
}

TEST(BusinessRoutesTest, TextFieldsRefuseControlCharactersAndNulls) {
  const Principal manager{"manager", "m-1"};
  auto nul_name = Build(kCreateServiceType, manager,
                        WithBody({{"name", std::string("Na\0ps", 5)}, {"description", "zz"}}));
  EXPECT_EQ(ProblemOf(nul_name).field, "body.name");
  auto newline_name =
      Build(kCreateServiceType, manager, WithBody({{"name", "Na\nps"}, {"description", "zz"}}));
  EXPECT_EQ(ProblemOf(newline_name).field, "body.name");
  // Descriptions are free text: line breaks and tabs are fine, other controls are not.
  EXPECT_TRUE(Build(kCreateServiceType, manager,
                    WithBody({{"name", "Naps"}, {"description", "line one\r\nline\ttwo"}}))
                  .ok());
  auto bell = Build(kCreateServiceType, manager,
                    WithBody({{"name", "Naps"}, {"description", "ring \x07"}}));
  EXPECT_EQ(ProblemOf(bell).field, "body.description");
  auto null_patch =
      Build(kUpdateServiceType, manager, WithBody({{"name", nullptr}}, {{"id", "chores"}}));
  EXPECT_EQ(ProblemOf(null_patch).field, "body.name");
  auto null_active =
      Build(kUpdateServiceType, manager, WithBody({{"active", nullptr}}, {{"id", "chores"}}));
  EXPECT_EQ(ProblemOf(null_active).field, "body.active");
  auto nul_id = Build(kGetOrder, {"client", "c-1"},
                      WithBody(Json::object(), {{"id", std::string("o\0x", 3)}}));
  EXPECT_EQ(ProblemOf(nul_id).field, "path.id");
  auto c1_reason =
      Build(kFail, {"worker", "w-1"}, WithBody({{"reason", "rain \xc2\x85"}}, {{"id", "t-1"}}));
  EXPECT_EQ(ProblemOf(c1_reason).field, "body.reason");
  EXPECT_TRUE(
      Build(kFail, {"worker", "w-1"}, WithBody({{"reason", "rain,\nthen hail"}}, {{"id", "t-1"}}))
          .ok());
  auto key = CheckIdempotencyKey(std::string("k\x01", 2));
  ASSERT_TRUE(key);
  EXPECT_EQ(key->field, "header.Idempotency-Key");
}

TEST(BusinessRoutesTest, ListOrdersValidatesPagingAndForcesTheClient) {
  Principal client{"client", "client-1"};
  auto own = Build(kListOrders, client,
                   WithBody(Json::object(), {}, {{"limit", "10"}, {"client_id", "client-2"}}));
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own.value().body, (Json{{"limit", 10}, {"client_id", "client-1"}}));
  auto all = Build(kListOrders, {"manager", "m"}, WithBody(Json::object(), {}, {{"after", "o-9"}}));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all.value().body, (Json{{"after", "o-9"}}));
  for (std::string bad : {"0", "101", "ten", "", "-1", "1e2"}) {
    auto p = ProblemOf(Build(kListOrders, client, WithBody(Json::object(), {}, {{"limit", bad}})));
    EXPECT_EQ(p.status, 400) << bad;
    EXPECT_EQ(p.field, "query.limit") << bad;
  }
  auto one = Build(kGetOrder, client, WithBody(Json::object(), {{"id", "order-1"}}));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one.value().body, (Json{{"order_id", "order-1"}}));
}

TEST(BusinessRoutesTest, JobsUseThePrincipalAsWorkerAndRenameTasks) {
  Principal worker{"worker", "worker-5"};
  auto r = Build(kListJobs, worker, WithBody(Json::object(), {}, {{"state", "completed"}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().body, (Json{{"worker_id", "worker-5"}, {"state", "completed"}}));
  auto def = Build(kListJobs, worker, HttpRequest{});
  ASSERT_TRUE(def.ok());
  EXPECT_EQ(def.value().body["state"], "active");
  EXPECT_EQ(
      ProblemOf(Build(kListJobs, worker, WithBody(Json::object(), {}, {{"state", "all"}}))).field,
      "query.state");
  Json reply = {{"tasks", {{{"id", "t-1"}, {"starts_at", 1767600000000}}}}, {"next_after", "t-1"}};
  Json shaped = ShapeReply(FindBusinessRoute(kListJobs)->shape, reply);
  EXPECT_FALSE(shaped.contains("tasks"));
  EXPECT_EQ(shaped["jobs"][0]["starts_at"], "2026-01-05T08:00:00Z");
  EXPECT_EQ(shaped["next_after"], "t-1");
}

TEST(BusinessRoutesTest, PhotosAreDecodedToBinaryAndCapped) {
  Principal worker{"worker", "worker-5"};
  const std::vector<uint8_t> jpeg = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10};
  auto r = Build(kCheckIn, worker, WithBody({{"photo", EncodeBase64(jpeg)}}, {{"id", "t-1"}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().type, "tasks.check_in");
  EXPECT_EQ(r.value().body["task_id"], "t-1");
  ASSERT_TRUE(r.value().body["photo"].is_binary());
  // On the bus the photo is a MessagePack bin the tasks context can read as bytes.
  const std::string encoded = JsonToMsgpack(r.value().body);  // Body views point into it
  auto parsed = schemas::Body::Parse(encoded);
  ASSERT_TRUE(parsed.ok());
  auto raw = parsed->Raw("photo");
  ASSERT_TRUE(raw.ok());
  schemas::MsgpackReader reader(*raw);
  ASSERT_EQ(reader.Peek(), schemas::MsgType::kBinary);
  auto photo = reader.ReadBinary();
  ASSERT_TRUE(photo);
  EXPECT_EQ(std::string(*photo), std::string(jpeg.begin(), jpeg.end()));

  auto not_b64 = ProblemOf(Build(kComplete, worker, WithBody({{"photo", "***"}}, {{"id", "t-1"}})));
  EXPECT_EQ(not_b64.status, 400);
  EXPECT_EQ(not_b64.field, "body.photo");
  EXPECT_EQ(ProblemOf(Build(kComplete, worker, WithBody({{"photo", ""}}, {{"id", "t-1"}}))).field,
            "body.photo");
  EXPECT_EQ(ProblemOf(Build(kComplete, worker, WithBody(Json::object(), {{"id", "t-1"}}))).field,
            "body.photo");
  auto big = ProblemOf(
      Build(kComplete, worker,
            WithBody({{"photo", EncodeBase64(std::vector<uint8_t>(7, 1))}}, {{"id", "t-1"}}),
            /*max_photo=*/6));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.field, "body.photo");
  EXPECT_TRUE(kCheckIn.large_body && kComplete.large_body && !kFail.large_body);
}

TEST(BusinessRoutesTest, FailAndSuppliesBuildTheirBodies) {
  auto fail = Build(kFail, {"worker", "w"}, WithBody({{"reason", "rain"}}, {{"id", "t-2"}}));
  ASSERT_TRUE(fail.ok());
  EXPECT_EQ(fail.value().body, (Json{{"task_id", "t-2"}, {"reason", "rain"}}));
  EXPECT_EQ(ProblemOf(Build(kFail, {"worker", "w"},
                            WithBody({{"reason", std::string(1001, 'r')}}, {{"id", "t-2"}})))
                .field,
            "body.reason");
  auto board = Build(kListSupplyOrders, {"supplies", "s"},
                     WithBody(Json::object(), {}, {{"status", "waiting"}}));
  ASSERT_TRUE(board.ok());
  EXPECT_EQ(board.value().body, (Json{{"status", "waiting"}}));
  EXPECT_EQ(ProblemOf(Build(kListSupplyOrders, {"supplies", "s"},
                            WithBody(Json::object(), {}, {{"status", "lost"}})))
                .field,
            "query.status");
  auto page = Build(kListSupplyOrders, {"supplies", "s"},
                    WithBody(Json::object(), {},
                             {{"status", "canceled"},
                              {"needs_attention", "true"},
                              {"limit", "20"},
                              {"before", "1767600000000/supply-1"},
                              {"task_id", "t-1"}}));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page.value().body, (Json{{"status", "canceled"},
                                     {"needs_attention", true},
                                     {"limit", 20},
                                     {"before", "1767600000000/supply-1"},
                                     {"task_id", "t-1"}}));
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"needs_attention", "yes"}, {"limit", "0"}, {"limit", "101"}, {"before", ""},
           {"task_id", std::string(200, 't')}}) {
    EXPECT_EQ(ProblemOf(Build(kListSupplyOrders, {"supplies", "s"},
                              WithBody(Json::object(), {}, {{key, value}})))
                  .field,
              "query." + key)
        << key << "=" << value;
  }
  auto one = Build(kGetSupplyOrder, {"manager", "m"}, WithBody(Json::object(), {{"id", "so-1"}}));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one.value().type, "supplies.get");
  EXPECT_EQ(one.value().body, (Json{{"supply_order_id", "so-1"}}));
  auto issue =
      Build(kIssueSupplyOrder, {"supplies", "s"}, WithBody(Json::object(), {{"id", "so-1"}}));
  ASSERT_TRUE(issue.ok());
  EXPECT_EQ(issue.value().body, (Json{{"supply_order_id", "so-1"}}));
}

TEST(BusinessRoutesTest, IdempotentCommandIdsDependOnEveryPart) {
  const std::string id = DeriveCommandId("client:c1", "POST", "/v1/orders", "k1");
  EXPECT_EQ(id, DeriveCommandId("client:c1", "POST", "/v1/orders", "k1"));
  EXPECT_EQ(id.rfind("idem-", 0), 0u);
  std::set<std::string> ids = {id,
                               DeriveCommandId("client:c2", "POST", "/v1/orders", "k1"),
                               DeriveCommandId("client:c1", "POST", "/v1/orders", "k2"),
                               DeriveCommandId("client:c1", "POST", "/v1/orders/x/copy", "k1"),
                               DeriveCommandId("client:c1", "PATCH", "/v1/orders", "k1"),
                               DeriveCommandId("client:c", "1POST", "/v1/orders", "k1")};
  EXPECT_EQ(ids.size(), 6u);
  EXPECT_NE(FollowUpCommandId(id, "grant"), id);
  EXPECT_EQ(FollowUpCommandId(id, "grant"), FollowUpCommandId(id, "grant"));
  EXPECT_EQ(CheckIdempotencyKey(std::nullopt), std::nullopt);
  EXPECT_EQ(CheckIdempotencyKey(std::string(100, 'k')), std::nullopt);
  EXPECT_EQ(CheckIdempotencyKey(std::string(101, 'k'))->field, "header.Idempotency-Key");
  EXPECT_EQ(CheckIdempotencyKey(std::string())->status, 400);
}

TEST(BusinessRoutesTest, TokensAre64LowercaseHexAndFresh) {
  const std::string a = NewToken(), b = NewToken();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

// --- hiring ---

TEST(BusinessRoutesTest, ApplicationSendsThePhotoAsBytesAndScopesTheKeyByContact) {
  const Json form = {{"name", "Pushok"},     {"age", 3},
                     {"breed", "Persian"},   {"coat_colour", "white"},
                     {"contact", "p@x.org"}, {"photo", "aGVsbG8="}};
  auto r = Build(kSubmitApplication, {"anonymous", ""}, WithBody(form));
  ASSERT_TRUE(r.ok()) << r.problem().detail;
  EXPECT_EQ(r.value().type, "hiring.submit_application");
  EXPECT_TRUE(r.value().created);
  EXPECT_EQ(r.value().body["photo"], Json::binary({'h', 'e', 'l', 'l', 'o'}));
  EXPECT_EQ(r.value().idempotency_scope, "contact:p@x.org");
  EXPECT_TRUE(FindBusinessRoute(kSubmitApplication)->is_public);
  EXPECT_TRUE(FindBusinessRoute(kApplicationStatus)->is_public);
  Json no_photo = form;
  no_photo.erase("photo");
  EXPECT_EQ(ProblemOf(Build(kSubmitApplication, {}, WithBody(no_photo))).field, "body.photo");
  Json long_contact = form;
  long_contact["contact"] = std::string(201, 'c');
  EXPECT_EQ(ProblemOf(Build(kSubmitApplication, {}, WithBody(long_contact))).field, "body.contact");
}

TEST(BusinessRoutesTest, RulesVersionsAreWholeNumbersFromOne) {
  const Principal manager{"manager", "manager-1"};
  for (std::string bad : {"0", "-1", "abc", "1x", "", "1234567890"}) {
    EXPECT_EQ(
        ProblemOf(Build(kActivateScreeningRules, manager, WithBody(nullptr, {{"version", bad}})))
            .field,
        "path.version")
        << bad;
    EXPECT_EQ(
        ProblemOf(Build(kGetScreeningRules, manager, WithBody(nullptr, {}, {{"version", bad}})))
            .field,
        "query.version")
        << bad;
  }
  auto activate = Build(kActivateScreeningRules, manager, WithBody(nullptr, {{"version", "12"}}));
  ASSERT_TRUE(activate.ok());
  EXPECT_EQ(activate.value().body, (Json{{"version", 12}}));
  auto get = Build(kGetScreeningRules, manager, WithBody(nullptr, {}, {{"version", "3"}}));
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get.value().body, (Json{{"version", 3}}));
}

TEST(BusinessRoutesTest, RulesAndDecisionsCheckTheirShapeBeforeTheBus) {
  const Principal manager{"manager", "manager-1"};
  EXPECT_EQ(ProblemOf(Build(kPublishScreeningRules, manager, WithBody(Json::object()))).field,
            "body.rules");
  EXPECT_EQ(ProblemOf(Build(kDryRunScreeningRules, manager, WithBody({{"rules", "all"}}))).field,
            "body.rules");
  EXPECT_EQ(ProblemOf(Build(kDryRunScreeningRules, manager,
                            WithBody({{"rules", Json::object()}, {"last", 501}})))
                .field,
            "body.last");
  const Json rules = {{"tests", Json::array()}};
  auto publish = Build(kPublishScreeningRules, manager, WithBody({{"rules", rules}}));
  ASSERT_TRUE(publish.ok());
  EXPECT_EQ(publish.value().body, (Json{{"rules", rules}}));
  EXPECT_EQ(
      ProblemOf(Build(kDecide, manager, WithBody({{"expect_outcome", "maybe"}}, {{"id", "app-1"}})))
          .field,
      "body.expect_outcome");
  auto decide = Build(kDecide, manager, WithBody(Json::object(), {{"id", "app-1"}}));
  ASSERT_TRUE(decide.ok());
  EXPECT_EQ(decide.value().body, (Json{{"application_id", "app-1"}}));
  EXPECT_EQ(FindBusinessRoute(kDecide)->worker_grant, WorkerGrant::kAddedToReply);
}

TEST(BusinessRoutesTest, RandomReviewIsNotTakenForATaskId) {
  const RouteSpec* random = MatchRoute("POST", "/v1/reviews/random");
  ASSERT_NE(random, nullptr);
  EXPECT_EQ(*random, kRandomReview);
  const RouteSpec* review = MatchRoute("POST", "/v1/reviews/order-1");
  ASSERT_NE(review, nullptr);
  EXPECT_EQ(*review, kSubmitReview);
  EXPECT_EQ(*MatchRoute("GET", "/v1/reviews/queue"), kReviewQueue);
}

TEST(BusinessRoutesTest, ReviewFormTakesTheTaskFromThePathAndChecksEachField) {
  Principal manager{"manager", "m-1"};
  auto ok = Build(kSubmitReview, manager,
                  WithBody({{"findings", "glued jar\nsecond line"},
                            {"client_call_note", "called"},
                            {"hypotheses", {"unglue first"}},
                            {"task_id", "forged"}},
                           {{"task_id", "order-1"}}));
  ASSERT_TRUE(ok.ok()) << ok.problem().detail;
  EXPECT_EQ(ok.value().type, "quality.submit_review");
  EXPECT_TRUE(ok.value().created);
  EXPECT_EQ(ok.value().body, (Json{{"task_id", "order-1"},
                                   {"findings", "glued jar\nsecond line"},
                                   {"client_call_note", "called"},
                                   {"hypotheses", {"unglue first"}}}));
  auto minimal = Build(kSubmitReview, manager, WithBody({{"findings", "x"}}, {{"task_id", "t"}}));
  ASSERT_TRUE(minimal.ok());
  EXPECT_EQ(minimal.value().body["hypotheses"], Json::array());
  EXPECT_FALSE(minimal.value().body.contains("client_call_note"));

  auto field = [&](Json body) {
    return ProblemOf(Build(kSubmitReview, manager, WithBody(std::move(body), {{"task_id", "t"}})))
        .field;
  };
  EXPECT_EQ(field(Json::object()), "body.findings");
  EXPECT_EQ(field({{"findings", ""}}), "body.findings");
  EXPECT_EQ(field({{"findings", std::string(4001, 'f')}}), "body.findings");
  EXPECT_EQ(field({{"findings", nullptr}}), "body.findings");
  EXPECT_EQ(field({{"findings", "x"}, {"client_call_note", std::string(2001, 'n')}}),
            "body.client_call_note");
  EXPECT_EQ(field({{"findings", "x"}, {"hypotheses", "one"}}), "body.hypotheses");
  EXPECT_EQ(field({{"findings", "x"}, {"hypotheses", {"ok", ""}}}), "body.hypotheses[1]");
  EXPECT_EQ(field({{"findings", "x"}, {"hypotheses", {std::string(200, 'x') + "\xD0\x96" +
                                                      std::string(299, 'x')}}}),
            "body.hypotheses[0]");  // 500 characters, 501 bytes
  EXPECT_EQ(field({{"findings", "x"}, {"hypotheses", Json(std::vector<std::string>(21, "h"))}}),
            "body.hypotheses");
  EXPECT_EQ(ProblemOf(Build(kSubmitReview, manager, WithBody({{"findings", "x"}}))).field,
            "path.task_id");
}

TEST(BusinessRoutesTest, ReviewSearchMapsTheQueryToTheBus) {
  Principal manager{"manager", "m-1"};
  auto ok = Build(kListReviews, manager,
                  WithBody(Json::object(), {},
                           {{"worker", "w-1"},
                            {"outcome", "failed"},
                            {"from", "2026-01-05T00:00:00Z"},
                            {"to", "2026-01-06T00:00:00Z"},
                            {"limit", "10"},
                            {"after", "t-9"}}));
  ASSERT_TRUE(ok.ok()) << ok.problem().detail;
  EXPECT_EQ(ok.value().type, "quality.list_reviews");
  EXPECT_EQ(ok.value().body, (Json{{"worker_id", "w-1"},
                                   {"outcome", "failed"},
                                   {"from", 1'767'571'200'000},
                                   {"to", 1'767'657'600'000},
                                   {"limit", 10},
                                   {"after", "t-9"}}));
  auto field = [&](std::map<std::string, std::string> query) {
    return ProblemOf(Build(kListReviews, manager, WithBody(Json::object(), {}, std::move(query))))
        .field;
  };
  EXPECT_EQ(field({{"outcome", "lost"}}), "query.outcome");
  EXPECT_EQ(field({{"from", "2026-02-30T00:00:00Z"}}), "query.from");
  EXPECT_EQ(field({{"to", "yesterday"}}), "query.to");
  EXPECT_EQ(field({{"from", "2026-01-06T00:00:00Z"}, {"to", "2026-01-05T00:00:00Z"}}), "query.to");
  EXPECT_EQ(field({{"limit", "0"}}), "query.limit");
  EXPECT_EQ(field({{"worker", std::string(129, 'w')}}), "query.worker");

  auto queue = Build(kReviewQueue, manager, WithBody(Json::object(), {}, {{"limit", "5"}}));
  ASSERT_TRUE(queue.ok());
  EXPECT_EQ(queue.value().type, "quality.list_queue");
  EXPECT_EQ(queue.value().body, (Json{{"limit", 5}}));
  auto random = Build(kRandomReview, manager, HttpRequest{});
  ASSERT_TRUE(random.ok());
  EXPECT_EQ(random.value().type, "quality.pick_random");
  EXPECT_EQ(random.value().body, Json::object());
}

TEST(BusinessRoutesTest, PlaceBetChecksEachFieldBeforeTheBus) {
  Principal manager{"manager", "m-1"};
  auto ok = Build(kPlaceBet, manager,
                  WithBody({{"task_id", "order-1"}, {"outcome", "failed"}, {"stake_minor", 250}}));
  ASSERT_TRUE(ok.ok()) << ok.problem().detail;
  EXPECT_EQ(ok.value().type, "betting.place_bet");
  EXPECT_TRUE(ok.value().created);
  EXPECT_EQ(ok.value().body,
            (Json{{"task_id", "order-1"}, {"outcome", "failed"}, {"stake_minor", 250}}));
  auto field = [&](Json body) { return ProblemOf(Build(kPlaceBet, manager, WithBody(body))).field; };
  EXPECT_EQ(field({{"outcome", "failed"}, {"stake_minor", 1}}), "body.task_id");
  EXPECT_EQ(field({{"task_id", ""}, {"outcome", "failed"}, {"stake_minor", 1}}), "body.task_id");
  EXPECT_EQ(field({{"task_id", "t"}, {"outcome", "won"}, {"stake_minor", 1}}), "body.outcome");
  EXPECT_EQ(field({{"task_id", "t"}, {"stake_minor", 1}}), "body.outcome");
  EXPECT_EQ(field({{"task_id", "t"}, {"outcome", "failed"}, {"stake_minor", 0}}),
            "body.stake_minor");
  EXPECT_EQ(field({{"task_id", "t"}, {"outcome", "failed"}, {"stake_minor", 1.5}}),
            "body.stake_minor");
  EXPECT_EQ(field({{"task_id", "t"}, {"outcome", "failed"}}), "body.stake_minor");
  EXPECT_EQ(ProblemOf(Build(kPlaceBet, {"admin", "root"}, WithBody({}))).status, 403);
}

TEST(BusinessRoutesTest, BetsAndPotsMapQueryAndPathToTheBus) {
  Principal manager{"manager", "m-1"};
  auto mine = Build(kMyBets, manager,
                    WithBody(Json::object(), {}, {{"limit", "5"}, {"after", "bet-x"}}));
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine.value().type, "betting.my_bets");
  EXPECT_EQ(mine.value().body, (Json{{"limit", 5}, {"after", "bet-x"}}));
  EXPECT_EQ(ProblemOf(Build(kMyBets, manager, WithBody(Json::object(), {}, {{"limit", "0"}})))
                .field,
            "query.limit");
  auto pot = Build(kGetPot, {"admin", "root"}, WithBody(Json::object(), {{"task_id", "t-1"}}));
  ASSERT_TRUE(pot.ok());
  EXPECT_EQ(pot.value().type, "betting.get_pot");
  EXPECT_EQ(pot.value().body, (Json{{"task_id", "t-1"}}));
  EXPECT_EQ(*MatchRoute("GET", "/v1/bets/pots/t-1"), kGetPot);
  EXPECT_EQ(*MatchRoute("GET", "/v1/bets"), kMyBets);
}

TEST(BusinessRoutesTest, StatementsAndInvoicesAreTheirOwnersOrStaffNamesOne) {
  for (const RouteSpec& spec : {kStatement, kListInvoices}) {
    const bool statement = spec == kStatement;
    auto own = Build(spec, {"client", "c1"}, WithBody(Json::object()));
    ASSERT_TRUE(own.ok());
    EXPECT_EQ(own.value().type, statement ? "billing.client_statement" : "billing.list_invoices");
    EXPECT_EQ(own.value().body, (statement ? Json{{"client_id", "c1"}}
                                           : Json{{"kind", "client"}, {"owner_id", "c1"}}));
    auto worker = Build(spec, {"worker", "w1"}, WithBody(Json::object(), {}, {{"worker_id", "w1"}}));
    ASSERT_TRUE(worker.ok());
    EXPECT_EQ(worker.value().body, (statement ? Json{{"worker_id", "w1"}}
                                              : Json{{"kind", "worker"}, {"owner_id", "w1"}}));
    // Someone else's: 403, whichever parameter names it.
    EXPECT_EQ(ProblemOf(Build(spec, {"client", "c1"},
                              WithBody(Json::object(), {}, {{"client_id", "c2"}})))
                  .status,
              403);
    EXPECT_EQ(ProblemOf(Build(spec, {"client", "c1"},
                              WithBody(Json::object(), {}, {{"worker_id", "w1"}})))
                  .status,
              403);
    EXPECT_EQ(ProblemOf(Build(spec, {"worker", "w1"},
                              WithBody(Json::object(), {}, {{"worker_id", "w2"}})))
                  .status,
              403);
    // Staff name exactly one owner.
    auto staff = Build(spec, {"manager", "m1"}, WithBody(Json::object(), {}, {{"worker_id", "w9"}}));
    ASSERT_TRUE(staff.ok());
    EXPECT_EQ(staff.value().type,
              statement ? "billing.worker_statement" : "billing.list_invoices");
    EXPECT_EQ(ProblemOf(Build(spec, {"admin", "a1"}, WithBody(Json::object()))).field,
              "query.client_id");
    EXPECT_EQ(ProblemOf(Build(spec, {"admin", "a1"},
                              WithBody(Json::object(), {},
                                       {{"worker_id", "w9"}, {"client_id", "c1"}})))
                  .status,
              400);
  }
}

TEST(BusinessRoutesTest, ACreditNeedsAPositiveAmountAndAReason) {
  auto ok = Build(kCreditWorker, {"manager", "m1"},
                  WithBody({{"amount_minor", 2500}, {"reason", "stayed late"}}, {{"id", "w1"}}));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value().type, "billing.credit_worker");
  EXPECT_TRUE(ok.value().created);
  EXPECT_EQ(ok.value().body,
            (Json{{"worker_id", "w1"}, {"amount_minor", 2500}, {"reason", "stayed late"}}));
  EXPECT_EQ(ProblemOf(Build(kCreditWorker, {"manager", "m1"},
                            WithBody({{"amount_minor", 0}, {"reason", "x"}}, {{"id", "w1"}})))
                .field,
            "body.amount_minor");
  EXPECT_EQ(ProblemOf(Build(kCreditWorker, {"manager", "m1"},
                            WithBody({{"amount_minor", 5}, {"reason", ""}}, {{"id", "w1"}})))
                .field,
            "body.reason");
  EXPECT_EQ(ProblemOf(Build(kCreditWorker, {"manager", "m1"},
                            WithBody({{"amount_minor", 5}, {"reason", "x"}})))
                .field,
            "path.id");
}

}  // namespace
}  // namespace mcf::gateway
