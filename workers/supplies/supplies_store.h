// SuppliesStore: the supply order board in LMDB databases of the worker's env:
//   orders      supply order id -> encoded schemas::supplies::SupplyOrder
//   by_task     task id -> supply order id (one order per assigned task)
//   by_time     be64(created_at) id -> ""          (the board, newest first: walk back)
//   by_status   status byte, be64(created_at), id -> ""
//   cookie_due  be64(due) id -> ""                 (orders whose cookie needs the clock)
//   due_of      id -> be64(due)                    (where the order is filed in cookie_due)
// PutOrder keeps the indexes in step with the order (it reads the stored version first), so
// the board pages and the clock's scan touch only what they return. Every call works inside a
// transaction the caller owns (a handler's nested txn), so its writes commit with the message
// that caused them. Cheap to copy; used on the worker's thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/base/status.h"
#include "lib/store/lmdb.h"
#include "schemas/supplies.h"

namespace mcf::supplies {

struct BoardQuery {
  std::optional<schemas::supplies::SupplyStatus> status;
  bool needs_attention = false;
  size_t limit = 50;
  std::string before;  // a page's next_before ("" = from the newest)
  std::string task_id;  // "" = every task's
};

class SuppliesStore {
 public:
  // Opens (creating) the databases through `runtime` (a worker::Worker or worker::Dispatcher).
  template <typename Runtime>
  static Result<SuppliesStore> Open(Runtime& runtime) {
    SuppliesStore s;
    for (auto [db, name] : {std::pair{&s.orders_, "orders"}, std::pair{&s.by_task_, "by_task"},
                            std::pair{&s.by_time_, "by_time"}, std::pair{&s.by_status_, "by_status"},
                            std::pair{&s.cookie_due_, "cookie_due"},
                            std::pair{&s.due_of_, "due_of"}}) {
      ASSIGN_OR_RETURN(*db, runtime.OpenDb(name));
    }
    return s;
  }

  // Adds or replaces the order and moves its index entries; `due` is when its cookie next
  // needs the clock (supply_order.h, NextDue), nullopt for never.
  Status PutOrder(store::Txn& txn, const schemas::supplies::SupplyOrder& order,
                  std::optional<int64_t> due);
  // nullopt when there is no such order.
  Result<std::optional<schemas::supplies::SupplyOrder>> GetOrder(const store::Txn& txn,
                                                                 const std::string& id) const;
  // The id of the task's order, nullopt when the task has none.
  Result<std::optional<std::string>> OrderIdForTask(const store::Txn& txn,
                                                    const std::string& task_id) const;
  // A page of the board, newest first (created_at, then id); `next_before` is "" on the last.
  // invalid for a `before` that is not a page cursor.
  Result<schemas::supplies::Board> Board(const store::Txn& txn, const BoardQuery& query) const;
  // The ids of the orders whose cookie is due at or before `now_ms`, earliest first.
  Result<std::vector<std::string>> DueBy(const store::Txn& txn, int64_t now_ms) const;

 private:
  SuppliesStore() = default;
  store::Db orders_, by_task_, by_time_, by_status_, cookie_due_, due_of_;
};

}  // namespace mcf::supplies
