// The gateway's business routes at the edge, against a real system: mcf-broker (simulated
// clock), mcf-portal, mcf-tasks, mcf-matching, mcf-hiring, mcf-supplies and mcf-gateway as
// processes (lib/process LocalSystem), spoken to with an httplib client on 127.0.0.1.
//
// For every route: no token -> 401, wrong role -> 403, malformed JSON -> 400, missing field ->
// 400 naming it, oversize field -> 400 naming it (413 for a photo), oversize body -> 413; and
// none of that writes anything: every LMDB database of every store and of the broker's log is
// the same byte for byte afterwards (tests/support/store_snapshot.h), besides what the gateway
// lists (orders, service types, supplies, log head). Plus
// the replies' shape (ISO times, 201s, jobs), Idempotency-Key retries, admin on staff routes,
// keep-alive clients beyond the old 8 threads, the session rate limit and 503 without a portal.
// The order story end to end is tests/integration/order_flow_http_test.cc.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lib/process/local_system.h"
#include "tests/integration/gateway_harness.h"
#include "tests/support/process.h"
#include "tests/support/store_snapshot.h"
#include "tests/support/temp_dir.h"

namespace mcf::testing::gateway {
namespace {

using std::chrono::milliseconds;

constexpr size_t kSmallBody = 64u << 10;
constexpr size_t kLargeBody = 8u << 20;

// One route with what it takes to exercise its edge checks.
struct RouteCase {
  std::string method;
  std::string path;        // concrete, "/v1/orders/order-x"
  Json body;               // a valid body (null for none)
  std::string allowed;     // a role that may call it ("" = public)
  std::string denied;      // a role that may not ("" = every principal may)
  std::string required;    // a body field whose absence is 400 naming it ("" = none)
  std::string long_field;  // a body field made too long -> 400 naming it ("" = none)
  Json long_value;
  std::string bad_query;  // "?limit=0" -> 400 naming query_field ("" = none)
  std::string query_field;
  size_t body_limit = kSmallBody;
};

class GatewayRoutesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!HavePortal()) return;
    dir_ = new TempDir();
    auto system = process::LocalSystem::Start(FullSystem(dir_->Sub("system")));
    if (!system.ok()) {
      start_error_ = new std::string(system.status().ToString());
      return;
    }
    system_ = std::move(system).value().release();
  }

  static void TearDownTestSuite() {
    delete system_;
    system_ = nullptr;
    delete dir_;
    dir_ = nullptr;
    delete start_error_;
    start_error_ = nullptr;
  }

  void SetUp() override {
    if (!HavePortal()) {
      GTEST_SKIP() << "mcf-portal is not in " << BinDir() << " (build the portal context first)";
    }
    ASSERT_EQ(start_error_, nullptr) << *start_error_;
    ASSERT_NE(system_, nullptr);
    http_ = std::make_unique<Http>(system_->gateway_port());
    // A token for each role, made once per suite (the portal remembers them).
    static std::map<std::string, std::string>* cached = nullptr;
    if (cached == nullptr) {
      auto tokens = SignInEveryone(*http_, system_->admin_token());
      ASSERT_FALSE(HasFailure());
      cached = new std::map<std::string, std::string>(std::move(tokens));
    }
    tokens_ = *cached;
  }

  void TearDown() override {
    if (HasFailure() && system_ != nullptr) ADD_FAILURE() << system_->Logs();
  }

  std::vector<RouteCase> Cases() {
    const Json order = {{"service_type_id", "chores"},
                        {"description", "toss the jars"},
                        {"desired_at", kDesiredAt}};
    return {
        {"POST",
         "/v1/session",
         {{"employee_id", "E-9"}, {"name", "Nine"}},
         "",
         "",
         "employee_id",
         "name",
         std::string(101, 'n')},
        {"POST",
         "/v1/staff",
         {{"role", "manager"}, {"name", "M"}},
         "admin",
         "manager",
         "role",
         "name",
         std::string(101, 'n')},
        {"POST", "/v1/workers", WorkerProfile("Tom"), "admin", "client", "age", "breed",
         std::string(101, 'b')},
        {"GET", "/v1/service-types", nullptr, "client", "", "", "", nullptr,
         "?include_inactive=maybe", "query.include_inactive"},
        {"POST",
         "/v1/service-types",
         {{"name", "Naps"}, {"description", "zz"}},
         "manager",
         "client",
         "name",
         "description",
         std::string(2001, 'd')},
        {"PATCH",
         "/v1/service-types/chores",
         {{"active", true}},
         "manager",
         "worker",
         "",
         "name",
         std::string(101, 'n')},
        {"POST", "/v1/orders", order, "client", "manager", "desired_at", "description",
         std::string(4001, 'd')},
        {"GET", "/v1/orders", nullptr, "client", "worker", "", "", nullptr, "?limit=0",
         "query.limit"},
        {"GET", "/v1/orders/order-x", nullptr, "client", "supplies"},
        {"POST",
         "/v1/orders/order-x/copy",
         {{"desired_at", kDesiredAt}},
         "client",
         "worker",
         "desired_at",
         "desired_at",
         std::string(41, '2')},
        {"GET", "/v1/jobs", nullptr, "worker", "client", "", "", nullptr, "?state=all",
         "query.state"},
        {"POST",
         "/v1/jobs/task-x/check-in",
         {{"photo", "aGVsbG8="}},
         "worker",
         "manager",
         "photo",
         "",
         nullptr,
         "",
         "",
         kLargeBody},
        {"POST",
         "/v1/jobs/task-x/complete",
         {{"photo", "aGVsbG8="}},
         "worker",
         "client",
         "photo",
         "",
         nullptr,
         "",
         "",
         kLargeBody},
        {"POST",
         "/v1/jobs/task-x/fail",
         {{"reason", "rain"}},
         "worker",
         "supplies",
         "reason",
         "reason",
         std::string(1001, 'r')},
        {"GET", "/v1/supply-orders", nullptr, "supplies", "client", "", "", nullptr, "?status=lost",
         "query.status"},
        {"POST", "/v1/supply-orders/so-x/issue", nullptr, "supplies", "manager"},
    };
  }

  // What a bad request must not change (gateway_harness.h Written).
  Written Snapshot() { return gateway::Snapshot(*http_, tokens_); }

  // Every store, byte for byte, once nothing is in flight (so an event of an earlier test, like
  // hiring's worker_hired from SignInEveryone, cannot land between two snapshots).
  StoreSnapshot Stores() {
    auto snap =
        SettledSnapshot(system_->data_dir(), system_->broker_endpoint(), milliseconds(30000));
    EXPECT_TRUE(snap.ok()) << snap.status().ToString();
    return snap.ok() ? std::move(snap).value() : StoreSnapshot{};
  }

  // A refusal wrote nothing: what the gateway lists, and every store.
  // Nothing may change: none of these refusals reaches a context that records its answer.
  void ExpectNothingWritten(const Written& before, const StoreSnapshot& stores) {
    EXPECT_EQ(Snapshot(), before) << Describe(before);
    EXPECT_EQ(DiffStores(stores, Stores()), "");
  }

  static void ExpectProblem(const Response& r, int status, const std::string& field,
                            const std::string& what) {
    EXPECT_EQ(r.status, status) << what << ": " << Describe(r);
    EXPECT_EQ(r.content_type, "application/problem+json") << what;
    if (!field.empty()) EXPECT_EQ(r.body.value("field", ""), field) << what << ": " << Describe(r);
  }

  static TempDir* dir_;
  static process::LocalSystem* system_;
  static std::string* start_error_;
  std::unique_ptr<Http> http_;
  std::map<std::string, std::string> tokens_;
};

