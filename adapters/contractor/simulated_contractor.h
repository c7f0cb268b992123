// SimulatedContractor: the stand-in for the fortune-cookie contractor, the outside party itself
// (not the adapter): it takes cookie orders under idempotency keys, fails a seeded share of
// them, and has each accepted cookie ready `delay` later. Its state is its own LMDB environment,
// committed when a call returns — apart from the adapter's store, as a real contractor's
// database would be — so an adapter that crashes after calling and before recording the answer
// calls again and gets the same answer, and no second cookie is ordered.
// Deterministic: the outcome of a key is a function of (seed, key, attempt); times are the bus
// times the adapter passes in. One instance per environment; used on the adapter's thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "lib/base/status.h"
#include "lib/store/lmdb.h"
#include "schemas/contractor.h"
#include "schemas/declare.h"

namespace mcf::contractor {

struct SimOptions {
  int64_t delay_ms = 10 * 60'000;  // an accepted cookie is ready this long after the order
  double failure_rate = 0.0;       // the share of orders (keys) that fail, 0..1
  int64_t fail_first_tries = 0;    // every order's tries 1..N fail (a scripted outage)
  uint64_t seed = 1;
};

// One order as the contractor keeps it.
struct ContractorOrder {
  std::string key;
  std::string supply_order_id;
  int64_t attempt = 0;
  std::string client_id;
  int64_t placed_at_ms = 0;
  bool failed = false;
  std::string error;
  int64_t ready_at_ms = 0;
  uint64_t seq = 0;  // placement order
  bool canceled = false;
  static constexpr auto Fields() {
    using T = ContractorOrder;
    using schemas::Field;
    return std::tuple{Field("key", &T::key),           Field("supply_order_id", &T::supply_order_id),
                      Field("attempt", &T::attempt),   Field("client_id", &T::client_id),
                      Field("placed_at", &T::placed_at_ms), Field("failed", &T::failed),
                      Field("error", &T::error),       Field("ready_at", &T::ready_at_ms),
                      Field("seq", &T::seq),           Field("canceled", &T::canceled)};
  }
};

// Where the adapter stands in the contractor's list of ready cookies (placement order).
struct ReadyCursor {
  int64_t ready_at_ms = 0;
  uint64_t seq = 0;
};

class SimulatedContractor {
 public:
  // Opens (creating) the contractor's environment in `dir`.
  static Result<std::unique_ptr<SimulatedContractor>> Open(const std::string& dir,
                                                           SimOptions options);

  // An order call. A new key is decided (seeded), stored and committed before returning; a key
  // seen before returns what it returned then (counted as a repeated call).
  Result<ContractorOrder> Order(const std::string& key, const std::string& supply_order_id,
                                int64_t attempt, const std::string& client_id, int64_t now_ms);
  // Drops a pending order's cookie (a no-op for an unknown, failed or canceled key).
  Status Cancel(const std::string& key);
  // Accepted orders ready by `now_ms` and placed after `after`, in placement order, at most
  // `limit`; canceled ones are included (flagged) so that a cursor moves past them. Ready times
  // never go backwards in placement order, so a cursor misses nothing.
  Result<std::vector<ContractorOrder>> ReadyAfter(ReadyCursor after, int64_t now_ms, size_t limit);
  // calls, orders, repeated_calls, failures, cancellations (deliveries are the adapter's).
  Result<schemas::contractor::SimStats> Stats();

  const SimOptions& options() const { return options_; }

 private:
  SimulatedContractor(store::Env env, SimOptions options) : env_(std::move(env)), options_(options) {}
  Status Bump(store::Txn& txn, std::string_view counter, int64_t by = 1);
  Result<int64_t> Counter(const store::Txn& txn, std::string_view counter) const;

  store::Env env_;
  store::Db orders_{}, ready_{}, counters_{};
  SimOptions options_;
};

}  // namespace mcf::contractor
