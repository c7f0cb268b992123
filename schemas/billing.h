// The billing family: what billing (workers/billing, the ledger of all money) publishes for the
// other parties, each message declared once (schemas/declare.h). The payment adapters
// (adapters/payments, adapters/goldhat) consume the *_requested events and answer with
// schemas/payments.h and schemas/goldhat.h; the portal consumes the discount and the invoices'
// status (the approximate cost, the block on new requests while an invoice is overdue).
// Amounts are integer minor units of cat-units (1 cat-unit = 100 minor). Times are bus ms.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "lib/base/status.h"
#include "schemas/codec.h"
#include "schemas/declare.h"

namespace mcf::schemas::billing {

using schemas::Decode;
using schemas::Encode;

// Whose invoice: a client's weekly one (paid by a write-off) or a worker's monthly one (paid out
// through Gold Hat).
enum class InvoiceKind { kClient, kWorker };
inline constexpr std::array<EnumName<InvoiceKind>, 2> kInvoiceKindNames = {
    {{InvoiceKind::kClient, "client"}, {InvoiceKind::kWorker, "worker"}}};
constexpr std::span<const EnumName<InvoiceKind>> EnumNames(InvoiceKind) {
  return kInvoiceKindNames;
}

// open: issued, money not moved yet (or a try is pending); paid; overdue: a client's write-off
// failed its last try (the client may not request help until it is paid); nothing_due: a
// worker's month that netted zero or less (the debt carries over).
enum class InvoiceStatus { kOpen, kPaid, kOverdue, kNothingDue };
inline constexpr std::array<EnumName<InvoiceStatus>, 4> kInvoiceStatusNames = {
    {{InvoiceStatus::kOpen, "open"},
     {InvoiceStatus::kPaid, "paid"},
     {InvoiceStatus::kOverdue, "overdue"},
     {InvoiceStatus::kNothingDue, "nothing_due"}}};
constexpr std::span<const EnumName<InvoiceStatus>> EnumNames(InvoiceStatus) {
  return kInvoiceStatusNames;
}

// A try at writing a client's invoice off through the payment service. transfer_id is the
// pending ledger transfer and the idempotency key the adapter passes on: the same try asked
// again is the same write-off, a new try (attempt + 1) is a new key.
struct WriteOffRequested {
  static constexpr MessageInfo kInfo = Event(
      "billing.writeoff_requested", "write a client's invoice off through the payment service");
  std::string transfer_id;
  std::string invoice_id;
  std::string client_id;
  int64_t amount_minor = 0;
  int64_t attempt = 1;
  bool operator==(const WriteOffRequested&) const = default;
  static constexpr auto Fields() {
    using T = WriteOffRequested;
    return std::tuple{
        Field("transfer_id", &T::transfer_id).NonEmpty().Doc("the idempotency key"),
        Field("invoice_id", &T::invoice_id).NonEmpty(),
        Field("client_id", &T::client_id).NonEmpty(),
        Field("amount_minor", &T::amount_minor).Min(1),
        Field("attempt", &T::attempt).Min(1).Doc("1 on the week's end, then one per day")};
  }
};

// A worker's month paid out through Gold Hat; transfer_id is the idempotency key.
struct PayoutRequested {
  static constexpr MessageInfo kInfo =
      Event("billing.payout_requested", "pay a worker's month out through Gold Hat");
  std::string transfer_id;
  std::string invoice_id;
  std::string worker_id;
  int64_t amount_minor = 0;
  bool operator==(const PayoutRequested&) const = default;
  static constexpr auto Fields() {
    using T = PayoutRequested;
    return std::tuple{Field("transfer_id", &T::transfer_id).NonEmpty().Doc("the idempotency key"),
                      Field("invoice_id", &T::invoice_id).NonEmpty(),
                      Field("worker_id", &T::worker_id).NonEmpty(),
                      Field("amount_minor", &T::amount_minor).Min(1)};
  }
};

// The loyalty discount a client's new charges get now (SPEC 3: by the lifetime total of paid
// invoices), published when it changes.
struct DiscountChanged {
  static constexpr MessageInfo kInfo =
      Event("billing.discount_changed", "a client's loyalty discount changed");
  std::string client_id;
  int64_t discount_percent = 0;
  int64_t lifetime_paid_minor = 0;
  bool operator==(const DiscountChanged&) const = default;
  static constexpr auto Fields() {
    using T = DiscountChanged;
    return std::tuple{Field("client_id", &T::client_id).NonEmpty(),
                      Field("discount_percent", &T::discount_percent).Min(0).Max(12),
                      Field("lifetime_paid_minor", &T::lifetime_paid_minor).Min(0)};
  }
};

// An invoice was issued or its status changed.
struct InvoiceStatusChanged {
  static constexpr MessageInfo kInfo =
      Event("billing.invoice_status_changed", "an invoice was issued, paid or became overdue");
  std::string invoice_id;
  InvoiceKind kind = InvoiceKind::kClient;
  std::string owner_id;  // the client or the worker
  InvoiceStatus status = InvoiceStatus::kOpen;
  int64_t amount_minor = 0;
  std::string period;  // a client's ISO week "2026-W02", a worker's month "2026-01"
  bool operator==(const InvoiceStatusChanged&) const = default;
  static constexpr auto Fields() {
    using T = InvoiceStatusChanged;
    return std::tuple{Field("invoice_id", &T::invoice_id).NonEmpty(),
                      Field("kind", &T::kind),
                      Field("owner_id", &T::owner_id).NonEmpty().Doc("the client or the worker"),
                      Field("status", &T::status),
                      Field("amount_minor", &T::amount_minor).Doc("what the invoice asks or pays"),
                      Field("period", &T::period).NonEmpty().Doc("2026-W02 or 2026-01")};
  }
};

// ---- billing's records and commands (workers/billing) ----

inline constexpr int64_t kMaxStatementEntries = 1000;  // a statement's lines, oldest first
inline constexpr int64_t kMaxInvoices = 500;           // invoices in one answer, oldest first
inline constexpr int64_t kMaxCreditMinor = 10'000'000'000;  // 100 million cat-units
inline constexpr size_t kMaxCreditReasonBytes = 1000;

// One invoice: the record billing keeps and what the statements and billing.list_invoices show.
struct Invoice {
  std::string id;
  InvoiceKind kind = InvoiceKind::kClient;
  std::string owner_id;
  std::string period;
  int64_t amount_minor = 0;  // a worker's nothing_due month: its net (0 or a debt, negative)
  InvoiceStatus status = InvoiceStatus::kOpen;
  int64_t attempts = 0;       // tries sent to the outside service so far
  std::string try_id = {};    // the current (or last) try's pending transfer id
  bool try_pending = false;   // a try is out, no answer yet
  std::string last_error = {};
  std::string reference = {};  // the outside service's id, once paid
  int64_t issued_at_ms = 0;
  int64_t paid_at_ms = 0;
  bool operator==(const Invoice&) const = default;
  static constexpr auto Fields() {
    using T = Invoice;
    return std::tuple{
        Field("id", &T::id),
        Field("kind", &T::kind),
        Field("owner_id", &T::owner_id),
        Field("period", &T::period).Doc("2026-W02 or 2026-01"),
        Field("amount_minor", &T::amount_minor).Doc("nothing_due: the month's net, <= 0"),
        Field("status", &T::status),
        Field("attempts", &T::attempts).Doc("tries sent to the payment service or Gold Hat"),
        Field("try_id", &T::try_id).Optional().Doc("the current try's transfer id"),
        Field("try_pending", &T::try_pending).Optional().Doc("a try awaits its answer"),
        Field("last_error", &T::last_error).Optional().Doc("the last failed try's error"),
        Field("reference", &T::reference).Optional().Doc("the outside service's id once paid"),
        Field("issued_at", &T::issued_at_ms),
        Field("paid_at", &T::paid_at_ms).Optional().Doc("0 until paid")};
  }
};

// One line of a statement: a charge to a client, or an earning, penalty or credit of a worker.
struct Entry {
  std::string transfer_id;
  std::string kind;  // charge | earning | penalty | credit
  std::string task_id = {};  // charges, earnings, penalties
  int64_t amount_minor = 0;  // what it moved (a penalty as a positive amount)
  int64_t list_price_minor = 0;  // charges and earnings: the task's price
  std::string memo = {};         // credits: who and why
  int64_t at_ms = 0;
  bool operator==(const Entry&) const = default;
  static constexpr auto Fields() {
    using T = Entry;
    return std::tuple{Field("transfer_id", &T::transfer_id),
                      Field("kind", &T::kind).Doc("charge, earning, penalty or credit"),
                      Field("task_id", &T::task_id).Optional(),
                      Field("amount_minor", &T::amount_minor),
                      Field("list_price_minor", &T::list_price_minor).Optional(),
                      Field("memo", &T::memo).Optional().Doc("a credit's manager and reason"),
                      Field("at", &T::at_ms)};
  }
};

struct ClientStatement {
  std::string client_id;
  int64_t discount_percent = 0;
  int64_t lifetime_paid_minor = 0;
  int64_t owed_at_week_end_minor = 0;  // this week's charges so far: the next invoice
  int64_t unpaid_minor = 0;            // invoiced and not yet written off
  std::vector<Entry> charges;
  bool charges_truncated = false;
  std::vector<Invoice> invoices;
  static constexpr auto Fields() {
    using T = ClientStatement;
    return std::tuple{
        Field("client_id", &T::client_id),
        Field("discount_percent", &T::discount_percent).Doc("applies to new charges"),
        Field("lifetime_paid_minor", &T::lifetime_paid_minor),
        Field("owed_at_week_end_minor", &T::owed_at_week_end_minor)
            .Doc("the week's charges so far: what the Sunday invoice will ask"),
        Field("unpaid_minor", &T::unpaid_minor).Doc("invoiced, not yet written off"),
        Field("charges", &T::charges).Doc("every charge, oldest first"),
        Field("charges_truncated", &T::charges_truncated).Optional(),
        Field("invoices", &T::invoices).Doc("every invoice with its status, oldest first")};
  }
};

struct WorkerStatement {
  std::string worker_id;
  int64_t balance_minor = 0;  // earnings - penalties + credits not yet invoiced (+ a carried debt)
  int64_t earnings_minor = 0, penalties_minor = 0, credits_minor = 0;  // all time
  std::vector<Entry> entries;
  bool entries_truncated = false;
  std::vector<Invoice> invoices;
  static constexpr auto Fields() {
    using T = WorkerStatement;
    return std::tuple{
        Field("worker_id", &T::worker_id),
        Field("balance_minor", &T::balance_minor)
            .Doc("not yet invoiced: the month so far plus any debt carried (negative)"),
        Field("earnings_minor", &T::earnings_minor),
        Field("penalties_minor", &T::penalties_minor),
        Field("credits_minor", &T::credits_minor),
        Field("entries", &T::entries).Doc("earnings, penalties and credits, oldest first"),
        Field("entries_truncated", &T::entries_truncated).Optional(),
        Field("invoices", &T::invoices).Doc("every monthly invoice with its status")};
  }
};

struct InvoiceList {
  std::vector<Invoice> invoices;
  static constexpr auto Fields() { return std::tuple{Field("invoices", &InvoiceList::invoices)}; }
};

// A client reads their own (client_id "" or their own id); a manager or admin names one.
struct GetClientStatement {
  static constexpr MessageInfo kInfo = ReadOnlyCommand(
      "billing.client_statement", "a client's charges, what they owe this week, their invoices");
  using Reply = ClientStatement;
  std::string client_id;
  static constexpr auto Fields() {
    return std::tuple{Field("client_id", &GetClientStatement::client_id)
                          .Optional()
                          .Doc("staff: whose; a client reads their own")};
  }
};

// A worker reads their own; a manager or admin names one.
struct GetWorkerStatement {
  static constexpr MessageInfo kInfo = ReadOnlyCommand(
      "billing.worker_statement", "a worker's earnings, penalties, credits and invoices");
  using Reply = WorkerStatement;
  std::string worker_id;
  static constexpr auto Fields() {
    return std::tuple{Field("worker_id", &GetWorkerStatement::worker_id)
                          .Optional()
                          .Doc("staff: whose; a worker reads their own")};
  }
};

// A client's or worker's invoices, by the same ownership rule as the statements.
struct ListInvoices {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("billing.list_invoices", "a client's or a worker's invoices with status");
  using Reply = InvoiceList;
  InvoiceKind kind = InvoiceKind::kClient;
  std::string owner_id;
  static constexpr auto Fields() {
    return std::tuple{Field("kind", &ListInvoices::kind),
                      Field("owner_id", &ListInvoices::owner_id)
                          .Optional()
                          .Doc("staff: whose; a client or worker reads their own")};
  }
};

// A manager credits a worker; recorded with who and why, paid with the month's invoice. The
// command id is the credit's id: a retried command is the same credit.
struct CreditWorker {
  static constexpr MessageInfo kInfo =
      Command("billing.credit_worker", "managers: credit a worker any positive amount, with why");
  using Reply = Entry;
  std::string worker_id;
  int64_t amount_minor = 0;
  std::string reason;
  static constexpr auto Fields() {
    using T = CreditWorker;
    return std::tuple{Field("worker_id", &T::worker_id).NonEmpty().MaxLength(128),
                      Field("amount_minor", &T::amount_minor).Min(1).Max(kMaxCreditMinor),
                      Field("reason", &T::reason).NonEmpty().MaxLength(kMaxCreditReasonBytes)};
  }
};

inline constexpr std::string_view kWriteOffRequested = WriteOffRequested::kInfo.type;
inline constexpr std::string_view kPayoutRequested = PayoutRequested::kInfo.type;
inline constexpr std::string_view kDiscountChanged = DiscountChanged::kInfo.type;
inline constexpr std::string_view kInvoiceStatusChanged = InvoiceStatusChanged::kInfo.type;

inline constexpr std::string_view kClientStatement = GetClientStatement::kInfo.type;
inline constexpr std::string_view kWorkerStatement = GetWorkerStatement::kInfo.type;
inline constexpr std::string_view kListInvoices = ListInvoices::kInfo.type;
inline constexpr std::string_view kCreditWorker = CreditWorker::kInfo.type;

// The declared messages of this family, for the registry.
using Messages =
    std::tuple<WriteOffRequested, PayoutRequested, DiscountChanged, InvoiceStatusChanged,
               GetClientStatement, GetWorkerStatement, ListInvoices, CreditWorker>;

}  // namespace mcf::schemas::billing
