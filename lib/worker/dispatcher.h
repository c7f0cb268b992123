// Dispatcher: the exactly-once core of the worker runtime, without sockets. It owns the
// worker's LMDB environment and its internal databases, and applies a batch of commands and
// events in ONE outer write transaction, each message in its own nested transaction:
//   _inbox   command id -> encoded Reply (the recorded answer; a retry gets it back)
//   _inbox_by_time  U64Key(bus time) + command id -> "" (what to prune, oldest first)
//   _offsets event type -> last applied global log sequence (U64Key)
//   _outbox  U64Key(producer_seq) -> u16le topic length, topic, encoded envelope
//   _meta    "next_producer_seq" -> U64Key
// Which replies are recorded: docs/decisions/003-error-replies-are-recorded.md; only mutating
// commands record (schemas/registry.h Effect), and a record lives for the reply retention
// window of bus time (default 7 days): a retry within it gets the recorded reply, one after it
// runs again. Records are pruned a bounded number per batch, so the inbox follows the traffic
// of one window, not of all time (docs/decisions/012-store-capacity.md).
// Capacity: the store's map grows (doubling) up to its ceiling; near the ceiling the store is
// "full": mutating commands are answered `unavailable` naming the store, read-only ones still
// run, and events wait in the broker's log (the worker stops reading them) until there is room.
// lib/worker/worker.h drives it from the bus. Not thread-safe: one owning thread (the worker loop).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/clock.h"
#include "lib/base/status.h"
#include "lib/store/lmdb.h"
#include "lib/worker/handler_context.h"
#include "lib/worker/typed_handler.h"

namespace mcf::worker {

// One message taken off the bus.
struct Incoming {
  enum class Kind { kCommand, kEvent };
  Kind kind = Kind::kCommand;
  uint64_t request_id = 0;  // commands: the broker's request id, echoed in the reply
  TimePoint deadline{};     // commands: steady time after which it is not run (timeout)
  uint64_t wait_for_seq = 0;  // commands: run once the subscription is applied this far
  uint64_t seq = 0;         // events: global log sequence
  std::string topic;        // events: topic (= event type)
  int64_t bus_time_ms = 0;  // the request's bus time, or the event's append time
  std::string envelope;     // encoded envelope
};

struct OutgoingReply {
  uint64_t request_id = 0;
  std::string envelope;  // encoded Reply
};

struct OutboxRecord {
  uint64_t producer_seq = 0;
  std::string topic;
  std::string envelope;
};

struct DispatcherStats {
  uint64_t commands_run = 0;      // handler invoked for a command
  uint64_t replies_replayed = 0;  // answered from _inbox without running
  uint64_t commands_expired = 0;  // answered timeout, not run
  uint64_t events_applied = 0;    // event handler ran and committed
  uint64_t events_skipped = 0;    // at or below the stored offset (redelivery)
  uint64_t handler_failed = 0;    // handler error/throw (commands and events)
  uint64_t bad_messages = 0;      // undecodable envelopes, unknown types
  uint64_t replies_pruned = 0;    // recorded replies dropped after the retention window
  uint64_t refused_full = 0;      // mutating commands answered unavailable: store full
  uint64_t map_grown = 0;         // times the map grew
};

// The store's capacity as the runtime sees it (store_status, /healthz, mcfctl stores).
struct StoreStatus {
  size_t used_bytes = 0;
  size_t map_bytes = 0;
  size_t ceiling_bytes = 0;
  bool full = false;
};

class Dispatcher {
 public:
  Dispatcher(std::string service, uint64_t seed);
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Opens (creating) the env in `dir` and the internal dbs, and loads the producer sequence and
  // offsets. A non-ok Status says what failed (directory, LMDB error).
  Status Open(const std::string& dir, size_t map_size, bool no_sync = false);
  // The same with every store option (map size, ceiling, exclusive owner lock, sync).
  Status Open(const std::string& dir, const store::EnvOptions& options);
  // How long (bus time) a recorded reply is kept. Default 7 days.
  void set_reply_retention(Millis retention) { reply_retention_ = retention; }
  bool is_open() const { return env_.has_value(); }

  // A context database. REQUIRES: Open() succeeded; call before Apply(). Names starting with
  // "_" are reserved (invalid).
  Result<store::Db> OpenDb(const std::string& name);

