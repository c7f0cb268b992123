// The application commands through the runtime's Dispatcher on a real LMDB env: the public
// form (validation, the duplicate contact, the unguessable id), the applicant's status, and the
// managers' list, view, tests and results with their role checks.
#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "schemas/hiring.h"
#include "tests/unit/hiring/hiring_fixture.h"
#include "workers/hiring/handlers.h"

namespace mcf::hiring {
namespace {

namespace wire = schemas::hiring;

wire::SubmitApplication Murka(std::string contact = "murka@example.org") {
  return {"Murka", 3, "Siberian", "grey", std::move(contact), schemas::Bytes{"\x89PNG..."}};
}

class ApplicationsTest : public HiringFixture {
 protected:
  // Submits as the gateway's public route does; returns the application id ("" on failure).
  std::string Submit(const wire::SubmitApplication& form) {
    schemas::Reply r = Call(wire::SubmitApplication::kInfo.type, wire::Encode(form), "system");
    EXPECT_EQ(r.status, Code::kOk) << r.message;
    auto state = wire::Decode<wire::ApplicationState>(r.body);
    return state.ok() ? state->application_id : "";
  }
  wire::Application Get(const std::string& id) {
    schemas::Reply r = Call(wire::GetApplication::kInfo.type,
                            wire::Encode(wire::GetApplication{id}));
    EXPECT_EQ(r.status, Code::kOk) << r.message;
    auto a = wire::Decode<wire::Application>(r.body);
    return a.ok() ? *a : wire::Application{};
  }
  wire::ApplicationPage List(std::optional<wire::ApplicationStatus> status, int64_t limit,
                             std::string before = "") {
    schemas::Reply r = Call(wire::ListApplications::kInfo.type,
                            wire::Encode(wire::ListApplications{status, limit, before}));
    EXPECT_EQ(r.status, Code::kOk) << r.message;
    auto page = wire::Decode<wire::ApplicationPage>(r.body);
    return page.ok() ? *page : wire::ApplicationPage{};
  }

};

TEST_F(ApplicationsTest, AnApplicationGetsAnUnguessableIdAndItsApplicantSeesOnlyItsStatus) {
  const std::string id = Submit(Murka());
  ASSERT_EQ(id.size(), 4u + 32u) << id;  // "app-" and 128 bits in hex
  const std::string other = Submit(Murka("vaska@example.org"));
  EXPECT_NE(other, id);
  schemas::Reply r = Call(wire::GetApplicationState::kInfo.type,
                          wire::Encode(wire::GetApplicationState{id}), std::nullopt);
  ASSERT_EQ(r.status, Code::kOk) << r.message;
  auto state = wire::Decode<wire::ApplicationState>(r.body);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(*state, (wire::ApplicationState{id, wire::ApplicationStatus::kReceived,
                                            kMonday9 + 60'000, kMonday9 + 60'000}));
  // The status reply carries nothing of the application itself.
  EXPECT_EQ(r.body.find("Murka"), std::string::npos);
  EXPECT_EQ(r.body.find("example.org"), std::string::npos);
  r = Call(wire::GetApplicationState::kInfo.type,
           wire::Encode(wire::GetApplicationState{"app-0000000000000000000000000000beef"}),
           std::nullopt);
  EXPECT_EQ(r.status, Code::kNotFound);
}

TEST_F(ApplicationsTest, ASecondApplicationFromAnOpenContactIsAConflictNamingIt) {
  const std::string id = Submit(Murka());
  schemas::Reply r = Call(wire::SubmitApplication::kInfo.type,
                          wire::Encode(Murka("MURKA@Example.org")), "system");
  EXPECT_EQ(r.status, Code::kConflict);
  EXPECT_NE(r.message.find(id), std::string::npos) << r.message;
  EXPECT_EQ(List(std::nullopt, 100).applications.size(), 1u) << "the duplicate was stored";
}

TEST_F(ApplicationsTest, HostileFormsAreRefusedNamingTheFieldAndStoreNothing) {
  struct Case {
    wire::SubmitApplication form;
    std::string field;
  };
  std::vector<Case> cases;
  auto add = [&](std::string field, auto edit) {
    cases.push_back({Murka(), std::move(field)});
    edit(cases.back().form);
  };
  add("body.name", [](auto& f) { f.name = ""; });
  add("body.name", [](auto& f) { f.name = std::string(1 << 20, 'a'); });
  add("body.name", [](auto& f) { f.name = std::string("Mur\0ka", 6); });
  add("body.name", [](auto& f) { f.name = "Murka \xF0\x9F\x90\xB1"; });  // a cat emoji
  add("body.name", [](auto& f) { f.name = "Mur\xC3"; });                // cut UTF-8
  add("body.name", [](auto& f) { f.name = "   "; });
  add("body.breed", [](auto& f) { f.breed = "\x1b[31mred"; });
  add("body.coat_colour", [](auto& f) { f.coat_colour = std::string(101, 'g'); });
  add("body.contact", [](auto& f) { f.contact = "a b@c"; });
  add("body.contact", [](auto& f) { f.contact = "ab"; });
  add("body.age", [](auto& f) { f.age = 41; });
  add("body.photo", [](auto& f) { f.photo.data = std::string(wire::kMaxPhotoBytes + 1, 'x'); });
  add("body.photo", [](auto& f) { f.photo.data.clear(); });
  for (const Case& c : cases) {
    schemas::Reply r = Call(wire::SubmitApplication::kInfo.type, wire::Encode(c.form), "system");
    EXPECT_EQ(r.status, Code::kInvalid) << c.field << ": " << r.message;
    EXPECT_NE(r.message.find(c.field), std::string::npos) << r.message;
  }
  EXPECT_TRUE(List(std::nullopt, 100).applications.empty());
  // Letters of any script, digits and . , ' - are fine.
  wire::SubmitApplication ok = Murka();
  ok.name = "Мурка-2 O'Neil Jr.";
  EXPECT_FALSE(Submit(ok).empty());
}

TEST_F(ApplicationsTest, ManagersListNewestFirstByStatusAcrossPages) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Submit(Murka("cat" + std::to_string(i) + "@x.org")));
  ASSERT_EQ(Call(wire::AssignTests::kInfo.type,
                 wire::Encode(wire::AssignTests{ids[1], {"agility"}}))
                .status,
            Code::kOk);
  ASSERT_EQ(Call(wire::AssignTests::kInfo.type,
                 wire::Encode(wire::AssignTests{ids[3], {"agility"}}))
                .status,
            Code::kOk);
  wire::ApplicationPage page = List(std::nullopt, 2);
  ASSERT_EQ(page.applications.size(), 2u);
  EXPECT_EQ(page.applications[0].application_id, ids[4]);
  EXPECT_EQ(page.applications[1].application_id, ids[3]);
  ASSERT_TRUE(page.next_before.has_value());
  page = List(std::nullopt, 2, *page.next_before);
  ASSERT_EQ(page.applications.size(), 2u);
  EXPECT_EQ(page.applications[0].application_id, ids[2]);
  page = List(std::nullopt, 2, *page.next_before);
  ASSERT_EQ(page.applications.size(), 1u);
  EXPECT_EQ(page.applications[0].application_id, ids[0]);
  EXPECT_FALSE(page.next_before.has_value());

