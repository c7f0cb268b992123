// MatchingStore: matching's own copy of the pool, its bookings, the waiting tasks and past
// results, in LMDB databases of the worker's env (layout: workers/matching/README.md). Every
// call works inside a transaction the caller owns (a handler's nested txn), so its writes commit
// with the message that caused them. Cheap to copy; used on the worker's thread only.
#pragma once

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

class MatchingStore {
 public:
  struct Dbs {
    store::Db workers, bookings, waiting, results, meta;
  };
  // Opens (creating) the databases through `runtime` (a worker::Worker or worker::Dispatcher).
  template <typename Runtime>
  static Result<MatchingStore> Open(Runtime& runtime) {
    Dbs dbs;
    for (auto [name, db] :
         {std::pair{"workers", &dbs.workers}, std::pair{"bookings", &dbs.bookings},
          std::pair{"waiting", &dbs.waiting}, std::pair{"results", &dbs.results},
          std::pair{"meta", &dbs.meta}}) {
      ASSIGN_OR_RETURN(auto opened, runtime.OpenDb(name));
      *db = opened;
    }
    return MatchingStore(dbs);
  }
  explicit MatchingStore(Dbs dbs) : dbs_(dbs) {}

  // Adds the worker, or replaces its profile (results and bookings are kept).
  Status PutWorker(store::Txn& txn, const schemas::hiring::WorkerHired& worker);
  // Every worker with its results and bookings, sorted by worker_id.
  Result<std::vector<NormalSample>> LoadPool(const store::Txn& txn) const;

  // nullopt when `task_id` has no booking.
  Result<std::optional<StoredBooking>> GetBooking(const store::Txn& txn,
                                                  const std::string& task_id) const;
  Status PutBooking(store::Txn& txn, const std::string& worker_id,
                    const ReferenceSample& reference);
  Status DeleteBooking(store::Txn& txn, const std::string& task_id);

  // Appends `reference` to the waiting queue.
  Status AddWaiting(store::Txn& txn, const ReferenceSample& reference);
  // The waiting tasks in request order.
  Result<std::vector<WaitingTask>> Waiting(const store::Txn& txn) const;
  Status DeleteWaiting(store::Txn& txn, uint64_t position);

  // Counts one finalized task of `worker_id` with `outcome`.
  Status RecordResult(store::Txn& txn, const std::string& worker_id,
                      schemas::tasks::Outcome outcome);

 private:
  Result<PastResults> GetResults(const store::Txn& txn, const std::string& worker_id) const;
  Dbs dbs_;
};

}  // namespace mcf::matching
