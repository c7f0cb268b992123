// The portal handlers through the runtime's Dispatcher on a real LMDB env in a TempDir
// (tests/support/context_harness.h): identity and tokens, service types, help requests and the
// order projection from tasks/supplies events, the client's standing from billing's events;
// replies, stored state and published events.
#include "workers/portal/handlers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "lib/base/log.h"
#include "schemas/billing.h"
#include "schemas/body.h"
#include "schemas/envelope.h"
#include "schemas/hiring.h"
#include "schemas/msgpack.h"
#include "schemas/portal.h"
#include "schemas/supplies.h"
#include "schemas/tasks.h"
#include "tests/support/context_harness.h"

namespace mcf::portal {
namespace {

namespace wire = schemas::portal;
namespace tasks = schemas::tasks;
using schemas::Body;
using schemas::BodyWriter;
using schemas::Principal;
using schemas::Reply;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kNow = 1'767'600'000'000;  // 2026-01-05T08:00:00Z

const Principal kGateway{"system", "gateway"};
const Principal kAdmin{"admin", "admin-1"};
const Principal kManager{"manager", "manager-1"};
const Principal kSupplies{"supplies", "supplies-1"};
const Principal kWorker{"worker", "w1"};

// 64 lowercase hex characters, distinct per `n`.
std::string TokenFor(int n) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016x", n);
  return std::string(48, 'a') + buf;
}

std::string Str(const std::string& body, std::string_view field) {
  auto b = Body::Parse(body);
  if (!b.ok()) return "<bad body>";
  auto v = b->String(field);
  return v.ok() ? *v : "<missing>";
}

int64_t Int(const std::string& body, std::string_view field) {
  auto b = Body::Parse(body);
  auto v = b.ok() ? b->Int(field) : Result<int64_t>(b.status());
  return v.ok() ? *v : -1;
}

bool Flag(const std::string& body, std::string_view field) {
  auto b = Body::Parse(body);
  auto v = b.ok() ? b->Bool(field) : Result<bool>(b.status());
  return v.ok() && *v;
}

// The encoded items of the array field `field`.
std::vector<std::string> Items(const std::string& body, std::string_view field) {
  std::vector<std::string> out;
  auto b = Body::Parse(body);
  if (!b.ok()) return out;
  auto raw = b->Raw(field);
  if (!raw.ok()) return out;
  schemas::MsgpackReader r(*raw);
  auto n = r.ReadArrayHeader();
  for (uint32_t i = 0; n && i < *n; ++i) {
    auto item = r.ReadRaw();
    if (!item) break;
    out.emplace_back(*item);
  }
  return out;
}

class PortalHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    Status s = h_.Open([](worker::Dispatcher& d) { return PortalHandlers::Install(d); });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  Reply Call(std::string_view type, std::string body, std::optional<Principal> who,
             int64_t now = kNow, std::string id = "") {
    return h_.Command(type, std::move(body), std::move(who), now, std::move(id));
  }

