// Billing's figures for mcf-bench (issue 14; workers/billing): the ledger applying a stream of
// tasks.task_finalized through the worker runtime's Dispatcher (batches of 64 events, one
// durable commit each, as the worker loop applies them), and the month-end run — one
// clock.week_ended invoicing 10,000 clients and one clock.month_ended invoicing 1,000 workers,
// each a single handler transaction — beside a raw LMDB baseline of the same run that commits
// the same number of puts per transaction. The seeded history is the same in every run.
// Single-threaded, on the calling thread; stores under `dir`.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "lib/base/status.h"

namespace mcf::bench {

struct StreamFigures {
  double events_per_second = 0;
  double transfers_per_second = 0;
  double puts_per_event = 0;            // LMDB puts the ledger made per event, measured
  double baseline_events_per_second = 0;  // raw LMDB: batches of 64 x puts_per_event puts
  size_t events = 0;
};

// Applies task_finalized events for `duration` (at least one batch).
Result<StreamFigures> BillingStream(const std::string& dir, std::chrono::milliseconds duration);

struct PeriodEndFigures {
  double week_end_seconds = 0;   // 10,000 client invoices and write-off requests
  double month_end_seconds = 0;  // 1,000 worker invoices and payout requests
  double baseline_week_seconds = 0;   // raw LMDB: one txn with as many puts
  double baseline_month_seconds = 0;
  size_t clients = 0, workers = 0;
};

// Seeds `clients` clients and `workers` workers with a week of charges and earnings, then
// times the two period ends.
Result<PeriodEndFigures> BillingPeriodEnds(const std::string& dir, size_t clients,
                                           size_t workers);

}  // namespace mcf::bench
