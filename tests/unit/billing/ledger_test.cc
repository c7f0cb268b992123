// The ledger on its own, over a real LMDB env in a TempDir: idempotent ids, the same id with
// other content refused and counted, groups applied whole or not at all, pending transfers
// posted or voided once, the invariant check finding a broken book, and the money rules'
// boundaries (the loyalty discount, charges, earnings, ISO weeks).
#include "workers/billing/ledger.h"

#include <gtest/gtest.h>

#include <vector>

#include "lib/store/lmdb.h"
#include "schemas/codec.h"
#include "tests/support/temp_dir.h"
#include "workers/billing/rules.h"

namespace mcf::billing {
namespace {

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = store::Env::Open(dir_.path(), store::EnvOptions{.no_sync = true});
    ASSERT_TRUE(env.ok()) << env.status().ToString();
    env_.emplace(std::move(*env));
    auto ledger = Ledger::Open(*env_);
    ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
    ledger_.emplace(*ledger);
  }

  // Applies `group` in its own committed write transaction, as one handler would.
  ApplyResult Apply(std::vector<Transfer> group) {
    auto txn = env_->BeginWrite();
    EXPECT_TRUE(txn.ok());
    auto r = ledger_->Apply(*txn, group, now_ += 1000);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(txn->Commit().ok());
    return r.ok() ? *r : ApplyResult{ApplyOutcome::kConflict, "apply failed"};
  }
  Status ApplyError(std::vector<Transfer> group) {
    auto txn = env_->BeginWrite();
    auto r = ledger_->Apply(*txn, group, now_ += 1000);
    EXPECT_TRUE(txn->Commit().ok());
    return r.status();
  }
  Account Get(std::string_view id) {
    auto txn = env_->BeginRead();
    auto a = ledger_->GetAccount(*txn, id);
    EXPECT_TRUE(a.ok());
    return a.ok() && *a ? **a : Account{.id = std::string(id)};
  }
  LedgerCounters Counters() {
    auto txn = env_->BeginRead();
    return *ledger_->Counters(*txn);
  }
  CheckReport Check() {
    auto txn = env_->BeginRead();
    auto r = ledger_->Check(*txn);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : CheckReport{};
  }
  std::string Dump() {
    auto txn = env_->BeginRead();
    return *ledger_->Dump(*txn);
  }

  static Transfer Charge(std::string task, int64_t amount) {
    return Transfer{.id = "charge:" + task, .debit_account = ClientUnbilled("c1"),
                    .credit_account = std::string(kRevenue), .amount_minor = amount,
                    .code = "charge", .fact = task};
  }
  static Transfer Earning(std::string task, int64_t amount) {
    return Transfer{.id = "earning:" + task, .debit_account = std::string(kWorkerCost),
                    .credit_account = WorkerEarned("w1"), .amount_minor = amount,
                    .code = "earning", .fact = task};
  }
  static Transfer Pending(std::string id, int64_t amount) {
    return Transfer{.id = id, .debit_account = std::string(kPaymentsClearing),
                    .credit_account = ClientDue("c1"), .amount_minor = amount,
                    .phase = Phase::kPending, .code = "writeoff", .fact = "inv"};
  }
  static Transfer Resolve(std::string pending, Phase phase, int64_t amount) {
    Transfer t = Pending(pending + (phase == Phase::kPost ? ":post" : ":void"), amount);
    t.phase = phase;
    t.pending_id = pending;
    return t;
  }

  testing::TempDir dir_;
  std::optional<store::Env> env_;
  std::optional<Ledger> ledger_;
  int64_t now_ = 1'767'603'600'000;
};

