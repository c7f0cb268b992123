// BillingHandlers: adapts the bus to billing's ledger (workers/billing/ledger.h) and invoices
// (billing_store.h). tasks.task_finalized charges the client and pays or penalizes the worker;
// clock.week_ended invoices each client's week and asks the payment service for the write-off;
// clock.month_ended invoices each worker's month and asks Gold Hat for the payout;
// clock.day_started sends the retries; the adapters' answers post or void the pending transfer
// (once); hiring.worker_hired makes a worker known, so a credit to anyone else is refused. The
// commands show statements and invoices to their owners (and staff) and let a
// manager credit a worker. Every effect of one message is written in the handler's transaction,
// so it commits whole with the message's offset or inbox record. Runs on the runtime's thread.
#pragma once

#include <memory>
#include <string>

#include "lib/base/status.h"
#include "lib/worker/handler_context.h"
#include "lib/worker/typed_handler.h"
#include "schemas/billing.h"
#include "schemas/clock.h"
#include "schemas/goldhat.h"
#include "schemas/hiring.h"
#include "schemas/payments.h"
#include "schemas/tasks.h"
#include "workers/billing/billing_store.h"
#include "workers/billing/ledger.h"

namespace mcf::billing {

class BillingHandlers {
 public:
  BillingHandlers(Ledger ledger, BillingStore store) : ledger_(ledger), store_(store) {}

  template <typename Runtime>
  static Status Install(Runtime& runtime) {
    ASSIGN_OR_RETURN(Ledger ledger, Ledger::Open(runtime));
    ASSIGN_OR_RETURN(BillingStore store, BillingStore::Open(runtime));
    auto self = std::make_shared<BillingHandlers>(ledger, store);
    for (Status s : {worker::Bind(runtime, self, &BillingHandlers::OnTaskFinalized),
                     worker::Bind(runtime, self, &BillingHandlers::OnWeekEnded),
                     worker::Bind(runtime, self, &BillingHandlers::OnMonthEnded),
                     worker::Bind(runtime, self, &BillingHandlers::OnDayStarted),
                     worker::Bind(runtime, self, &BillingHandlers::OnWriteOffSucceeded),
                     worker::Bind(runtime, self, &BillingHandlers::OnWriteOffFailed),
                     worker::Bind(runtime, self, &BillingHandlers::OnPayoutSent),
                     worker::Bind(runtime, self, &BillingHandlers::OnPayoutFailed),
                     worker::Bind(runtime, self, &BillingHandlers::OnWorkerHired),
                     worker::Bind(runtime, self, &BillingHandlers::ClientStatement),
                     worker::Bind(runtime, self, &BillingHandlers::WorkerStatement),
                     worker::Bind(runtime, self, &BillingHandlers::ListInvoices),
                     worker::Bind(runtime, self, &BillingHandlers::CreditWorker)})
      RETURN_IF_ERROR(s);
    return Status::Ok();
  }

  Status OnTaskFinalized(worker::HandlerContext& ctx, const schemas::tasks::TaskFinalized& e);
  Status OnWeekEnded(worker::HandlerContext& ctx, const schemas::clock::WeekEnded& e);
  Status OnMonthEnded(worker::HandlerContext& ctx, const schemas::clock::MonthEnded& e);
  Status OnDayStarted(worker::HandlerContext& ctx, const schemas::clock::DayStarted& e);
  Status OnWriteOffSucceeded(worker::HandlerContext& ctx,
                             const schemas::payments::WriteOffSucceeded& e);
  Status OnWriteOffFailed(worker::HandlerContext& ctx, const schemas::payments::WriteOffFailed& e);
  Status OnPayoutSent(worker::HandlerContext& ctx, const schemas::goldhat::PayoutSent& e);
  Status OnPayoutFailed(worker::HandlerContext& ctx, const schemas::goldhat::PayoutFailed& e);
  Status OnWorkerHired(worker::HandlerContext& ctx, const schemas::hiring::WorkerHired& e);

  Result<schemas::billing::ClientStatement> ClientStatement(
      worker::HandlerContext& ctx, const schemas::billing::GetClientStatement& request);
  Result<schemas::billing::WorkerStatement> WorkerStatement(
      worker::HandlerContext& ctx, const schemas::billing::GetWorkerStatement& request);
  Result<schemas::billing::InvoiceList> ListInvoices(worker::HandlerContext& ctx,
                                                     const schemas::billing::ListInvoices& request);
  Result<schemas::billing::Entry> CreditWorker(worker::HandlerContext& ctx,
                                               const schemas::billing::CreditWorker& request);

 private:
  // Sends the invoice's next try: a pending transfer to the clearing account, published as
  // billing.writeoff_requested or billing.payout_requested.
  Status SendTry(worker::HandlerContext& ctx, schemas::billing::Invoice& invoice);
  // An outside answer to a try: posts (paid) or voids (failed) its pending transfer, once.
  Status Answer(worker::HandlerContext& ctx, std::string_view topic, const std::string& try_id,
                const std::string& invoice_id, bool paid, int64_t amount_minor,
                const std::string& reference, const std::string& error);
  Status Paid(worker::HandlerContext& ctx, schemas::billing::Invoice& invoice);
  Status Failed(worker::HandlerContext& ctx, schemas::billing::Invoice& invoice);
  Status PublishStatus(worker::HandlerContext& ctx, const schemas::billing::Invoice& invoice);

  Ledger ledger_;
  BillingStore store_;
};

}  // namespace mcf::billing
