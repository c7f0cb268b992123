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

inline constexpr std::string_view kWriteOffRequested = WriteOffRequested::kInfo.type;
inline constexpr std::string_view kPayoutRequested = PayoutRequested::kInfo.type;
inline constexpr std::string_view kDiscountChanged = DiscountChanged::kInfo.type;
inline constexpr std::string_view kInvoiceStatusChanged = InvoiceStatusChanged::kInfo.type;

// The declared messages of this family, for the registry. Billing's own commands join this list.
using Messages =
    std::tuple<WriteOffRequested, PayoutRequested, DiscountChanged, InvoiceStatusChanged>;

}  // namespace mcf::schemas::billing
