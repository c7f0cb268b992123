// SuppliesStore: the supply order board in LMDB databases of the worker's env:
//   orders   supply order id -> encoded schemas::supplies::SupplyOrder
//   by_task  task id -> supply order id (one order per assigned task)
// Every call works inside a transaction the caller owns (a handler's nested txn), so its writes
// commit with the message that caused them. Cheap to copy; used on the worker's thread only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lib/base/status.h"
#include "lib/store/lmdb.h"
#include "schemas/supplies.h"

namespace mcf::supplies {

class SuppliesStore {
 public:
  // Opens (creating) the databases through `runtime` (a worker::Worker or worker::Dispatcher).
  template <typename Runtime>
  static Result<SuppliesStore> Open(Runtime& runtime) {
    ASSIGN_OR_RETURN(auto orders, runtime.OpenDb("orders"));
    ASSIGN_OR_RETURN(auto by_task, runtime.OpenDb("by_task"));
    return SuppliesStore(orders, by_task);
  }
  SuppliesStore(store::Db orders, store::Db by_task) : orders_(orders), by_task_(by_task) {}

  // Adds or replaces the order (and its task's index entry).
  Status PutOrder(store::Txn& txn, const schemas::supplies::SupplyOrder& order);
  // nullopt when there is no such order.
  Result<std::optional<schemas::supplies::SupplyOrder>> GetOrder(const store::Txn& txn,
                                                                 const std::string& id) const;
  // The id of the task's order, nullopt when the task has none.
  Result<std::optional<std::string>> OrderIdForTask(const store::Txn& txn,
                                                    const std::string& task_id) const;
  // Every order (optionally only those with `status`), oldest first (created_at, then id).
  Result<std::vector<schemas::supplies::SupplyOrder>> List(
      const store::Txn& txn, std::optional<schemas::supplies::SupplyStatus> status) const;

 private:
  store::Db orders_, by_task_;
};

}  // namespace mcf::supplies
