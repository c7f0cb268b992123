#include "bench/billing_bench.h"

#include <lmdb.h>

#include <vector>

#include "lib/base/bytes.h"
#include "lib/base/clock.h"
#include "lib/store/lmdb.h"
#include "lib/worker/dispatcher.h"
#include "schemas/clock.h"
#include "schemas/envelope.h"
#include "schemas/tasks.h"
#include "workers/billing/handlers.h"

namespace mcf::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kBatch = 64;
constexpr int64_t kMonday = 1'767'571'200'000;  // 2026-01-05T00:00:00Z
constexpr int64_t kDay = 86'400'000;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

class Feeder {
 public:
  Status Open(const std::string& dir, bool durable) {
    RETURN_IF_ERROR(d_.Open(dir, store::EnvOptions{.map_size = size_t{4} << 30,
                                                   .no_sync = !durable}));
    return billing::BillingHandlers::Install(d_);
  }
  worker::Incoming Event(std::string_view type, std::string body, int64_t at_ms) {
    schemas::Envelope e;
    e.id = "bench:" + std::to_string(++seq_);
    e.type = std::string(type);
    e.producer = "bench";
    e.time_ms = at_ms;
    e.body = std::move(body);
    worker::Incoming in;
    in.kind = worker::Incoming::Kind::kEvent;
    in.seq = seq_;
    in.topic = e.type;
    in.bus_time_ms = at_ms;
    in.envelope = schemas::Encode(e);
    return in;
  }
  Status Apply(const std::vector<worker::Incoming>& batch) {
    auto r = d_.Apply(batch, SteadyClock::Instance().Now());
    if (!r.ok()) return r.status();
    if (d_.stats().handler_failed != 0) return Status::Internal("a billing handler failed");
    return Status::Ok();
  }
  worker::Dispatcher& dispatcher() { return d_; }

 private:
  worker::Dispatcher d_{"billing", 7};
  uint64_t seq_ = 0;
};

std::string Finalized(uint64_t n, size_t clients, size_t workers) {
  schemas::tasks::TaskFinalized e;
  e.task_id = "t" + std::to_string(n);
  e.client_id = "c" + std::to_string(n % clients);
  e.worker_id = "w" + std::to_string(n % workers);
  e.outcome = n % 10 == 9 ? schemas::tasks::Outcome::kFailed : schemas::tasks::Outcome::kCompleted;
  e.price_minor = 10'000;
  return schemas::Encode(e);
}

// Entries in every database of the env: what the ledger wrote (puts that added a key).
Result<size_t> Entries(worker::Dispatcher& d) {
  MDB_env* env = d.env().raw();
  ASSIGN_OR_RETURN(store::Txn txn, d.env().BeginRead());
  MDB_dbi main = 0;
  if (mdb_dbi_open(txn.raw(), nullptr, 0, &main) != 0) return Status::Internal("main db");
  size_t total = 0;
  MDB_cursor* c = nullptr;
  mdb_cursor_open(txn.raw(), main, &c);
  MDB_val k, v;
  for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
    MDB_dbi dbi = 0;
    const std::string name(static_cast<const char*>(k.mv_data), k.mv_size);
    if (mdb_dbi_open(txn.raw(), name.c_str(), 0, &dbi) != 0) continue;
    MDB_stat st{};
    mdb_stat(txn.raw(), dbi, &st);
    total += st.ms_entries;
  }
  mdb_cursor_close(c);
  (void)env;
  return total;
}

// Raw LMDB: `txns` durable transactions of `puts` puts each (150-byte values, fresh keys).
Result<double> RawSeconds(const std::string& dir, size_t txns, size_t puts) {
  ASSIGN_OR_RETURN(store::Env env, store::Env::Open(dir, store::EnvOptions{.map_size = size_t{4} << 30}));
  ASSIGN_OR_RETURN(store::Db db, env.OpenDb("raw"));
  const std::string value(150, 'v');
  uint64_t key = 0;
  const auto start = Clock::now();
  for (size_t t = 0; t < txns; ++t) {
    ASSIGN_OR_RETURN(store::Txn txn, env.BeginWrite());
    for (size_t p = 0; p < puts; ++p) RETURN_IF_ERROR(txn.Put(db, U64Key(++key), value));
    RETURN_IF_ERROR(txn.Commit());
  }
  return Seconds(Clock::now() - start);
}

}  // namespace

