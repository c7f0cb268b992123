// Screening on the bus: rules published as versions, activated only when their golden cases
// pass, candidates decided by the active version with an explanation, a rule change applying to
// the next decision only, and every stored decision reproduced byte for byte from its own
// version. Through the runtime's Dispatcher on a real LMDB env.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "schemas/hiring.h"
#include "tests/unit/hiring/hiring_fixture.h"
#include "workers/hiring/handlers.h"
#include "workers/hiring/hiring_store.h"
#include "workers/hiring/screening_codec.h"
#include "workers/hiring/screening_decision.h"

namespace mcf::hiring {
namespace {

namespace wire = schemas::hiring;

// Two tests; a mouser (mousing >= 80) is strong at mice; accepted from a total of `bar`.
wire::Rules Rules(int64_t bar) {
  wire::Rules r;
  r.tests = {{"agility", 0, 100}, {"mousing", 0, 100}};
  wire::RuleRow mouser;
  mouser.conditions = {{"score.mousing", ">=", {80}, {}}};
  mouser.strengths = {"mice"};
  wire::RuleRow clumsy;
  clumsy.conditions = {{"score.agility", "<", {50}, {}}};
  clumsy.weaknesses = {"heights"};
  r.rows = {mouser, clumsy};
  r.hit_policy = "collect";
  r.absolute_score = bar;
  return r;
}

wire::RuleGoldenCase Golden(std::string name, int64_t agility, int64_t mousing,
                            std::string expected) {
  return {std::move(name),
          3,
          "",
          "",
          {{"agility", agility}, {"mousing", mousing}},
          std::nullopt,
          std::move(expected),
          std::nullopt,
          std::nullopt};
}

class DecisionsTest : public HiringFixture {
 protected:
  template <typename Reply>
  Reply Ok(std::string_view type, std::string body) {
    schemas::Reply r = Call(type, std::move(body));
    EXPECT_EQ(r.status, Code::kOk) << type << ": " << r.message;
    auto decoded = wire::Decode<Reply>(r.body);
    EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
    return decoded.ok() ? *decoded : Reply{};
  }
  int64_t PublishAndActivate(const wire::Rules& rules) {
    auto v = Ok<wire::RuleSetVersion>(wire::PublishRules::kInfo.type,
                                      wire::Encode(wire::PublishRules{rules}));
    Ok<wire::RuleSetVersion>(wire::ActivateRules::kInfo.type,
                             wire::Encode(wire::ActivateRules{v.version}));
    return v.version;
  }
  // A candidate who took both tests with these scores; returns the application id.
  std::string Candidate(const std::string& contact, int64_t agility, int64_t mousing) {
    schemas::Reply r = Call(wire::SubmitApplication::kInfo.type,
                            wire::Encode(wire::SubmitApplication{"Murka", 3, "Siberian", "grey",
                                                                 contact, schemas::Bytes{"img"}}),
                            "system");
    auto state = wire::Decode<wire::ApplicationState>(r.body);
    EXPECT_TRUE(state.ok()) << r.message;
    const std::string id = state.ok() ? state->application_id : "";
    Ok<wire::Application>(wire::AssignTests::kInfo.type,
                          wire::Encode(wire::AssignTests{id, {"agility", "mousing"}}));
    Ok<wire::Application>(wire::RecordResult::kInfo.type,
                          wire::Encode(wire::RecordResult{id, "agility", agility, ""}));
    Ok<wire::Application>(wire::RecordResult::kInfo.type,
                          wire::Encode(wire::RecordResult{id, "mousing", mousing, ""}));
    return id;
  }
  wire::DecisionView Decide(const std::string& id) {
    return Ok<wire::DecisionView>(wire::Decide::kInfo.type, wire::Encode(wire::Decide{id}));
  }
};

TEST_F(DecisionsTest, TheActiveVersionDecidesExplainedAndARuleChangeAppliesOnlyToLaterOnes) {
  const int64_t v1 = PublishAndActivate(Rules(150));
  const std::string murka = Candidate("murka@x.org", 90, 85);  // 175
  const wire::DecisionView first = Decide(murka);
  EXPECT_EQ(first.outcome, "accepted");
  EXPECT_EQ(first.rule_version, v1);
  EXPECT_EQ(first.total, 175);
  EXPECT_EQ(first.strengths, std::vector<std::string>{"mice"});
  ASSERT_TRUE(first.worker_id.has_value());
  ASSERT_GE(first.explanation.size(), 3u);
  EXPECT_EQ(first.explanation[0],
            "row 1 matched: score.mousing >= 80 (saw 85, yes) -> strengths: mice");
  EXPECT_EQ(first.explanation[1], "row 2 did not match: score.agility < 50 (saw 90, no)");
  EXPECT_NE(first.explanation.back().find("accepted"), std::string::npos);
  auto events = h_.NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].topic, wire::kWorkerHired);

