// PortalStore: the portal's records in LMDB databases of the worker's env, one codec each:
//   accounts          employee_id -> Account (a client, by HCB's employee id)
//   clients           client_id -> employee_id
//   staff             staff id -> Staff (manager, supplies, admin)
//   tokens            token -> TokenBinding {role, id} (clients, staff, workers)
//   workers           worker_id -> KnownWorker (from hiring.worker_hired)
//   service_types     service type id -> ServiceType
//   orders            order id (= task id) -> Order
//   orders_by_client  client_id "\0" order id -> "" (a client's dashboard, by id)
//   client_sessions   client_id "\0" U64Key(signed in at) token -> "" (the newest few live)
// Every call works inside a transaction the caller owns (a handler's nested txn), so its writes
// commit with the message that caused them. Cheap to copy; used on the worker's thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "lib/base/status.h"
#include "lib/store/lmdb.h"
#include "schemas/declare.h"
#include "schemas/portal.h"
#include "workers/portal/orders.h"

namespace mcf::portal {

// The records below are stored as their declared maps (schemas/codec.h), in Fields() order:
// the bytes the earlier hand-written codecs wrote, so existing stores stay readable.
struct Account {
  std::string client_id;
  std::string employee_id;
  std::string name;
  int64_t discount_bps = 0;  // the client's current loyalty discount (0 until billing feeds it)
  int64_t created_at_ms = 0;
  // The client's invoices billing reported overdue and not yet paid, oldest first, at most
  // kMaxOverdueInvoices: while any is here the client may not request help (decision 031).
  // Never an empty list (nullopt instead), so an account without any keeps its stored bytes.
  std::optional<std::vector<std::string>> overdue_invoices{};
  bool operator==(const Account&) const = default;
  static constexpr auto Fields() {
    using T = Account;
    using schemas::Field;
    return std::tuple{Field("client_id", &T::client_id), Field("employee_id", &T::employee_id),
                      Field("name", &T::name), Field("discount_bps", &T::discount_bps),
                      Field("created_at", &T::created_at_ms),
                      Field("overdue_invoices", &T::overdue_invoices)};
  }
};

// Overdue invoices an account remembers; one more is logged and not kept (the client is blocked
// by the ones kept, which name what to pay first).
inline constexpr size_t kMaxOverdueInvoices = 16;

struct Staff {
  std::string id;
  std::string role;  // manager, supplies, admin
  std::string name;
  int64_t created_at_ms = 0;
  bool operator==(const Staff&) const = default;
  static constexpr auto Fields() {
    using T = Staff;
    using schemas::Field;
    return std::tuple{Field("id", &T::id), Field("role", &T::role), Field("name", &T::name),
                      Field("created_at", &T::created_at_ms)};
  }
};

// Who a bearer token stands for: {role, id}, also portal.authenticate's reply.
using TokenBinding = schemas::portal::Principal;

// A worker the portal learned of from hiring.worker_hired (contexts never ask each other).
struct KnownWorker {
  std::string worker_id;
  std::string name;
  int64_t hired_at_ms = 0;  // the event's bus time
  std::string hired_by{};   // the deciding manager; "" for an import
  bool credentialed = false;  // a sign-in token has been granted
  bool operator==(const KnownWorker&) const = default;
  static constexpr auto Fields() {
    using T = KnownWorker;
    using schemas::Field;
    return std::tuple{Field("worker_id", &T::worker_id), Field("name", &T::name),
                      Field("hired_at", &T::hired_at_ms),
                      Field("hired_by", &T::hired_by).Optional(),
                      Field("credentialed", &T::credentialed).Optional()};
  }
};

// {id, name, description, active}, also the reply of the service type commands.
using ServiceType = schemas::portal::ServiceType;

// The order as it travels (replies) and is stored: the declared schemas::portal::Order, whose
// optional fields are absent while empty/unassigned.
schemas::portal::Order ToWire(const Order& o);
std::string EncodeOrder(const Order& o);
Result<Order> DecodeOrder(std::string_view bytes);

// One page of orders by id: `orders` and whether more follow the last one.
struct OrderPage {
  std::vector<Order> orders;
  bool more = false;
};

class PortalStore {
 public:
  // Opens (creating) the databases through `runtime` (a worker::Worker or worker::Dispatcher).
  template <typename Runtime>
  static Result<PortalStore> Open(Runtime& runtime) {
    PortalStore s;
    for (auto [name, db] : {std::pair{"accounts", &s.accounts_},
                            {"clients", &s.clients_},
                            {"staff", &s.staff_},
                            {"tokens", &s.tokens_},
                            {"workers", &s.workers_},
                            {"service_types", &s.service_types_},
                            {"orders", &s.orders_},
                            {"orders_by_client", &s.orders_by_client_},
                            {"client_sessions", &s.client_sessions_}}) {
      ASSIGN_OR_RETURN(auto r, runtime.OpenDb(name));
      *db = r;
    }
    return s;
  }

  // Accounts: nullopt when there is none. PutAccount also writes the clients index.
  Result<std::optional<Account>> AccountByEmployee(const store::Txn& txn,
                                                   std::string_view employee_id) const;
  Result<std::optional<Account>> AccountByClient(const store::Txn& txn,
                                                 std::string_view client_id) const;
  Status PutAccount(store::Txn& txn, const Account& account);

  Status PutStaff(store::Txn& txn, const Staff& staff);

  // REQUIRES: 1 <= token.size() <= 511 (an LMDB key); callers check the contract's 32..128.
  Result<std::optional<TokenBinding>> Token(const store::Txn& txn, std::string_view token) const;
  Status PutToken(store::Txn& txn, std::string_view token, const TokenBinding& binding);
  // Records a client's sign-in token and revokes the oldest beyond the newest `keep`, so that
  // repeated sign-ins cannot grow the store. Returns how many tokens were revoked.
  Result<size_t> AddClientSession(store::Txn& txn, std::string_view client_id, int64_t now_ms,
                                  std::string_view token, size_t keep);

  // Workers: nullopt for one the portal has not seen hired. REQUIRES: 1 <= id.size() <= 511.
  Result<std::optional<KnownWorker>> GetWorker(const store::Txn& txn, std::string_view id) const;
  Status PutWorker(store::Txn& txn, const KnownWorker& worker);

  // Every service type, sorted by id.
  Result<std::vector<ServiceType>> ServiceTypes(const store::Txn& txn) const;
  Result<std::optional<ServiceType>> GetServiceType(const store::Txn& txn,
                                                    std::string_view id) const;
  Status PutServiceType(store::Txn& txn, const ServiceType& type);

  Result<std::optional<Order>> GetOrder(const store::Txn& txn, std::string_view id) const;
  // Adds or replaces the order and its client index entry.
  Status PutOrder(store::Txn& txn, const Order& order);
  // Up to `limit` orders with id > `after` (all when empty), by id; only `client_id`'s when
  // given. REQUIRES: limit >= 1.
  Result<OrderPage> ListOrders(const store::Txn& txn, const std::optional<std::string>& client_id,
                               const std::string& after, size_t limit) const;

 private:
  PortalStore() = default;
  store::Db accounts_, clients_, staff_, tokens_, workers_, service_types_, orders_,
      orders_by_client_, client_sessions_;
};

}  // namespace mcf::portal
