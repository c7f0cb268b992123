#include "workers/hiring/hiring_store.h"

namespace mcf::hiring {

Status HiringStore::PutWorker(store::Txn& txn, const schemas::hiring::WorkerProfile& profile) {
  return txn.Put(workers_, profile.worker_id, schemas::Encode(profile));
}

Result<std::optional<schemas::hiring::WorkerProfile>> HiringStore::GetWorker(
    const store::Txn& txn, const std::string& worker_id) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(workers_, worker_id));
  if (!v) return std::optional<schemas::hiring::WorkerProfile>();
  auto p = schemas::Decode<schemas::hiring::WorkerProfile>(*v);
  // Stored values are our own writes; a malformed one means a corrupt store.
  if (!p.ok())
    return Status::Internal("hiring store: bad value in workers under \"" + worker_id +
                            "\": " + p.status().message());
  return std::optional<schemas::hiring::WorkerProfile>(std::move(*p));
}

}  // namespace mcf::hiring
