#include "workers/portal/portal_store.h"

#include <algorithm>
#include <utility>

#include "lib/base/bytes.h"
#include "schemas/body.h"
#include "schemas/msgpack.h"

namespace mcf::portal {
namespace {

using schemas::Body;
using schemas::BodyWriter;

// Stored values are our own writes; a malformed one means a corrupt store.
Status Corrupt(std::string_view db, std::string_view key, const Status& s) {
  return Status::Internal("portal store: bad value in " + std::string(db) + " under \"" +
                          std::string(key) + "\": " + s.message());
}

// Reads string fields into `out` pointers; the first error wins.
Status Strings(const Body& b, std::initializer_list<std::pair<const char*, std::string*>> fields) {
  for (auto [name, out] : fields) {
    auto v = b.String(name);
    if (!v.ok()) return v.status();
    *out = std::move(*v);
  }
  return Status::Ok();
}

std::string ClientKey(std::string_view client_id, std::string_view order_id) {
  std::string key(client_id);
  key.push_back('\0');
  key.append(order_id);
  return key;
}

template <typename T>
Result<std::optional<T>> GetDecoded(const store::Txn& txn, store::Db db, std::string_view db_name,
                                    std::string_view key, Result<T> (*decode)(std::string_view)) {
  auto v = txn.Get(db, key);
  if (!v.ok()) return v.status();
  if (!*v) return std::optional<T>();
  auto r = decode(**v);
  if (!r.ok()) return Corrupt(db_name, key, r.status());
  return std::optional<T>(std::move(*r));
}

}  // namespace

// ---- codecs ----

std::string EncodeAccount(const Account& a) {
  return BodyWriter()
      .String("client_id", a.client_id)
      .String("employee_id", a.employee_id)
      .String("name", a.name)
      .Int("discount_bps", a.discount_bps)
      .Int("created_at", a.created_at_ms)
      .Finish();
}

Result<Account> DecodeAccount(std::string_view bytes) {
  auto b = Body::Parse(bytes);
  if (!b.ok()) return b.status();
  Account a;
  if (Status s = Strings(
          *b, {{"client_id", &a.client_id}, {"employee_id", &a.employee_id}, {"name", &a.name}});
      !s.ok())
    return s;
  auto discount = b->Int("discount_bps");
  if (!discount.ok()) return discount.status();
  auto created = b->Int("created_at");
  if (!created.ok()) return created.status();
  a.discount_bps = *discount;
  a.created_at_ms = *created;
  return a;
}

std::string EncodeStaff(const Staff& s) {
  return BodyWriter()
      .String("id", s.id)
      .String("role", s.role)
      .String("name", s.name)
      .Int("created_at", s.created_at_ms)
      .Finish();
}

Result<Staff> DecodeStaff(std::string_view bytes) {
  auto b = Body::Parse(bytes);
  if (!b.ok()) return b.status();
  Staff st;
  if (Status s = Strings(*b, {{"id", &st.id}, {"role", &st.role}, {"name", &st.name}}); !s.ok())
    return s;
  auto created = b->Int("created_at");
  if (!created.ok()) return created.status();
  st.created_at_ms = *created;
  return st;
}

std::string EncodeTokenBinding(const TokenBinding& t) {
  return BodyWriter().String("role", t.role).String("id", t.id).Finish();
}

Result<TokenBinding> DecodeTokenBinding(std::string_view bytes) {
  auto b = Body::Parse(bytes);
  if (!b.ok()) return b.status();
  TokenBinding t;
  RETURN_IF_ERROR(Strings(*b, {{"role", &t.role}, {"id", &t.id}}));
  return t;
}

std::string EncodeKnownWorker(const KnownWorker& w) {
  return BodyWriter()
      .String("worker_id", w.worker_id)
      .String("name", w.name)
      .Int("hired_at", w.hired_at_ms)
      .Finish();
}

Result<KnownWorker> DecodeKnownWorker(std::string_view bytes) {
  auto b = Body::Parse(bytes);
  if (!b.ok()) return b.status();
  KnownWorker w;
  RETURN_IF_ERROR(Strings(*b, {{"worker_id", &w.worker_id}, {"name", &w.name}}));
  auto hired = b->Int("hired_at");
  if (!hired.ok()) return hired.status();
  w.hired_at_ms = *hired;
  return w;
}

std::string EncodeServiceType(const ServiceType& t) {
  return BodyWriter()
      .String("id", t.id)
      .String("name", t.name)
      .String("description", t.description)
      .Bool("active", t.active)
      .Finish();
}

Result<ServiceType> DecodeServiceType(std::string_view bytes) {
  auto b = Body::Parse(bytes);
  if (!b.ok()) return b.status();
  ServiceType t;
  if (Status s = Strings(*b, {{"id", &t.id}, {"name", &t.name}, {"description", &t.description}});
      !s.ok())
    return s;
  auto active = b->Bool("active");
  if (!active.ok()) return active.status();
  t.active = *active;
  return t;
}

std::string EncodeOrder(const Order& o) {
  schemas::MsgpackWriter timeline;
  timeline.ArrayHeader(static_cast<uint32_t>(o.timeline.size()));
  for (const TimelineEntry& e : o.timeline) {
    BodyWriter entry;
    entry.Int("at", e.at_ms).String("event", e.event);
    if (!e.detail.empty()) entry.String("detail", e.detail);
    timeline.Raw(entry.Finish());
  }
  BodyWriter w;
  w.String("id", o.id)
      .String("client_id", o.client_id)
      .String("service_type_id", o.service_type_id)
      .String("description", o.description)
      .Int("starts_at", o.starts_at_ms)
      .Int("ends_at", o.ends_at_ms)
      .Int("approx_cost", o.approx_cost)
      .String("status", OrderStatusName(o.status));
  if (!o.worker_id.empty()) w.String("worker_id", o.worker_id).Int("price", o.price_minor);
  w.Bool("kit_issued", o.kit_issued).Bool("copy_offered", o.copy_offered);
  if (!o.copied_from.empty()) w.String("copied_from", o.copied_from);
  if (!o.reason.empty()) w.String("reason", o.reason);
  w.Raw("timeline", timeline.Take());
  return w.Finish();
}

Result<Order> DecodeOrder(std::string_view bytes) {
  auto b = Body::Parse(bytes);
  if (!b.ok()) return b.status();
  Order o;
  if (Status s = Strings(*b, {{"id", &o.id},
                              {"client_id", &o.client_id},
                              {"service_type_id", &o.service_type_id},
                              {"description", &o.description}});
      !s.ok())
    return s;
  for (auto [name, out] :
       {std::pair{"starts_at", &o.starts_at_ms}, std::pair{"ends_at", &o.ends_at_ms},
        std::pair{"approx_cost", &o.approx_cost}}) {
    auto v = b->Int(name);
    if (!v.ok()) return v.status();
    *out = *v;
  }
  auto status = b->String("status");
  if (!status.ok()) return status.status();
  auto parsed = ParseOrderStatus(*status);
  if (!parsed) return Status::Invalid("body.status: unknown order status " + *status);
  o.status = *parsed;
  for (auto [name, out] :
       {std::pair{"worker_id", &o.worker_id}, std::pair{"copied_from", &o.copied_from},
        std::pair{"reason", &o.reason}}) {
    auto v = b->OptString(name);
    if (!v.ok()) return v.status();
    *out = v->value_or("");
  }
  auto price = b->OptInt("price");
  if (!price.ok()) return price.status();
  o.price_minor = price->value_or(0);
  auto kit = b->Bool("kit_issued");
  if (!kit.ok()) return kit.status();
  auto offered = b->Bool("copy_offered");
  if (!offered.ok()) return offered.status();
  o.kit_issued = *kit;
  o.copy_offered = *offered;
  auto raw = b->Raw("timeline");
  if (!raw.ok()) return raw.status();
  schemas::MsgpackReader r(*raw);
  auto n = r.ReadArrayHeader();
  if (!n) return Status::Invalid("body.timeline: expected an array");
  for (uint32_t i = 0; i < *n; ++i) {
    std::string path = "body.timeline[" + std::to_string(i) + "]";
    auto item = r.ReadRaw();
    if (!item) return Status::Invalid(path + ": malformed");
    auto eb = Body::Parse(*item, path);
    if (!eb.ok()) return eb.status();
    TimelineEntry e;
    auto at = eb->Int("at");
    if (!at.ok()) return at.status();
    auto event = eb->String("event");
    if (!event.ok()) return event.status();
    auto detail = eb->OptString("detail");
    if (!detail.ok()) return detail.status();
    e.at_ms = *at;
    e.event = std::move(*event);
    e.detail = detail->value_or("");
    o.timeline.push_back(std::move(e));
  }
  return o;
}

// ---- store ----

Result<std::optional<Account>> PortalStore::AccountByEmployee(const store::Txn& txn,
                                                              std::string_view employee_id) const {
  return GetDecoded<Account>(txn, accounts_, "accounts", employee_id, &DecodeAccount);
}

Result<std::optional<Account>> PortalStore::AccountByClient(const store::Txn& txn,
                                                            std::string_view client_id) const {
  auto employee = txn.Get(clients_, client_id);
  if (!employee.ok()) return employee.status();
  if (!*employee) return std::optional<Account>();
  std::string employee_id(**employee);
  return AccountByEmployee(txn, employee_id);
}

Status PortalStore::PutAccount(store::Txn& txn, const Account& account) {
  RETURN_IF_ERROR(txn.Put(accounts_, account.employee_id, EncodeAccount(account)));
  return txn.Put(clients_, account.client_id, account.employee_id);
}

Status PortalStore::PutStaff(store::Txn& txn, const Staff& staff) {
  return txn.Put(staff_, staff.id, EncodeStaff(staff));
}

Result<std::optional<TokenBinding>> PortalStore::Token(const store::Txn& txn,
                                                       std::string_view token) const {
  // The token itself is a secret: never echo it into an error message.
  auto v = txn.Get(tokens_, token);
  if (!v.ok()) return v.status();
  if (!*v) return std::optional<TokenBinding>();
  auto r = DecodeTokenBinding(**v);
  if (!r.ok()) return Corrupt("tokens", "<token>", r.status());
  return std::optional<TokenBinding>(std::move(*r));
}

Status PortalStore::PutToken(store::Txn& txn, std::string_view token, const TokenBinding& binding) {
  return txn.Put(tokens_, token, EncodeTokenBinding(binding));
}

Result<size_t> PortalStore::AddClientSession(store::Txn& txn, std::string_view client_id,
                                             int64_t now_ms, std::string_view token, size_t keep) {
  std::string prefix(client_id);
  prefix.push_back('\0');
  std::string key = prefix + U64Key(static_cast<uint64_t>(std::max<int64_t>(now_ms, 0)));
  key.append(token);
  RETURN_IF_ERROR(txn.Put(client_sessions_, key, ""));
  std::vector<std::string> sessions;  // oldest first
  auto cursor = store::Cursor::Open(txn, client_sessions_);
  if (!cursor.ok()) return cursor.status();
  for (bool ok = cursor->Seek(prefix); ok && cursor->key().starts_with(prefix); ok = cursor->Next())
    sessions.emplace_back(cursor->key());
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
  return GetDecoded<KnownWorker>(txn, workers_, "workers", id, &DecodeKnownWorker);
}

Status PortalStore::PutWorker(store::Txn& txn, const KnownWorker& worker) {
  return txn.Put(workers_, worker.worker_id, EncodeKnownWorker(worker));
}

Result<std::vector<ServiceType>> PortalStore::ServiceTypes(const store::Txn& txn) const {
  std::vector<ServiceType> out;
  auto cursor = store::Cursor::Open(txn, service_types_);
  if (!cursor.ok()) return cursor.status();
  for (bool ok = cursor->First(); ok; ok = cursor->Next()) {
    auto t = DecodeServiceType(cursor->value());
    if (!t.ok()) return Corrupt("service_types", cursor->key(), t.status());
    out.push_back(std::move(*t));
  }
  return out;
}

Result<std::optional<ServiceType>> PortalStore::GetServiceType(const store::Txn& txn,
                                                               std::string_view id) const {
  return GetDecoded<ServiceType>(txn, service_types_, "service_types", id, &DecodeServiceType);
}

Status PortalStore::PutServiceType(store::Txn& txn, const ServiceType& type) {
  return txn.Put(service_types_, type.id, EncodeServiceType(type));
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
  auto cursor = store::Cursor::Open(txn, db);
  if (!cursor.ok()) return cursor.status();
  const std::string start = prefix + after;
  bool ok = start.empty() ? cursor->First() : cursor->Seek(start);  // LMDB has no empty key
  if (ok && !after.empty() && cursor->key() == start) ok = cursor->Next();
  for (; ok; ok = cursor->Next()) {
    std::string_view key = cursor->key();
    if (key.substr(0, prefix.size()) != prefix) break;
    if (page.orders.size() == limit) {
      page.more = true;
      break;
    }
    std::string order_id(key.substr(prefix.size()));
    if (!client_id) {
      auto o = DecodeOrder(cursor->value());
      if (!o.ok()) return Corrupt("orders", order_id, o.status());
      page.orders.push_back(std::move(*o));
      continue;
    }
    auto o = GetOrder(txn, order_id);
    if (!o.ok()) return o.status();
    if (!*o) return Status::Internal("portal store: index entry for missing order " + order_id);
    page.orders.push_back(std::move(**o));
  }
  return page;
}

}  // namespace mcf::portal