  void Feed(std::string_view type, std::string body, int64_t now = kNow + 1) {
    Status s = h_.Event(type, std::move(body), now);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // hiring.worker_hired for `worker_id`: the portal learns the worker.
  void Hire(const std::string& worker_id, int64_t now = kNow + 1) {
    Feed(schemas::hiring::kWorkerHired,
         schemas::hiring::Encode(
             schemas::hiring::WorkerHired{worker_id, "Cat " + worker_id, {"poking"}, {"baths"}}),
         now);
  }

  Reply Grant(const std::string& worker_id, const std::string& token,
              std::optional<bool> just_hired = std::nullopt, std::string id = "") {
    BodyWriter w;
    w.String("worker_id", worker_id).String("token", token);
    if (just_hired) w.Bool("just_hired", *just_hired);
    return Call(wire::kGrantWorkerToken, w.Finish(), kAdmin, kNow, std::move(id));
  }

  // The principal `token` stands for, as "role/id"; "" when unknown.
  std::string Who(const std::string& token) {
    Reply r = Call(wire::kAuthenticate, BodyWriter().String("token", token).Finish(), kGateway);
    return r.status == Code::kOk ? Str(r.body, "role") + "/" + Str(r.body, "id") : "";
  }

  Reply SignIn(const std::string& employee_id, const std::string& name, const std::string& token) {
    return Call(wire::kSignIn,
                BodyWriter()
                    .String("employee_id", employee_id)
                    .String("name", name)
                    .String("token", token)
                    .Finish(),
                kGateway);
  }

  // Signs in a new client; returns its principal.
  Principal NewClient(const std::string& employee_id) {
    Reply r = SignIn(employee_id, "Tester " + employee_id, TokenFor(1000 + ++clients_));
    EXPECT_EQ(r.status, Code::kOk) << r.message;
    return {"client", Str(r.body, "client_id")};
  }

  static std::string HelpBody(int64_t starts_at, std::string service_type_id = "chores",
                              std::string description = "toss the jars") {
    return BodyWriter()
        .String("service_type_id", service_type_id)
        .String("description", description)
        .Int("starts_at", starts_at)
        .Finish();
  }

  // request_help as `client`; returns the order id ("" on failure).
  std::string Request(const Principal& client, int64_t starts_at = kNow + 2 * kHour) {
    Reply r = Call(wire::kRequestHelp, HelpBody(starts_at), client);
    EXPECT_EQ(r.status, Code::kOk) << r.message;
    return r.status == Code::kOk ? Str(r.body, "id") : "";
  }

  Reply GetOrder(const std::string& id, const Principal& who) {
    return Call(wire::kGetOrder, BodyWriter().String("order_id", id).Finish(), who);
  }

  Reply CreateType(const std::string& name, const Principal& who, bool active = true) {
    return Call(wire::kCreateServiceType,
                BodyWriter()
                    .String("name", name)
                    .String("description", "about " + name)
                    .Bool("active", active)
                    .Finish(),
                who);
  }

  std::vector<std::string> TypeIds(bool include_inactive) {
    Reply r = Call(wire::kListServiceTypes,
                   BodyWriter().Bool("include_inactive", include_inactive).Finish(), kWorker);
    EXPECT_EQ(r.status, Code::kOk) << r.message;
    std::vector<std::string> ids;
    for (const auto& t : Items(r.body, "service_types")) ids.push_back(Str(t, "id"));
    return ids;
  }

  testing::ContextHarness h_{"portal"};
  int clients_ = 0;
};

// ---- identity ----

TEST_F(PortalHandlersTest, SignInCreatesTheAccountOnceAndReusesIt) {
  Reply first = SignIn("E-1", "Tom", TokenFor(1));
  ASSERT_EQ(first.status, Code::kOk) << first.message;
  EXPECT_TRUE(Flag(first.body, "created"));
  const std::string client_id = Str(first.body, "client_id");
  EXPECT_EQ(client_id.rfind("client-", 0), 0u) << client_id;
  EXPECT_EQ(Str(first.body, "token"), TokenFor(1));
  EXPECT_EQ(Str(first.body, "name"), "Tom");

  Reply again = SignIn("E-1", "Thomas", TokenFor(2));
  ASSERT_EQ(again.status, Code::kOk) << again.message;
  EXPECT_FALSE(Flag(again.body, "created"));
  EXPECT_EQ(Str(again.body, "client_id"), client_id);
  EXPECT_EQ(Str(again.body, "name"), "Thomas");

  // Both tokens stand for the one client.
  for (int n : {1, 2}) {
    Reply who =
        Call(wire::kAuthenticate, BodyWriter().String("token", TokenFor(n)).Finish(), kGateway);
    ASSERT_EQ(who.status, Code::kOk) << who.message;
    EXPECT_EQ(Str(who.body, "role"), "client");
    EXPECT_EQ(Str(who.body, "id"), client_id);
  }
  // The same token again for the same client is fine (a retried sign-in with a new command id).
  EXPECT_EQ(SignIn("E-1", "Thomas", TokenFor(2)).status, Code::kOk);
}

TEST_F(PortalHandlersTest, AClientKeepsItsNewestSessionsAndOlderTokensAreRevoked) {
  // 20 sign-ins of one client, a minute apart: only the newest kMaxClientSessions tokens live.
  for (int n = 1; n <= 20; ++n) {
    Reply r = Call(wire::kSignIn,
                   BodyWriter()
                       .String("employee_id", "E-1")
                       .String("name", "Tom")
                       .String("token", TokenFor(n))
                       .Finish(),
                   kGateway, kNow + n * 60'000);
    ASSERT_EQ(r.status, Code::kOk) << r.message;
  }
  for (int n = 1; n <= 20; ++n) {
    const bool live = n > 20 - static_cast<int>(portal::kMaxClientSessions);
    EXPECT_EQ(Who(TokenFor(n)).empty(), !live) << "token " << n;
  }
  // Another client's sessions are its own.
  ASSERT_EQ(SignIn("E-2", "Jerry", TokenFor(100)).status, Code::kOk);
  EXPECT_FALSE(Who(TokenFor(100)).empty());
  EXPECT_FALSE(Who(TokenFor(20)).empty());
}

TEST_F(PortalHandlersTest, ATokenNeverRebindsToAnotherPrincipal) {
  ASSERT_EQ(SignIn("E-1", "Tom", TokenFor(1)).status, Code::kOk);
  Reply other = SignIn("E-2", "Jerry", TokenFor(1));
  EXPECT_EQ(other.status, Code::kConflict);
  EXPECT_NE(other.message.find("body.token"), std::string::npos) << other.message;
  // Nothing of the failed sign-in was kept: E-2 is still new.
  Reply jerry = SignIn("E-2", "Jerry", TokenFor(2));
  ASSERT_EQ(jerry.status, Code::kOk);
  EXPECT_TRUE(Flag(jerry.body, "created"));
  // Nor can staff or workers take a client's token.
  Hire("w1");
  EXPECT_EQ(Call(wire::kProvisionStaff,
                 BodyWriter()
                     .String("role", "manager")
                     .String("name", "M")
                     .String("token", TokenFor(1))
                     .Finish(),
                 kAdmin)
                .status,
            Code::kConflict);
  EXPECT_EQ(
      Call(wire::kGrantWorkerToken,
           BodyWriter().String("worker_id", "w1").String("token", TokenFor(2)).Finish(), kAdmin)
          .status,
      Code::kConflict);
}

TEST_F(PortalHandlersTest, SignInValidatesItsFields) {
  struct Case {
    std::string employee_id, name, token, field;
  };
  for (const Case& c : {Case{"", "Tom", TokenFor(1), "body.employee_id"},
                        Case{std::string(65, 'e'), "Tom", TokenFor(1), "body.employee_id"},
                        Case{"E-1", "", TokenFor(1), "body.name"},
                        Case{"E-1", std::string(101, 'n'), TokenFor(1), "body.name"},
                        Case{"E-1", "Tom", "short", "body.token"},
                        Case{"E-1", "Tom", std::string(129, 'a'), "body.token"},
                        Case{"E-1", "Tom", std::string(40, ' '), "body.token"}}) {
    Reply r = SignIn(c.employee_id, c.name, c.token);
    EXPECT_EQ(r.status, Code::kInvalid) << c.field;
    EXPECT_EQ(r.message.rfind(c.field + ":", 0), 0u) << r.message;
  }
}

TEST_F(PortalHandlersTest, OnlyAdminsProvisionStaffAndGrantWorkerTokens) {
  auto staff = [](const std::string& role, int token) {
    return BodyWriter()
        .String("role", role)
        .String("name", "Staff " + role)
        .String("token", TokenFor(token))
        .Finish();
  };
  for (const Principal& who : {kManager, kSupplies, kGateway, Principal{"client", "c1"}}) {
    EXPECT_EQ(Call(wire::kProvisionStaff, staff("manager", 1), who).status, Code::kForbidden);
    EXPECT_EQ(
        Call(wire::kGrantWorkerToken,
             BodyWriter().String("worker_id", "w1").String("token", TokenFor(2)).Finish(), who)
            .status,
        Code::kForbidden);
  }
  EXPECT_EQ(Call(wire::kProvisionStaff, staff("manager", 1), std::nullopt).status,
            Code::kForbidden);

  Reply manager = Call(wire::kProvisionStaff, staff("manager", 1), kAdmin);
  ASSERT_EQ(manager.status, Code::kOk) << manager.message;
  EXPECT_EQ(Str(manager.body, "role"), "manager");
  EXPECT_EQ(Str(manager.body, "name"), "Staff manager");
  EXPECT_EQ(Str(manager.body, "token"), TokenFor(1));
  const std::string manager_id = Str(manager.body, "id");
  EXPECT_EQ(manager_id.rfind("manager-", 0), 0u) << manager_id;

  EXPECT_EQ(Call(wire::kProvisionStaff, staff("janitor", 3), kAdmin).status, Code::kInvalid);

  Hire("w1");
  Reply grant =
      Call(wire::kGrantWorkerToken,
           BodyWriter().String("worker_id", "w1").String("token", TokenFor(2)).Finish(), kAdmin);
  ASSERT_EQ(grant.status, Code::kOk) << grant.message;
  EXPECT_EQ(Str(grant.body, "worker_id"), "w1");

  Reply who =
      Call(wire::kAuthenticate, BodyWriter().String("token", TokenFor(1)).Finish(), std::nullopt);
  EXPECT_EQ(Str(who.body, "role"), "manager");
  EXPECT_EQ(Str(who.body, "id"), manager_id);
  who = Call(wire::kAuthenticate, BodyWriter().String("token", TokenFor(2)).Finish(), kGateway);
  EXPECT_EQ(Str(who.body, "role"), "worker");
  EXPECT_EQ(Str(who.body, "id"), "w1");
}

// hiring.decide's reply hands the deciding manager the new worker's first credentials: a
// manager may grant a token only for a worker they hired, and only once; other workers stay
// an admin's to grant.
TEST_F(PortalHandlersTest, AManagerGrantsOnlyTheFirstTokenOfAWorkerTheyHired) {
  auto hired_by = [&](const std::string& worker_id, std::optional<std::string> manager) {
    schemas::hiring::WorkerHired e{worker_id, "Cat " + worker_id, {}, {}};
    e.hired_by = std::move(manager);
    Feed(schemas::hiring::kWorkerHired, schemas::hiring::Encode(e));
  };
  auto grant_as = [&](const Principal& who, const std::string& worker_id, int token) {
    return Call(
        wire::kGrantWorkerToken,
        BodyWriter().String("worker_id", worker_id).String("token", TokenFor(token)).Finish(), who);
  };
  hired_by("w-mine", kManager.id);
  hired_by("w-theirs", std::string("manager-other"));
  hired_by("w-imported", std::nullopt);

  EXPECT_EQ(grant_as(kManager, "w-theirs", 1).status, Code::kForbidden);
  EXPECT_EQ(grant_as(kManager, "w-imported", 2).status, Code::kForbidden);
  EXPECT_EQ(grant_as(kManager, "w-unknown", 3).status, Code::kForbidden);
  EXPECT_EQ(Who(TokenFor(1)) + Who(TokenFor(2)) + Who(TokenFor(3)), "");

  Reply first = grant_as(kManager, "w-mine", 4);
  ASSERT_EQ(first.status, Code::kOk) << first.message;
  EXPECT_EQ(Who(TokenFor(4)), "worker/w-mine");
  EXPECT_EQ(grant_as(kManager, "w-mine", 5).status, Code::kForbidden);
  EXPECT_EQ(Who(TokenFor(5)), "");
  // An admin still may (a lost token is replaced by an admin).
  EXPECT_EQ(grant_as(kAdmin, "w-mine", 6).status, Code::kOk);
  EXPECT_EQ(Who(TokenFor(6)), "worker/w-mine");
}

// The portal knows workers only from hiring.worker_hired; a token for any other is refused.
TEST_F(PortalHandlersTest, GrantWorkerTokenForAWorkerNeverHiredIsNotFoundAndBindsNothing) {
  Reply r = Grant("worker-nobody", TokenFor(5), std::nullopt, "grant-1");
  EXPECT_EQ(r.status, Code::kNotFound);
  EXPECT_EQ(r.message.rfind("body.worker_id: ", 0), 0u) << r.message;
  EXPECT_NE(r.message.find("\"worker-nobody\""), std::string::npos) << r.message;
  EXPECT_EQ(Who(TokenFor(5)), "");
  Reply explicit_no = Grant("worker-nobody", TokenFor(5), false);
  EXPECT_EQ(explicit_no.status, Code::kNotFound);
  EXPECT_EQ(Who(TokenFor(5)), "");

  // Once hired (and after a restart), the worker gets its token; the refused command stays
  // refused (its reply is recorded), a new one succeeds.
  Hire("worker-nobody");
  Reopen();
  EXPECT_EQ(Grant("worker-nobody", TokenFor(5), std::nullopt, "grant-1").status, Code::kNotFound);
  Reply ok = Grant("worker-nobody", TokenFor(5), std::nullopt, "grant-2");
  ASSERT_EQ(ok.status, Code::kOk) << ok.message;
  EXPECT_EQ(Str(ok.body, "worker_id"), "worker-nobody");
  EXPECT_EQ(Str(ok.body, "token"), TokenFor(5));
  EXPECT_EQ(Who(TokenFor(5)), "worker/worker-nobody");
  // Other workers are still unknown.
  EXPECT_EQ(Grant("worker-other", TokenFor(6)).status, Code::kNotFound);
}

// POST /v1/workers asks the portal right after hiring answered, possibly before its
// hiring.worker_hired has arrived: `just_hired` says the id came from that answer.
TEST_F(PortalHandlersTest, JustHiredGrantsTheTokenBeforeTheEventArrivesAndTheEventChangesNothing) {
  Reply r = Grant("worker-new", TokenFor(7), true);
  ASSERT_EQ(r.status, Code::kOk) << r.message;
  EXPECT_EQ(Str(r.body, "worker_id"), "worker-new");
  EXPECT_EQ(Who(TokenFor(7)), "worker/worker-new");
  Hire("worker-new");  // the event, a moment later
  EXPECT_EQ(Who(TokenFor(7)), "worker/worker-new");
  // Still no rebinding of a token, flag or not.
  Hire("worker-two");
  EXPECT_EQ(Grant("worker-two", TokenFor(7), true).status, Code::kConflict);
  EXPECT_EQ(Who(TokenFor(7)), "worker/worker-new");
}

TEST_F(PortalHandlersTest, GrantWorkerTokenValidatesJustHiredAndChangesNothing) {
  Reply r = Call(wire::kGrantWorkerToken,
                 BodyWriter()
                     .String("worker_id", "worker-x")
                     .String("token", TokenFor(8))
                     .String("just_hired", "yes")
                     .Finish(),
                 kAdmin);
  EXPECT_EQ(r.status, Code::kInvalid);
  EXPECT_EQ(r.message.rfind("body.just_hired", 0), 0u) << r.message;
  EXPECT_EQ(Who(TokenFor(8)), "");
}

TEST_F(PortalHandlersTest, AMalformedWorkerHiredMakesNoWorkerKnown) {
  const uint64_t failed = h_.stats().handler_failed;
  Feed(schemas::hiring::kWorkerHired, BodyWriter().String("name", "No Id").Finish());
  EXPECT_EQ(h_.stats().handler_failed, failed + 1);
  Feed(schemas::hiring::kWorkerHired,
       BodyWriter().String("worker_id", std::string(65, 'w')).String("name", "Long").Finish());
  EXPECT_EQ(h_.stats().handler_failed, failed + 2);
  EXPECT_EQ(Grant(std::string(65, 'w'), TokenFor(9)).status, Code::kInvalid);

  EXPECT_EQ(Grant("worker-a", TokenFor(9)).status, Code::kNotFound);
  Hire("worker-a", kNow + 1);
  Hire("worker-a", kNow + 2);  // a repeat is harmless
  EXPECT_EQ(Grant("worker-a", TokenFor(9)).status, Code::kOk);
}

TEST_F(PortalHandlersTest, AuthenticateAnUnknownTokenIsNotFound) {
  for (const std::string& token : {TokenFor(9), std::string(), std::string(600, 'x')}) {
    Reply r = Call(wire::kAuthenticate, BodyWriter().String("token", token).Finish(), kGateway);
    EXPECT_EQ(r.status, Code::kNotFound);
    EXPECT_EQ(r.message, "unknown token");
  }
  EXPECT_EQ(Call(wire::kAuthenticate, schemas::EmptyBody(), kGateway).status, Code::kInvalid);
}

// ---- service types ----

TEST_F(PortalHandlersTest, AFreshStoreHasTheChoresServiceTypeSeededOnce) {
  Reply r = Call(wire::kListServiceTypes, schemas::EmptyBody(), std::nullopt);
  ASSERT_EQ(r.status, Code::kOk) << r.message;
  auto types = Items(r.body, "service_types");
  ASSERT_EQ(types.size(), 1u);
  EXPECT_EQ(Str(types[0], "id"), "chores");
  EXPECT_EQ(Str(types[0], "name"), "Chores");
  EXPECT_EQ(Str(types[0], "description"),
            "Poking things, tossing jars and the rest of a toy tester's chores");
  EXPECT_TRUE(Flag(types[0], "active"));

  // A manager deactivates it; a restart must not seed it again (the db is not empty).
  ASSERT_EQ(Call(wire::kUpdateServiceType,
                 BodyWriter().String("id", "chores").Bool("active", false).Finish(), kManager)
                .status,
            Code::kOk);
  Reopen();
  EXPECT_TRUE(TypeIds(false).empty());
  EXPECT_EQ(TypeIds(true), std::vector<std::string>{"chores"});
}

TEST_F(PortalHandlersTest, ManagersAndAdminsCreateServiceTypesOthersAreForbidden) {
  Reply created = CreateType("Mousing", kManager);
  ASSERT_EQ(created.status, Code::kOk) << created.message;
  const std::string id = Str(created.body, "id");
  EXPECT_EQ(id.rfind("service-", 0), 0u) << id;
  EXPECT_EQ(Str(created.body, "name"), "Mousing");
  EXPECT_EQ(Str(created.body, "description"), "about Mousing");
  EXPECT_TRUE(Flag(created.body, "active"));
  ASSERT_EQ(CreateType("Napping", kAdmin, /*active=*/false).status, Code::kOk);

  for (const Principal& who : {Principal{"client", "c1"}, kWorker, kSupplies, kGateway})
    EXPECT_EQ(CreateType("Sneaky", who).status, Code::kForbidden) << who.role;

  std::vector<std::string> active = TypeIds(false);
  ASSERT_EQ(active.size(), 2u);  // chores and Mousing, sorted by id
  EXPECT_TRUE(std::is_sorted(active.begin(), active.end()));
  EXPECT_EQ(TypeIds(true).size(), 3u);
}

TEST_F(PortalHandlersTest, ServiceTypeNamesAreUniqueAndFieldsValidated) {
  ASSERT_EQ(CreateType("Mousing", kManager).status, Code::kOk);
  Reply dup = CreateType("Mousing", kAdmin);
  EXPECT_EQ(dup.status, Code::kConflict);
  EXPECT_EQ(CreateType("Chores", kManager).status, Code::kConflict);  // the seeded one
  EXPECT_EQ(CreateType("", kManager).status, Code::kInvalid);
  Reply long_text = Call(
      wire::kCreateServiceType,
      BodyWriter().String("name", "Long").String("description", std::string(2001, 'd')).Finish(),
      kManager);
  EXPECT_EQ(long_text.status, Code::kInvalid);
  EXPECT_EQ(long_text.message, "body.description: at most 2000 bytes");
  EXPECT_EQ(TypeIds(true).size(), 2u);
}

TEST_F(PortalHandlersTest, UpdateServiceTypeEditsKnownTypesOnly) {
  Reply created = CreateType("Mousing", kManager);
  const std::string id = Str(created.body, "id");
  Reply updated =
      Call(wire::kUpdateServiceType,
           BodyWriter().String("id", id).String("name", "Mouse hunting").Finish(), kAdmin);
  ASSERT_EQ(updated.status, Code::kOk) << updated.message;
  EXPECT_EQ(Str(updated.body, "name"), "Mouse hunting");
  EXPECT_EQ(Str(updated.body, "description"), "about Mousing");  // untouched
  EXPECT_TRUE(Flag(updated.body, "active"));

  // Renaming to its own name is fine; to another type's name is a conflict.
  EXPECT_EQ(Call(wire::kUpdateServiceType,
                 BodyWriter().String("id", id).String("name", "Mouse hunting").Finish(), kManager)
                .status,
            Code::kOk);
  EXPECT_EQ(Call(wire::kUpdateServiceType,
                 BodyWriter().String("id", id).String("name", "Chores").Finish(), kManager)
                .status,
            Code::kConflict);
  Reply missing =
      Call(wire::kUpdateServiceType,
           BodyWriter().String("id", "service-nope").Bool("active", false).Finish(), kManager);
  EXPECT_EQ(missing.status, Code::kNotFound);
  EXPECT_EQ(
      Call(wire::kUpdateServiceType, BodyWriter().String("id", id).Bool("active", false).Finish(),
           Principal{"client", "c1"})
          .status,
      Code::kForbidden);
}

// ---- orders ----

TEST_F(PortalHandlersTest, RequestHelpStoresTheOrderAndPublishesHelpRequested) {
  Principal client = NewClient("E-1");
  h_.NewEvents();
  Reply r = Call(wire::kRequestHelp, HelpBody(kNow + 2 * kHour), client);
  ASSERT_EQ(r.status, Code::kOk) << r.message;
  const std::string id = Str(r.body, "id");
  EXPECT_EQ(id.rfind("order-", 0), 0u) << id;
  EXPECT_EQ(Str(r.body, "client_id"), client.id);
  EXPECT_EQ(Str(r.body, "status"), "requested");
  EXPECT_EQ(Int(r.body, "approx_cost"), 10'000);
  EXPECT_EQ(Int(r.body, "starts_at"), kNow + 2 * kHour);
  EXPECT_EQ(Int(r.body, "ends_at"), kNow + 3 * kHour);  // default one hour
  EXPECT_FALSE(Flag(r.body, "kit_issued"));
  EXPECT_FALSE(Body::Parse(r.body)->Has("worker_id"));
  auto timeline = Items(r.body, "timeline");
  ASSERT_EQ(timeline.size(), 1u);
  EXPECT_EQ(Str(timeline[0], "event"), "requested");
  EXPECT_EQ(Int(timeline[0], "at"), kNow);

  auto events = h_.NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].topic, wire::kHelpRequested);
  auto e = schemas::Decode<wire::HelpRequested>(events[0].body);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(*e, (wire::HelpRequested{id, client.id, "chores", "toss the jars", kNow + 2 * kHour,
                                     kNow + 3 * kHour, 10'000}));

  EXPECT_EQ(GetOrder(id, client).body, r.body);
  EXPECT_EQ(GetOrder(id, kManager).status, Code::kOk);
  Reopen();  // it is in the store
  EXPECT_EQ(GetOrder(id, client).body, r.body);
}

TEST_F(PortalHandlersTest, RequestHelpRejectsBadInputAndChangesNothing) {
  Principal client = NewClient("E-1");
  ASSERT_EQ(CreateType("Napping", kManager, /*active=*/false).status, Code::kOk);
  const std::string napping =
      TypeIds(true).back() == "chores" ? TypeIds(true).front() : TypeIds(true).back();
  h_.NewEvents();
  struct Case {
    std::string body, message_prefix;
  };
  const std::vector<Case> cases = {
      {HelpBody(kNow - 1), "body.starts_at:"},
      {HelpBody(kNow + kHour, napping), "body.service_type_id:"},
      {HelpBody(kNow + kHour, "service-nope"), "body.service_type_id:"},
      {HelpBody(kNow + kHour, "chores", ""), "body.description:"},
      {HelpBody(kNow + kHour, "chores", std::string(4001, 'x')),
       "body.description: at most 4000 bytes"},
      {BodyWriter()
           .String("service_type_id", "chores")
           .String("description", "d")
           .Int("starts_at", kNow + kHour)
           .Int("duration_ms", 14 * 60 * 1000)
           .Finish(),
       "body.duration_ms:"},
      {BodyWriter()
           .String("service_type_id", "chores")
           .String("description", "d")
           .Int("starts_at", kNow + kHour)
           .Int("duration_ms", 12 * kHour + 1)
           .Finish(),
       "body.duration_ms:"},
      {BodyWriter().String("service_type_id", "chores").String("description", "d").Finish(),
       "body.starts_at:"},
  };
  for (const Case& c : cases) {
    Reply r = Call(wire::kRequestHelp, c.body, client);
    EXPECT_EQ(r.status, Code::kInvalid) << c.message_prefix;
    EXPECT_EQ(r.message.rfind(c.message_prefix, 0), 0u) << r.message;
  }
  // The runtime names the field in the reply's details too (the gateway's problem `field`).
  Reply past = Call(wire::kRequestHelp, HelpBody(kNow - 1), client);
  auto details = Body::Parse(past.details);
  ASSERT_TRUE(details.ok()) << details.status().ToString();
  EXPECT_EQ(*details->String("field"), "body.starts_at");
  // Exactly now is not the past.
  EXPECT_EQ(Call(wire::kRequestHelp, HelpBody(kNow), client).status, Code::kOk);
  EXPECT_EQ(h_.NewEvents().size(), 1u);
  Reply list = Call(wire::kListOrders, schemas::EmptyBody(), client);
  EXPECT_EQ(Items(list.body, "orders").size(), 1u);
}

TEST_F(PortalHandlersTest, OnlyClientsRequestHelp) {
  NewClient("E-1");
  for (const Principal& who : {kManager, kAdmin, kWorker, kSupplies, kGateway}) {
    EXPECT_EQ(Call(wire::kRequestHelp, HelpBody(kNow + kHour), who).status, Code::kForbidden)
        << who.role;
  }
  EXPECT_EQ(Call(wire::kRequestHelp, HelpBody(kNow + kHour), std::nullopt).status,
            Code::kForbidden);
  // A client principal without an account (never signed in) cannot either.
  EXPECT_EQ(Call(wire::kRequestHelp, HelpBody(kNow + kHour), Principal{"client", "ghost"}).status,
            Code::kForbidden);
  EXPECT_TRUE(h_.NewEvents().empty());
}

TEST_F(PortalHandlersTest, TheSameCommandIdTwiceGetsTheSameReplyAndOneEvent) {
  Principal client = NewClient("E-1");
  h_.NewEvents();
  Reply first = Call(wire::kRequestHelp, HelpBody(kNow + kHour), client, kNow, "gw-req-1");
  ASSERT_EQ(first.status, Code::kOk) << first.message;
  Reply again = Call(wire::kRequestHelp, HelpBody(kNow + kHour), client, kNow + 5, "gw-req-1");
  EXPECT_EQ(again, first);
  EXPECT_EQ(h_.NewEvents().size(), 1u);
  EXPECT_EQ(h_.stats().replies_replayed, 1u);
  EXPECT_EQ(Items(Call(wire::kListOrders, schemas::EmptyBody(), client).body, "orders").size(), 1u);
  // A recorded error replays too: the same sign-in id with a conflicting token stays a conflict.
  Reply conflict = SignIn("E-2", "Jerry", TokenFor(1001));  // E-1's token
  ASSERT_EQ(conflict.status, Code::kConflict);
}

TEST_F(PortalHandlersTest, ListOrdersPagesByIdAndShowsClientsOnlyTheirOwn) {
  Principal alice = NewClient("E-A");
  Principal bob = NewClient("E-B");
  std::vector<std::string> alice_ids, all_ids;
  for (int i = 0; i < 5; ++i) {
    alice_ids.push_back(Request(alice, kNow + (i + 1) * kHour));
    all_ids.push_back(alice_ids.back());
  }
  all_ids.push_back(Request(bob));
  std::sort(alice_ids.begin(), alice_ids.end());
  std::sort(all_ids.begin(), all_ids.end());

  // Alice pages through her own, two at a time; the client_id she sends is ignored.
  std::vector<std::string> seen;
  std::optional<std::string> after;
  int pages = 0;
  do {
    BodyWriter w;
    w.Int("limit", 2).String("client_id", bob.id);
    if (after) w.String("after", *after);
    Reply page = Call(wire::kListOrders, w.Finish(), alice);
    ASSERT_EQ(page.status, Code::kOk) << page.message;
    auto orders = Items(page.body, "orders");
    for (const auto& o : orders) {
      seen.push_back(Str(o, "id"));
      EXPECT_EQ(Str(o, "client_id"), alice.id);
    }
    auto next = Body::Parse(page.body)->OptString("next_after");
    after = next.ok() ? *next : std::nullopt;
    if (after) {
      EXPECT_EQ(*after, seen.back());
    }
    ++pages;
  } while (after && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, alice_ids);

  // Managers and admins see all, or one client's.
  Reply all = Call(wire::kListOrders, schemas::EmptyBody(), kManager);
  std::vector<std::string> ids;
  for (const auto& o : Items(all.body, "orders")) ids.push_back(Str(o, "id"));
  EXPECT_EQ(ids, all_ids);
  EXPECT_FALSE(Body::Parse(all.body)->Has("next_after"));
  Reply bobs = Call(wire::kListOrders, BodyWriter().String("client_id", bob.id).Finish(), kAdmin);
  ASSERT_EQ(Items(bobs.body, "orders").size(), 1u);
  EXPECT_EQ(Str(Items(bobs.body, "orders")[0], "client_id"), bob.id);

  // Exactly one full page has no next_after.
  Reply five = Call(wire::kListOrders, BodyWriter().Int("limit", 5).Finish(), alice);
  EXPECT_EQ(Items(five.body, "orders").size(), 5u);
  EXPECT_FALSE(Body::Parse(five.body)->Has("next_after"));

  for (const Principal& who : {kWorker, kSupplies, kGateway})
    EXPECT_EQ(Call(wire::kListOrders, schemas::EmptyBody(), who).status, Code::kForbidden);
  for (int64_t limit : {0, 101}) {
    Reply bad = Call(wire::kListOrders, BodyWriter().Int("limit", limit).Finish(), alice);
    EXPECT_EQ(bad.status, Code::kInvalid);
    EXPECT_EQ(bad.message.rfind("body.limit:", 0), 0u) << bad.message;
  }
}

TEST_F(PortalHandlersTest, AnotherClientsOrderIsNotFoundLikeAMissingOne) {
  Principal alice = NewClient("E-A");
  Principal bob = NewClient("E-B");
  const std::string id = Request(alice);
  Reply other = GetOrder(id, bob);
  EXPECT_EQ(other.status, Code::kNotFound);
  EXPECT_EQ(other.message, "no order " + Quoted(id));
  Reply missing = GetOrder("order-missing", alice);
  EXPECT_EQ(missing.status, Code::kNotFound);
  EXPECT_EQ(missing.message, "no order " + Quoted("order-missing"));
  for (const Principal& who : {kWorker, kSupplies, kGateway})
    EXPECT_EQ(GetOrder(id, who).status, Code::kNotFound) << who.role;
  EXPECT_EQ(GetOrder(id, kAdmin).status, Code::kOk);
}

// ---- the projection ----

TEST_F(PortalHandlersTest, TasksEventsMoveTheOrderAlongItsTimeline) {
  Principal client = NewClient("E-1");
  const std::string id = Request(client);
  Feed(tasks::kTaskAssigned,
       tasks::Encode(
           tasks::TaskAssigned{id, "w1", 10'000, client.id, kNow + 2 * kHour, kNow + 3 * kHour}),
       kNow + 10);
  Reply r = GetOrder(id, client);
  EXPECT_EQ(Str(r.body, "status"), "assigned");
  EXPECT_EQ(Str(r.body, "worker_id"), "w1");
  EXPECT_EQ(Int(r.body, "price"), 10'000);

  Feed(schemas::supplies::kKitIssued,
       schemas::supplies::Encode(schemas::supplies::KitIssued{id, "supply-1"}), kNow + 20);
  EXPECT_TRUE(Flag(GetOrder(id, client).body, "kit_issued"));

  Feed(tasks::kCheckedIn, tasks::Encode(tasks::CheckedIn{id, "w1", kNow + 2 * kHour}),
       kNow + 2 * kHour);
  EXPECT_EQ(Str(GetOrder(id, client).body, "status"), "checked_in");

  Feed(tasks::kTaskFinalized,
       tasks::Encode(
           tasks::TaskFinalized{id, "w1", tasks::Outcome::kCompleted, "", 10'000, client.id}),
       kNow + 3 * kHour);
  r = GetOrder(id, client);
  EXPECT_EQ(Str(r.body, "status"), "completed");
  std::vector<std::pair<std::string, int64_t>> timeline;
  for (const auto& e : Items(r.body, "timeline"))
    timeline.emplace_back(Str(e, "event"), Int(e, "at"));
  std::vector<std::pair<std::string, int64_t>> want = {{"requested", kNow},
                                                       {"assigned", kNow + 10},
                                                       {"kit_issued", kNow + 20},
                                                       {"checked_in", kNow + 2 * kHour},
                                                       {"completed", kNow + 3 * kHour}};
  EXPECT_EQ(timeline, want);
  EXPECT_EQ(h_.stats().handler_failed, 0u);
}

TEST_F(PortalHandlersTest, ANoShowOffersACopyAndTheCopysTaskCreatesTheCopyOrder) {
  Principal client = NewClient("E-1");
  const std::string id = Request(client);
  Feed(tasks::kTaskAssigned, tasks::Encode(tasks::TaskAssigned{
                                 id, "w1", 10'000, client.id, kNow + 2 * kHour, kNow + 3 * kHour}));
  Feed(tasks::kTaskFinalized,
       tasks::Encode(
           tasks::TaskFinalized{id, "w1", tasks::Outcome::kCanceled, "no_show", 10'000, client.id}),
       kNow + 2 * kHour + 30 * 60'000);
  Feed(tasks::kCopyOffered, tasks::Encode(tasks::CopyOffered{id, client.id}),
       kNow + 2 * kHour + 30 * 60'000);
  Reply original = GetOrder(id, client);
  EXPECT_EQ(Str(original.body, "status"), "canceled");
  EXPECT_EQ(Str(original.body, "reason"), "no_show");
  EXPECT_TRUE(Flag(original.body, "copy_offered"));

  // The client copies it through tasks.copy; tasks publishes the copy's task_requested.
  const int64_t copy_start = kNow + 26 * kHour;
  Feed(tasks::kTaskRequested,
       BodyWriter()
           .String("task_id", "task-copy-1")
           .String("client_id", client.id)
           .String("service_type_id", "chores")
           .Int("starts_at", copy_start)
           .Int("ends_at", copy_start + kHour)
           .String("copied_from", id)
           .Finish(),
       kNow + 4 * kHour);
  Reply copy = GetOrder("task-copy-1", client);
  ASSERT_EQ(copy.status, Code::kOk) << copy.message;
  EXPECT_EQ(Str(copy.body, "copied_from"), id);
  EXPECT_EQ(Str(copy.body, "status"), "requested");
  EXPECT_EQ(Str(copy.body, "description"), "toss the jars");
  EXPECT_EQ(Str(copy.body, "client_id"), client.id);
  EXPECT_EQ(Int(copy.body, "starts_at"), copy_start);
  EXPECT_EQ(Int(copy.body, "approx_cost"), 10'000);
  EXPECT_EQ(Items(Call(wire::kListOrders, schemas::EmptyBody(), client).body, "orders").size(), 2u);
  auto original_timeline = Items(GetOrder(id, client).body, "timeline");
  EXPECT_EQ(Str(original_timeline.back(), "event"), "copied");
  EXPECT_EQ(Str(original_timeline.back(), "detail"), "task-copy-1");
  // The copy's assignment then moves the copy like any other order.
  Feed(tasks::kTaskAssigned,
       tasks::Encode(tasks::TaskAssigned{"task-copy-1", "w2", 10'000, client.id, copy_start,
                                         copy_start + kHour}));
  EXPECT_EQ(Str(GetOrder("task-copy-1", client).body, "status"), "assigned");
  EXPECT_TRUE(h_.NewEvents().size() == 1u);  // only the original help_requested
}

TEST_F(PortalHandlersTest, EventsForUnknownOrdersAreIgnored) {
  Principal client = NewClient("E-1");
  const std::string id = Request(client);
  // Our own order's task_requested (same id) and a task never requested through the portal.
  Feed(tasks::kTaskRequested, tasks::Encode(tasks::TaskRequested{
                                  id, client.id, "chores", kNow + 2 * kHour, kNow + 3 * kHour}));
  Feed(tasks::kTaskRequested, tasks::Encode(tasks::TaskRequested{"task-x", "c9", "chores",
                                                                 kNow + kHour, kNow + 2 * kHour}));
  Feed(tasks::kTaskAssigned, tasks::Encode(tasks::TaskAssigned{"task-x", "w1", 10'000, "c9",
                                                               kNow + kHour, kNow + 2 * kHour}));
  Feed(tasks::kCopyOffered, tasks::Encode(tasks::CopyOffered{"task-x", "c9"}));
  EXPECT_EQ(h_.stats().handler_failed, 0u);
  EXPECT_EQ(GetOrder("task-x", kManager).status, Code::kNotFound);
  Reply mine = GetOrder(id, client);
  EXPECT_EQ(Str(mine.body, "status"), "requested");
  EXPECT_EQ(Items(mine.body, "timeline").size(), 1u);
  EXPECT_EQ(Items(Call(wire::kListOrders, schemas::EmptyBody(), kManager).body, "orders").size(),
            1u);
}

// ---- billing: the discount and the overdue block (decision 031) ----

namespace billing = schemas::billing;

TEST_F(PortalHandlersTest, TheDiscountAppliesToNewOrdersAndCopiesWithRounding) {
  Principal client = NewClient("E-1");
  Feed(billing::kDiscountChanged, schemas::Encode(billing::DiscountChanged{client.id, 7, 500'000}));
  Reply r = Call(wire::kRequestHelp, HelpBody(kNow + 2 * kHour), client);
  ASSERT_EQ(r.status, Code::kOk) << r.message;
  EXPECT_EQ(Int(r.body, "approx_cost"), 9'300);
  Reply standing = Call(wire::kCheckStanding, schemas::EmptyBody(), client);
  ASSERT_EQ(standing.status, Code::kOk) << standing.message;
  EXPECT_EQ(Int(standing.body, "discount_percent"), 7);
  EXPECT_EQ(Int(standing.body, "approx_cost"), 9'300);
  Reopen();  // kept in the store
  EXPECT_EQ(Int(Call(wire::kCheckStanding, schemas::EmptyBody(), client).body, "approx_cost"), 9'300);
  // An unknown client (or an id no client could have) changes nothing and is no error.
  Feed(billing::kDiscountChanged, schemas::Encode(billing::DiscountChanged{"client-x", 12, 1}));
  Feed(billing::kDiscountChanged,
       schemas::Encode(billing::DiscountChanged{std::string(600, 'c'), 12, 1}));
  EXPECT_EQ(h_.stats().handler_failed, 0u);
  EXPECT_EQ(Call(wire::kCheckStanding, schemas::EmptyBody(), kManager).status, Code::kForbidden);
}

TEST_F(PortalHandlersTest, AnOverdueInvoiceBlocksRequestsUntilPaidAndNamesTheOldest) {
  Principal client = NewClient("E-1");
  auto status = [&](const std::string& invoice, billing::InvoiceStatus s,
                    billing::InvoiceKind kind = billing::InvoiceKind::kClient) {
    Feed(billing::kInvoiceStatusChanged,
         schemas::Encode(billing::InvoiceStatusChanged{invoice, kind, client.id, s, 100, "2026-W02"}));
  };
  status("inv-w", billing::InvoiceStatus::kOverdue, billing::InvoiceKind::kWorker);
  status("inv-0", billing::InvoiceStatus::kOpen);
  Request(client);  // neither blocks
  status("inv-1", billing::InvoiceStatus::kOverdue);
  status("inv-2", billing::InvoiceStatus::kOverdue);
  status("inv-1", billing::InvoiceStatus::kOverdue);  // a repeat changes nothing
  h_.NewEvents();
  Reply blocked = Call(wire::kRequestHelp, HelpBody(kNow + 2 * kHour), client);
  EXPECT_EQ(blocked.status, Code::kConflict);
  EXPECT_NE(blocked.message.find("\"inv-1\""), std::string::npos) << blocked.message;
  EXPECT_NE(blocked.message.find("pay it"), std::string::npos) << blocked.message;
  EXPECT_TRUE(h_.NewEvents().empty());  // nothing requested
  EXPECT_EQ(Items(Call(wire::kListOrders, schemas::EmptyBody(), client).body, "orders").size(), 1u);
  EXPECT_EQ(Call(wire::kCheckStanding, schemas::EmptyBody(), client).status, Code::kConflict);
  status("inv-1", billing::InvoiceStatus::kPaid);
  blocked = Call(wire::kRequestHelp, HelpBody(kNow + 2 * kHour), client);
  EXPECT_EQ(blocked.status, Code::kConflict);  // inv-2 still overdue
  EXPECT_NE(blocked.message.find("\"inv-2\""), std::string::npos) << blocked.message;
  Reopen();
  status("inv-2", billing::InvoiceStatus::kPaid);
  Request(client);
  EXPECT_EQ(Call(wire::kCheckStanding, schemas::EmptyBody(), client).status, Code::kOk);
}

TEST_F(PortalHandlersTest, AClientKeepsAtMostSixteenOverdueInvoices) {
  Principal client = NewClient("E-1");
  for (int i = 0; i < 20; ++i)
    Feed(billing::kInvoiceStatusChanged,
         schemas::Encode(billing::InvoiceStatusChanged{"inv-" + std::to_string(i),
                                                       billing::InvoiceKind::kClient, client.id,
                                                       billing::InvoiceStatus::kOverdue, 100,
                                                       "2026-W02"}));
  for (int i = 0; i < 16; ++i)
    Feed(billing::kInvoiceStatusChanged,
         schemas::Encode(billing::InvoiceStatusChanged{"inv-" + std::to_string(i),
                                                       billing::InvoiceKind::kClient, client.id,
                                                       billing::InvoiceStatus::kPaid, 100,
                                                       "2026-W02"}));
  // The four past the cap were not kept: paying the sixteen kept lifts the block.
  EXPECT_EQ(Call(wire::kCheckStanding, schemas::EmptyBody(), client).status, Code::kOk);
}

}  // namespace
}  // namespace mcf::portal
