// The hiring routes over real HTTP against real processes (lib/process LocalSystem: broker on
// the simulated clock, portal, hiring, gateway): hostile applications are refused naming the
// field and change no store; the applicant's status URL shows only its own application's
// state; every staff route refuses other roles; a manager fetches a hired worker's first
// credentials once, and only for a worker they hired. (The whole path to a first job is the
// golden scenario tests/scenarios/hiring_path.json.)
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/gateway_harness.h"
#include "tests/support/process.h"
#include "tests/support/store_snapshot.h"
#include "tests/support/temp_dir.h"

namespace mcf::testing::gateway {
namespace {

using std::chrono::milliseconds;

Json Application(const std::string& contact) {
  return Json{{"name", "Pushok"},       {"age", 3},           {"breed", "Persian"},
              {"coat_colour", "white"}, {"contact", contact}, {"photo", "aGVsbG8="}};
}

Json Rules(int64_t absolute_score) {
  return Json{{"rules",
               {{"tests", {{{"name", "mice"}, {"min_score", 0}, {"max_score", 100}}}},
                {"absolute_score", absolute_score}}}};
}

class HiringHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    process::SystemOptions options = PortalSystem(dir_.Sub("system"), {});
    options.contexts = {"portal", "hiring"};
    auto system = process::LocalSystem::Start(options);
    ASSERT_TRUE(system.ok()) << system.status().ToString();
    system_ = std::move(system).value();
    http_ = std::make_unique<Http>(system_->gateway_port());
    admin_ = system_->admin_token();
    manager_ = Staff("manager");
    other_manager_ = Staff("manager");
  }
  void TearDown() override {
    if (HasFailure() && system_) ADD_FAILURE() << system_->Logs();
  }

  std::string Staff(const std::string& role) {
    auto r =
        http_->Send("POST", "/v1/staff", admin_, Json{{"role", role}, {"name", role + " cat"}});
    EXPECT_EQ(r.status, 201) << Describe(r);
    return r.body.value("token", "");
  }

  StoreSnapshot Settled() {
    auto snap =
        SettledSnapshot(dir_.Sub("system"), system_->broker_endpoint(), milliseconds(30000));
    EXPECT_TRUE(snap.ok()) << snap.status().ToString();
    return snap.ok() ? std::move(snap).value() : StoreSnapshot{};
  }

  // Rules v1, active: one test ("mice", 0..100), accepting a total of 60 or more.
  void ActivateRules() {
    EXPECT_EQ(http_->Send("PUT", "/v1/screening-rules", manager_, Rules(60)).status, 201);
    EXPECT_EQ(http_->Send("POST", "/v1/screening-rules/1/activate", manager_).status, 200);
  }

  std::string Applied(const std::string& contact) {
    auto a = http_->Send("POST", "/v1/applications", "", Application(contact));
    EXPECT_EQ(a.status, 201) << Describe(a);
    return a.body.value("application_id", "");
  }

  // An application with the test "mice" scored `score`.
  std::string Scored(const std::string& contact, int64_t score) {
    const std::string id = Applied(contact);
    EXPECT_EQ(
        http_
            ->Send("POST", "/v1/applications/" + id + "/tests", manager_, Json{{"tests", {"mice"}}})
            .status,
        200);
    EXPECT_EQ(http_
                  ->Send("POST", "/v1/applications/" + id + "/results", manager_,
                         Json{{"test", "mice"}, {"score", score}})
                  .status,
              200);
    return id;
  }

  TempDir dir_;
  std::unique_ptr<process::LocalSystem> system_;
  std::unique_ptr<Http> http_;
  std::string admin_, manager_, other_manager_;
};