  page = List(wire::ApplicationStatus::kTesting, 10);
  ASSERT_EQ(page.applications.size(), 2u);
  EXPECT_EQ(page.applications[0].application_id, ids[3]);
  EXPECT_EQ(page.applications[1].application_id, ids[1]);
  page = List(wire::ApplicationStatus::kReceived, 10);
  std::set<std::string> received;
  for (const auto& a : page.applications) received.insert(a.application_id);
  EXPECT_EQ(received, (std::set<std::string>{ids[0], ids[2], ids[4]}));
  EXPECT_TRUE(List(wire::ApplicationStatus::kAccepted, 10).applications.empty());
}

TEST_F(ApplicationsTest, TestsAndResultsAreRecordedWithTheirHistory) {
  const std::string id = Submit(Murka());
  schemas::Reply r = Call(wire::AssignTests::kInfo.type,
                          wire::Encode(wire::AssignTests{id, {"agility", "mousing"}}));
  ASSERT_EQ(r.status, Code::kOk) << r.message;
  r = Call(wire::RecordResult::kInfo.type,
           wire::Encode(wire::RecordResult{id, "mousing", 87, "three mice in a minute"}));
  ASSERT_EQ(r.status, Code::kOk) << r.message;
  // A test not assigned to her is a conflict naming it, and changes nothing.
  r = Call(wire::RecordResult::kInfo.type,
           wire::Encode(wire::RecordResult{id, "swimming", 10, ""}));
  EXPECT_EQ(r.status, Code::kConflict);
  EXPECT_NE(r.message.find("swimming"), std::string::npos) << r.message;
  // Once a result is in, the set of tests is fixed.
  r = Call(wire::AssignTests::kInfo.type, wire::Encode(wire::AssignTests{id, {"agility"}}));
  EXPECT_EQ(r.status, Code::kConflict);

  const wire::Application a = Get(id);
  EXPECT_EQ(a.status, wire::ApplicationStatus::kTesting);
  ASSERT_EQ(a.tests.size(), 2u);
  EXPECT_EQ(a.tests[0].test, "agility");
  EXPECT_FALSE(a.tests[0].score.has_value());
  EXPECT_EQ(a.tests[1].score, 87);
  EXPECT_EQ(a.tests[1].notes, "three mice in a minute");
  EXPECT_EQ(a.tests[1].recorded_by, "manager-1");
  std::vector<std::string> history;
  for (const auto& e : a.history) history.push_back(e.event);
  EXPECT_EQ(history, (std::vector<std::string>{"received", "tests_assigned", "result_recorded"}));
  EXPECT_EQ(a.photo_bytes, static_cast<int64_t>(Murka().photo.data.size()));

  r = Call(wire::AssignTests::kInfo.type,
           wire::Encode(wire::AssignTests{id, {"agility", "agility"}}));
  EXPECT_EQ(r.status, Code::kInvalid);
  EXPECT_NE(r.message.find("body.tests[1]"), std::string::npos) << r.message;
}

