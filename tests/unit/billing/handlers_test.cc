// The billing handlers through the runtime's Dispatcher on a real LMDB env (ContextHarness):
// charges, earnings and penalties from tasks.task_finalized, the weekly client invoice and its
// write-off with retries and the overdue state, the monthly worker invoice with payouts and a
// carried debt, the loyalty discount, managers' credits, and who may read which statement.
#include "workers/billing/handlers.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "schemas/envelope.h"
#include "schemas/hiring.h"
#include "tests/support/context_harness.h"
#include "workers/billing/rules.h"

namespace mcf::billing {
namespace {

namespace wire = schemas::billing;
namespace tasks = schemas::tasks;
namespace clock = schemas::clock;

constexpr int64_t kMonday = 1'767'571'200'000;  // 2026-01-05T00:00:00Z
constexpr int64_t kMinute = 60'000;
constexpr int64_t kDay = 86'400'000;

class BillingHandlersTest : public ::testing::Test {
 protected:
  BillingHandlersTest() : h_("billing") {}
  void SetUp() override { Reopen(); }
  void Reopen() {
    Status s = h_.Open([](worker::Dispatcher& d) { return BillingHandlers::Install(d); });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  template <class E>
  void Feed(const E& event, std::optional<int64_t> at = std::nullopt) {
    now_ = at ? *at : now_ + kMinute;
    Status s = h_.Event(E::kInfo.type, schemas::Encode(event), now_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void Finalize(std::string task, std::string client, std::string worker, tasks::Outcome outcome,
                int64_t price = 10'000) {
    Feed(tasks::TaskFinalized{task, worker, outcome, "", price, client});
  }
  void EndWeek(int64_t monday = kMonday) {
    Feed(clock::WeekEnded{monday + 7 * kDay, clock::DateOf(monday)}, monday + 7 * kDay);
  }
  void StartDay() { Feed(clock::DayStarted{now_, clock::DateOf(now_)}, now_ + kDay); }

  schemas::Reply Call(std::string_view type, std::string body, std::string role, std::string id,
                      std::string command_id = "") {
    now_ += 1;
    return h_.Command(type, std::move(body), schemas::Principal{std::move(role), std::move(id)},
                      now_, std::move(command_id));
  }
  template <class C>
  typename C::Reply Ok(const C& command, std::string role = "manager", std::string id = "m1",
                       std::string command_id = "") {
    schemas::Reply reply = Call(C::kInfo.type, schemas::Encode(command), role, id, command_id);
    EXPECT_EQ(reply.status, Code::kOk) << C::kInfo.type << ": " << reply.message;
    auto decoded = schemas::Decode<typename C::Reply>(reply.body);
    EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
    return decoded.ok() ? std::move(*decoded) : typename C::Reply{};
  }
  template <class C>
  Code Refused(const C& command, std::string role, std::string id) {
    return Call(C::kInfo.type, schemas::Encode(command), role, id).status;
  }
  wire::ClientStatement Client(std::string client) {
    return Ok(wire::GetClientStatement{client});
  }
  wire::WorkerStatement Worker(std::string worker) {
    return Ok(wire::GetWorkerStatement{worker});
  }
  // The events billing published since the last call, decoded as E (others skipped).
  template <class E>
  std::vector<E> Published() {
    std::vector<E> out;
    for (const auto& e : pending_events_) {
      if (e.topic != E::kInfo.type) continue;
      auto decoded = schemas::Decode<E>(e.body);
      EXPECT_TRUE(decoded.ok());
      if (decoded.ok()) out.push_back(*decoded);
    }
    return out;
  }
  void Collect() { pending_events_ = h_.NewEvents(); }

  int64_t now_ = kMonday + 9 * 3'600'000;
  testing::ContextHarness h_;
  std::vector<testing::PublishedEvent> pending_events_;
};

TEST_F(BillingHandlersTest, EveryFinalTaskIsChargedInFullAndTheWorkerPaidOrPenalized) {
  Finalize("t1", "c1", "w1", tasks::Outcome::kCompleted);
  Finalize("t2", "c1", "w1", tasks::Outcome::kFailed);
  Finalize("t3", "c1", "w1", tasks::Outcome::kCanceled);
  Finalize("t4", "c1", "", tasks::Outcome::kCanceled, 0);  // never assigned: no price

  wire::ClientStatement c = Client("c1");
  EXPECT_EQ(c.owed_at_week_end_minor, 30'000);
  ASSERT_EQ(c.charges.size(), 3u);
  EXPECT_EQ(c.charges[0].task_id, "t1");
  EXPECT_EQ(c.charges[0].list_price_minor, 10'000);
  EXPECT_EQ(c.charges[2].task_id, "t3");

  wire::WorkerStatement w = Worker("w1");
  EXPECT_EQ(w.earnings_minor, 6'000);
  EXPECT_EQ(w.penalties_minor, 4'000);
  EXPECT_EQ(w.balance_minor, 2'000);
  ASSERT_EQ(w.entries.size(), 2u);
  EXPECT_EQ(w.entries[0].kind, "earning");
  EXPECT_EQ(w.entries[1].kind, "penalty");
  EXPECT_EQ(w.entries[1].task_id, "t2");
}

TEST_F(BillingHandlersTest, ACopyAfterANoShowIsChargedAgainAtItsOwnPrice) {
  Feed(tasks::TaskFinalized{"t1", "w1", tasks::Outcome::kCanceled, "no_show", 10'000, "c1"});
  Finalize("t1-copy", "c1", "w2", tasks::Outcome::kCompleted, 12'000);
  wire::ClientStatement c = Client("c1");
  EXPECT_EQ(c.owed_at_week_end_minor, 22'000);
  EXPECT_EQ(Worker("w1").balance_minor, 0) << "nothing for a canceled task";
  EXPECT_EQ(Worker("w2").balance_minor, 7'200);
}

TEST_F(BillingHandlersTest, ARepeatedFinalizationChangesNothingAndAConflictingOneIsRefused) {
  Finalize("t1", "c1", "w1", tasks::Outcome::kCompleted);
  Finalize("t1", "c1", "w1", tasks::Outcome::kCompleted);
  EXPECT_EQ(Client("c1").owed_at_week_end_minor, 10'000);
  EXPECT_EQ(Worker("w1").balance_minor, 6'000);
  // The same task at another price: refused whole (neither charge nor earning changes).
  Finalize("t1", "c1", "w1", tasks::Outcome::kCompleted, 20'000);
  EXPECT_EQ(Client("c1").owed_at_week_end_minor, 10'000);
  EXPECT_EQ(Worker("w1").balance_minor, 6'000);
}

TEST_F(BillingHandlersTest, TheWeekEndInvoicesEachChargedClientAndAsksForTheWriteOff) {
  Finalize("t1", "c1", "w1", tasks::Outcome::kCompleted);
  Finalize("t2", "c1", "w1", tasks::Outcome::kCompleted);
  Finalize("t3", "c2", "w1", tasks::Outcome::kCanceled);
  Collect();
  EndWeek();
  Collect();
  auto requests = Published<wire::WriteOffRequested>();
  ASSERT_EQ(requests.size(), 2u) << "one per charged client, none for the rest";
  EXPECT_EQ(requests[0].client_id, "c1");
  EXPECT_EQ(requests[0].invoice_id, "inv-c-c1-2026-W02");
  EXPECT_EQ(requests[0].amount_minor, 20'000);
  EXPECT_EQ(requests[0].attempt, 1);
  EXPECT_EQ(requests[0].transfer_id, "inv-c-c1-2026-W02-try1");
  auto statuses = Published<wire::InvoiceStatusChanged>();
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].status, wire::InvoiceStatus::kOpen);
  EXPECT_EQ(statuses[0].period, "2026-W02");

  wire::ClientStatement c = Client("c1");
  EXPECT_EQ(c.owed_at_week_end_minor, 0) << "the week's charges are invoiced";
  EXPECT_EQ(c.unpaid_minor, 20'000);
  ASSERT_EQ(c.invoices.size(), 1u);
  EXPECT_EQ(c.invoices[0].status, wire::InvoiceStatus::kOpen);

  // The same week ending again (a redelivered clock event) sends nothing new.
  EndWeek();
  Collect();
  EXPECT_TRUE(Published<wire::WriteOffRequested>().empty());
  // A week without charges: no invoice.
  EndWeek(kMonday + 7 * kDay);
  Collect();
  EXPECT_TRUE(Published<wire::WriteOffRequested>().empty());
}

TEST_F(BillingHandlersTest, AWriteOffPostsOnceAndASecondAnswerChangesNothing) {
  Finalize("t1", "c1", "w1", tasks::Outcome::kCompleted);
  EndWeek();
  Collect();
  const wire::WriteOffRequested req = Published<wire::WriteOffRequested>().at(0);
  Feed(schemas::payments::WriteOffSucceeded{req.transfer_id, req.invoice_id, req.amount_minor,
                                            "pay-1"});
  Collect();
  auto statuses = Published<wire::InvoiceStatusChanged>();
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].status, wire::InvoiceStatus::kPaid);
  wire::ClientStatement c = Client("c1");
  EXPECT_EQ(c.unpaid_minor, 0);
  EXPECT_EQ(c.lifetime_paid_minor, 10'000);
  EXPECT_EQ(c.invoices.at(0).status, wire::InvoiceStatus::kPaid);
  EXPECT_EQ(c.invoices.at(0).reference, "pay-1");
  // The service answers again, once the same, once the opposite: nothing changes.
  Feed(schemas::payments::WriteOffSucceeded{req.transfer_id, req.invoice_id, req.amount_minor,
                                            "pay-1"});
  Feed(schemas::payments::WriteOffFailed{req.transfer_id, req.invoice_id, "card declined"});
  Collect();
  EXPECT_TRUE(Published<wire::InvoiceStatusChanged>().empty());
  wire::ClientStatement again = Client("c1");
  EXPECT_EQ(again.lifetime_paid_minor, 10'000);
  EXPECT_EQ(again.invoices.at(0).status, wire::InvoiceStatus::kPaid);
}

TEST_F(BillingHandlersTest, AFailingWriteOffIsRetriedDailyThreeTimesThenTheInvoiceIsOverdue) {
  Finalize("t1", "c1", "w1", tasks::Outcome::kCompleted);
  EndWeek();
  Collect();
  std::vector<int64_t> attempts;
  for (int i = 0; i < 4; ++i) {
    auto reqs = Published<wire::WriteOffRequested>();
    ASSERT_EQ(reqs.size(), 1u) << "try " << i + 1;
    attempts.push_back(reqs[0].attempt);
    Feed(schemas::payments::WriteOffFailed{reqs[0].transfer_id, reqs[0].invoice_id, "declined"});
    Collect();
    auto statuses = Published<wire::InvoiceStatusChanged>();
    if (i < 3) {
      EXPECT_TRUE(statuses.empty());
      StartDay();
      Collect();
    } else {
      ASSERT_EQ(statuses.size(), 1u);
      EXPECT_EQ(statuses[0].status, wire::InvoiceStatus::kOverdue);
    }
  }
  EXPECT_EQ(attempts, (std::vector<int64_t>{1, 2, 3, 4}));
  StartDay();
  Collect();
  EXPECT_TRUE(Published<wire::WriteOffRequested>().empty()) << "no daily tries once overdue";
  wire::ClientStatement c = Client("c1");
  EXPECT_EQ(c.invoices.at(0).status, wire::InvoiceStatus::kOverdue);
  EXPECT_EQ(c.invoices.at(0).last_error, "declined");
  EXPECT_EQ(c.unpaid_minor, 10'000);
  // The next week's end tries the overdue invoice once more; paid, it is no longer overdue.
  EndWeek(kMonday + 7 * kDay);
  Collect();
  auto reqs = Published<wire::WriteOffRequested>();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].attempt, 5);
  Feed(schemas::payments::WriteOffSucceeded{reqs[0].transfer_id, reqs[0].invoice_id,
                                            reqs[0].amount_minor, "pay-9"});
  Collect();
  ASSERT_EQ(Published<wire::InvoiceStatusChanged>().size(), 1u);
  EXPECT_EQ(Client("c1").invoices.at(0).status, wire::InvoiceStatus::kPaid);
}

TEST_F(BillingHandlersTest, TheDiscountFollowsTheLifetimePaidTotalAndAppliesToNewCharges) {
  // One big task: 10,000.01 cat-units paid takes the client to 5 %.
  Finalize("t1", "c1", "", tasks::Outcome::kCanceled, 1'000'001);
  EndWeek();
  Collect();
  const wire::WriteOffRequested req = Published<wire::WriteOffRequested>().at(0);
  Feed(schemas::payments::WriteOffSucceeded{req.transfer_id, req.invoice_id, req.amount_minor,
                                            "p"});
  Collect();
  auto changed = Published<wire::DiscountChanged>();
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].client_id, "c1");
  EXPECT_EQ(changed[0].discount_percent, 5);
  EXPECT_EQ(changed[0].lifetime_paid_minor, 1'000'001);
  Finalize("t2", "c1", "w1", tasks::Outcome::kCompleted, 10'000);
  wire::ClientStatement c = Client("c1");
  EXPECT_EQ(c.discount_percent, 5);
  EXPECT_EQ(c.owed_at_week_end_minor, 9'500);
  EXPECT_EQ(Worker("w1").balance_minor, 6'000) << "the worker's share is of the list price";
}

TEST_F(BillingHandlersTest, TheMonthEndPaysWorkersOutAndCarriesADebt) {
  Finalize("t1", "c1", "w1", tasks::Outcome::kCompleted);  // w1 +6000
  Finalize("t2", "c1", "w2", tasks::Outcome::kFailed);     // w2 -4000
  Collect();
  Feed(clock::MonthEnded{kMonday + 27 * kDay, "2026-01"}, kMonday + 27 * kDay);
  Collect();
  auto payouts = Published<wire::PayoutRequested>();
  ASSERT_EQ(payouts.size(), 1u);
  EXPECT_EQ(payouts[0].worker_id, "w1");
  EXPECT_EQ(payouts[0].amount_minor, 6'000);
  auto statuses = Published<wire::InvoiceStatusChanged>();
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].owner_id, "w1");
  EXPECT_EQ(statuses[0].status, wire::InvoiceStatus::kOpen);
  EXPECT_EQ(statuses[1].owner_id, "w2");
  EXPECT_EQ(statuses[1].status, wire::InvoiceStatus::kNothingDue);
  EXPECT_EQ(statuses[1].amount_minor, -4'000);
  Feed(schemas::goldhat::PayoutSent{payouts[0].transfer_id, payouts[0].invoice_id, 6'000, "gh"});
  EXPECT_EQ(Worker("w1").invoices.at(0).status, wire::InvoiceStatus::kPaid);
  EXPECT_EQ(Worker("w1").balance_minor, 0);

  // Next month w2 earns 6000: the debt is taken off, 2000 is paid.
  Finalize("t3", "c1", "w2", tasks::Outcome::kCompleted);
  Collect();
  Feed(clock::MonthEnded{kMonday + 55 * kDay, "2026-02"}, kMonday + 55 * kDay);
  Collect();
  payouts = Published<wire::PayoutRequested>();
  ASSERT_EQ(payouts.size(), 1u) << "w1 had nothing this month";
  EXPECT_EQ(payouts[0].worker_id, "w2");
  EXPECT_EQ(payouts[0].amount_minor, 2'000);
}

TEST_F(BillingHandlersTest, APayoutThatFailsEveryTryGoesBackToTheWorkersBalance) {
  Finalize("t1", "c1", "w1", tasks::Outcome::kCompleted);
  Feed(clock::MonthEnded{kMonday + 27 * kDay, "2026-01"}, kMonday + 27 * kDay);
  Collect();
  for (int i = 0; i < 4; ++i) {
    auto reqs = Published<wire::PayoutRequested>();
    ASSERT_EQ(reqs.size(), 1u) << "try " << i + 1;
    Feed(schemas::goldhat::PayoutFailed{reqs[0].transfer_id, reqs[0].invoice_id, "no account"});
    StartDay();
    Collect();
  }
  wire::WorkerStatement w = Worker("w1");
  EXPECT_EQ(w.invoices.at(0).status, wire::InvoiceStatus::kOverdue);
  EXPECT_EQ(w.balance_minor, 6'000) << "returned, to be paid with the next month";
  EXPECT_TRUE(Published<wire::PayoutRequested>().empty());
}

TEST_F(BillingHandlersTest, AManagerCreditsAWorkerOnceWithWhoAndWhy) {
  wire::CreditWorker credit{"w1", 2'500, "stayed late"};
  EXPECT_EQ(Refused(credit, "manager", "m7"), Code::kNotFound) << "hiring has not announced w1";
  EXPECT_EQ(Worker("w1").credits_minor, 0);
  schemas::hiring::WorkerHired hired;
  hired.worker_id = "w1";
  Feed(hired);
  wire::Entry e = Ok(credit, "manager", "m7", "cmd-credit-1");
  EXPECT_EQ(e.kind, "credit");
  EXPECT_EQ(e.memo, "by m7: stayed late");
  // The same command retried: the same credit.
  Ok(credit, "manager", "m7", "cmd-credit-1");
  wire::WorkerStatement w = Ok(wire::GetWorkerStatement{}, "worker", "w1");
  EXPECT_EQ(w.credits_minor, 2'500);
  EXPECT_EQ(w.balance_minor, 2'500);
  EXPECT_EQ(Refused(credit, "worker", "w1"), Code::kForbidden);
  EXPECT_EQ(Refused(credit, "client", "c1"), Code::kForbidden);
  EXPECT_EQ(Refused(credit, "supplies", "s1"), Code::kForbidden);
  EXPECT_EQ(Refused(wire::CreditWorker{"w1", 0, "zero"}, "manager", "m7"), Code::kInvalid);
  EXPECT_EQ(Refused(wire::CreditWorker{"w1", 5, ""}, "manager", "m7"), Code::kInvalid);
  EXPECT_EQ(Worker("w1").credits_minor, 2'500);
}

TEST_F(BillingHandlersTest, EachReadsOnlyTheirOwn) {
  Finalize("t1", "c1", "w1", tasks::Outcome::kCompleted);
  EXPECT_EQ(Ok(wire::GetClientStatement{}, "client", "c1").owed_at_week_end_minor, 10'000);
  EXPECT_EQ(Ok(wire::GetClientStatement{"c1"}, "client", "c1").client_id, "c1");
  EXPECT_EQ(Refused(wire::GetClientStatement{"c1"}, "client", "c2"), Code::kForbidden);
  EXPECT_EQ(Refused(wire::GetClientStatement{"c1"}, "worker", "w1"), Code::kForbidden);
  EXPECT_EQ(Refused(wire::GetClientStatement{"c1"}, "supplies", "s1"), Code::kForbidden);
  EXPECT_EQ(Refused(wire::GetClientStatement{}, "manager", "m1"), Code::kInvalid);
  EXPECT_EQ(Ok(wire::GetClientStatement{"c1"}, "admin", "a1").owed_at_week_end_minor, 10'000);
  EXPECT_EQ(Refused(wire::GetWorkerStatement{"w1"}, "worker", "w2"), Code::kForbidden);
  EXPECT_EQ(Refused(wire::GetWorkerStatement{"w1"}, "client", "c1"), Code::kForbidden);
  EXPECT_EQ(Ok(wire::GetWorkerStatement{}, "worker", "w1").balance_minor, 6'000);
  EXPECT_EQ(Refused(wire::ListInvoices{wire::InvoiceKind::kWorker, "w1"}, "client", "c1"),
            Code::kForbidden);
  EXPECT_EQ(Refused(wire::ListInvoices{wire::InvoiceKind::kClient, "c2"}, "client", "c1"),
            Code::kForbidden);
  EXPECT_TRUE(Ok(wire::ListInvoices{wire::InvoiceKind::kClient, ""}, "client", "c1")
                  .invoices.empty());
}

TEST_F(BillingHandlersTest, TheLedgerSurvivesARestartAndStaysBalanced) {
  Finalize("t1", "c1", "w1", tasks::Outcome::kCompleted);
  EndWeek();
  Reopen();
  EXPECT_EQ(Client("c1").unpaid_minor, 10'000);
  auto ledger = Ledger::Open(h_.dispatcher());
  ASSERT_TRUE(ledger.ok());
  auto txn = h_.dispatcher().env().BeginRead();
  ASSERT_TRUE(txn.ok());
  auto report = ledger->Check(*txn);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << (report->problems.empty() ? "" : report->problems[0]);
  EXPECT_GE(report->transfers, 4u);  // charge, earning, invoice, write-off try
}

}  // namespace
}  // namespace mcf::billing