TEST_F(HiringHttpTest, HostileApplicationsAreRefusedNamingTheFieldAndStoreNothing) {
  const StoreSnapshot before = Settled();
  struct Case {
    std::string what;
    std::string body;  // raw JSON text
    int status;
    std::string field;  // "" when the problem names none
  };
  auto with = [](const std::string& key, const Json& value) {
    Json j = Application("hostile@example.org");
    j[key] = value;
    return j.dump();
  };
  const std::string big_photo(7 << 20, 'A');  // 5.25 MiB decoded: over the 5 MiB limit
  const std::vector<Case> cases = {
      {"oversize photo", with("photo", big_photo), 413, "body.photo"},
      {"1 MB name", with("name", std::string(1 << 20, 'n')), 400, "body.name"},
      {"1 MB contact", with("contact", std::string(1 << 20, 'c')), 400, "body.contact"},
      {"emoji in the name", with("name", "Pushok \xF0\x9F\x98\xBA"), 400, "body.name"},
      {"NUL in the name", with("name", std::string("Pus\0hok", 7)), 400, "body.name"},
      {"control character in the breed", with("breed", "Per\x01sian"), 400, "body.breed"},
      {"blank name", with("name", "   "), 400, "body.name"},
      {"age out of range", with("age", 41), 400, "body.age"},
      {"age as text", with("age", "three"), 400, "body.age"},
      {"photo not base64", with("photo", "***"), 400, "body.photo"},
      {"empty photo", with("photo", ""), 400, "body.photo"},
      {"contact with spaces", with("contact", "a b c"), 400, "body.contact"},
      {"missing name",
       [] {
         Json j = Application("hostile@example.org");
         j.erase("name");
         return j.dump();
       }(),
       400, "body.name"},
      {"duplicate key",
       R"({"name":"A","name":"B","age":3,"breed":"x","coat_colour":"y","contact":"a@b.c","photo":"aGVsbG8="})",
       400, ""},
      {"bad JSON", R"({"name": "Pushok", )", 400, ""},
      {"not an object", R"(["Pushok"])", 400, ""},
  };
  for (const Case& c : cases) {
    auto r = http_->Send("POST", "/v1/applications", "", c.body);
    EXPECT_EQ(r.status, c.status) << c.what << ": " << Describe(r);
    if (!c.field.empty())
      EXPECT_EQ(r.body.value("field", ""), c.field) << c.what << ": " << Describe(r);
  }
  auto plain = http_->Send("POST", "/v1/applications", "", Application("x@y.z").dump(), "",
                           {{"Content-Type", "text/plain"}});
  EXPECT_EQ(plain.status, 415) << Describe(plain);

  // Refused ones that reached hiring leave only its record of the refused command.
  const std::string recorded = "a refused command's reply is recorded under its id (decision 003)";
  EXPECT_EQ(DiffStores(before, Settled(),
                       {{"_inbox", "hiring", recorded}, {"_inbox_by_time", "hiring", recorded}}),
            "");
  auto list = http_->Send("GET", "/v1/applications", manager_);
  ASSERT_EQ(list.status, 200) << Describe(list);
  EXPECT_TRUE(list.body["applications"].empty()) << list.body;
}

TEST_F(HiringHttpTest, TheStatusUrlShowsOnlyThatApplicationsState) {
  auto a = http_->Send("POST", "/v1/applications", "", Application("one@example.org"));
  ASSERT_EQ(a.status, 201) << Describe(a);
  auto b = http_->Send("POST", "/v1/applications", "", Application("two@example.org"));
  ASSERT_EQ(b.status, 201) << Describe(b);
  const std::string id = a.body["application_id"];
  EXPECT_NE(id, b.body["application_id"]);
  EXPECT_GE(id.size(), 36u);  // "app-" + 128 bits in hex
  EXPECT_EQ(a.body["status_url"], "/v1/applications/" + id + "/status");

  auto state = http_->Send("GET", a.body["status_url"].get<std::string>(), "");
  ASSERT_EQ(state.status, 200) << Describe(state);
  std::set<std::string> keys;
  for (const auto& [key, value] : state.body.items()) keys.insert(key);
  EXPECT_EQ(keys,
            (std::set<std::string>{"application_id", "status", "submitted_at", "updated_at"}));
  EXPECT_EQ(state.body["application_id"], id);
  EXPECT_EQ(state.body["status"], "received");
  // A guessed id learns nothing; the full record needs a manager.
  EXPECT_EQ(http_->Send("GET", "/v1/applications/app-0000/status", "").status, 404);
  EXPECT_EQ(http_->Send("GET", "/v1/applications/" + id, "").status, 401);
}

