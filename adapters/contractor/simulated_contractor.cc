#include "adapters/contractor/simulated_contractor.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <system_error>

#include "lib/base/stable_hash.h"
#include "lib/store/ordered_key.h"
#include "schemas/codec.h"

namespace mcf::contractor {
namespace {

using store::Be64;
using store::FromBe64;

// What the contractor says when it fails an order (one per key, seeded).
constexpr std::array<std::string_view, 3> kErrors = {
    "oven out of order", "out of fortune paper", "no courier until tomorrow"};

constexpr std::string_view kLastReady = "last_ready_at";

std::string ReadyKey(int64_t ready_at_ms, uint64_t seq) {
  return Be64(ready_at_ms) + Be64(static_cast<int64_t>(seq));
}

}  // namespace

Result<std::unique_ptr<SimulatedContractor>> SimulatedContractor::Open(const std::string& dir,
                                                                       SimOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Unavailable("contractor sim: cannot create " + dir + ": " + ec.message());
  store::EnvOptions env_options;
  env_options.map_size = size_t{64} << 20;
  ASSIGN_OR_RETURN(store::Env env, store::Env::Open(dir, env_options));
  std::unique_ptr<SimulatedContractor> sim(new SimulatedContractor(std::move(env), options));
  ASSIGN_OR_RETURN(sim->orders_, sim->env_.OpenDb("orders"));
  ASSIGN_OR_RETURN(sim->ready_, sim->env_.OpenDb("ready"));
  ASSIGN_OR_RETURN(sim->counters_, sim->env_.OpenDb("counters"));
  return sim;
}

Result<int64_t> SimulatedContractor::Counter(const store::Txn& txn, std::string_view counter) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(counters_, counter));
  return v ? FromBe64(*v) : 0;
}

Status SimulatedContractor::Bump(store::Txn& txn, std::string_view counter, int64_t by) {
  ASSIGN_OR_RETURN(const int64_t n, Counter(txn, counter));
  return txn.Put(counters_, counter, Be64(n + by));
}

Result<ContractorOrder> SimulatedContractor::Order(const std::string& key,
                                                   const std::string& supply_order_id,
                                                   int64_t attempt, const std::string& client_id,
                                                   int64_t now_ms) {
  ASSIGN_OR_RETURN(store::Txn txn, env_.BeginWrite());
  RETURN_IF_ERROR(Bump(txn, "calls"));
  ASSIGN_OR_RETURN(const std::optional<std::string_view> known, txn.Get(orders_, key));
  if (known) {
    ASSIGN_OR_RETURN(ContractorOrder order, schemas::Decode<ContractorOrder>(*known));
    RETURN_IF_ERROR(Bump(txn, "repeated_calls"));
    RETURN_IF_ERROR(txn.Commit());
    return order;
  }
  ContractorOrder order;
  order.key = key;
  order.supply_order_id = supply_order_id;
  order.attempt = attempt;
  order.client_id = client_id;
  order.placed_at_ms = now_ms;
  ASSIGN_OR_RETURN(const int64_t placed, Counter(txn, "orders"));
  order.seq = static_cast<uint64_t>(placed) + 1;
  const uint64_t h = StableHash(options_.seed, key);
  const double draw = static_cast<double>(h >> 11) / static_cast<double>(uint64_t{1} << 53);
  if (attempt <= options_.fail_first_tries || draw < options_.failure_rate) {
    order.failed = true;
    order.error = std::string(kErrors[(h >> 3) % kErrors.size()]);
    RETURN_IF_ERROR(Bump(txn, "failures"));
  } else {
    // Ready times never go backwards in placement order (ReadyAfter's cursor relies on it),
    // even when the delay was lowered between runs.
    ASSIGN_OR_RETURN(const int64_t last_ready, Counter(txn, kLastReady));
    order.ready_at_ms = std::max(now_ms + options_.delay_ms, last_ready);
    RETURN_IF_ERROR(txn.Put(counters_, kLastReady, Be64(order.ready_at_ms)));
    RETURN_IF_ERROR(txn.Put(ready_, ReadyKey(order.ready_at_ms, order.seq), key));
  }
  RETURN_IF_ERROR(Bump(txn, "orders"));
  RETURN_IF_ERROR(txn.Put(orders_, key, schemas::Encode(order)));
  RETURN_IF_ERROR(txn.Commit());
  return order;
}

Status SimulatedContractor::Cancel(const std::string& key) {
  ASSIGN_OR_RETURN(store::Txn txn, env_.BeginWrite());
  ASSIGN_OR_RETURN(const std::optional<std::string_view> known, txn.Get(orders_, key));
  if (!known) return Status::Ok();
  ASSIGN_OR_RETURN(ContractorOrder order, schemas::Decode<ContractorOrder>(*known));
  if (order.failed || order.canceled) return Status::Ok();
  order.canceled = true;
  RETURN_IF_ERROR(txn.Put(orders_, key, schemas::Encode(order)));
  RETURN_IF_ERROR(Bump(txn, "cancellations"));
  return txn.Commit();
}

Result<std::vector<ContractorOrder>> SimulatedContractor::ReadyAfter(ReadyCursor after,
                                                                     int64_t now_ms, size_t limit) {
  std::vector<ContractorOrder> ready;
  ASSIGN_OR_RETURN(store::Txn txn, env_.BeginRead());
  ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, ready_));
  const std::string past = ReadyKey(after.ready_at_ms, after.seq + 1);
  for (bool ok = cursor.Seek(past); ok && ready.size() < limit; ok = cursor.Next()) {
    if (FromBe64(cursor.key()) > now_ms) break;
    ASSIGN_OR_RETURN(const std::optional<std::string_view> v,
                     txn.Get(orders_, std::string(cursor.value())));
    if (!v) return Status::Internal("contractor sim: ready names a missing order");
    ASSIGN_OR_RETURN(ContractorOrder order, schemas::Decode<ContractorOrder>(*v));
    ready.push_back(std::move(order));  // canceled ones too: the cursor moves past them
  }
  return ready;
}

Result<schemas::contractor::SimStats> SimulatedContractor::Stats() {
  ASSIGN_OR_RETURN(store::Txn txn, env_.BeginRead());
  schemas::contractor::SimStats s;
  ASSIGN_OR_RETURN(s.calls, Counter(txn, "calls"));
  ASSIGN_OR_RETURN(s.orders, Counter(txn, "orders"));
  ASSIGN_OR_RETURN(s.repeated_calls, Counter(txn, "repeated_calls"));
  ASSIGN_OR_RETURN(s.failures, Counter(txn, "failures"));
  ASSIGN_OR_RETURN(s.cancellations, Counter(txn, "cancellations"));
  return s;
}

}  // namespace mcf::contractor
