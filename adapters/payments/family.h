// PaymentsFamily: what makes the shared money adapter (adapters/money/adapter.h) the payment
// service's: billing.writeoff_requested in, payments.writeoff_succeeded / _failed out,
// payments.stats. Header-only; used by mcf-payments-sim's main and its tests.
#pragma once

#include "adapters/money/adapter.h"
#include "schemas/billing.h"
#include "schemas/payments.h"

namespace mcf::payments {

struct PaymentsFamily {
  using Request = schemas::billing::WriteOffRequested;
  using MovedEvent = schemas::payments::WriteOffSucceeded;
  using RefusedEvent = schemas::payments::WriteOffFailed;
  using Stats = schemas::payments::Stats;
  static money::TransferRequest ToTransfer(const Request& r) {
    return {.transfer_id = r.transfer_id, .invoice_id = r.invoice_id, .party_id = r.client_id,
            .amount_minor = r.amount_minor};
  }
  static MovedEvent Moved(const money::Answer& a) {
    return {a.transfer_id, a.invoice_id, a.amount_minor, a.reference};
  }
  static RefusedEvent Refused(const money::Answer& a) {
    return {a.transfer_id, a.invoice_id, a.error};
  }
};

}  // namespace mcf::payments
