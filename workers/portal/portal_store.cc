#include "workers/portal/portal_store.h"

#include <algorithm>
#include <utility>

#include "lib/base/bytes.h"
#include "schemas/codec.h"

namespace mcf::portal {
namespace {

// Stored values are our own writes; a malformed one means a corrupt store.
Status Corrupt(std::string_view db, std::string_view key, const Status& s) {
  return Status::Internal("portal store: bad value in " + std::string(db) + " under \"" +
                          std::string(key) + "\": " + s.message());
}

std::string ClientKey(std::string_view client_id, std::string_view order_id) {
  std::string key(client_id);
  key.push_back('\0');
  key.append(order_id);
  return key;
}

// A record stored as its declared map.
template <typename T>
Result<T> Declared(std::string_view bytes) {
  return schemas::Decode<T>(bytes);
}

template <typename T>
Result<std::optional<T>> GetDecoded(const store::Txn& txn, store::Db db, std::string_view db_name,
                                    std::string_view key,
                                    Result<T> (*decode)(std::string_view) = &Declared<T>) {
  ASSIGN_OR_RETURN(auto v, txn.Get(db, key));
  if (!v) return std::optional<T>();
  auto r = decode(*v);
  if (!r.ok()) return Corrupt(db_name, key, r.status());
  return std::optional<T>(std::move(*r));
}

std::optional<std::string> UnlessEmpty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

}  // namespace

// ---- the order's wire form ----

schemas::portal::Order ToWire(const Order& o) {
  schemas::portal::Order w;
  w.id = o.id;
  w.client_id = o.client_id;
  w.service_type_id = o.service_type_id;
  w.description = o.description;
  w.starts_at_ms = o.starts_at_ms;
  w.ends_at_ms = o.ends_at_ms;
  w.approx_cost = o.approx_cost;
  w.status = o.status;
  if (!o.worker_id.empty()) {
    w.worker_id = o.worker_id;
    w.price_minor = o.price_minor;
  }
  w.kit_issued = o.kit_issued;
  w.copy_offered = o.copy_offered;
  w.copied_from = UnlessEmpty(o.copied_from);
  w.reason = UnlessEmpty(o.reason);
  for (const TimelineEntry& e : o.timeline)
    w.timeline.push_back({e.at_ms, e.event, UnlessEmpty(e.detail)});
  return w;
}

std::string EncodeOrder(const Order& o) { return schemas::Encode(ToWire(o)); }

Result<Order> DecodeOrder(std::string_view bytes) {
  ASSIGN_OR_RETURN(schemas::portal::Order w, schemas::Decode<schemas::portal::Order>(bytes));
  Order o{std::move(w.id),          std::move(w.client_id), std::move(w.service_type_id),
          std::move(w.description), w.starts_at_ms,         w.ends_at_ms,
          w.approx_cost,            w.status,               w.worker_id.value_or(""),
          w.price_minor.value_or(0), w.kit_issued,          w.copy_offered,
          w.copied_from.value_or(""), w.reason.value_or(""), {}};
  for (auto& e : w.timeline)
    o.timeline.push_back({e.at_ms, std::move(e.event), e.detail.value_or("")});
  return o;
}

// ---- store ----

Result<std::optional<Account>> PortalStore::AccountByEmployee(const store::Txn& txn,
                                                              std::string_view employee_id) const {
  return GetDecoded<Account>(txn, accounts_, "accounts", employee_id);
}

Result<std::optional<Account>> PortalStore::AccountByClient(const store::Txn& txn,
                                                            std::string_view client_id) const {
  ASSIGN_OR_RETURN(auto employee, txn.Get(clients_, client_id));
  if (!employee) return std::optional<Account>();
  std::string employee_id(*employee);
  return AccountByEmployee(txn, employee_id);
}

Status PortalStore::PutAccount(store::Txn& txn, const Account& account) {
  RETURN_IF_ERROR(txn.Put(accounts_, account.employee_id, schemas::Encode(account)));
  return txn.Put(clients_, account.client_id, account.employee_id);
}

Status PortalStore::PutStaff(store::Txn& txn, const Staff& staff) {
  return txn.Put(staff_, staff.id, schemas::Encode(staff));
}

Result<std::optional<TokenBinding>> PortalStore::Token(const store::Txn& txn,
                                                       std::string_view token) const {
  // The token itself is a secret: never echo it into an error message.
  ASSIGN_OR_RETURN(auto v, txn.Get(tokens_, token));
  if (!v) return std::optional<TokenBinding>();
  auto r = schemas::Decode<TokenBinding>(*v);
  if (!r.ok()) return Corrupt("tokens", "<token>", r.status());
  return std::optional<TokenBinding>(std::move(*r));
}

Status PortalStore::PutToken(store::Txn& txn, std::string_view token, const TokenBinding& binding) {
  return txn.Put(tokens_, token, schemas::Encode(binding));
}

Result<size_t> PortalStore::AddClientSession(store::Txn& txn, std::string_view client_id,
                                             int64_t now_ms, std::string_view token, size_t keep) {
  std::string prefix(client_id);
  prefix.push_back('\0');
  std::string key = prefix + U64Key(static_cast<uint64_t>(std::max<int64_t>(now_ms, 0)));
  key.append(token);
  RETURN_IF_ERROR(txn.Put(client_sessions_, key, ""));
  std::vector<std::string> sessions;  // oldest first
  ASSIGN_OR_RETURN(auto cursor, store::Cursor::Open(txn, client_sessions_));
  for (bool ok = cursor.Seek(prefix); ok && cursor.key().starts_with(prefix); ok = cursor.Next())
    sessions.emplace_back(cursor.key());
  auto token_of = [&](const std::string& k) {
    return std::string_view(k).substr(prefix.size() + 8);
  };
  size_t revoked = 0;
  for (size_t i = 0; i + keep < sessions.size(); ++i) {
    RETURN_IF_ERROR(txn.Del(client_sessions_, sessions[i]));
    // A token signed in again later is still one of the newest: it stays.
    bool kept = false;
    for (size_t j = sessions.size() - keep; j < sessions.size(); ++j)
      kept |= token_of(sessions[j]) == token_of(sessions[i]);
    if (kept) continue;
    RETURN_IF_ERROR(txn.Del(tokens_, token_of(sessions[i])));
    ++revoked;
  }
  return revoked;
}

Result<std::optional<KnownWorker>> PortalStore::GetWorker(const store::Txn& txn,
                                                          std::string_view id) const {
  return GetDecoded<KnownWorker>(txn, workers_, "workers", id);
}

Status PortalStore::PutWorker(store::Txn& txn, const KnownWorker& worker) {
  return txn.Put(workers_, worker.worker_id, schemas::Encode(worker));
}

Result<std::vector<ServiceType>> PortalStore::ServiceTypes(const store::Txn& txn) const {
  std::vector<ServiceType> out;
  ASSIGN_OR_RETURN(auto cursor, store::Cursor::Open(txn, service_types_));
  for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
    auto t = schemas::Decode<ServiceType>(cursor.value());
    if (!t.ok()) return Corrupt("service_types", cursor.key(), t.status());
    out.push_back(std::move(*t));
  }
  return out;
}

