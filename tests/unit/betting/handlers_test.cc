// The betting handlers through the runtime's Dispatcher on a real LMDB env in a TempDir: bets
// and their refusals, the 16th manager, settlement with remainders and with no winner, exactly
// once under redelivery and restart, and an auditor that after every step recomputes every
// balance from the entries alone and checks the books' invariant.
#include "workers/betting/handlers.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "schemas/envelope.h"
#include "tests/support/context_harness.h"

namespace mcf::betting {
namespace {

namespace wire = schemas::betting;
namespace tasks = schemas::tasks;
using wire::Outcome;

class BettingHandlersTest : public ::testing::Test {
 protected:
  static constexpr int64_t kMonday9 = 1'767'603'600'000;  // 2026-01-05T09:00:00Z
  static constexpr int64_t kMinute = 60'000;

  void SetUp() override { Reopen(); }
  void TearDown() override { AuditBooks(); }
  void Reopen() {
    Status s = h_.Open([](worker::Dispatcher& d) {
      return BettingHandlers::Install(d, BettingPolicy{.opening_balance_minor = 1000});
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  template <class E>
  void Feed(const E& event) {
    now_ += kMinute;
    Status s = h_.Event(E::kInfo.type, schemas::Encode(event), now_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    AuditBooks();
  }
  void Open(const std::string& task) {
    Feed(tasks::TaskRequested{task, "c1", "chores", kMonday9, kMonday9 + kMinute});
  }
  void Finalize(const std::string& task, Outcome outcome) {
    Feed(tasks::TaskFinalized{task, "w1", outcome, "", 10'000, "c1"});
  }

  schemas::Reply Call(std::string_view type, std::string body, const std::string& role,
                      const std::string& id, std::string command_id = "") {
    now_ += kMinute;
    schemas::Reply r =
        h_.Command(type, std::move(body), schemas::Principal{role, id}, now_, command_id);
    AuditBooks();
    return r;
  }
  schemas::Reply Bet(const std::string& manager, const std::string& task, Outcome outcome,
                     int64_t stake, std::string command_id = "") {
    return Call(wire::kPlaceBet, schemas::Encode(wire::PlaceBet{task, outcome, stake}), "manager",
                manager, std::move(command_id));
  }
  void BetOk(const std::string& manager, const std::string& task, Outcome outcome,
             int64_t stake) {
    schemas::Reply r = Bet(manager, task, outcome, stake);
    ASSERT_EQ(r.status, Code::kOk) << r.message;
  }
  template <class C>
  typename C::Reply Ok(const C& command, const std::string& role, const std::string& id) {
    schemas::Reply reply = Call(C::kInfo.type, schemas::Encode(command), role, id);
    EXPECT_EQ(reply.status, Code::kOk) << C::kInfo.type << ": " << reply.message;
    auto decoded = schemas::Decode<typename C::Reply>(reply.body);
    EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
    return decoded.ok() ? std::move(*decoded) : typename C::Reply{};
  }
  wire::BetsView Mine(const std::string& manager) { return Ok(wire::MyBets{}, "manager", manager); }
  int64_t Balance(const std::string& manager) { return Mine(manager).balance_minor; }
  wire::Pot Pot(const std::string& task) { return Ok(wire::GetPot{task}, "manager", "m1"); }
  std::vector<wire::PotSettled> Settled() {
    std::vector<wire::PotSettled> out;
    for (const auto& e : h_.NewEvents()) {
      EXPECT_EQ(e.topic, wire::kPotSettled);
      auto decoded = schemas::Decode<wire::PotSettled>(e.body);
      EXPECT_TRUE(decoded.ok());
      if (decoded.ok()) out.push_back(*decoded);
    }
    return out;
  }

  // The auditor: every balance the store keeps equals the one recomputed from the immutable
  // entries alone, the books' invariant holds, and no account is below zero but the source.
  void AuditBooks() {
    auto store = BettingStore::Open(h_.dispatcher());
    ASSERT_TRUE(store.ok());
    auto txn = h_.dispatcher().env().BeginRead();
    ASSERT_TRUE(txn.ok());
    auto recomputed = store->RecomputeFromEntries(*txn);
    ASSERT_TRUE(recomputed.ok());
    int64_t sum = 0;
    for (const auto& [account, balance] : *recomputed) {
      auto stored = store->Balance(*txn, account);
      ASSERT_TRUE(stored.ok());
      EXPECT_EQ(*stored, balance) << account;
      if (account != kSource) {
        EXPECT_GE(balance, 0) << account;
      }
      sum += balance;
    }
    EXPECT_EQ(sum, 0) << "double entry";
    auto audit = store->Audit(*txn);
    ASSERT_TRUE(audit.ok());
    EXPECT_TRUE(audit->balanced);
    EXPECT_EQ(audit->balances_minor + audit->open_pots_minor + audit->developers_fund_minor,
              audit->total_funded_minor);
    EXPECT_EQ(audit->total_funded_minor, 1000 * audit->accounts);
  }

  testing::ContextHarness h_{"betting"};
  int64_t now_ = kMonday9;
};

TEST_F(BettingHandlersTest, ABetOpensTheAccountAndMovesTheStakeIntoThePot) {
  Open("t1");
  EXPECT_FALSE(Mine("m1").has_account);
  EXPECT_EQ(Balance("m1"), 1000) << "the grant a first bet would get";
  BetOk("m1", "t1", Outcome::kCompleted, 300);
  const wire::BetsView view = Mine("m1");
  EXPECT_TRUE(view.has_account);
  EXPECT_EQ(view.balance_minor, 700);
  ASSERT_EQ(view.bets.size(), 1u);
  EXPECT_EQ(view.bets[0].status, wire::BetStatus::kOpen);
  EXPECT_EQ(view.bets[0].stake_minor, 300);
  EXPECT_EQ(view.open_pots, (std::vector<wire::OpenPot>{{"t1", 300, 1}}));
  EXPECT_EQ(Pot("t1").total_minor, 300);
}

TEST_F(BettingHandlersTest, BetsAreRefusedNamingTheField) {
  Open("t1");
  schemas::Reply r = Bet("m1", "nope", Outcome::kCompleted, 10);
  EXPECT_EQ(r.status, Code::kNotFound);
  EXPECT_NE(r.message.find("body.task_id"), std::string::npos) << r.message;
  r = Bet("m1", "t1", Outcome::kFailed, 1001);
  EXPECT_EQ(r.status, Code::kConflict);
  EXPECT_EQ(r.message.rfind("body.stake_minor", 0), 0u) << r.message;
  EXPECT_FALSE(Mine("m1").has_account) << "a refused first bet opens no account";
  r = Bet("m1", "t1", Outcome::kFailed, 0);
  EXPECT_EQ(r.status, Code::kInvalid);
  EXPECT_NE(r.message.find("body.stake_minor"), std::string::npos) << r.message;
  r = Bet("m1", "t1", Outcome::kFailed, 5);
  EXPECT_EQ(r.status, Code::kOk) << r.message;
  r = Bet("m1", "t1", Outcome::kCompleted, 5);
  EXPECT_EQ(r.status, Code::kConflict) << "one bet per manager and task";
  EXPECT_NE(r.message.find("already bet"), std::string::npos) << r.message;
  EXPECT_EQ(Balance("m1"), 995);
}

TEST_F(BettingHandlersTest, AnUnknownOutcomeNameIsInvalid) {
  Open("t1");
  // The same body with a made-up outcome (same length, so the MessagePack stays well formed).
  std::string body = schemas::Encode(wire::PlaceBet{"t1", Outcome::kFailed, 5});
  const std::string failed = "failed";
  body.replace(body.find(failed), failed.size(), "unsure");
  schemas::Reply r = Call(wire::kPlaceBet, body, "manager", "m1");
  EXPECT_EQ(r.status, Code::kInvalid);
  EXPECT_NE(r.message.find("body.outcome"), std::string::npos) << r.message;
}

TEST_F(BettingHandlersTest, NoBetOnAFinalTask) {
  Open("t1");
  Finalize("t1", Outcome::kCanceled);
  schemas::Reply r = Bet("m1", "t1", Outcome::kCanceled, 10);
  EXPECT_EQ(r.status, Code::kConflict);
  EXPECT_NE(r.message.find("final (canceled)"), std::string::npos) << r.message;
  // A task betting first hears of by its finalization is final too.
  Finalize("t2", Outcome::kCompleted);
  EXPECT_EQ(Bet("m1", "t2", Outcome::kCompleted, 10).status, Code::kConflict);
}

TEST_F(BettingHandlersTest, TheSixteenthManagerIsRefused) {
  Open("t1");
  for (int i = 1; i <= 15; ++i) BetOk("m" + std::to_string(i), "t1", Outcome::kCompleted, i);
  schemas::Reply r = Bet("m16", "t1", Outcome::kCompleted, 1);
  EXPECT_EQ(r.status, Code::kConflict);
  EXPECT_NE(r.message.find("limited to 15 managers"), std::string::npos) << r.message;
  EXPECT_FALSE(Mine("m16").has_account);
  // The fifteen keep betting.
  Open("t2");
  BetOk("m15", "t2", Outcome::kFailed, 1);
  EXPECT_EQ(Pot("t1").bets.size(), 15u);
}

TEST_F(BettingHandlersTest, TwoWinnersShareAnUnevenPotAndTheLoserLoses) {
  Open("t1");
  BetOk("m1", "t1", Outcome::kCompleted, 100);  // 1000 * 100/300 = 333 rem 100
  BetOk("m2", "t1", Outcome::kCompleted, 200);  // 1000 * 200/300 = 666 rem 200 -> +1
  BetOk("m3", "t1", Outcome::kFailed, 700);
  Finalize("t1", Outcome::kCompleted);
  const std::vector<wire::PotSettled> settled = Settled();
  ASSERT_EQ(settled.size(), 1u);
  EXPECT_EQ(settled[0].pot_minor, 1000);
  EXPECT_EQ(settled[0].winning_stakes_minor, 300);
  EXPECT_EQ(settled[0].shares,
            (std::vector<wire::Share>{{"m1", 100, 333}, {"m2", 200, 667}}));
  EXPECT_EQ(settled[0].developers_fund_minor, 0);
  EXPECT_EQ(Balance("m1"), 900 + 333);
  EXPECT_EQ(Balance("m2"), 800 + 667);
  EXPECT_EQ(Balance("m3"), 300);
  const wire::BetsView m2 = Mine("m2");
  EXPECT_EQ(m2.bets[0].status, wire::BetStatus::kWon);
  EXPECT_EQ(m2.bets[0].payout_minor, 667);
  EXPECT_EQ(Mine("m3").bets[0].status, wire::BetStatus::kLost);
  EXPECT_TRUE(m2.open_pots.empty());
  const wire::Pot pot = Pot("t1");
  EXPECT_TRUE(pot.settled);
  EXPECT_EQ(pot.outcome, Outcome::kCompleted);
}

TEST_F(BettingHandlersTest, NobodyWonSendsThePotToTheDevelopersFund) {
  Open("t1");
  BetOk("m1", "t1", Outcome::kCompleted, 100);
  BetOk("m2", "t1", Outcome::kFailed, 50);
  Finalize("t1", Outcome::kCanceled);
  const std::vector<wire::PotSettled> settled = Settled();
  ASSERT_EQ(settled.size(), 1u);
  EXPECT_TRUE(settled[0].shares.empty());
  EXPECT_EQ(settled[0].developers_fund_minor, 150);
  EXPECT_EQ(Balance("m1"), 900);
  EXPECT_EQ(Balance("m2"), 950);
  EXPECT_EQ(Ok(wire::GetAudit{}, "admin", "root").developers_fund_minor, 150);
}

TEST_F(BettingHandlersTest, ATaskNobodyBetOnPublishesNothing) {
  Open("t1");
  Finalize("t1", Outcome::kCompleted);
  EXPECT_TRUE(Settled().empty());
  EXPECT_EQ(Call(wire::kGetPot, schemas::Encode(wire::GetPot{"t1"}), "manager", "m1").status,
            Code::kNotFound);
}

TEST_F(BettingHandlersTest, APotIsSettledOnceUnderRedeliveryAndRestart) {
  Open("t1");
  BetOk("m1", "t1", Outcome::kFailed, 400);
  BetOk("m2", "t1", Outcome::kCompleted, 100);
  Finalize("t1", Outcome::kFailed);
  ASSERT_EQ(Settled().size(), 1u);
  const int64_t after = Balance("m1");
  EXPECT_EQ(after, 600 + 500);
  // The same finalization again (a new log sequence: a producer publishing twice), and a
  // different outcome claimed for it: neither moves money or publishes.
  Finalize("t1", Outcome::kFailed);
  Finalize("t1", Outcome::kCompleted);
  Reopen();
  Finalize("t1", Outcome::kFailed);
  EXPECT_TRUE(Settled().empty());
  EXPECT_EQ(Balance("m1"), after);
  EXPECT_EQ(Balance("m2"), 900);
}

TEST_F(BettingHandlersTest, ARetriedBetIsPlacedOnce) {
  Open("t1");
  schemas::Reply first = Bet("m1", "t1", Outcome::kCompleted, 100, "cmd-fixed");
  ASSERT_EQ(first.status, Code::kOk);
  schemas::Reply again = Bet("m1", "t1", Outcome::kCompleted, 100, "cmd-fixed");
  EXPECT_EQ(again.status, Code::kOk);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(Balance("m1"), 900);
  auto bet = schemas::Decode<wire::Bet>(first.body);
  ASSERT_TRUE(bet.ok());
  EXPECT_EQ(bet->bet_id, "bet-cmd-fixed");
}

TEST_F(BettingHandlersTest, OnlyManagersBetAndSeeTheirBets) {
  Open("t1");
  BetOk("m1", "t1", Outcome::kCompleted, 1);
  for (const std::string role : {"client", "worker", "supplies", "admin"}) {
    EXPECT_EQ(Call(wire::kPlaceBet, schemas::Encode(wire::PlaceBet{"t1", Outcome::kFailed, 1}),
                   role, role + "-1")
                  .status,
              Code::kForbidden)
        << role;
    EXPECT_EQ(Call(wire::kMyBets, schemas::Encode(wire::MyBets{}), role, role + "-1").status,
              Code::kForbidden)
        << role;
    EXPECT_EQ(Call(wire::kAudit, schemas::Encode(wire::GetAudit{}), role, role + "-1").status,
              role == "admin" ? Code::kOk : Code::kForbidden)
        << role;
    EXPECT_EQ(Call(wire::kGetPot, schemas::Encode(wire::GetPot{"t1"}), role, role + "-1").status,
              role == "admin" ? Code::kOk : Code::kForbidden)
        << role;
  }
  EXPECT_EQ(Call(wire::kAudit, schemas::Encode(wire::GetAudit{}), "manager", "m1").status,
            Code::kForbidden);
}

TEST_F(BettingHandlersTest, AManagerSeesOnlyOwnBetsNewestFirstInPages) {
  for (int i = 1; i <= 5; ++i) {
    Open("t" + std::to_string(i));
    BetOk("m1", "t" + std::to_string(i), Outcome::kCompleted, 10);
  }
  BetOk("m2", "t1", Outcome::kFailed, 10);
  wire::MyBets page;
  page.limit = 2;
  wire::BetsView first = Ok(page, "manager", "m1");
  ASSERT_EQ(first.bets.size(), 2u);
  EXPECT_EQ(first.bets[0].task_id, "t5");
  EXPECT_EQ(first.bets[1].task_id, "t4");
  ASSERT_TRUE(first.next_after);
  page.after = *first.next_after;
  page.limit = 10;
  wire::BetsView rest = Ok(page, "manager", "m1");
  ASSERT_EQ(rest.bets.size(), 3u);
  EXPECT_EQ(rest.bets[2].task_id, "t1");
  EXPECT_FALSE(rest.next_after);
  EXPECT_EQ(Mine("m2").bets.size(), 1u);
  EXPECT_EQ(Mine("m1").open_pots.size(), 5u);
  EXPECT_EQ(Mine("m1").open_pots[0].task_id, "t5");
  // Another manager's bet is not a cursor of mine.
  page.after = Mine("m2").bets[0].bet_id;
  EXPECT_EQ(Call(wire::kMyBets, schemas::Encode(page), "manager", "m1").status, Code::kInvalid);
}

TEST_F(BettingHandlersTest, BetsPlacedAtOneBusTimeKeepTheOrderTheyWerePlacedIn) {
  Open("t1");
  Open("t2");
  // The simulated clock often stands still between requests; ids do not sort in time order.
  const schemas::Principal m1{"manager", "m1"};
  for (const auto& [task, id] : {std::pair{"t1", "cmd-z"}, std::pair{"t2", "cmd-a"}}) {
    schemas::Reply r = h_.Command(wire::kPlaceBet,
                                  schemas::Encode(wire::PlaceBet{task, Outcome::kFailed, 5}), m1,
                                  now_, id);
    ASSERT_EQ(r.status, Code::kOk) << r.message;
  }
  const wire::BetsView view = Mine("m1");
  ASSERT_EQ(view.bets.size(), 2u);
  EXPECT_EQ(view.bets[0].task_id, "t2") << "newest first";
  EXPECT_EQ(view.bets[1].task_id, "t1");
  EXPECT_EQ(view.open_pots[0].task_id, "t2");
}

}  // namespace
}  // namespace mcf::betting
