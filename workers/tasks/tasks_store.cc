#include "workers/tasks/tasks_store.h"

#include "schemas/body.h"

namespace mcf::tasks {
namespace {

std::string PhotoKey(const std::string& task_id, std::string_view kind) {
  return task_id + "/" + std::string(kind);
}

}  // namespace

Result<std::optional<Task>> TasksStore::Get(const store::Txn& txn,
                                            const std::string& task_id) const {
  ASSIGN_OR_RETURN(auto v, txn.Get(dbs_.tasks, task_id));
  if (!v) return std::optional<Task>();
  auto t = schemas::Decode<Task>(*v, "task");
  if (!t.ok())
    return Status::Internal("tasks store: bad task \"" + task_id + "\": " + t.status().message());
  return std::optional<Task>(std::move(*t));
}

Status TasksStore::Put(store::Txn& txn, const Task& task) {
  return txn.Put(dbs_.tasks, task.id, schemas::Encode(task));
}

Status TasksStore::PutPhoto(store::Txn& txn, const std::string& task_id, std::string_view kind,
                            std::string_view bytes) {
  return txn.Put(dbs_.photos, PhotoKey(task_id, kind), bytes);
}

Result<std::optional<std::string>> TasksStore::GetPhoto(const store::Txn& txn,
                                                        const std::string& task_id,
                                                        std::string_view kind) const {
  ASSIGN_OR_RETURN(auto v, txn.Get(dbs_.photos, PhotoKey(task_id, kind)));
  if (!v) return std::optional<std::string>();
  return std::optional<std::string>(std::string(*v));
}

}  // namespace mcf::tasks