TempDir* GatewayRoutesTest::dir_ = nullptr;
process::LocalSystem* GatewayRoutesTest::system_ = nullptr;
std::string* GatewayRoutesTest::start_error_ = nullptr;

TEST_F(GatewayRoutesTest, EveryContextIsHealthy) {
  auto health = http_->Send("GET", "/healthz", "");
  EXPECT_EQ(health.status, 200) << Describe(health);
  EXPECT_EQ(health.body["status"], "ok");
  EXPECT_EQ(health.body["broker"], "ok");
  for (const char* c : {"portal", "tasks", "matching", "hiring", "supplies"}) {
    EXPECT_EQ(health.body["contexts"][c], "ok") << c;
  }
}

TEST_F(GatewayRoutesTest, NoTokenIs401AndWrongRoleIs403OnEveryRoute) {
  const StoreSnapshot stores = Stores();
  const Written before = Snapshot();
  for (const RouteCase& c : Cases()) {
    const std::string what = c.method + " " + c.path;
    if (c.allowed.empty()) continue;  // public
    auto anonymous = http_->Send(c.method, c.path, "", c.body);
    ExpectProblem(anonymous, 401, "", what + " without a token");
    auto unknown = http_->Send(c.method, c.path, std::string(64, 'f'), c.body);
    ExpectProblem(unknown, 401, "", what + " with an unknown token");
    if (c.denied.empty()) continue;
    auto denied = http_->Send(c.method, c.path, tokens_[c.denied], c.body);
    ExpectProblem(denied, 403, "", what + " as " + c.denied);
  }
  ExpectNothingWritten(before, stores);
}