Result<std::optional<ServiceType>> PortalStore::GetServiceType(const store::Txn& txn,
                                                               std::string_view id) const {
  return GetDecoded<ServiceType>(txn, service_types_, "service_types", id);
}

Status PortalStore::PutServiceType(store::Txn& txn, const ServiceType& type) {
  return txn.Put(service_types_, type.id, schemas::Encode(type));
}

Result<std::optional<Order>> PortalStore::GetOrder(const store::Txn& txn,
                                                   std::string_view id) const {
  return GetDecoded<Order>(txn, orders_, "orders", id, &DecodeOrder);
}

Status PortalStore::PutOrder(store::Txn& txn, const Order& order) {
  RETURN_IF_ERROR(txn.Put(orders_, order.id, EncodeOrder(order)));
  return txn.Put(orders_by_client_, ClientKey(order.client_id, order.id), "");
}

Result<OrderPage> PortalStore::ListOrders(const store::Txn& txn,
                                          const std::optional<std::string>& client_id,
                                          const std::string& after, size_t limit) const {
  OrderPage page;
  // Walks either all orders or the client's index, by order id, from just after `after`.
  const store::Db db = client_id ? orders_by_client_ : orders_;
  const std::string prefix = client_id ? ClientKey(*client_id, "") : std::string();
  ASSIGN_OR_RETURN(auto cursor, store::Cursor::Open(txn, db));
  const std::string start = prefix + after;
  bool ok = start.empty() ? cursor.First() : cursor.Seek(start);  // LMDB has no empty key
  if (ok && !after.empty() && cursor.key() == start) ok = cursor.Next();
  for (; ok; ok = cursor.Next()) {
    std::string_view key = cursor.key();
    if (key.substr(0, prefix.size()) != prefix) break;
    if (page.orders.size() == limit) {
      page.more = true;
      break;
    }
    std::string order_id(key.substr(prefix.size()));
    if (!client_id) {
      auto o = DecodeOrder(cursor.value());
      if (!o.ok()) return Corrupt("orders", order_id, o.status());
      page.orders.push_back(std::move(*o));
      continue;
    }
    ASSIGN_OR_RETURN(auto o, GetOrder(txn, order_id));
    if (!o) return Status::Internal("portal store: index entry for missing order " + order_id);
    page.orders.push_back(std::move(*o));
  }
  return page;
}

}  // namespace mcf::portal
