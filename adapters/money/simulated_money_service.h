// SimulatedMoneyService: the stand-in for an outside service that moves money — the payment
// service that writes a client's invoice off, Gold Hat that pays a worker out — the outside party
// itself, not its adapter. It takes transfers under idempotency keys (billing's transfer ids):
// the same key always gets the same answer, and money moves at most once per key. It refuses a
// seeded share of keys and the first tries of every invoice (a scripted outage), lets a seeded
// share of calls time out (having done the transfer or not), answers `delay` of bus time after
// the first call, and may answer a call twice. Its state is its own LMDB environment, committed
// when a call returns — apart from the adapter's store, as a real service's database would be —
// so an adapter that crashes after calling and before recording the answer asks again and gets
// the same answer.
// Deterministic: every draw is StableHash(seed, key and the call's number for that key); times
// are the bus times the adapter passes in. One instance per environment; the adapter's thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <tuple>

#include "lib/base/status.h"
#include "lib/store/lmdb.h"
#include "schemas/declare.h"

namespace mcf::money {

struct SimOptions {
  std::string name = "payments";  // the reference's prefix and the logs' service name
  double failure_rate = 0.0;      // the share of keys refused, 0..1
  int64_t fail_first = 0;         // the first N keys of every invoice are refused
  double timeout_rate = 0.0;      // the share of calls that time out, 0..1 (1: none answers)
  bool answer_twice = false;      // every answer comes twice
  int64_t delay_ms = 0;           // the answer comes this long (bus time) after the first call
  uint64_t seed = 1;
};

// What the service knows of a transfer.
struct Transfer {
  enum class State { kNotDone, kMoved, kRefused };
  std::string key;
  std::string invoice_id;
  std::string party_id;  // the client written off or the worker paid
  int64_t amount_minor = 0;
  State state = State::kNotDone;  // kNotDone: a call timed out before the service did anything
  std::string reference;          // moved: the service's own id
  std::string error;              // refused: what it says
  int64_t answer_at_ms = 0;       // when its answer is ready (first call + delay)
  int64_t calls = 0;              // calls with this key
  static constexpr auto Fields() {
    using T = Transfer;
    using schemas::Field;
    return std::tuple{Field("key", &T::key),           Field("invoice_id", &T::invoice_id),
                      Field("party_id", &T::party_id), Field("amount_minor", &T::amount_minor),
                      Field("state", &T::state),       Field("reference", &T::reference),
                      Field("error", &T::error),       Field("answer_at", &T::answer_at_ms),
                      Field("calls", &T::calls)};
  }
};
inline constexpr std::array<schemas::EnumName<Transfer::State>, 3> kTransferStateNames = {
    {{Transfer::State::kNotDone, "not_done"},
     {Transfer::State::kMoved, "moved"},
     {Transfer::State::kRefused, "refused"}}};
constexpr std::span<const schemas::EnumName<Transfer::State>> EnumNames(Transfer::State) {
  return kTransferStateNames;
}

// The answer to one call.
struct CallResult {
  enum class Kind {
    kAnswered,    // definite: transfer.state is kMoved or kRefused
    kTimedOut,    // no answer: the service may or may not have done it
    kProcessing,  // taken, the answer is not ready yet (delay)
  };
  Kind kind = Kind::kTimedOut;
  Transfer transfer;
  int answers = 1;  // kAnswered: how many times the party sent the answer (answer_twice: 2)
};

// The service's counters (the adapter adds its pending count).
struct Counters {
  int64_t calls = 0;
  int64_t moved = 0;
  int64_t amount_moved_minor = 0;
  int64_t repeated_calls = 0;
  int64_t failures = 0;
  int64_t timeouts = 0;
};

class SimulatedMoneyService {
 public:
  // Opens (creating) the service's environment in `dir`.
  static Result<std::unique_ptr<SimulatedMoneyService>> Open(const std::string& dir,
                                                             SimOptions options);

  // A transfer call. A new key is decided (seeded), stored and committed before returning; a key
  // decided before gets its decision again (a repeated call), whatever the other arguments say.
  Result<CallResult> Call(const std::string& key, const std::string& invoice_id,
                          const std::string& party_id, int64_t amount_minor, int64_t now_ms);
  Result<Counters> Stats();

  const SimOptions& options() const { return options_; }

 private:
  SimulatedMoneyService(store::Env env, SimOptions options)
      : env_(std::move(env)), options_(std::move(options)) {}
  // Decides a key's fate (refused or moved) on its first call that does something.
  Status Decide(store::Txn& txn, Transfer& transfer, int64_t now_ms);
  Status Bump(store::Txn& txn, std::string_view counter, int64_t by = 1);
  Result<int64_t> Counter(const store::Txn& txn, std::string_view counter) const;
  // A draw in [0, 1) from (seed, text).
  double Draw(std::string_view text) const;

  store::Env env_;
  store::Db transfers_{}, invoices_{}, counters_{};
  SimOptions options_;
};

}  // namespace mcf::money
