#include "workers/tasks/tasks_store.h"

#include "schemas/body.h"

namespace mcf::tasks {
namespace {

std::string PhotoKey(const std::string& task_id, std::string_view kind) {
  return task_id + "/" + std::string(kind);
}

}  // namespace

std::string EncodeTask(const Task& t) {
  return schemas::BodyWriter()
      .String("id", t.id)
      .String("client_id", t.client_id)
      .String("service_type_id", t.service_type_id)
      .String("description", t.description)
      .Int("starts_at", t.starts_at_ms)
      .Int("ends_at", t.ends_at_ms)
      .String("status", StateName(t.state))
      .String("worker_id", t.worker_id)
      .Int("price_minor", t.price_minor)
      .Bool("kit_issued", t.kit_issued)
      .String("supply_order_id", t.supply_order_id)
      .Int("checked_in_at", t.checked_in_at_ms)
      .String("reason", t.reason)
      .String("copied_from", t.copied_from)
      .String("copy_id", t.copy_id)
      .Finish();
}

Result<Task> DecodeTask(std::string_view bytes) {
  auto b = schemas::Body::Parse(bytes);
  if (!b.ok()) return b.status();
  Task t;
  for (auto [field, out] :
       {std::pair{"id", &t.id}, std::pair{"client_id", &t.client_id},
        std::pair{"service_type_id", &t.service_type_id}, std::pair{"description", &t.description},
        std::pair{"worker_id", &t.worker_id}, std::pair{"supply_order_id", &t.supply_order_id},
        std::pair{"reason", &t.reason}, std::pair{"copied_from", &t.copied_from},
        std::pair{"copy_id", &t.copy_id}}) {
    auto v = b->String(field);
    if (!v.ok()) return v.status();
    *out = std::move(*v);
  }
  for (auto [field, out] :
       {std::pair{"starts_at", &t.starts_at_ms}, std::pair{"ends_at", &t.ends_at_ms},
        std::pair{"price_minor", &t.price_minor},
        std::pair{"checked_in_at", &t.checked_in_at_ms}}) {
    auto v = b->Int(field);
    if (!v.ok()) return v.status();
    *out = *v;
  }
  auto kit = b->Bool("kit_issued");
  if (!kit.ok()) return kit.status();
  t.kit_issued = *kit;
  auto status = b->String("status");
  if (!status.ok()) return status.status();
  auto state = ParseState(*status);
  if (!state.ok()) return state.status();
  t.state = *state;
  return t;
}

Result<std::optional<Task>> TasksStore::Get(const store::Txn& txn,
                                            const std::string& task_id) const {
  auto v = txn.Get(dbs_.tasks, task_id);
  if (!v.ok()) return v.status();
  if (!*v) return std::optional<Task>();
  auto t = DecodeTask(**v);
  if (!t.ok())
    return Status::Internal("tasks store: bad task \"" + task_id + "\": " + t.status().message());
  return std::optional<Task>(std::move(*t));
}

Status TasksStore::Put(store::Txn& txn, const Task& task) {
  return txn.Put(dbs_.tasks, task.id, EncodeTask(task));
}

Status TasksStore::PutPhoto(store::Txn& txn, const std::string& task_id, std::string_view kind,
                            std::string_view bytes) {
  return txn.Put(dbs_.photos, PhotoKey(task_id, kind), bytes);
}

Result<std::optional<std::string>> TasksStore::GetPhoto(const store::Txn& txn,
                                                        const std::string& task_id,
                                                        std::string_view kind) const {
  auto v = txn.Get(dbs_.photos, PhotoKey(task_id, kind));
  if (!v.ok()) return v.status();
  if (!*v) return std::optional<std::string>();
  return std::optional<std::string>(std::string(**v));
}

}  // namespace mcf::tasks
