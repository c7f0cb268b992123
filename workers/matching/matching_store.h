// MatchingStore: matching's own copy of the pool, its bookings, the waiting tasks and past
// results, in LMDB databases of the worker's env (layout: workers/matching/README.md). Every
// call works inside a transaction the caller owns (a handler's nested txn), so its writes commit
// with the message that caused them (Open's migration excepted: its own set-up transaction).
// Every per-message call costs the same with 10^2 or 10^6 past bookings: bookings are indexed
// by worker and start, the queue by task and by start (README, "Store layout").
// Cheap to copy; used on the worker's thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/base/status.h"
#include "lib/store/lmdb.h"
#include "schemas/hiring.h"
#include "schemas/tasks.h"
#include "workers/matching/samples.h"

namespace mcf::matching {

// A booking with the worker it belongs to.
struct StoredBooking {
  std::string worker_id;
  Booking booking;
};

// A task waiting for a worker, with its place in the queue.
struct WaitingTask {
  uint64_t position = 0;  // request order
  ReferenceSample reference;
};

// The most bookings one worker's NormalSample carries (its bookings overlapping the window
// asked for, earliest first). Bookings of one worker do not overlap, so a task's window holds
// few; the cap bounds a dry run or matching.pool asked for a huge window.
inline constexpr size_t kMaxBookingsPerSample = 64;

class MatchingStore {
 public:
  // The layout this code writes (README, "Store layout"); kept in `meta` under layout_version.
  // 1 (no layout_version): bookings and waiting only. 2: plus bookings_by_worker,
  // waiting_by_task and waiting_by_start.
  static constexpr uint64_t kLayoutVersion = 2;

  struct Dbs {
    store::Db workers, bookings, bookings_by_worker, waiting, waiting_by_task, waiting_by_start,
        results, meta;
  };
  // Opens (creating) the databases through `runtime` (a worker::Worker or worker::Dispatcher)
  // and brings an older layout up to date in one write transaction on `runtime.env()` (Migrate;
  // REQUIRES: before the runtime runs, the set-up phase).
  template <typename Runtime>
  static Result<MatchingStore> Open(Runtime& runtime) {
    Dbs dbs;
    for (auto [name, db] :
         {std::pair{"workers", &dbs.workers}, std::pair{"bookings", &dbs.bookings},
          std::pair{"bookings_by_worker", &dbs.bookings_by_worker},
          std::pair{"waiting", &dbs.waiting}, std::pair{"waiting_by_task", &dbs.waiting_by_task},
          std::pair{"waiting_by_start", &dbs.waiting_by_start}, std::pair{"results", &dbs.results},
          std::pair{"meta", &dbs.meta}}) {
      ASSIGN_OR_RETURN(auto opened, runtime.OpenDb(name));
      *db = opened;
    }
    MatchingStore store(dbs);
    RETURN_IF_ERROR(store.MigrateInOwnTxn(runtime.env()));
    return store;
  }
  explicit MatchingStore(Dbs dbs) : dbs_(dbs) {}

  // The layout version stored in `meta` (1 when there is none: a store of the first layout).
  Result<uint64_t> LayoutVersion(const store::Txn& txn) const;
  // Builds the indexes of a layout-1 store from its bookings and waiting databases and records
  // kLayoutVersion; a store already at kLayoutVersion is left alone (returns false). Idempotent.
  Result<bool> Migrate(store::Txn& txn);

  // Adds the worker, or replaces its profile (results and bookings are kept).
  Status PutWorker(store::Txn& txn, const schemas::hiring::WorkerHired& worker);
  // Every worker (sorted by worker_id) with its results and its bookings overlapping
  // [from_ms, to_ms) (at most kMaxBookingsPerSample each, earliest first). Costs one cursor
  // seek per worker, whatever the number of bookings stored.
  Result<std::vector<NormalSample>> LoadPool(const store::Txn& txn, int64_t from_ms,
                                             int64_t to_ms) const;
  // The bookings of `worker_id` overlapping [from_ms, to_ms), earliest first, at most `limit`.
  // Relies on one worker's bookings not overlapping each other (true while the pipeline drops
  // booked workers): only the last booking starting before from_ms can still run at from_ms.
  Result<std::vector<Booking>> BookingsOverlapping(const store::Txn& txn,
                                                   const std::string& worker_id, int64_t from_ms,
                                                   int64_t to_ms, size_t limit) const;

  // nullopt when `task_id` has no booking.
  Result<std::optional<StoredBooking>> GetBooking(const store::Txn& txn,
                                                  const std::string& task_id) const;
  // Books `worker_id` for the reference's task (the booking and its bookings_by_worker entry).
  Status PutBooking(store::Txn& txn, const std::string& worker_id,
                    const ReferenceSample& reference);
  // Deletes `booked` (as returned by GetBooking) and its index entry.
  Status DeleteBooking(store::Txn& txn, const StoredBooking& booked);

  // Appends `reference` to the waiting queue (and its two indexes).
  Status AddWaiting(store::Txn& txn, const ReferenceSample& reference);
  // The waiting task `task_id` (one lookup in waiting_by_task), nullopt when it is not waiting.
  Result<std::optional<WaitingTask>> FindWaiting(const store::Txn& txn,
                                                 const std::string& task_id) const;
  // Up to `limit` waiting tasks in request order, from the first with position > `after`.
  Result<std::vector<WaitingTask>> Waiting(const store::Txn& txn, uint64_t after,
                                           size_t limit) const;
  // The waiting tasks starting in [from_ms, to_ms) whose appointment ends after `ends_after_ms`,
  // in request order. Costs what those tasks cost, not what the queue holds.
  Result<std::vector<WaitingTask>> WaitingStartingIn(const store::Txn& txn, int64_t from_ms,
                                                     int64_t to_ms, int64_t ends_after_ms) const;
  // Removes `task` (as returned by the calls above) from the queue and its indexes.
  Status DeleteWaiting(store::Txn& txn, const WaitingTask& task);
  // Removes every waiting task starting before `before_ms` and returns them (request order
  // not guaranteed). Each task is removed once, so the cost is amortized over requests.
  Result<std::vector<WaitingTask>> TakeWaitingStartingBefore(store::Txn& txn, int64_t before_ms);

  // Counts one finalized task of `worker_id` with `outcome`.
  Status RecordResult(store::Txn& txn, const std::string& worker_id,
                      schemas::tasks::Outcome outcome);

 private:
  Status MigrateInOwnTxn(store::Env& env);
  // The waiting task at `position`, nullopt when there is none.
  Result<std::optional<WaitingTask>> WaitingAt(const store::Txn& txn, uint64_t position) const;
  Result<PastResults> GetResults(const store::Txn& txn, const std::string& worker_id) const;
  Status PutBookingOf(store::Txn& txn, const std::string& worker_id, const Booking& booking);
  Status IndexWaiting(store::Txn& txn, const WaitingTask& task);
  Dbs dbs_;
};

}  // namespace mcf::matching
