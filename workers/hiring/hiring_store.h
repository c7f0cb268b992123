// HiringStore: hiring's own record of its workers' profiles, one LMDB database ("workers":
// worker_id -> encoded schemas::hiring::WorkerProfile) in the worker's env. Every call works
// inside a transaction the caller owns (a handler's nested txn), so its writes commit with the
// message that caused them. Cheap to copy; used on the worker's thread only.
#pragma once

#include <optional>
#include <string>

#include "lib/base/status.h"
#include "lib/store/lmdb.h"
#include "schemas/hiring.h"

namespace mcf::hiring {

class HiringStore {
 public:
  // Opens (creating) the database through `runtime` (a worker::Worker or worker::Dispatcher).
  template <typename Runtime>
  static Result<HiringStore> Open(Runtime& runtime) {
    ASSIGN_OR_RETURN(auto workers, runtime.OpenDb("workers"));
    return HiringStore(workers);
  }
  explicit HiringStore(store::Db workers) : workers_(workers) {}

  // Adds or replaces the profile under its worker_id.
  Status PutWorker(store::Txn& txn, const schemas::hiring::WorkerProfile& profile);
  // nullopt when there is no such worker.
  Result<std::optional<schemas::hiring::WorkerProfile>> GetWorker(
      const store::Txn& txn, const std::string& worker_id) const;

 private:
  store::Db workers_;
};

}  // namespace mcf::hiring
