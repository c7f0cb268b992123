// BillingStore: billing's records beside the ledger (workers/billing/ledger.h), in LMDB databases
// of the worker's env:
//   invoices         invoice id -> encoded schemas::billing::Invoice
//   invoices_owner   "c"|"w" + owner id + '\0' + period -> invoice id (an owner's, oldest first)
//   tries            try (pending transfer) id -> invoice id: what an outside answer names
//   retry_due        invoice id -> "": its last try failed; the next goes out on clock.day_started
//   overdue          invoice id -> "": a client's overdue invoice, tried again each week
//   clients          client id -> encoded ClientStanding (lifetime paid, current discount)
//   workers          worker id -> the month ("2026-01") of their latest earning, penalty or credit
//   hired            worker id -> "": the workers hiring.worker_hired has announced (who may be
//                    credited)
// Every call works inside the caller's transaction (a handler's nested txn). Cheap to copy;
// the worker's thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "lib/base/status.h"
#include "lib/store/lmdb.h"
#include "schemas/billing.h"

namespace mcf::billing {

// What the loyalty discount is computed from.
struct ClientStanding {
  int64_t lifetime_paid_minor = 0;
  int64_t discount_percent = 0;
  static constexpr auto Fields() {
    using T = ClientStanding;
    return std::tuple{schemas::Field("lifetime_paid_minor", &T::lifetime_paid_minor),
                      schemas::Field("discount_percent", &T::discount_percent)};
  }
};

class BillingStore {
 public:
  template <typename Runtime>
  static Result<BillingStore> Open(Runtime& runtime) {
    Dbs dbs;
    ASSIGN_OR_RETURN(dbs.invoices, runtime.OpenDb("invoices"));
    ASSIGN_OR_RETURN(dbs.invoices_owner, runtime.OpenDb("invoices_owner"));
    ASSIGN_OR_RETURN(dbs.tries, runtime.OpenDb("tries"));
    ASSIGN_OR_RETURN(dbs.retry_due, runtime.OpenDb("retry_due"));
    ASSIGN_OR_RETURN(dbs.overdue, runtime.OpenDb("overdue"));
    ASSIGN_OR_RETURN(dbs.clients, runtime.OpenDb("clients"));
    ASSIGN_OR_RETURN(dbs.workers, runtime.OpenDb("workers"));
    ASSIGN_OR_RETURN(dbs.hired, runtime.OpenDb("hired"));
    return BillingStore(dbs);
  }
  struct Dbs {
    store::Db invoices, invoices_owner, tries, retry_due, overdue, clients, workers, hired;
  };
  explicit BillingStore(Dbs dbs) : dbs_(dbs) {}

  Result<std::optional<schemas::billing::Invoice>> GetInvoice(const store::Txn& txn,
                                                              std::string_view id) const;
  // Adds or replaces the invoice (and its owner index entry).
  Status PutInvoice(store::Txn& txn, const schemas::billing::Invoice& invoice);
  // The owner's invoices, oldest period first, at most `limit`.
  Result<std::vector<schemas::billing::Invoice>> OwnerInvoices(const store::Txn& txn,
                                                               schemas::billing::InvoiceKind kind,
                                                               std::string_view owner,
                                                               size_t limit) const;

  Status PutTry(store::Txn& txn, std::string_view try_id, std::string_view invoice_id);
  Result<std::optional<std::string>> InvoiceOfTry(const store::Txn& txn,
                                                  std::string_view try_id) const;

  // The retry_due and overdue sets.
  enum class Set { kRetryDue, kOverdue };
  Status Add(store::Txn& txn, Set set, std::string_view invoice_id);
  Status Remove(store::Txn& txn, Set set, std::string_view invoice_id);
  Result<std::vector<std::string>> Members(const store::Txn& txn, Set set) const;

  Result<ClientStanding> GetClient(const store::Txn& txn, std::string_view client) const;
  Status PutClient(store::Txn& txn, std::string_view client, const ClientStanding& standing);

  // Every worker billing has booked something for, with the month of their latest activity.
  Status MarkActive(store::Txn& txn, std::string_view worker, std::string_view month);
  Result<std::vector<std::pair<std::string, std::string>>> Workers(const store::Txn& txn) const;

  // The workers hiring has hired: only they may be credited.
  Status MarkHired(store::Txn& txn, std::string_view worker);
  Result<bool> IsHired(const store::Txn& txn, std::string_view worker) const;

 private:
  store::Db SetDb(Set set) const { return set == Set::kRetryDue ? dbs_.retry_due : dbs_.overdue; }
  Dbs dbs_;
};

}  // namespace mcf::billing
