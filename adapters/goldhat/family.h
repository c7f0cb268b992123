// GoldHatFamily: what makes the shared money adapter (adapters/money/adapter.h) Gold Hat's:
// billing.payout_requested in, goldhat.payout_sent / _failed out, goldhat.stats. Header-only;
// used by mcf-goldhat-sim's main and its tests.
#pragma once

#include "adapters/money/adapter.h"
#include "schemas/billing.h"
#include "schemas/goldhat.h"

namespace mcf::goldhat {

struct GoldHatFamily {
  using Request = schemas::billing::PayoutRequested;
  using MovedEvent = schemas::goldhat::PayoutSent;
  using RefusedEvent = schemas::goldhat::PayoutFailed;
  using Stats = schemas::goldhat::Stats;
  static money::TransferRequest ToTransfer(const Request& r) {
    return {.transfer_id = r.transfer_id, .invoice_id = r.invoice_id, .party_id = r.worker_id,
            .amount_minor = r.amount_minor};
  }
  static MovedEvent Moved(const money::Answer& a) {
    return {a.transfer_id, a.invoice_id, a.amount_minor, a.reference};
  }
  static RefusedEvent Refused(const money::Answer& a) {
    return {a.transfer_id, a.invoice_id, a.error};
  }
};

}  // namespace mcf::goldhat
