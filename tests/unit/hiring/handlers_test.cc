// The hiring handlers through the runtime's Dispatcher on a real LMDB env in a TempDir:
// hiring.import_worker's role check and validation, the stored profile, hiring.worker_hired.
#include "workers/hiring/handlers.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "schemas/body.h"
#include "schemas/envelope.h"
#include "schemas/hiring.h"
#include "tests/support/context_harness.h"

namespace mcf::hiring {
namespace {

namespace wire = schemas::hiring;

constexpr int64_t kMonday9 = 1'767'603'600'000;  // 2026-01-05T09:00:00Z

wire::ImportWorker Felix() {
  return {"Felix", 4, "tabby", "ginger", {"pipes", "mice"}, {"heights"}};
}

class HiringHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    Status s = h_.Open([](worker::Dispatcher& d) { return HiringHandlers::Install(d); });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // One command as `role` (principal {role, role-1}; nullopt = none) at Monday 09:00.
  schemas::Reply Call(std::string_view type, std::string body,
                      std::optional<std::string> role = "admin") {
    std::optional<schemas::Principal> who;
    if (role) who = schemas::Principal{*role, *role + "-1"};
    return h_.Command(type, std::move(body), who, kMonday9);
  }

  std::vector<testing::PublishedEvent> NewEvents() { return h_.NewEvents(); }

  testing::ContextHarness h_{"hiring"};
};

TEST_F(HiringHandlersTest, ImportStoresTheProfileAndPublishesWorkerHired) {
  schemas::Reply reply = Call(wire::kImportWorker, wire::Encode(Felix()));
  ASSERT_EQ(reply.status, Code::kOk) << reply.message;
  auto ref = wire::Decode<wire::WorkerRef>(reply.body);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_EQ(ref->worker_id.rfind("worker-", 0), 0u) << ref->worker_id;

  auto events = NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].topic, wire::kWorkerHired);
  auto hired = wire::Decode<wire::WorkerHired>(events[0].body);
  ASSERT_TRUE(hired.ok());
  EXPECT_EQ(*hired, (wire::WorkerHired{ref->worker_id, "Felix", {"pipes", "mice"}, {"heights"}, 4, "tabby",
                                     "ginger", std::nullopt, std::nullopt, std::nullopt}));

  // The profile survives a restart and any principal may read it.
  Reopen();
  reply = Call(wire::kGetWorker, wire::Encode(wire::WorkerRef{ref->worker_id}), "manager");
  ASSERT_EQ(reply.status, Code::kOk) << reply.message;
  auto profile = wire::Decode<wire::WorkerProfile>(reply.body);
  ASSERT_TRUE(profile.ok());
  EXPECT_EQ(*profile, (wire::WorkerProfile{ref->worker_id,
                                           "Felix",
                                           4,
                                           "tabby",
                                           "ginger",
                                           {"pipes", "mice"},
                                           {"heights"},
                                           kMonday9,
                                           std::nullopt}));
}

TEST_F(HiringHandlersTest, TwoImportsGetDistinctWorkerIds) {
  auto a = wire::Decode<wire::WorkerRef>(Call(wire::kImportWorker, wire::Encode(Felix())).body);
  auto b = wire::Decode<wire::WorkerRef>(Call(wire::kImportWorker, wire::Encode(Felix())).body);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->worker_id, b->worker_id);
  EXPECT_EQ(NewEvents().size(), 2u);
}

TEST_F(HiringHandlersTest, ImportIsForbiddenForEveryoneButAdmin) {
  for (std::optional<std::string> role :
       {std::optional<std::string>("manager"), std::optional<std::string>("client"),
        std::optional<std::string>("supplies"), std::optional<std::string>()}) {
    schemas::Reply reply = Call(wire::kImportWorker, wire::Encode(Felix()), role);
    EXPECT_EQ(reply.status, Code::kForbidden) << role.value_or("<none>");
  }
  EXPECT_TRUE(NewEvents().empty());
}

