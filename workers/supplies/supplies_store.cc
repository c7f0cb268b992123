#include "workers/supplies/supplies_store.h"

#include <utility>

#include "lib/store/ordered_key.h"

namespace mcf::supplies {

namespace wire = schemas::supplies;
using store::Be64;
using store::FromBe64;

namespace {

constexpr size_t kTimeKeyBytes = 8;

// Stored values are our own writes; a malformed one means a corrupt store.
Status Corrupt(std::string_view db, std::string_view key, const Status& s) {
  return Status::Internal("supplies store: bad value in " + std::string(db) + " under \"" +
                          std::string(key) + "\": " + s.message());
}

std::string TimeKey(const wire::SupplyOrder& o) { return Be64(o.created_at_ms) + o.id; }
std::string StatusKey(wire::SupplyStatus status, std::string_view time_key) {
  return std::string(1, static_cast<char>(status)) + std::string(time_key);
}

// A page cursor is the time key of the last order shown, as "<created_at>/<id>".
std::string CursorOf(std::string_view time_key) {
  return std::to_string(FromBe64(time_key)) + "/" + std::string(time_key.substr(kTimeKeyBytes));
}
Result<std::string> TimeKeyOf(std::string_view cursor) {
  const size_t slash = cursor.find('/');
  int64_t ms = 0;
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == cursor.size() || slash > 18)
    return Status::Invalid("body.before: not a page cursor (a board's next_before)");
  for (char c : cursor.substr(0, slash)) {
    if (c < '0' || c > '9')
      return Status::Invalid("body.before: not a page cursor (a board's next_before)");
    ms = ms * 10 + (c - '0');
  }
  return Be64(ms) + std::string(cursor.substr(slash + 1));
}

}  // namespace

Status SuppliesStore::PutOrder(store::Txn& txn, const wire::SupplyOrder& order,
                               std::optional<int64_t> due) {
  ASSIGN_OR_RETURN(const std::optional<wire::SupplyOrder> old, GetOrder(txn, order.id));
  const std::string time_key = TimeKey(order);
  if (old) RETURN_IF_ERROR(txn.Del(by_status_, StatusKey(old->status, TimeKey(*old))));
  ASSIGN_OR_RETURN(const std::optional<std::string_view> filed, txn.Get(due_of_, order.id));
  if (filed) {
    const std::string old_due(*filed);
    RETURN_IF_ERROR(txn.Del(cookie_due_, old_due + order.id));
    RETURN_IF_ERROR(txn.Del(due_of_, order.id));
  }
  if (due) {
    RETURN_IF_ERROR(txn.Put(cookie_due_, Be64(*due) + order.id, ""));
    RETURN_IF_ERROR(txn.Put(due_of_, order.id, Be64(*due)));
  }
  RETURN_IF_ERROR(txn.Put(orders_, order.id, schemas::Encode(order)));
  RETURN_IF_ERROR(txn.Put(by_task_, order.task_id, order.id));
  RETURN_IF_ERROR(txn.Put(by_time_, time_key, ""));
  return txn.Put(by_status_, StatusKey(order.status, time_key), "");
}

Result<std::optional<wire::SupplyOrder>> SuppliesStore::GetOrder(const store::Txn& txn,
                                                                 const std::string& id) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(orders_, id));
  if (!v) return std::optional<wire::SupplyOrder>();
  auto o = schemas::Decode<wire::SupplyOrder>(*v);
  if (!o.ok()) return Corrupt("orders", id, o.status());
  return std::optional<wire::SupplyOrder>(std::move(*o));
}

Result<std::optional<std::string>> SuppliesStore::OrderIdForTask(const store::Txn& txn,
                                                                 const std::string& task_id) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(by_task_, task_id));
  if (!v) return std::optional<std::string>();
  return std::optional<std::string>(std::string(*v));
}

Result<wire::Board> SuppliesStore::Board(const store::Txn& txn, const BoardQuery& query) const {
  wire::Board board;
  if (!query.task_id.empty()) {
    ASSIGN_OR_RETURN(const std::optional<std::string> id, OrderIdForTask(txn, query.task_id));
    if (!id) return board;
    ASSIGN_OR_RETURN(std::optional<wire::SupplyOrder> order, GetOrder(txn, *id));
    if (order && (!query.status || order->status == *query.status) &&
        (!query.needs_attention || order->cookie.needs_attention))
      board.orders.push_back(std::move(*order));
    return board;
  }
  // by_status keys carry the status byte in front of the time key; by_time keys are the time
  // key alone. Either way the walk goes backwards from just before the cursor.
  const std::string prefix =
      query.status ? std::string(1, static_cast<char>(*query.status)) : std::string();
  const store::Db db = query.status ? by_status_ : by_time_;
  std::string start;
  if (!query.before.empty()) {
    ASSIGN_OR_RETURN(const std::string time_key, TimeKeyOf(query.before));
    start = prefix + time_key;
  }
  ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, db));
  bool ok;
  if (start.empty()) {
    // The last key with the prefix: seek to the first key past it, then step back.
    if (prefix.empty()) {
      ok = cursor.Last();
    } else {
      const std::string past(1, static_cast<char>(prefix[0] + 1));
      ok = cursor.Seek(past) ? cursor.Prev() : cursor.Last();
    }
  } else {
    ok = cursor.Seek(start) ? cursor.Prev() : cursor.Last();
  }
  for (; ok; ok = cursor.Prev()) {
    const std::string_view key = cursor.key();
    if (!key.starts_with(prefix)) break;
    const std::string_view time_key = key.substr(prefix.size());
    if (board.orders.size() == query.limit) {
      board.next_before = CursorOf(TimeKey(board.orders.back()));
      break;
    }
    ASSIGN_OR_RETURN(std::optional<wire::SupplyOrder> order,
                     GetOrder(txn, std::string(time_key.substr(kTimeKeyBytes))));
    if (!order) return Corrupt(query.status ? "by_status" : "by_time", key, Status::NotFound("no order"));
    if (query.needs_attention && !order->cookie.needs_attention) continue;
    board.orders.push_back(std::move(*order));
  }
  return board;
}

Result<std::vector<std::string>> SuppliesStore::DueBy(const store::Txn& txn, int64_t now_ms) const {
  std::vector<std::string> ids;
  ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, cookie_due_));
  for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
    if (FromBe64(cursor.key()) > now_ms) break;
    ids.emplace_back(cursor.key().substr(kTimeKeyBytes));
  }
  return ids;
}

}  // namespace mcf::supplies
