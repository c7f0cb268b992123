#include "bench/seed_history.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "lib/store/lmdb.h"
#include "lib/worker/dispatcher.h"
#include "workers/matching/matching_store.h"
#include "workers/portal/portal_store.h"
#include "workers/supplies/supply_order.h"
#include "workers/supplies/supplies_store.h"
#include "workers/tasks/tasks_store.h"

namespace mcf::bench {
namespace {

constexpr uint64_t kOrdersPerTxn = 50'000;
constexpr uint64_t kWorkers = 4;
constexpr int64_t kMinute = 60'000;
constexpr int64_t kPrice = 10'000;
constexpr const char* kServiceType = "chores";

// Everything one past order is made of, the same for every context's records.
struct PastOrder {
  std::string id, client_id, worker_id, supply_order_id;
  int64_t requested_at = 0, assigned_at = 0, issued_at = 0, starts_at = 0, ends_at = 0;
};

class History {
 public:
  History(uint64_t orders, int64_t before_ms)
      : orders_(orders), clients_(std::max<uint64_t>(1, orders / 100)), before_ms_(before_ms) {}
  uint64_t orders() const { return orders_; }
  uint64_t clients() const { return clients_; }
  static std::string ClientId(uint64_t k) { return "past-client-" + std::to_string(k); }
  static std::string WorkerId(uint64_t w) { return "past-worker-" + std::to_string(w); }

  // Order i: worker i % 4, one-hour appointments 61 minutes apart per worker (never
  // double-booked), the last one ending an hour before `before_ms`.
  PastOrder At(uint64_t i) const {
    PastOrder o;
    o.id = PastOrderId(i);
    o.client_id = ClientId(i % clients_);
    o.worker_id = WorkerId(i % kWorkers);
    o.supply_order_id = "supply-" + o.id;
    const int64_t slots_back = static_cast<int64_t>((orders_ - 1 - i) / kWorkers);
    o.ends_at = before_ms_ - 60 * kMinute - slots_back * 61 * kMinute;
    o.starts_at = o.ends_at - 60 * kMinute;
    o.requested_at = o.starts_at - 24 * 60 * kMinute;
    o.assigned_at = o.requested_at + 1000;
    o.issued_at = o.requested_at + 2000;
    return o;
  }

