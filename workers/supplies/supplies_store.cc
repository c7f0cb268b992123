#include "workers/supplies/supplies_store.h"

#include <algorithm>
#include <tuple>
#include <utility>

namespace mcf::supplies {

namespace wire = schemas::supplies;

namespace {
// Stored values are our own writes; a malformed one means a corrupt store.
Status Corrupt(std::string_view key, const Status& s) {
  return Status::Internal("supplies store: bad value in orders under \"" + std::string(key) +
                          "\": " + s.message());
}
}  // namespace

Status SuppliesStore::PutOrder(store::Txn& txn, const wire::SupplyOrder& order) {
  RETURN_IF_ERROR(txn.Put(orders_, order.id, schemas::Encode(order)));
  return txn.Put(by_task_, order.task_id, order.id);
}

Result<std::optional<wire::SupplyOrder>> SuppliesStore::GetOrder(const store::Txn& txn,
                                                                 const std::string& id) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(orders_, id));
  if (!v) return std::optional<wire::SupplyOrder>();
  auto o = schemas::Decode<wire::SupplyOrder>(*v);
  if (!o.ok()) return Corrupt(id, o.status());
  return std::optional<wire::SupplyOrder>(std::move(*o));
}

Result<std::optional<std::string>> SuppliesStore::OrderIdForTask(const store::Txn& txn,
                                                                 const std::string& task_id) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(by_task_, task_id));
  if (!v) return std::optional<std::string>();
  return std::optional<std::string>(std::string(*v));
}

Result<std::vector<wire::SupplyOrder>> SuppliesStore::List(
    const store::Txn& txn, std::optional<wire::SupplyStatus> status) const {
  std::vector<wire::SupplyOrder> out;
  ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, orders_));
  for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
    auto o = schemas::Decode<wire::SupplyOrder>(cursor.value());
    if (!o.ok()) return Corrupt(cursor.key(), o.status());
    if (status && o->status != *status) continue;
    out.push_back(std::move(*o));
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.created_at_ms, a.id) < std::tie(b.created_at_ms, b.id);
  });
  return out;
}

}  // namespace mcf::supplies