  // The bar goes up; the next candidate, as good as the first, is rejected by the new version.
  const int64_t v2 = PublishAndActivate(Rules(200));
  const std::string vaska = Candidate("vaska@x.org", 90, 85);
  const wire::DecisionView second = Decide(vaska);
  EXPECT_EQ(second.outcome, "rejected");
  EXPECT_EQ(second.rule_version, v2);
  events = h_.NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].topic, wire::ApplicationRejected::kInfo.type);

  // The first decision is still explained from its own version.
  const auto again =
      Ok<wire::DecisionView>(wire::GetDecision::kInfo.type, wire::Encode(wire::GetDecision{murka}));
  EXPECT_EQ(again, first);
  EXPECT_EQ(Ok<wire::Application>(wire::GetApplication::kInfo.type,
                                  wire::Encode(wire::GetApplication{murka}))
                .status,
            wire::ApplicationStatus::kAccepted);
  // A decided application is not decided again.
  EXPECT_EQ(Call(wire::Decide::kInfo.type, wire::Encode(wire::Decide{murka})).status,
            Code::kConflict);
}

TEST_F(DecisionsTest, EveryStoredDecisionIsReproducedByteForByteFromItsOwnVersion) {
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) {
    if (i % 4 == 0) PublishAndActivate(Rules(100 + 10 * i));
    ids.push_back(Candidate("cat" + std::to_string(i) + "@x.org", 40 + 5 * i, 95 - 4 * i));
    Decide(ids.back());
  }
  auto store = HiringStore::Open(h_.dispatcher());
  ASSERT_TRUE(store.ok());
  auto txn = h_.dispatcher().env().BeginRead();
  ASSERT_TRUE(txn.ok());
  for (const std::string& id : ids) {
    auto view = store->GetDecision(*txn, id).value();
    auto bytes = store->GetDecisionBytes(*txn, id).value();
    auto application = store->GetApplication(*txn, id).value();
    ASSERT_TRUE(view && bytes && application) << id;
    auto rules = store->GetRuleSet(*txn, static_cast<uint64_t>(view->rule_version)).value();
    ASSERT_TRUE(rules.has_value());
    ScreeningInput input;
    input.profile = {application->age, application->breed, application->coat_colour};
    for (const auto& t : application->tests) input.scores.push_back({t.test, *t.score});
    input.cutoff_score = view->cutoff_score;
    EXPECT_EQ(EncodeDecision(hiring::Decide(*rules, input)), *bytes) << id;
  }
}

TEST_F(DecisionsTest, AVersionFailingItsGoldenCasesCannotBeActivated) {
  wire::Rules rules = Rules(150);
  rules.golden_cases = {Golden("strong mouser", 90, 90, "accepted"),
                        Golden("weak everywhere", 10, 10, "accepted")};  // wrong on purpose
  auto v = Ok<wire::RuleSetVersion>(wire::PublishRules::kInfo.type,
                                    wire::Encode(wire::PublishRules{rules}));
  EXPECT_FALSE(v.active);
  schemas::Reply r =
      Call(wire::ActivateRules::kInfo.type, wire::Encode(wire::ActivateRules{v.version}));
  EXPECT_EQ(r.status, Code::kConflict);
  EXPECT_NE(r.message.find("weak everywhere"), std::string::npos) << r.message;
  EXPECT_EQ(Call(wire::GetRules::kInfo.type, wire::Encode(wire::GetRules{})).status,
            Code::kNotFound)
      << "a failing version became active";
  // With no active rules, nobody is decided.
  const std::string id = Candidate("murka@x.org", 90, 90);
  r = Call(wire::Decide::kInfo.type, wire::Encode(wire::Decide{id}));
  EXPECT_EQ(r.status, Code::kConflict);
  EXPECT_NE(r.message.find("no screening rules are active"), std::string::npos) << r.message;
}