 private:
  uint64_t orders_, clients_;
  int64_t before_ms_;
};

// Opens the store of `service` in `dir` as the worker runtime does, then calls `first(store,
// txn)` once and `each(store, txn, order)` for every order, kOrdersPerTxn per transaction.
template <typename Store, typename First, typename Each>
Status SeedStore(const std::string& dir, const std::string& service, const History& history,
                 First first, Each each) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  worker::Dispatcher dispatcher(service, 1);
  store::EnvOptions options;
  options.map_size = options.max_map_size = size_t{4} << 30;  // the worker's default ceiling
  options.no_sync = true;  // a benchmark's scratch store; the OS has the pages when workers open it
  RETURN_IF_ERROR(dispatcher.Open(dir, options));
  ASSIGN_OR_RETURN(Store s, Store::Open(dispatcher));
  for (uint64_t begin = 0; begin == 0 || begin < history.orders(); begin += kOrdersPerTxn) {
    ASSIGN_OR_RETURN(auto txn, dispatcher.env().BeginWrite());
    if (begin == 0) RETURN_IF_ERROR(first(s, txn));
    const uint64_t end = std::min(history.orders(), begin + kOrdersPerTxn);
    for (uint64_t i = begin; i < end; ++i) RETURN_IF_ERROR(each(s, txn, history.At(i)));
    RETURN_IF_ERROR(txn.Commit());
  }
  return Status::Ok();
}

Status SeedPortal(const std::string& dir, const History& h) {
  using portal::PortalStore;
  return SeedStore<PortalStore>(
      dir, "portal", h,
      [&](PortalStore& s, store::Txn& txn) -> Status {
        for (uint64_t k = 0; k < h.clients(); ++k) {
          RETURN_IF_ERROR(s.PutAccount(txn, portal::Account{.client_id = History::ClientId(k),
                                                            .employee_id = "past-E-" + std::to_string(k),
                                                            .name = "past client",
                                                            .created_at_ms = 0}));
        }
        for (uint64_t w = 0; w < kWorkers; ++w) {
          RETURN_IF_ERROR(s.PutWorker(txn, portal::KnownWorker{.worker_id = History::WorkerId(w),
                                                               .name = "past worker"}));
        }
        return Status::Ok();
      },
      [](PortalStore& s, store::Txn& txn, const PastOrder& p) -> Status {
        portal::Order o = portal::NewOrder(p.id, p.client_id, kServiceType, "past: toss the jars",
                                           p.starts_at, p.ends_at, kPrice, p.requested_at);
        portal::OnAssigned(o, p.worker_id, kPrice, p.assigned_at);
        portal::OnKitIssued(o, p.issued_at);
        portal::OnCheckedIn(o, p.starts_at);
        portal::OnFinalized(o, portal::OrderStatus::kCompleted, "", p.ends_at);
        return s.PutOrder(txn, o);
      });
}

Status SeedTasks(const std::string& dir, const History& h) {
  using tasks::TasksStore;
  return SeedStore<TasksStore>(
      dir, "tasks", h, [](TasksStore&, store::Txn&) { return Status::Ok(); },
      [](TasksStore& s, store::Txn& txn, const PastOrder& p) -> Status {
        tasks::Task t;
        t.id = p.id;
        t.client_id = p.client_id;
        t.service_type_id = kServiceType;
        t.description = "past: toss the jars";
        t.starts_at_ms = p.starts_at;
        t.ends_at_ms = p.ends_at;
        t.state = schemas::tasks::TaskState::kCompleted;
        t.worker_id = p.worker_id;
        t.price_minor = kPrice;
        t.kit_issued = true;
        t.supply_order_id = p.supply_order_id;
        t.checked_in_at_ms = p.starts_at;
        return s.Put(txn, t);
      });
}

// The past bookings are kept: the issue's target is stated for 10^6 past bookings (a
// time-indexed layout keeps them); today's matching deletes a booking when its task is
// finalized, so for it this is the heaviest case.
Status SeedMatching(const std::string& dir, const History& h) {
  using matching::MatchingStore;
  return SeedStore<MatchingStore>(
      dir, "matching", h,
      [](MatchingStore& s, store::Txn& txn) -> Status {
        for (uint64_t w = 0; w < kWorkers; ++w) {
          schemas::hiring::WorkerHired hired;
          hired.worker_id = History::WorkerId(w);
          hired.name = "past worker";
          hired.strengths = {"jars"};
          RETURN_IF_ERROR(s.PutWorker(txn, hired));
        }
        return Status::Ok();
      },
      [](MatchingStore& s, store::Txn& txn, const PastOrder& p) -> Status {
        RETURN_IF_ERROR(s.PutBooking(
            txn, p.worker_id,
            matching::ReferenceSample{p.id, p.client_id, kServiceType, p.starts_at, p.ends_at}));
        return s.RecordResult(txn, p.worker_id, schemas::tasks::Outcome::kCompleted);
      });
}

Status SeedSupplies(const std::string& dir, const History& h) {
  using supplies::SuppliesStore;
  return SeedStore<SuppliesStore>(
      dir, "supplies", h, [](SuppliesStore&, store::Txn&) { return Status::Ok(); },
      [](SuppliesStore& s, store::Txn& txn, const PastOrder& p) -> Status {
        auto order = supplies::NewOrder(p.supply_order_id, p.id, p.worker_id, p.client_id,
                                        p.starts_at, p.assigned_at);
        // Its cookie came (the contractor's answers, as the adapter would have published them).
        const std::string key = supplies::IdempotencyKey(order.id, 1);
        const int64_t arrived = p.assigned_at + 10 * 60'000;
        supplies::ApplyAccepted(order, {key, order.id, 1, arrived});
        supplies::ApplyDelivered(order, {key, order.id, 1, arrived});
        RETURN_IF_ERROR(supplies::Issue(order, p.issued_at));
        return s.PutOrder(txn, order, std::nullopt);
      });
}

}  // namespace

std::string PastOrderId(uint64_t i) {
  char id[32];
  std::snprintf(id, sizeof id, "past-%09llu", static_cast<unsigned long long>(i));
  return id;
}

Result<SeedResult> SeedHistory(const std::string& data_dir, uint64_t orders, int64_t before_ms) {
  const auto t0 = std::chrono::steady_clock::now();
  const History history(orders, before_ms);
  RETURN_IF_ERROR(SeedPortal(data_dir + "/portal", history));
  RETURN_IF_ERROR(SeedTasks(data_dir + "/tasks", history));
  RETURN_IF_ERROR(SeedMatching(data_dir + "/matching", history));
  RETURN_IF_ERROR(SeedSupplies(data_dir + "/supplies", history));
  SeedResult out;
  out.orders = orders;
  out.clients = history.clients();
  out.workers = kWorkers;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

Result<uint64_t> StoreUsedBytes(const std::string& dir) {
  store::EnvOptions options;
  options.map_size = size_t{1} << 20;  // LMDB raises it to the file's extent
  ASSIGN_OR_RETURN(auto env, store::Env::Open(dir, options));
  ASSIGN_OR_RETURN(const auto usage, env.GetUsage());
  return static_cast<uint64_t>(usage.used_bytes);
}

}  // namespace mcf::bench