  // A handler of a declared command or event: the handler gets the decoded message
  // (lib/worker/typed_handler.h). What contexts use.
  template <schemas::CommandMessage C, class Handler>
  Status On(Handler handler) {
    return OnRawCommand(C::kInfo.type, DecodingCommandHandler<C>(std::move(handler)));
  }
  template <schemas::Message E, class Handler>
    requires(E::kInfo.kind == schemas::MessageKind::kEvent)
  Status On(Handler handler) {
    return OnRawEvent(E::kInfo.type, DecodingEventHandler<E>(std::move(handler)));
  }
  // The primitive On<> builds on: a handler of the body's bytes. A command handler returns the
  // reply body (an encoded map) or the reply's error status; an event handler returns ok to
  // commit the event's effects (an error is logged and counted, and the event is not retried:
  // its offset advances either way). invalid unless `type` is a registered command of this
  // service / a registered event type, or when a handler for it already exists.
  Status OnRawCommand(std::string_view type, RawCommandHandler handler);
  Status OnRawEvent(std::string_view type, RawEventHandler handler);

  // Event types with handlers (the subscription's prefixes), sorted.
  std::vector<std::string> event_types() const;
  // Where the subscription resumes: min over handled types of their offset, plus 1.
  uint64_t ResumeSeq() const;

  // Applies `batch` in one outer transaction (first deleting outbox records with producer_seq
  // <= `delete_outbox_upto`, if non-zero) and commits it. Returns the replies to send, in batch
  // order, only after the commit; on an LMDB error nothing is committed and the error returned.
  Result<std::vector<OutgoingReply>> Apply(const std::vector<Incoming>& batch, TimePoint now,
                                           uint64_t delete_outbox_upto = 0);

  // Up to `max` outbox records with producer_seq > `after`, in order.
  Result<std::vector<OutboxRecord>> ReadOutbox(uint64_t after, size_t max);
  // Deletes outbox records with producer_seq <= `upto` in its own transaction.
  Status DeleteOutbox(uint64_t upto);
  // Highest producer_seq ever committed (0 = none).
  uint64_t last_producer_seq() const { return next_producer_seq_ - 1; }

  const std::string& service() const { return service_; }
  // This store's producer name at the broker: the key under which the broker de-duplicates our
  // events. Loaded by Open(); empty for a new store until SetProducerId() names it. The worker
  // names a new store "<service>@<broker log head>" (worker.cc): unique per store incarnation,
  // since an incarnation that published moved the head, yet the same in a replay of a capture
  // that also started from an empty broker (no random or wall-clock input).
  const std::string& producer_id() const { return producer_id_; }
  // Persists `id` as this store's producer name if it has none yet (then a no-op).
  Status SetProducerId(const std::string& id);
  const DispatcherStats& stats() const { return stats_; }
  // Capacity as of the last batch (or Open). full = mutating commands are being refused.
  const StoreStatus& store_status() const { return store_status_; }
  // REQUIRES: Open() succeeded.
  store::Env& env() { return *env_; }

 private:
  Status LoadProducerId();
  struct BatchState {
    uint64_t next_producer_seq;
    std::map<std::string, uint64_t, std::less<>> offsets;
    uint64_t max_event_seq = 0;
  };
  Result<std::vector<OutgoingReply>> ApplyOnce(const std::vector<Incoming>& batch, TimePoint now,
                                               uint64_t delete_outbox_upto);
  Status ApplyCommand(store::Txn& outer, const Incoming& msg, TimePoint now, BatchState& state,
                      std::vector<OutgoingReply>& replies);
  Status ApplyEvent(store::Txn& outer, const Incoming& msg, BatchState& state);
  // Drops recorded replies older than the retention window (at most a bounded number).
  Status PruneReplies(store::Txn& txn, int64_t bus_now_ms);
  // Indexes _inbox records written before _inbox_by_time existed (once, at Open).
  Status IndexOldReplies();
  // Grows the map when the high-water mark nears it; recomputes store_status_.
  void CheckCapacity();
  // After MDB_MAP_FULL: grows the map if it may; otherwise marks the store full.
  bool GrowOrMarkFull();
  // Writes the context's queued events to the outbox inside `txn`.
  Status WriteOutbox(store::Txn& txn, HandlerContext& ctx, BatchState& state);
  Status DeleteOutboxIn(store::Txn& txn, uint64_t upto);

  std::string service_;
  std::string store_status_type_;  // "<service>.store_status", answered by the runtime

  std::string producer_id_;
  uint64_t seed_;
  std::optional<store::Env> env_;
  store::Db inbox_, inbox_by_time_, offsets_db_, outbox_, meta_;
  Millis reply_retention_{7LL * 24 * 3600 * 1000};
  StoreStatus store_status_;
  std::map<std::string, RawCommandHandler, std::less<>> commands_;
  std::map<std::string, RawEventHandler, std::less<>> events_;
  uint64_t next_producer_seq_ = 1;
  std::map<std::string, uint64_t, std::less<>> offsets_;  // committed
  DispatcherStats stats_;
};

}  // namespace mcf::worker