TEST_F(ApplicationsTest, OnlyManagersAndAdminsSeeOrChangeApplications) {
  const std::string id = Submit(Murka());
  for (std::optional<std::string> role :
       {std::optional<std::string>("client"), std::optional<std::string>("worker"),
        std::optional<std::string>("supplies"), std::optional<std::string>("system"),
        std::optional<std::string>()}) {
    const std::string who = role.value_or("<none>");
    EXPECT_EQ(Call(wire::ListApplications::kInfo.type,
                   wire::Encode(wire::ListApplications{std::nullopt, 10, ""}), role)
                  .status,
              Code::kForbidden)
        << who;
    EXPECT_EQ(Call(wire::GetApplication::kInfo.type, wire::Encode(wire::GetApplication{id}), role)
                  .status,
              Code::kForbidden)
        << who;
    EXPECT_EQ(Call(wire::AssignTests::kInfo.type,
                   wire::Encode(wire::AssignTests{id, {"agility"}}), role)
                  .status,
              Code::kForbidden)
        << who;
    EXPECT_EQ(Call(wire::RecordResult::kInfo.type,
                   wire::Encode(wire::RecordResult{id, "agility", 1, ""}), role)
                  .status,
              Code::kForbidden)
        << who;
  }
  EXPECT_EQ(Get(id).status, wire::ApplicationStatus::kReceived) << "a refused command changed it";
  EXPECT_EQ(Call(wire::GetApplication::kInfo.type, wire::Encode(wire::GetApplication{id}), "admin")
                .status,
            Code::kOk);
}

}  // namespace
}  // namespace mcf::hiring