TEST_F(GatewayRoutesTest, MalformedJsonIs400NamingTheBodyOnEveryRoute) {
  const StoreSnapshot stores = Stores();
  const Written before = Snapshot();
  for (const RouteCase& c : Cases()) {
    const std::string what = c.method + " " + c.path;
    if (c.method == "GET") continue;  // httplib does not read GET bodies
    auto bad = http_->Send(c.method, c.path, tokens_[c.allowed], std::string("{\"name\": "));
    ExpectProblem(bad, 400, "body", what);
    auto array = http_->Send(c.method, c.path, tokens_[c.allowed], std::string("[1, 2]"));
    ExpectProblem(array, 400, "body", what + " (array)");
  }
  ExpectNothingWritten(before, stores);
}

TEST_F(GatewayRoutesTest, MissingOrOversizeFieldsAre400NamingThem) {
  const StoreSnapshot stores = Stores();
  const Written before = Snapshot();
  for (const RouteCase& c : Cases()) {
    const std::string what = c.method + " " + c.path;
    const std::string token = tokens_[c.allowed];
    if (!c.required.empty()) {
      Json body = c.body;
      body.erase(c.required);
      ExpectProblem(http_->Send(c.method, c.path, token, body.empty() ? Json::object() : body), 400,
                    "body." + c.required, what + " without " + c.required);
    }
    if (!c.long_field.empty()) {
      Json body = c.body;
      body[c.long_field] = c.long_value;
      ExpectProblem(http_->Send(c.method, c.path, token, body), 400, "body." + c.long_field,
                    what + " with a long " + c.long_field);
      Json wrong_type = c.body;
      wrong_type[c.long_field] = 12345;
      ExpectProblem(http_->Send(c.method, c.path, token, wrong_type), 400, "body." + c.long_field,
                    what + " with a number as " + c.long_field);
    }
    if (!c.bad_query.empty()) {
      ExpectProblem(http_->Send(c.method, c.path + c.bad_query, token), 400, c.query_field,
                    what + c.bad_query);
    }
  }
  // Routes with ids check them too.
  ExpectProblem(http_->Send("GET", "/v1/orders/" + std::string(129, 'o'), tokens_["client"]), 400,
                "path.id", "a 129-byte order id");
  ExpectProblem(http_->Send("GET", "/v1/orders?limit=101", tokens_["client"]), 400, "query.limit",
                "limit 101");
  ExpectProblem(http_->Send("POST", "/v1/orders", tokens_["client"],
                            Json{{"service_type_id", "chores"},
                                 {"description", "x"},
                                 {"desired_at", "next tuesday"}}),
                400, "body.desired_at", "a desired_at that is not ISO-8601");
  ExpectProblem(
      http_->Send(
          "POST", "/v1/orders", tokens_["client"],
          Json{{"service_type_id", "chores"}, {"description", "x"}, {"desired_at", kDesiredAt}},
          std::string(101, 'k')),
      400, "header.Idempotency-Key", "a 101-byte Idempotency-Key");
  ExpectNothingWritten(before, stores);
}