Result<StreamFigures> BillingStream(const std::string& dir, std::chrono::milliseconds duration) {
  constexpr size_t kClients = 1000, kWorkers = 100;
  Feeder feeder;
  RETURN_IF_ERROR(feeder.Open(dir + "/stream", /*durable=*/true));
  StreamFigures f;
  uint64_t n = 0;
  size_t batches = 0;
  const auto start = Clock::now();
  while (batches == 0 || Clock::now() - start < duration) {
    std::vector<worker::Incoming> batch;
    for (size_t i = 0; i < kBatch; ++i, ++n)
      batch.push_back(feeder.Event(schemas::tasks::kTaskFinalized, Finalized(n, kClients, kWorkers),
                                   kMonday + static_cast<int64_t>(n)));
    RETURN_IF_ERROR(feeder.Apply(batch));
    ++batches;
  }
  const double seconds = Seconds(Clock::now() - start);
  f.events = n;
  f.events_per_second = static_cast<double>(n) / seconds;
  f.transfers_per_second = 2.0 * f.events_per_second;  // a charge and an earning or a penalty
  ASSIGN_OR_RETURN(const size_t entries, Entries(feeder.dispatcher()));
  f.puts_per_event = static_cast<double>(entries) / static_cast<double>(n);
  const size_t puts = static_cast<size_t>(f.puts_per_event * kBatch + 0.5);
  ASSIGN_OR_RETURN(const double raw, RawSeconds(dir + "/raw-stream", batches, puts));
  f.baseline_events_per_second = raw > 0 ? static_cast<double>(batches * kBatch) / raw : 0;
  return f;
}

Result<PeriodEndFigures> BillingPeriodEnds(const std::string& dir, size_t clients,
                                           size_t workers) {
  Feeder feeder;
  RETURN_IF_ERROR(feeder.Open(dir + "/period", /*durable=*/true));
  // The seeded week: every client charged twice, every worker earning (no fsync per seed batch
  // matters little; the timed runs are one transaction each).
  uint64_t n = 0;
  const size_t events = 2 * clients;
  while (n < events) {
    std::vector<worker::Incoming> batch;
    for (size_t i = 0; i < 1024 && n < events; ++i, ++n)
      batch.push_back(feeder.Event(schemas::tasks::kTaskFinalized,
                                   Finalized(n, clients, workers), kMonday + static_cast<int64_t>(n)));
    RETURN_IF_ERROR(feeder.Apply(batch));
  }
  ASSIGN_OR_RETURN(const size_t before, Entries(feeder.dispatcher()));
  PeriodEndFigures f{.clients = clients, .workers = workers};
  const int64_t week_end = kMonday + 7 * kDay;
  auto start = Clock::now();
  RETURN_IF_ERROR(feeder.Apply({feeder.Event(
      schemas::clock::kWeekEnded,
      schemas::Encode(schemas::clock::WeekEnded{week_end, "2026-01-05"}), week_end)}));
  f.week_end_seconds = Seconds(Clock::now() - start);
  ASSIGN_OR_RETURN(const size_t after_week, Entries(feeder.dispatcher()));
  const int64_t month_end = kMonday + 27 * kDay;
  start = Clock::now();
  RETURN_IF_ERROR(feeder.Apply({feeder.Event(
      schemas::clock::kMonthEnded,
      schemas::Encode(schemas::clock::MonthEnded{month_end, "2026-01"}), month_end)}));
  f.month_end_seconds = Seconds(Clock::now() - start);
  ASSIGN_OR_RETURN(const size_t after_month, Entries(feeder.dispatcher()));
  ASSIGN_OR_RETURN(f.baseline_week_seconds, RawSeconds(dir + "/raw-week", 1, after_week - before));
  ASSIGN_OR_RETURN(f.baseline_month_seconds,
                   RawSeconds(dir + "/raw-month", 1, after_month - after_week));
  return f;
}

}  // namespace mcf::bench
