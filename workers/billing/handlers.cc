#include "workers/billing/handlers.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "lib/base/log.h"
#include "workers/billing/rules.h"

namespace mcf::billing {
namespace {

namespace wire = schemas::billing;
namespace tasks = schemas::tasks;
using worker::HandlerContext;
using Set = BillingStore::Set;

bool IsStaff(std::string_view role) { return role == "manager" || role == "admin"; }

std::string PrincipalId(const HandlerContext& ctx) {
  const auto& p = ctx.message().principal;
  return p ? p->id : std::string();
}

// Whose money a read is about: a client or worker (`own_role`) reads their own, named or not;
// a manager or admin must name one (`field`); anyone else is refused.
Result<std::string> OwnerFor(const HandlerContext& ctx, std::string_view command,
                             std::string_view own_role, std::string_view field,
                             const std::string& asked) {
  const std::string role = ctx.role();
  if (role == own_role) {
    const std::string self = PrincipalId(ctx);
    if (!asked.empty() && asked != self) {
      spdlog::warn("event=billing_forbidden command={} role={} asked={}", command, role,
                   Quoted(asked));
      return Status::Forbidden(std::string(command) + ": a " + role + " sees only their own");
    }
    return self;
  }
  if (IsStaff(role)) {
    if (asked.empty()) return Status::Invalid(std::string(field) + ": required for staff");
    return asked;
  }
  spdlog::warn("event=billing_forbidden command={} role={}", command, Quoted(role));
  return Status::Forbidden(std::string(command) + ": only the " + std::string(own_role) +
                           " themselves, a manager or an admin");
}

wire::Entry EntryOf(const Transfer& t) {
  wire::Entry e{.transfer_id = t.id, .kind = t.code, .amount_minor = t.amount_minor,
                .list_price_minor = t.basis_minor, .memo = t.memo, .at_ms = t.at_ms};
  if (t.code != "credit") e.task_id = t.fact;
  return e;
}

// Lines of `history` of the given codes, at most kMaxStatementEntries.
std::vector<wire::Entry> EntriesOf(const std::vector<Transfer>& history,
                                   std::initializer_list<std::string_view> codes,
                                   bool* truncated) {
  std::vector<wire::Entry> out;
  for (const Transfer& t : history) {
    bool wanted = false;
    for (std::string_view c : codes) wanted = wanted || t.code == c;
    if (!wanted) continue;
    if (out.size() == static_cast<size_t>(wire::kMaxStatementEntries)) {
      *truncated = true;
      break;
    }
    out.push_back(EntryOf(t));
  }
  return out;
}

// The history read for a statement: its lines plus the invoices between them.
constexpr size_t kHistoryScan = 4 * static_cast<size_t>(wire::kMaxStatementEntries);

void LogApplied(std::string_view fact, std::string_view id, const ApplyResult& r) {
  if (r.outcome == ApplyOutcome::kApplied) {
    spdlog::info("event=billing_booked fact={} id={}", fact, Quoted(id));
  } else if (r.outcome == ApplyOutcome::kAlreadyApplied) {
    spdlog::info("event=billing_already_booked fact={} id={}", fact, Quoted(id));
  } else {
    spdlog::error("event=billing_refused fact={} id={} outcome={} detail={}", fact, Quoted(id),
                  ApplyOutcomeName(r.outcome), Quoted(r.detail));
  }
}

}  // namespace

Status BillingHandlers::OnTaskFinalized(HandlerContext& ctx, const tasks::TaskFinalized& e) {
  if (e.client_id.empty() || e.price_minor < 0) {
    spdlog::warn("event=billing_task_unbillable task={} client={} price={}", Quoted(e.task_id),
                 Quoted(e.client_id), e.price_minor);
    return Status::Ok();
  }
  std::vector<Transfer> group;
  if (e.price_minor > 0) {
    const std::string id = "charge:" + e.task_id;
    // A repeated finalization keeps the charge as first made, though the discount may have
    // changed since: the same fact, the same transfer.
    ASSIGN_OR_RETURN(std::optional<Transfer> existing, ledger_.GetTransfer(ctx.txn(), id));
    int64_t amount = 0;
    if (existing && existing->basis_minor == e.price_minor) {
      amount = existing->amount_minor;
    } else {
      ASSIGN_OR_RETURN(const ClientStanding standing, store_.GetClient(ctx.txn(), e.client_id));
      amount = ChargeMinor(e.price_minor, standing.discount_percent);
    }
    group.push_back(Transfer{.id = id, .debit_account = ClientUnbilled(e.client_id),
                             .credit_account = std::string(kRevenue), .amount_minor = amount,
                             .code = "charge", .fact = e.task_id,
                             .basis_minor = e.price_minor});
  }
  if (!e.worker_id.empty()) {
    if (e.outcome == tasks::Outcome::kCompleted && e.price_minor > 0) {
      group.push_back(Transfer{.id = "earning:" + e.task_id,
                               .debit_account = std::string(kWorkerCost),
                               .credit_account = WorkerEarned(e.worker_id),
                               .amount_minor = EarningMinor(e.price_minor), .code = "earning",
                               .fact = e.task_id, .basis_minor = e.price_minor});
    } else if (e.outcome == tasks::Outcome::kFailed) {
      group.push_back(Transfer{.id = "penalty:" + e.task_id,
                               .debit_account = WorkerEarned(e.worker_id),
                               .credit_account = std::string(kPenalties),
                               .amount_minor = kFailurePenaltyMinor, .code = "penalty",
                               .fact = e.task_id});
    }
  }
  std::erase_if(group, [](const Transfer& t) { return t.amount_minor == 0; });
  if (group.empty()) {
    spdlog::info("event=billing_nothing_to_charge task={} outcome={}", Quoted(e.task_id),
                 tasks::OutcomeName(e.outcome));
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(const ApplyResult r, ledger_.Apply(ctx.txn(), group, ctx.now_ms()));
  LogApplied("task_finalized", e.task_id, r);
  const std::string earned = WorkerEarned(e.worker_id);
  const bool touches_worker = std::any_of(group.begin(), group.end(), [&](const Transfer& t) {
    return t.debit_account == earned || t.credit_account == earned;
  });
  if (r.outcome == ApplyOutcome::kApplied && touches_worker)
    RETURN_IF_ERROR(store_.MarkActive(ctx.txn(), e.worker_id, schemas::clock::MonthOf(ctx.now_ms())));
  return Status::Ok();
}

Status BillingHandlers::OnWeekEnded(HandlerContext& ctx, const schemas::clock::WeekEnded& e) {
  const std::string week = IsoWeekOf(e.week_start);
  if (week.empty()) {
    spdlog::warn("event=billing_bad_week week_start={}", Quoted(e.week_start));
    return Status::Ok();
  }
  std::vector<std::pair<std::string, int64_t>> owing;
  RETURN_IF_ERROR(ledger_.ForEachAccount(ctx.txn(), kClientPrefix, [&](const Account& a) {
    const std::string client = OwnerOf(a.id, kClientPrefix, ":unbilled");
    if (!client.empty() && a.debit_balance() > 0) owing.emplace_back(client, a.debit_balance());
    return true;
  }));
  for (const auto& [client, amount] : owing) {
    const std::string id = ClientInvoiceId(client, week);
    ASSIGN_OR_RETURN(std::optional<wire::Invoice> existing, store_.GetInvoice(ctx.txn(), id));
    if (existing) continue;  // the same week ended twice
    const Transfer invoiced{.id = id, .debit_account = ClientDue(client),
                            .credit_account = ClientUnbilled(client), .amount_minor = amount,
                            .code = "invoice", .fact = id};
    ASSIGN_OR_RETURN(const ApplyResult r, ledger_.Apply(ctx.txn(), {&invoiced, 1}, ctx.now_ms()));
    LogApplied("week_ended", id, r);
    if (r.outcome != ApplyOutcome::kApplied) continue;
    wire::Invoice invoice{.id = id, .kind = wire::InvoiceKind::kClient, .owner_id = client,
                          .period = week, .amount_minor = amount, .issued_at_ms = ctx.now_ms()};
    RETURN_IF_ERROR(PublishStatus(ctx, invoice));
    RETURN_IF_ERROR(SendTry(ctx, invoice));
  }
  // Overdue invoices get one more try a week (decision 030).
  ASSIGN_OR_RETURN(const std::vector<std::string> overdue, store_.Members(ctx.txn(), Set::kOverdue));
  for (const std::string& id : overdue) {
    ASSIGN_OR_RETURN(std::optional<wire::Invoice> invoice, store_.GetInvoice(ctx.txn(), id));
    if (invoice && !invoice->try_pending && invoice->status == wire::InvoiceStatus::kOverdue)
      RETURN_IF_ERROR(SendTry(ctx, *invoice));
  }
  spdlog::info("event=billing_week_invoiced week={} invoices={} overdue_retried={}", week,
               owing.size(), overdue.size());
  return Status::Ok();
}

Status BillingHandlers::OnMonthEnded(HandlerContext& ctx, const schemas::clock::MonthEnded& e) {
  if (!MonthStartMs(e.month)) {
    spdlog::warn("event=billing_bad_month month={}", Quoted(e.month));
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(const auto workers, store_.Workers(ctx.txn()));
  size_t invoiced = 0;
  for (const auto& [worker, active_month] : workers) {
    ASSIGN_OR_RETURN(std::optional<Account> earned,
                     ledger_.GetAccount(ctx.txn(), WorkerEarned(worker)));
    const int64_t net = earned ? earned->credit_balance() : 0;
    if (net == 0 && active_month != e.month) continue;  // nothing happened, nothing owed
    const std::string id = WorkerInvoiceId(worker, e.month);
    ASSIGN_OR_RETURN(std::optional<wire::Invoice> existing, store_.GetInvoice(ctx.txn(), id));
    if (existing) continue;
    wire::Invoice invoice{.id = id, .kind = wire::InvoiceKind::kWorker, .owner_id = worker,
                          .period = e.month, .amount_minor = net, .issued_at_ms = ctx.now_ms()};
    ++invoiced;
    if (net <= 0) {
      // Nothing to pay; a debt stays on the earned account and so carries into next month.
      invoice.status = wire::InvoiceStatus::kNothingDue;
      RETURN_IF_ERROR(store_.PutInvoice(ctx.txn(), invoice));
      RETURN_IF_ERROR(PublishStatus(ctx, invoice));
      continue;
    }
    const Transfer invoiced_t{.id = id, .debit_account = WorkerEarned(worker),
                              .credit_account = WorkerDue(worker), .amount_minor = net,
                              .code = "invoice", .fact = id};
    ASSIGN_OR_RETURN(const ApplyResult r, ledger_.Apply(ctx.txn(), {&invoiced_t, 1}, ctx.now_ms()));
    LogApplied("month_ended", id, r);
    if (r.outcome != ApplyOutcome::kApplied) continue;
    RETURN_IF_ERROR(PublishStatus(ctx, invoice));
    RETURN_IF_ERROR(SendTry(ctx, invoice));
  }
  spdlog::info("event=billing_month_invoiced month={} invoices={}", e.month, invoiced);
  return Status::Ok();
}

Status BillingHandlers::OnDayStarted(HandlerContext& ctx, const schemas::clock::DayStarted&) {
  ASSIGN_OR_RETURN(const std::vector<std::string> due, store_.Members(ctx.txn(), Set::kRetryDue));
  for (const std::string& id : due) {
    ASSIGN_OR_RETURN(std::optional<wire::Invoice> invoice, store_.GetInvoice(ctx.txn(), id));
    RETURN_IF_ERROR(store_.Remove(ctx.txn(), Set::kRetryDue, id));
    if (!invoice || invoice->try_pending || invoice->status != wire::InvoiceStatus::kOpen)
      continue;
    RETURN_IF_ERROR(SendTry(ctx, *invoice));
  }
  return Status::Ok();
}

Status BillingHandlers::SendTry(HandlerContext& ctx, wire::Invoice& invoice) {
  const bool client = invoice.kind == wire::InvoiceKind::kClient;
  const int64_t attempt = invoice.attempts + 1;
  const std::string try_id = TryId(invoice.id, attempt);
  const Transfer pending{
      .id = try_id,
      .debit_account = client ? std::string(kPaymentsClearing) : WorkerDue(invoice.owner_id),
      .credit_account = client ? ClientDue(invoice.owner_id) : std::string(kGoldhatClearing),
      .amount_minor = invoice.amount_minor, .phase = Phase::kPending,
      .code = client ? "writeoff" : "payout", .fact = invoice.id};
  ASSIGN_OR_RETURN(const ApplyResult r, ledger_.Apply(ctx.txn(), {&pending, 1}, ctx.now_ms()));
  LogApplied("try", try_id, r);
  if (r.outcome != ApplyOutcome::kApplied) return Status::Ok();  // never asked twice
  invoice.attempts = attempt;
  invoice.try_id = try_id;
  invoice.try_pending = true;
  RETURN_IF_ERROR(store_.PutTry(ctx.txn(), try_id, invoice.id));
  RETURN_IF_ERROR(store_.PutInvoice(ctx.txn(), invoice));
  if (client)
    return ctx.Publish(wire::WriteOffRequested{try_id, invoice.id, invoice.owner_id,
                                               invoice.amount_minor, attempt});
  return ctx.Publish(
      wire::PayoutRequested{try_id, invoice.id, invoice.owner_id, invoice.amount_minor});
}

Status BillingHandlers::Answer(HandlerContext& ctx, std::string_view topic,
                               const std::string& try_id, const std::string& invoice_id,
                               bool paid, int64_t amount_minor, const std::string& reference,
                               const std::string& error) {
  ASSIGN_OR_RETURN(std::optional<std::string> ours, store_.InvoiceOfTry(ctx.txn(), try_id));
  ASSIGN_OR_RETURN(std::optional<Transfer> pending, ledger_.GetTransfer(ctx.txn(), try_id));
  if (!ours || !pending) {
    spdlog::warn("event=billing_unknown_try topic={} transfer={} invoice={}", topic,
                 Quoted(try_id), Quoted(invoice_id));
    return Status::Ok();
  }
  if (*ours != invoice_id || (paid && amount_minor != pending->amount_minor)) {
    spdlog::error("event=billing_answer_mismatch topic={} transfer={} invoice={} ours={} "
                  "amount={} pending_amount={}",
                  topic, Quoted(try_id), Quoted(invoice_id), Quoted(*ours), amount_minor,
                  pending->amount_minor);
    return Status::Ok();
  }
  Transfer resolve = *pending;
  resolve.id = try_id + (paid ? "-post" : "-void");
  resolve.phase = paid ? Phase::kPost : Phase::kVoid;
  resolve.pending_id = try_id;
  ASSIGN_OR_RETURN(const ApplyResult r, ledger_.Apply(ctx.txn(), {&resolve, 1}, ctx.now_ms()));
  if (r.outcome != ApplyOutcome::kApplied) {
    spdlog::warn("event=billing_second_answer topic={} transfer={} outcome={}", topic,
                 Quoted(try_id), ApplyOutcomeName(r.outcome));
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(std::optional<wire::Invoice> invoice, store_.GetInvoice(ctx.txn(), *ours));
  if (!invoice) return Status::Internal("billing store: try \"" + try_id + "\" has no invoice");
  invoice->try_pending = false;
  spdlog::info("event=billing_answered topic={} transfer={} invoice={} paid={}", topic,
               Quoted(try_id), Quoted(invoice->id), paid);
  if (paid) {
    invoice->reference = reference;
    return Paid(ctx, *invoice);
  }
  invoice->last_error = error;
  return Failed(ctx, *invoice);
}

Status BillingHandlers::Paid(HandlerContext& ctx, wire::Invoice& invoice) {
  invoice.status = wire::InvoiceStatus::kPaid;
  invoice.paid_at_ms = ctx.now_ms();
  RETURN_IF_ERROR(store_.Remove(ctx.txn(), Set::kRetryDue, invoice.id));
  RETURN_IF_ERROR(store_.Remove(ctx.txn(), Set::kOverdue, invoice.id));
  RETURN_IF_ERROR(store_.PutInvoice(ctx.txn(), invoice));
  RETURN_IF_ERROR(PublishStatus(ctx, invoice));
  if (invoice.kind != wire::InvoiceKind::kClient) return Status::Ok();
  ASSIGN_OR_RETURN(ClientStanding standing, store_.GetClient(ctx.txn(), invoice.owner_id));
  standing.lifetime_paid_minor += invoice.amount_minor;
  const int64_t percent = DiscountPercent(standing.lifetime_paid_minor);
  const bool changed = percent != standing.discount_percent;
  standing.discount_percent = percent;
  RETURN_IF_ERROR(store_.PutClient(ctx.txn(), invoice.owner_id, standing));
  if (!changed) return Status::Ok();
  spdlog::info("event=billing_discount_changed client={} percent={} lifetime_paid={}",
               Quoted(invoice.owner_id), percent, standing.lifetime_paid_minor);
  return ctx.Publish(
      wire::DiscountChanged{invoice.owner_id, percent, standing.lifetime_paid_minor});
}

Status BillingHandlers::Failed(HandlerContext& ctx, wire::Invoice& invoice) {
  const bool client = invoice.kind == wire::InvoiceKind::kClient;
  const int64_t retries = client ? kWriteOffRetries : kPayoutRetries;
  if (invoice.status == wire::InvoiceStatus::kOverdue) {
    // A weekly try at an overdue invoice failed: it stays overdue.
    return store_.PutInvoice(ctx.txn(), invoice);
  }
  if (invoice.attempts <= retries) {
    RETURN_IF_ERROR(store_.Add(ctx.txn(), Set::kRetryDue, invoice.id));
    return store_.PutInvoice(ctx.txn(), invoice);
  }
  invoice.status = wire::InvoiceStatus::kOverdue;
  if (client) {
    RETURN_IF_ERROR(store_.Add(ctx.txn(), Set::kOverdue, invoice.id));
  } else {
    // Gold Hat refused every try: the money goes back to the worker's balance and is paid with
    // the next month's invoice (decision 030).
    const Transfer back{.id = invoice.id + "-returned", .debit_account = WorkerDue(invoice.owner_id),
                        .credit_account = WorkerEarned(invoice.owner_id),
                        .amount_minor = invoice.amount_minor, .code = "payout_returned",
                        .fact = invoice.id};
    ASSIGN_OR_RETURN(const ApplyResult r, ledger_.Apply(ctx.txn(), {&back, 1}, ctx.now_ms()));
    LogApplied("payout_returned", back.id, r);
    RETURN_IF_ERROR(store_.MarkActive(ctx.txn(), invoice.owner_id,
                                      schemas::clock::MonthOf(ctx.now_ms())));
  }
  RETURN_IF_ERROR(store_.PutInvoice(ctx.txn(), invoice));
  return PublishStatus(ctx, invoice);
}

Status BillingHandlers::PublishStatus(HandlerContext& ctx, const wire::Invoice& invoice) {
  spdlog::info("event=billing_invoice id={} owner={} status={} amount={}", Quoted(invoice.id),
               Quoted(invoice.owner_id), schemas::NameOf(invoice.status), invoice.amount_minor);
  return ctx.Publish(wire::InvoiceStatusChanged{invoice.id, invoice.kind, invoice.owner_id,
                                                invoice.status, invoice.amount_minor,
                                                invoice.period});
}

Status BillingHandlers::OnWriteOffSucceeded(HandlerContext& ctx,
                                            const schemas::payments::WriteOffSucceeded& e) {
  return Answer(ctx, e.kInfo.type, e.transfer_id, e.invoice_id, true, e.amount_minor, e.reference,
                "");
}

Status BillingHandlers::OnWriteOffFailed(HandlerContext& ctx,
                                         const schemas::payments::WriteOffFailed& e) {
  return Answer(ctx, e.kInfo.type, e.transfer_id, e.invoice_id, false, 0, "", e.error);
}

Status BillingHandlers::OnPayoutSent(HandlerContext& ctx, const schemas::goldhat::PayoutSent& e) {
  return Answer(ctx, e.kInfo.type, e.transfer_id, e.invoice_id, true, e.amount_minor, e.reference,
                "");
}

Status BillingHandlers::OnPayoutFailed(HandlerContext& ctx,
                                       const schemas::goldhat::PayoutFailed& e) {
  return Answer(ctx, e.kInfo.type, e.transfer_id, e.invoice_id, false, 0, "", e.error);
}

Result<wire::ClientStatement> BillingHandlers::ClientStatement(
    HandlerContext& ctx, const wire::GetClientStatement& request) {
  ASSIGN_OR_RETURN(const std::string client,
                   OwnerFor(ctx, wire::kClientStatement, "client", "body.client_id",
                            request.client_id));
  wire::ClientStatement out{.client_id = client};
  ASSIGN_OR_RETURN(const ClientStanding standing, store_.GetClient(ctx.txn(), client));
  out.discount_percent = standing.discount_percent;
  out.lifetime_paid_minor = standing.lifetime_paid_minor;
  ASSIGN_OR_RETURN(std::optional<Account> unbilled,
                   ledger_.GetAccount(ctx.txn(), ClientUnbilled(client)));
  ASSIGN_OR_RETURN(std::optional<Account> due, ledger_.GetAccount(ctx.txn(), ClientDue(client)));
  out.owed_at_week_end_minor = unbilled ? unbilled->debit_balance() : 0;
  out.unpaid_minor = due ? due->debit_balance() : 0;
  ASSIGN_OR_RETURN(const std::vector<Transfer> history,
                   ledger_.History(ctx.txn(), ClientUnbilled(client), kHistoryScan));
  out.charges = EntriesOf(history, {"charge"}, &out.charges_truncated);
  ASSIGN_OR_RETURN(out.invoices, store_.OwnerInvoices(ctx.txn(), wire::InvoiceKind::kClient,
                                                      client, wire::kMaxInvoices));
  return out;
}

Result<wire::WorkerStatement> BillingHandlers::WorkerStatement(
    HandlerContext& ctx, const wire::GetWorkerStatement& request) {
  ASSIGN_OR_RETURN(const std::string worker,
                   OwnerFor(ctx, wire::kWorkerStatement, "worker", "body.worker_id",
                            request.worker_id));
  wire::WorkerStatement out{.worker_id = worker};
  ASSIGN_OR_RETURN(std::optional<Account> earned,
                   ledger_.GetAccount(ctx.txn(), WorkerEarned(worker)));
  out.balance_minor = earned ? earned->credit_balance() : 0;
  ASSIGN_OR_RETURN(const std::vector<Transfer> history,
                   ledger_.History(ctx.txn(), WorkerEarned(worker), kHistoryScan));
  for (const Transfer& t : history) {
    if (t.code == "earning") out.earnings_minor += t.amount_minor;
    if (t.code == "penalty") out.penalties_minor += t.amount_minor;
    if (t.code == "credit") out.credits_minor += t.amount_minor;
  }
  out.entries = EntriesOf(history, {"earning", "penalty", "credit"}, &out.entries_truncated);
  ASSIGN_OR_RETURN(out.invoices, store_.OwnerInvoices(ctx.txn(), wire::InvoiceKind::kWorker,
                                                      worker, wire::kMaxInvoices));
  return out;
}

Result<wire::InvoiceList> BillingHandlers::ListInvoices(HandlerContext& ctx,
                                                        const wire::ListInvoices& request) {
  const bool client = request.kind == wire::InvoiceKind::kClient;
  ASSIGN_OR_RETURN(const std::string owner,
                   OwnerFor(ctx, wire::kListInvoices, client ? "client" : "worker",
                            "body.owner_id", request.owner_id));
  wire::InvoiceList out;
  ASSIGN_OR_RETURN(out.invoices,
                   store_.OwnerInvoices(ctx.txn(), request.kind, owner, wire::kMaxInvoices));
  return out;
}

Status BillingHandlers::OnWorkerHired(HandlerContext& ctx, const schemas::hiring::WorkerHired& e) {
  if (e.worker_id.empty()) return Status::Ok();
  RETURN_IF_ERROR(store_.MarkHired(ctx.txn(), e.worker_id));
  spdlog::info("event=billing_worker_known worker={}", Quoted(e.worker_id));
  return Status::Ok();
}

Result<wire::Entry> BillingHandlers::CreditWorker(HandlerContext& ctx,
                                                  const wire::CreditWorker& request) {
  // Crediting is a manager's act (SPEC 4); admin stands in for staff roles (decision 006).
  if (!IsStaff(ctx.role())) {
    spdlog::warn("event=billing_forbidden command={} role={}", wire::kCreditWorker,
                 Quoted(ctx.role()));
    return Status::Forbidden(std::string(wire::kCreditWorker) + ": managers (or an admin) only");
  }
  ASSIGN_OR_RETURN(const bool hired, store_.IsHired(ctx.txn(), request.worker_id));
  if (!hired) {
    spdlog::warn("event=billing_credit_unknown_worker worker={} by={}", Quoted(request.worker_id),
                 Quoted(PrincipalId(ctx)));
    return Status::NotFound("body.worker_id: no worker " + Quoted(request.worker_id) +
                            " (billing has not seen hiring.worker_hired for it)");
  }
  const std::string by = PrincipalId(ctx);
  // The command id: a retry of this command is this credit, a new command a new one.
  const Transfer credit{.id = "credit:" + ctx.message().id, .debit_account = std::string(kCredits),
                        .credit_account = WorkerEarned(request.worker_id),
                        .amount_minor = request.amount_minor, .code = "credit",
                        .fact = request.worker_id, .memo = "by " + by + ": " + request.reason};
  ASSIGN_OR_RETURN(const ApplyResult r, ledger_.Apply(ctx.txn(), {&credit, 1}, ctx.now_ms()));
  LogApplied("credit", credit.id, r);
  if (r.outcome == ApplyOutcome::kConflict)
    return Status::Conflict("billing.credit_worker: " + r.detail);
  RETURN_IF_ERROR(store_.MarkActive(ctx.txn(), request.worker_id,
                                    schemas::clock::MonthOf(ctx.now_ms())));
  ASSIGN_OR_RETURN(std::optional<Transfer> booked, ledger_.GetTransfer(ctx.txn(), credit.id));
  if (!booked) return Status::Internal("ledger: credit \"" + credit.id + "\" not booked");
  spdlog::info("event=billing_credited worker={} amount={} by={}", Quoted(request.worker_id),
               request.amount_minor, Quoted(by));
  return EntryOf(*booked);
}

}  // namespace mcf::billing