TEST_F(LedgerTest, AChargeMovesTheAmountFromOneAccountToTheOther) {
  EXPECT_EQ(Apply({Charge("t1", 10'000)}).outcome, ApplyOutcome::kApplied);
  EXPECT_EQ(Get(ClientUnbilled("c1")).debit_balance(), 10'000);
  EXPECT_EQ(Get(kRevenue).credit_balance(), 10'000);
  EXPECT_EQ(Get(kRevenue).debits_posted, 0);
  EXPECT_TRUE(Check().ok());
}

TEST_F(LedgerTest, TheSameIdWithTheSameContentChangesNothing) {
  ASSERT_EQ(Apply({Charge("t1", 10'000)}).outcome, ApplyOutcome::kApplied);
  const std::string before = Dump();
  EXPECT_EQ(Apply({Charge("t1", 10'000)}).outcome, ApplyOutcome::kAlreadyApplied);
  EXPECT_EQ(Dump(), before) << "a redelivery changes no byte (not even the bus time)";
  EXPECT_EQ(Get(ClientUnbilled("c1")).debit_balance(), 10'000);
  EXPECT_EQ(Counters().conflicts, 0u);
}

TEST_F(LedgerTest, TheSameIdWithOtherContentIsRefusedAndCounted) {
  ASSERT_EQ(Apply({Charge("t1", 10'000)}).outcome, ApplyOutcome::kApplied);
  const std::string before = Dump();
  ApplyResult r = Apply({Charge("t1", 9'500)});
  EXPECT_EQ(r.outcome, ApplyOutcome::kConflict);
  EXPECT_NE(r.detail.find("charge:t1"), std::string::npos) << r.detail;
  EXPECT_EQ(Dump(), before);
  EXPECT_EQ(Counters().conflicts, 1u);
  Apply({Charge("t1", 1)});
  EXPECT_EQ(Counters().conflicts, 2u);
}

TEST_F(LedgerTest, AGroupIsAppliedWholeOrNotAtAll) {
  ASSERT_EQ(Apply({Earning("t2", 6'000)}).outcome, ApplyOutcome::kApplied);
  const std::string before = Dump();
  // The charge is new, but the earning conflicts: the charge must not land either.
  ApplyResult r = Apply({Charge("t2", 10'000), Earning("t2", 5'000)});
  EXPECT_EQ(r.outcome, ApplyOutcome::kConflict);
  EXPECT_EQ(Dump(), before);
  EXPECT_EQ(Get(ClientUnbilled("c1")).debits_posted, 0);
  // A group with a malformed transfer is invalid and writes nothing.
  Transfer bad = Charge("t3", 0);
  Status s = ApplyError({Charge("t4", 100), bad});
  EXPECT_EQ(s.code(), Code::kInvalid) << s.ToString();
  EXPECT_EQ(Dump(), before);
  // A whole new group lands together.
  EXPECT_EQ(Apply({Charge("t5", 10'000), Earning("t5", 6'000)}).outcome, ApplyOutcome::kApplied);
  EXPECT_EQ(Get(ClientUnbilled("c1")).debit_balance(), 10'000);
  EXPECT_EQ(Get(WorkerEarned("w1")).credit_balance(), 12'000);
  EXPECT_TRUE(Check().ok());
}

TEST_F(LedgerTest, MalformedTransfersAreInvalid) {
  Transfer same = Charge("t1", 5);
  same.credit_account = same.debit_account;
  EXPECT_EQ(ApplyError({same}).code(), Code::kInvalid);
  Transfer no_id = Charge("t1", 5);
  no_id.id.clear();
  EXPECT_EQ(ApplyError({no_id}).code(), Code::kInvalid);
  EXPECT_EQ(ApplyError({Resolve("nothing", Phase::kPost, 5)}).code(), Code::kInvalid)
      << "a post of an unknown pending transfer";
  ASSERT_EQ(Apply({Pending("p1", 500)}).outcome, ApplyOutcome::kApplied);
  EXPECT_EQ(ApplyError({Resolve("p1", Phase::kPost, 499)}).code(), Code::kInvalid)
      << "a post must move the pending amount";
  EXPECT_EQ(Get(kPaymentsClearing).debits_posted, 0);
}

TEST_F(LedgerTest, APendingTransferIsPostedOnceAndASecondAnswerIsCounted) {
  ASSERT_EQ(Apply({Pending("p1", 7'000)}).outcome, ApplyOutcome::kApplied);
  EXPECT_EQ(Get(kPaymentsClearing).debits_pending, 7'000);
  EXPECT_EQ(Get(kPaymentsClearing).debits_posted, 0);
  EXPECT_EQ(Get(ClientDue("c1")).credits_pending, 7'000);
  ASSERT_EQ(Apply({Resolve("p1", Phase::kPost, 7'000)}).outcome, ApplyOutcome::kApplied);
  EXPECT_EQ(Get(kPaymentsClearing).debits_pending, 0);
  EXPECT_EQ(Get(kPaymentsClearing).debits_posted, 7'000);
  EXPECT_EQ(Get(ClientDue("c1")).credits_posted, 7'000);
  const std::string before = Dump();
  // The same answer again: already applied, counted as a second answer.
  EXPECT_EQ(Apply({Resolve("p1", Phase::kPost, 7'000)}).outcome, ApplyOutcome::kAlreadyApplied);
  EXPECT_EQ(Counters().second_answers, 1u);
  // The other answer (a void after the post): refused, counted, nothing moves.
  EXPECT_EQ(Apply({Resolve("p1", Phase::kVoid, 7'000)}).outcome, ApplyOutcome::kAlreadyResolved);
  EXPECT_EQ(Counters().second_answers, 2u);
  EXPECT_EQ(Dump(), before);
  EXPECT_TRUE(Check().ok());
}

TEST_F(LedgerTest, AVoidReleasesThePendingAmountOnce) {
  ASSERT_EQ(Apply({Pending("p1", 7'000)}).outcome, ApplyOutcome::kApplied);
  ASSERT_EQ(Apply({Resolve("p1", Phase::kVoid, 7'000)}).outcome, ApplyOutcome::kApplied);
  const Account clearing = Get(kPaymentsClearing);
  EXPECT_EQ(clearing.debits_pending, 0);
  EXPECT_EQ(clearing.debits_posted, 0);
  EXPECT_EQ(Apply({Resolve("p1", Phase::kPost, 7'000)}).outcome, ApplyOutcome::kAlreadyResolved);
  EXPECT_EQ(Get(kPaymentsClearing).debits_posted, 0);
  EXPECT_EQ(Counters().second_answers, 1u);
  EXPECT_TRUE(Check().ok());
}

TEST_F(LedgerTest, HistoryListsAnAccountsTransfersInOrder) {
  Apply({Charge("t1", 100)});
  Apply({Earning("t1", 60)});
  Apply({Charge("t2", 200)});
  auto txn = env_->BeginRead();
  auto history = ledger_->History(*txn, ClientUnbilled("c1"), 10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].id, "charge:t1");
  EXPECT_EQ((*history)[1].id, "charge:t2");
  EXPECT_LT((*history)[0].seq, (*history)[1].seq);
}

TEST_F(LedgerTest, CheckFindsAnAccountThatDisagreesWithItsTransfers) {
  Apply({Charge("t1", 10'000)});
  ASSERT_TRUE(Check().ok());
  {
    // Corrupt one total behind the ledger's back.
    auto db = env_->OpenDb("ledger_accounts");
    Account a = Get(kRevenue);
    auto txn = env_->BeginWrite();
    a.credits_posted += 1;
    ASSERT_TRUE(txn->Put(*db, a.id, schemas::Encode(a)).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  CheckReport r = Check();
  ASSERT_FALSE(r.ok());
  std::string all;
  for (const std::string& p : r.problems) all += p + "\n";
  EXPECT_NE(all.find("account \"mcf:revenue\""), std::string::npos) << all;
  EXPECT_NE(all.find("posted debits 10000 != posted credits 10001"), std::string::npos) << all;
}

TEST_F(LedgerTest, CheckFindsATaskChargedTwice) {
  Apply({Charge("t1", 10'000)});
  Transfer again = Charge("t1", 10'000);
  again.id = "charge:t1:again";
  Apply({again});
  CheckReport r = Check();
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("task \"t1\" is charged twice"), std::string::npos);
}

TEST(BillingRules, DiscountBoundaries) {
  EXPECT_EQ(DiscountPercent(0), 0);
  EXPECT_EQ(DiscountPercent(1'000'000), 0) << "exactly 10,000.00";
  EXPECT_EQ(DiscountPercent(1'000'001), 5) << "10,000.01";
  EXPECT_EQ(DiscountPercent(2'000'000), 5) << "exactly 20,000.00";
  EXPECT_EQ(DiscountPercent(2'000'001), 6) << "20,000.01";
  EXPECT_EQ(DiscountPercent(3'000'001), 7);
  EXPECT_EQ(DiscountPercent(7'000'001), 11);
  EXPECT_EQ(DiscountPercent(8'000'000), 11) << "exactly 80,000.00";
  EXPECT_EQ(DiscountPercent(8'000'001), 12) << "beyond 80,000";
  EXPECT_EQ(DiscountPercent(1'000'000'000), 12) << "never beyond 12 %";
}

TEST(BillingRules, ChargesEarningsAndWeeks) {
  EXPECT_EQ(ChargeMinor(10'000, 0), 10'000);
  EXPECT_EQ(ChargeMinor(10'000, 5), 9'500);
  EXPECT_EQ(ChargeMinor(999, 5), 950) << "the discount (49.95) is rounded down";
  EXPECT_EQ(EarningMinor(10'000), 6'000);
  EXPECT_EQ(EarningMinor(999), 599);
  EXPECT_EQ(IsoWeekOf("2026-01-05"), "2026-W02");
  EXPECT_EQ(IsoWeekOf("2025-12-29"), "2026-W01") << "the week of 2026's first Thursday";
  EXPECT_EQ(IsoWeekOf("2026-12-28"), "2026-W53");
  EXPECT_EQ(IsoWeekOf("2027-01-04"), "2027-W01");
  EXPECT_EQ(IsoWeekOf("not a date"), "");
  EXPECT_EQ(OwnerOf("client:c-1:unbilled", "client:", ":unbilled"), "c-1");
  EXPECT_EQ(OwnerOf("client:c-1:due", "client:", ":unbilled"), "");
}

}  // namespace
}  // namespace mcf::billing