TEST_F(GatewayRoutesTest, OversizeBodiesAre413PerRoute) {
  const StoreSnapshot stores = Stores();
  const Written before = Snapshot();
  for (const RouteCase& c : Cases()) {
    const std::string what = c.method + " " + c.path;
    if (c.method == "GET") continue;  // httplib does not read GET bodies
    // A valid JSON object one byte over the route's limit.
    const std::string prefix = "{\"pad\":\"";
    const std::string body =
        prefix + std::string(c.body_limit + 1 - prefix.size() - 2, 'x') + "\"}";
    ASSERT_EQ(body.size(), c.body_limit + 1);
    ExpectProblem(http_->Send(c.method, c.path, tokens_[c.allowed], body), 413, "", what);
  }
  // A photo route takes more than 64 KiB (checked last: it reaches tasks, whose not_found
  // for task-x is a recorded reply)...
  // ...but not a photo over 5 MiB once decoded (7 MiB of base64 is within the body limit).
  const size_t over = (5u << 20) + 3;
  const std::string huge = "{\"photo\":\"" + std::string(over / 3 * 4, 'A') + "\"}";
  ASSERT_LT(huge.size(), kLargeBody);
  ExpectProblem(http_->Send("POST", "/v1/jobs/task-x/complete", tokens_["worker"], huge), 413,
                "body.photo", "a 5 MiB + 3 byte photo");
  ExpectProblem(http_->Send("POST", "/v1/jobs/task-x/check-in", tokens_["worker"],
                            Json{{"photo", "not base64!"}}),
                400, "body.photo", "a photo that is not base64");
  ExpectNothingWritten(before, stores);
  const std::string photo_body = "{\"photo\":\"" + std::string(100000, 'A') + "\"}";
  auto big_ok = http_->Send("POST", "/v1/jobs/task-x/check-in", tokens_["worker"], photo_body);
  EXPECT_NE(big_ok.status, 413) << Describe(big_ok);
  EXPECT_EQ(big_ok.status, 404) << Describe(big_ok);
}

TEST_F(GatewayRoutesTest, RepliesUseIsoTimesAndTheContractShapes) {
  auto me = http_->Send("GET", "/v1/me", tokens_["client"]);
  ASSERT_EQ(me.status, 200) << Describe(me);
  EXPECT_EQ(me.body["role"], "client");

  auto types = http_->Send("GET", "/v1/service-types", tokens_["worker"]);
  ASSERT_EQ(types.status, 200) << Describe(types);
  ASSERT_FALSE(types.body["service_types"].empty());
  EXPECT_EQ(types.body["service_types"][0]["id"], "chores");

  auto created = http_->Send("POST", "/v1/orders", tokens_["client"],
                             Json{{"service_type_id", "chores"},
                                  {"description", "toss the jars"},
                                  {"desired_at", kDesiredAt}});
  ASSERT_EQ(created.status, 201) << Describe(created);
  EXPECT_EQ(created.body["status"], "requested");
  EXPECT_EQ(created.body["starts_at"], kDesiredAt);
  EXPECT_EQ(created.body["ends_at"], "2026-01-06T11:00:00Z");
  EXPECT_TRUE(created.body["approx_cost"].is_number_integer());
  ASSERT_FALSE(created.body["timeline"].empty());
  EXPECT_TRUE(created.body["timeline"][0]["at"].is_string()) << Describe(created);
  const std::string id = created.body["id"];

  auto own = http_->Send("GET", "/v1/orders/" + id, tokens_["client"]);
  ASSERT_EQ(own.status, 200) << Describe(own);
  EXPECT_EQ(own.body["id"], id);
  EXPECT_EQ(http_->Send("GET", "/v1/orders/" + id, tokens_["client2"]).status, 404);
  auto listed = http_->Send("GET", "/v1/orders?limit=100", tokens_["client2"]);
  ASSERT_EQ(listed.status, 200) << Describe(listed);
  for (const Json& o : listed.body["orders"]) EXPECT_NE(o["id"], id);

  auto jobs = http_->Send("GET", "/v1/jobs?state=active", tokens_["worker"]);
  ASSERT_EQ(jobs.status, 200) << Describe(jobs);
  EXPECT_TRUE(jobs.body.contains("jobs")) << Describe(jobs);
  EXPECT_FALSE(jobs.body.contains("tasks"));
}