TEST_F(HiringHttpTest, OnlyManagersAndAdminsUseTheStaffRoutes) {
  auto session =
      http_->Send("POST", "/v1/session", "", Json{{"employee_id", "E-9"}, {"name", "Tom"}});
  ASSERT_EQ(session.status, 201);
  const std::string client = session.body["token"];
  const std::string supplies = Staff("supplies");
  ActivateRules();
  const std::string id = Applied("roles@example.org");
  struct Route {
    std::string method, path;
    Json body;
  };
  const std::vector<Route> routes = {
      {"GET", "/v1/applications", nullptr},
      {"GET", "/v1/applications/" + id, nullptr},
      {"POST", "/v1/applications/" + id + "/tests", Json{{"tests", {"mice"}}}},
      {"POST", "/v1/applications/" + id + "/results", Json{{"test", "mice"}, {"score", 1}}},
      {"GET", "/v1/applications/" + id + "/proposal", nullptr},
      {"POST", "/v1/applications/" + id + "/decision", Json::object()},
      {"GET", "/v1/screening-rules", nullptr},
      {"PUT", "/v1/screening-rules", Rules(10)},
      {"POST", "/v1/screening-rules/1/activate", nullptr},
      {"POST", "/v1/screening-rules/dry-run", Rules(10)},
  };
  auto call = [&](const Route& r, const std::string& token) {
    return r.body.is_null() ? http_->Send(r.method, r.path, token)
                            : http_->Send(r.method, r.path, token, r.body);
  };
  const StoreSnapshot before = Settled();
  for (const Route& r : routes) {
    for (const std::string& token : {client, supplies}) {
      auto got = call(r, token);
      EXPECT_EQ(got.status, 403) << r.method << " " << r.path << ": " << Describe(got);
    }
    EXPECT_EQ(call(r, "").status, 401) << r.method << " " << r.path;
  }
  EXPECT_EQ(DiffStores(before, Settled()), "");
  // The manager is served on each (the decision last: it closes the application).
  for (const Route& r : routes) {
    auto got = call(r, manager_);
    EXPECT_LT(got.status, 300) << r.method << " " << r.path << ": " << Describe(got);
  }
}

TEST_F(HiringHttpTest, TheDecidingManagerGetsTheNewWorkersFirstCredentialsOnce) {
  ActivateRules();
  const std::string id = Scored("hired@example.org", 80);
  auto decided = http_->Send("POST", "/v1/applications/" + id + "/decision", manager_,
                             Json{{"expect_outcome", "accepted"}});
  ASSERT_EQ(decided.status, 201) << Describe(decided);
  ASSERT_TRUE(decided.body.contains("worker_token")) << decided.body;
  const std::string worker = decided.body["worker_id"];
  auto me = http_->Send("GET", "/v1/me", decided.body["worker_token"].get<std::string>());
  ASSERT_EQ(me.status, 200) << Describe(me);
  EXPECT_EQ(me.body["role"], "worker");
  EXPECT_EQ(me.body["id"], worker);

  // Asked again, the decision is made: no second token.
  auto again =
      http_->Send("POST", "/v1/applications/" + id + "/decision", manager_, Json::object());
  EXPECT_EQ(again.status, 409) << Describe(again);
  EXPECT_FALSE(again.body.contains("worker_token"));
  // The explanation is on the application.
  auto view = http_->Send("GET", "/v1/applications/" + id, manager_);
  ASSERT_EQ(view.status, 200);
  EXPECT_EQ(view.body["decision"]["outcome"], "accepted");
  EXPECT_FALSE(view.body["decision"]["explanation"].empty());
  EXPECT_FALSE(view.body["decision"].contains("worker_token"));

  // A rejected candidate gets no worker and no token.
  const std::string low = Scored("low@example.org", 10);
  auto rejected =
      http_->Send("POST", "/v1/applications/" + low + "/decision", other_manager_, Json::object());
  ASSERT_EQ(rejected.status, 201) << Describe(rejected);
  EXPECT_EQ(rejected.body["outcome"], "rejected");
  EXPECT_FALSE(rejected.body.contains("worker_token"));
  EXPECT_FALSE(rejected.body.contains("worker_id"));
}

}  // namespace
}  // namespace mcf::testing::gateway
