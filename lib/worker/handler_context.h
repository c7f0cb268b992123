// HandlerContext: everything a context's handler may touch while it handles one message — the
// store (a nested write transaction), the bus time, replay-stable randomness and ids, and the
// outbox. The runtime (lib/worker/dispatcher.h) creates one per message and commits or aborts
// its transaction from the handler's result; handlers never commit themselves.
// Valid only during one handler call; not thread-safe (the runtime's single thread).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/base/stable_hash.h"
#include "lib/base/status.h"
#include "lib/store/lmdb.h"
#include "schemas/codec.h"
#include "schemas/envelope.h"

namespace mcf::worker {

class HandlerContext {
 public:
  // `txn` is the handler's nested write txn; `now_ms` the bus time of the message; `seed` the
  // worker's --seed. REQUIRES: all three outlive this context.
  HandlerContext(store::Txn& txn, const schemas::Envelope& message, int64_t now_ms, uint64_t seed);
  HandlerContext(const HandlerContext&) = delete;
  HandlerContext& operator=(const HandlerContext&) = delete;

  // The handler's write transaction: its writes commit with the message's inbox record/offset,
  // or vanish when the handler fails. Do not Commit()/Abort() it.
  store::Txn& txn() { return txn_; }
  // BUS time (ms since the epoch): the request's bus time or the event's append time. Never the
  // wall clock, so a replay sees the same time.
  int64_t now_ms() const { return now_ms_; }
  // Seeded from (seed, message id): the same message replays to the same numbers.
  std::mt19937_64& random() { return random_; }
  // "<kind>-<16 hex of hash(seed, message id)>-<n>", n counting from 1 within this message:
  // deterministic across replays, unique across messages (up to a 64-bit hash collision).
  std::string NewId(std::string_view kind);
  // The message being handled (its id, principal, correlation id...).
  const schemas::Envelope& message() const { return message_; }
  // The role of the message's principal ("manager", "supplies", ...); "" when it has none.
  std::string role() const {
    return message_.principal ? message_.principal->role : std::string();
  }

  // Queues an event for the outbox; it is written in this handler's transaction, so it is
  // published if and only if the handler's effects commit. `body` is an encoded map.
  // invalid when `type` is not a registered event type.
  Status Publish(std::string_view type, std::string body);
  // The same for a declared event (schemas/declare.h).
  template <schemas::Message E>
    requires(E::kInfo.kind == schemas::MessageKind::kEvent)
  Status Publish(const E& event) {
    return Publish(E::kInfo.type, schemas::Encode(event));
  }

  // For the runtime: events queued by Publish, in order (type, body).
  std::vector<std::pair<std::string, std::string>>& published() { return published_; }

 private:
  store::Txn& txn_;
  const schemas::Envelope& message_;
  int64_t now_ms_;
  uint64_t id_hash_;
  std::mt19937_64 random_;
  uint64_t next_id_ = 1;
  std::vector<std::pair<std::string, std::string>> published_;
};

// The runtime's replay-stable hash lives in lib/base/stable_hash.h (shared with contexts).
using mcf::StableHash;

}  // namespace mcf::worker