// curl -X POST without -d (no Content-Length, no Transfer-Encoding: an empty body) through the
// whole system: the body-less route reaches supplies, which answers for the unknown supply order;
// the route that needs a body names the missing field. Both at once, well before the gateway's
// 5 s read timeout that a gateway waiting for a body would sit out (gateway_server_test pins the
// same with a 30 s timeout and no bus).
TEST_F(GatewayRoutesTest, PostWithoutContentLengthIsAnsweredAtOnceByTheRoute) {
  struct Case {
    std::string path;
    std::string role;
    int status;
    std::string detail;  // a part of the problem's detail
  };
  const Case cases[] = {{"/v1/supply-orders/so-x/issue", "supplies", 404, "no supply order"},
                        {"/v1/orders", "client", 400, "body.service_type_id"}};
  for (const Case& c : cases) {
    const auto [r, took] = PostWithoutLength(system_->gateway_port(), c.path, tokens_[c.role]);
    ExpectProblem(r, c.status, "", c.path);
    const std::string detail = r.body.is_object() ? r.body.value("detail", "") : "";
    EXPECT_NE(detail.find(c.detail), std::string::npos) << Describe(r);
    EXPECT_LT(took, kAnsweredAtOnce) << c.path << " took " << took.count() << " ms";
  }
}

TEST_F(GatewayRoutesTest, AdminPassesStaffChecks) {
  auto created = http_->Send("POST", "/v1/service-types", tokens_["admin"],
                             Json{{"name", "Admin naps"}, {"description", "zz"}});
  ASSERT_EQ(created.status, 201) << Describe(created);
  const std::string id = created.body["id"];
  auto patched =
      http_->Send("PATCH", "/v1/service-types/" + id, tokens_["manager"], Json{{"active", false}});
  ASSERT_EQ(patched.status, 200) << Describe(patched);
  EXPECT_EQ(patched.body["active"], false);
  EXPECT_EQ(http_->Send("GET", "/v1/supply-orders", tokens_["admin"]).status, 200);
  EXPECT_EQ(http_->Send("GET", "/v1/supply-orders?status=waiting", tokens_["manager"]).status, 200);
  // ...but not client or worker routes.
  ExpectProblem(http_->Send("GET", "/v1/jobs", tokens_["admin"]), 403, "", "admin on /v1/jobs");
}

TEST_F(GatewayRoutesTest, IdempotencyKeyRetriesDoNothingTwice) {
  const Json order = {
      {"service_type_id", "chores"}, {"description", "once only"}, {"desired_at", kDesiredAt}};
  const Written before = Snapshot();
  auto first = http_->Send("POST", "/v1/orders", tokens_["client"], order, "order-key-1");
  ASSERT_EQ(first.status, 201) << Describe(first);
  auto again = http_->Send("POST", "/v1/orders", tokens_["client"], order, "order-key-1");
  ASSERT_EQ(again.status, 201) << Describe(again);
  EXPECT_EQ(again.body["id"], first.body["id"]);
  // The same key from another client is another request.
  auto other = http_->Send("POST", "/v1/orders", tokens_["client2"], order, "order-key-1");
  ASSERT_EQ(other.status, 201) << Describe(other);
  EXPECT_NE(other.body["id"], first.body["id"]);
  EXPECT_EQ(Snapshot().orders["orders"].size(), before.orders["orders"].size() + 2);

  // POST /v1/workers: two commands, neither repeated.
  auto hired = http_->Send("POST", "/v1/workers", tokens_["admin"], WorkerProfile("Vaska"), "w-1");
  ASSERT_EQ(hired.status, 201) << Describe(hired);
  auto rehired =
      http_->Send("POST", "/v1/workers", tokens_["admin"], WorkerProfile("Vaska"), "w-1");
  ASSERT_EQ(rehired.status, 201) << Describe(rehired);
  EXPECT_EQ(rehired.body["worker_id"], hired.body["worker_id"]);
  EXPECT_EQ(rehired.body["token"], hired.body["token"]);
  auto me = http_->Send("GET", "/v1/me", hired.body["token"]);
  ASSERT_EQ(me.status, 200) << Describe(me);
  EXPECT_EQ(me.body["role"], "worker");
  EXPECT_EQ(me.body["id"], hired.body["worker_id"]);

  // Signing in again with the same key returns the first token.
  const Json employee = {{"employee_id", "E-77"}, {"name", "Seven"}};
  auto s1 = http_->Send("POST", "/v1/session", "", employee, "s-1");
  auto s2 = http_->Send("POST", "/v1/session", "", employee, "s-1");
  ASSERT_EQ(s1.status, 201) << Describe(s1);
  ASSERT_EQ(s2.status, 201) << Describe(s2);
  EXPECT_EQ(s2.body["token"], s1.body["token"]);
}

