// TasksStore: the tasks context's records in LMDB databases of the worker's env — `tasks`
// (task id -> task record) and `photos` (task id + "/" + kind -> the photo bytes). Every call
// works inside the caller's transaction (a handler's nested txn), so writes commit with the
// message that caused them. Cheap to copy; used on the worker's thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/base/status.h"
#include "lib/store/lmdb.h"
#include "workers/tasks/task_state.h"

namespace mcf::tasks {

// One task as the tasks context stores it: the declared record tasks.get answers with.
using Task = schemas::tasks::Task;

class TasksStore {
 public:
  struct Dbs {
    store::Db tasks, photos;
  };
  template <typename Runtime>
  static Result<TasksStore> Open(Runtime& runtime) {
    ASSIGN_OR_RETURN(auto tasks, runtime.OpenDb("tasks"));
    ASSIGN_OR_RETURN(auto photos, runtime.OpenDb("photos"));
    return TasksStore(Dbs{tasks, photos});
  }
  explicit TasksStore(Dbs dbs) : dbs_(dbs) {}

  // nullopt when there is no such task.
  Result<std::optional<Task>> Get(const store::Txn& txn, const std::string& task_id) const;
  Status Put(store::Txn& txn, const Task& task);
  // Every task, by id, for which `keep(task)` holds.
  template <typename Pred>
  Result<std::vector<Task>> Scan(const store::Txn& txn, Pred keep) const {
    std::vector<Task> out;
    ASSIGN_OR_RETURN(auto cursor, store::Cursor::Open(txn, dbs_.tasks));
    for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
      auto t = schemas::Decode<Task>(cursor.value(), "task");
      if (!t.ok())
        return Status::Internal("tasks store: bad task \"" + std::string(cursor.key()) +
                                "\": " + t.status().message());
      if (keep(*t)) out.push_back(std::move(*t));
    }
    return out;
  }

  // `kind` is "check_in" or "report".
  Status PutPhoto(store::Txn& txn, const std::string& task_id, std::string_view kind,
                  std::string_view bytes);
  Result<std::optional<std::string>> GetPhoto(const store::Txn& txn, const std::string& task_id,
                                              std::string_view kind) const;

 private:
  Dbs dbs_;
};

}  // namespace mcf::tasks