TEST_F(HiringHandlersTest, InvalidProfilesAreRejectedNamingTheFieldAndStoreNothing) {
  struct Case {
    wire::ImportWorker body;
    std::string field;
  };
  std::vector<Case> cases;
  cases.push_back({Felix(), "body.name"});
  cases.back().body.name = "";
  cases.push_back({Felix(), "body.name"});
  cases.back().body.name = std::string(101, 'x');
  cases.push_back({Felix(), "body.age"});
  cases.back().body.age = -1;
  cases.push_back({Felix(), "body.age"});
  cases.back().body.age = 41;
  cases.push_back({Felix(), "body.strengths"});
  cases.back().body.strengths.assign(21, "pipes");
  cases.push_back({Felix(), "body.weaknesses"});
  cases.back().body.weaknesses.assign(21, "heights");
  for (const Case& c : cases) {
    schemas::Reply reply = Call(wire::kImportWorker, wire::Encode(c.body));
    EXPECT_EQ(reply.status, Code::kInvalid) << c.field;
    EXPECT_NE(reply.message.find(c.field), std::string::npos) << reply.message;
  }
  // A missing field is invalid too.
  schemas::Reply reply =
      Call(wire::kImportWorker, schemas::BodyWriter().String("name", "Tom").Finish());
  EXPECT_EQ(reply.status, Code::kInvalid);
  EXPECT_TRUE(NewEvents().empty());
}

// The limits' messages as the admin's form shows them: code-point limits from Validate, the
// age range and the list sizes from the declaration.
TEST_F(HiringHandlersTest, EachLimitAnswersItsOwnMessage) {
  struct Case {
    wire::ImportWorker body;
    std::string message;
  };
  std::vector<Case> cases;
  cases.push_back({Felix(), "body.name: must be 1..100 characters"});
  cases.back().body.name = "";
  cases.push_back({Felix(), "body.name: must be 1..100 characters"});
  cases.back().body.name = "\xc3\xa9" + std::string(100, 'x');  // 101 characters
  cases.push_back({Felix(), "body.age: must be 0..40"});
  cases.back().body.age = 41;
  cases.push_back({Felix(), "body.breed: must be 0..100 characters"});
  cases.back().body.breed = std::string(101, 'x');
  cases.push_back({Felix(), "body.coat_colour: must be 0..100 characters"});
  cases.back().body.coat_colour = std::string(101, 'x');
  cases.push_back({Felix(), "body.strengths: longer than 20 items"});
  cases.back().body.strengths.assign(21, "pipes");
  cases.push_back({Felix(), "body.strengths[1]: must be 1..100 characters"});
  cases.back().body.strengths = {"pipes", ""};
  cases.push_back({Felix(), "body.weaknesses[0]: must be 1..100 characters"});
  cases.back().body.weaknesses = {std::string(101, 'x')};
  for (const Case& c : cases) {
    schemas::Reply reply = Call(wire::kImportWorker, wire::Encode(c.body));
    EXPECT_EQ(reply.status, Code::kInvalid) << c.message;
    EXPECT_EQ(reply.message, c.message);
  }
  EXPECT_TRUE(NewEvents().empty());
}

TEST_F(HiringHandlersTest, LimitsAreInclusive) {
  wire::ImportWorker edge = Felix();
  edge.name = std::string(100, 'x');
  edge.age = 40;
  edge.strengths.assign(20, "pipes");
  edge.weaknesses.clear();
  EXPECT_EQ(Call(wire::kImportWorker, wire::Encode(edge)).status, Code::kOk);
  edge.name = "\xc3\xa9" + std::string(99, 'x');  // 100 characters, 101 bytes
  edge.age = 0;
  EXPECT_EQ(Call(wire::kImportWorker, wire::Encode(edge)).status, Code::kOk);
}

TEST_F(HiringHandlersTest, GetUnknownWorkerIsNotFound) {
  EXPECT_EQ(Call(wire::kGetWorker, wire::Encode(wire::WorkerRef{"worker-nope"})).status,
            Code::kNotFound);
  EXPECT_EQ(Call(wire::kGetWorker, wire::Encode(wire::WorkerRef{""})).status, Code::kInvalid);
}

TEST(HiringSchemasTest, BodiesRoundTrip) {
  wire::ImportWorker c = Felix();
  EXPECT_EQ(*wire::Decode<wire::ImportWorker>(wire::Encode(c)), c);
  wire::WorkerProfile p{"w1", "Tom", 3, "", "grey", {}, {"water"}, 42, "hiring:photo/w1"};
  EXPECT_EQ(*wire::Decode<wire::WorkerProfile>(wire::Encode(p)), p);
  EXPECT_EQ(*wire::Decode<wire::WorkerRef>(wire::Encode(wire::WorkerRef{"w1"})),
            wire::WorkerRef{"w1"});
}

}  // namespace
}  // namespace mcf::hiring