TEST_F(GatewayRoutesTest, ManyKeepAliveClientsAreServedWithoutQueueing) {
  // httplib holds a thread per keep-alive connection: with 8 threads the 9th client would wait
  // for an idle connection to time out (5 s).
  std::vector<std::unique_ptr<httplib::Client>> clients;
  for (int i = 0; i < 40; ++i) {
    auto client = std::make_unique<httplib::Client>("127.0.0.1", system_->gateway_port());
    client->set_keep_alive(true);
    client->set_read_timeout(std::chrono::seconds(20));
    const auto start = std::chrono::steady_clock::now();
    auto res = client->Get("/v1/openapi.json");
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(res) << "client " << i;
    EXPECT_EQ(res->status, 200);
    // Queued behind an idle connection would take its 5 s timeout; generous for a loaded machine.
    EXPECT_LT(took, milliseconds(4000)) << "client " << i << " queued";
    clients.push_back(std::move(client));
  }
}

// A smaller system per test: only the portal, a gateway with a tight session rate limit.
class GatewaySessionLimitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HavePortal()) {
      GTEST_SKIP() << "mcf-portal is not in " << BinDir() << " (build the portal context first)";
    }
    // 5 s for portal.authenticate: the 401s before the portal is killed need its answer in
    // time on a loaded machine; after the kill the 503 comes when this runs out.
    auto system = process::LocalSystem::Start(
        PortalSystem(dir_.Sub("system"), {"--session-burst", "3", "--session-per-second", "0.01",
                                          "--auth-timeout-ms", "5000"}));
    ASSERT_TRUE(system.ok()) << system.status().ToString();
    system_ = std::move(system).value();
    http_ = std::make_unique<Http>(system_->gateway_port());
  }
  void TearDown() override {
    if (HasFailure() && system_) ADD_FAILURE() << system_->Logs();
  }

  TempDir dir_;
  std::unique_ptr<process::LocalSystem> system_;
  std::unique_ptr<Http> http_;
};

TEST_F(GatewaySessionLimitTest, SessionIsRateLimitedPerAddressWithRetryAfter) {
  for (int i = 0; i < 3; ++i) {
    auto ok = http_->Send("POST", "/v1/session", "",
                          Json{{"employee_id", "E-" + std::to_string(i)}, {"name", "N"}});
    ASSERT_EQ(ok.status, 201) << Describe(ok);
  }
  auto limited =
      http_->Send("POST", "/v1/session", "", Json{{"employee_id", "E-9"}, {"name", "N"}});
  EXPECT_EQ(limited.status, 429) << Describe(limited);
  EXPECT_EQ(limited.content_type, "application/problem+json");
  ASSERT_FALSE(limited.retry_after.empty());
  EXPECT_GE(std::stoi(limited.retry_after), 1);
  // Other routes are not limited.
  EXPECT_EQ(http_->Send("GET", "/v1/me", system_->admin_token()).status, 200);
}

TEST_F(GatewaySessionLimitTest, PortalDownIs503ButCachedTokensAndTheAdminStillWork) {
  auto session =
      http_->Send("POST", "/v1/session", "", Json{{"employee_id", "E-1"}, {"name", "One"}});
  ASSERT_EQ(session.status, 201) << Describe(session);
  const std::string token = session.body["token"];
  ASSERT_EQ(http_->Send("GET", "/v1/me", token).status, 200);  // now cached
  ASSERT_EQ(http_->Send("GET", "/v1/me", std::string(64, 'e')).status, 401);

  system_->Find("portal")->Kill();
  auto unknown = http_->Send("GET", "/v1/me", std::string(64, 'd'));
  EXPECT_EQ(unknown.status, 503) << Describe(unknown);
  EXPECT_EQ(unknown.content_type, "application/problem+json");
  EXPECT_EQ(http_->Send("GET", "/v1/me", token).status, 200);
  EXPECT_EQ(http_->Send("GET", "/v1/me", system_->admin_token()).status, 200);
  auto types = http_->Send("GET", "/v1/service-types", token);
  EXPECT_TRUE(types.status == 503 || types.status == 504) << Describe(types);
}

}  // namespace
}  // namespace mcf::testing::gateway