TEST_F(DecisionsTest, BadRulesAreRefusedNamingThePartAndOnlyManagersChangeOrUseThem) {
  wire::Rules bad = Rules(150);
  bad.rows[0].conditions[0].field = "score.jumping";
  schemas::Reply r = Call(wire::PublishRules::kInfo.type, wire::Encode(wire::PublishRules{bad}));
  EXPECT_EQ(r.status, Code::kInvalid);
  EXPECT_NE(r.message.find("body.rules.rows[0].conditions[0].field"), std::string::npos)
      << r.message;
  bad = Rules(150);
  bad.rows[1].conditions[0].texts = {"x"};
  r = Call(wire::PublishRules::kInfo.type, wire::Encode(wire::PublishRules{bad}));
  EXPECT_EQ(r.status, Code::kInvalid);
  EXPECT_NE(r.message.find("numbers or in texts"), std::string::npos) << r.message;

  const int64_t v = PublishAndActivate(Rules(150));
  const std::string id = Candidate("murka@x.org", 90, 90);
  for (std::optional<std::string> role :
       {std::optional<std::string>("client"), std::optional<std::string>("worker"),
        std::optional<std::string>("system"), std::optional<std::string>()}) {
    const std::string who = role.value_or("<none>");
    EXPECT_EQ(Call(wire::PublishRules::kInfo.type, wire::Encode(wire::PublishRules{Rules(1)}), role)
                  .status,
              Code::kForbidden)
        << who;
    EXPECT_EQ(
        Call(wire::ActivateRules::kInfo.type, wire::Encode(wire::ActivateRules{v}), role).status,
        Code::kForbidden)
        << who;
    EXPECT_EQ(Call(wire::Decide::kInfo.type, wire::Encode(wire::Decide{id}), role).status,
              Code::kForbidden)
        << who;
  }
  EXPECT_TRUE(h_.NewEvents().empty());
}

TEST_F(DecisionsTest, ACandidateIsDecidedOnlyOnceEveryAssignedTestHasAResult) {
  PublishAndActivate(Rules(150));
  schemas::Reply r = Call(wire::SubmitApplication::kInfo.type,
                          wire::Encode(wire::SubmitApplication{"Tom", 4, "tabby", "ginger",
                                                               "tom@x.org", schemas::Bytes{"i"}}),
                          "system");
  const std::string id = wire::Decode<wire::ApplicationState>(r.body).value().application_id;
  EXPECT_EQ(Call(wire::Decide::kInfo.type, wire::Encode(wire::Decide{id})).status, Code::kConflict);
  Ok<wire::Application>(wire::AssignTests::kInfo.type,
                        wire::Encode(wire::AssignTests{id, {"agility", "mousing"}}));
  Ok<wire::Application>(wire::RecordResult::kInfo.type,
                        wire::Encode(wire::RecordResult{id, "agility", 70, ""}));
  r = Call(wire::Decide::kInfo.type, wire::Encode(wire::Decide{id}));
  EXPECT_EQ(r.status, Code::kConflict);
  EXPECT_NE(r.message.find("mousing"), std::string::npos) << r.message;
  // A score outside the test's range is refused by the rules, naming it.
  Ok<wire::Application>(wire::RecordResult::kInfo.type,
                        wire::Encode(wire::RecordResult{id, "mousing", 500, ""}));
  r = Call(wire::Decide::kInfo.type, wire::Encode(wire::Decide{id}));
  EXPECT_EQ(r.status, Code::kConflict);
  EXPECT_NE(r.message.find("mousing"), std::string::npos) << r.message;
  EXPECT_TRUE(h_.NewEvents().empty());
}

}  // namespace
}  // namespace mcf::hiring

namespace mcf::hiring {
namespace {

// The public form's bound on what waits for review: past it a new application is refused
// `unavailable` and nothing is stored; a decision frees its place. (Here: 2 applications, and
// photos of at most 8 bytes in all; each candidate's photo is 3 bytes.)
TEST_F(DecisionsTest, ThePublicFormStopsAtTheOpenApplicationsBoundUntilOneIsDecided) {
  Status s = h_.Open([](worker::Dispatcher& d) {
    return HiringHandlers::Install(d, HiringOptions{2, 1 << 20});
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  PublishAndActivate(Rules(100));
  auto submit = [&](const std::string& contact, std::string photo) {
    return Call(wire::SubmitApplication::kInfo.type,
                wire::Encode(wire::SubmitApplication{"Murka", 3, "Siberian", "grey", contact,
                                                     schemas::Bytes{std::move(photo)}}),
                "system");
  };
  const std::string first = Candidate("a@example.org", 60, 90);
  Candidate("b@example.org", 60, 90);
  schemas::Reply third = submit("c@example.org", "img");
  EXPECT_EQ(third.status, Code::kUnavailable) << third.message;
  EXPECT_NE(third.message.find("2 await review"), std::string::npos) << third.message;

  Decide(first);
  EXPECT_EQ(submit("c@example.org", "img").status, Code::kOk);
  EXPECT_EQ(submit("d@example.org", "img").status, Code::kUnavailable);

  // The photo budget: 8 bytes, and the two open ones hold 6.
  s = h_.Open([](worker::Dispatcher& d) {
    return HiringHandlers::Install(d, HiringOptions{100, 8});
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(submit("e@example.org", "img").status, Code::kUnavailable);
  EXPECT_EQ(submit("e@example.org", "ok").status, Code::kOk);
}

}  // namespace
}  // namespace mcf::hiring
