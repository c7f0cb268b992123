// EventLog: the broker's durable, append-only event log in LMDB — the audit trail every
// subscriber reads from any sequence.
//
// Databases: `events` U64Key(seq) -> time_ms:8 LE | topic_len:2 LE | topic | envelope;
// `producers` name -> last producer_seq (8 LE); `by_producer` name \0 U64Key(producer_seq) ->
// U64Key(seq), so a duplicate can be compared with what is stored; `meta` "clock" -> last clock
// time (8 LE).
// Every commit is fsynced (no MDB_NOSYNC); callers batch appends so one fsync covers many.
// Threading: one thread appends (AppendBatch) while any other thread reads (Read, Head,
// ProducerSeq): LMDB readers never block the writer. Owned by the broker; outlives its threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "broker/options.h"
#include "lib/base/status.h"
#include "lib/store/lmdb.h"

namespace mcf::broker {

struct EventLogOptions {
  // The LMDB map size: the log's capacity (BrokerOptions::map_size).
  size_t map_size = size_t{16} << 30;
  // Hold the store's owner lock (store::EnvOptions::exclusive), as the broker does.
  bool exclusive = false;
  // Test-only fault injection on the log's writes (lib/store/fault_injection.h). Not owned.
  store::FaultPlan* faults = nullptr;
};

// The options the broker opens its log with (Broker::Create): exclusive, fsync on every commit
// (no sync flag can be set here), the fault plan of the options (null outside tests).
// tests/unit/broker/broker_faults_test.cc checks the flags of a log opened with them.
EventLogOptions LogOptionsFor(const BrokerOptions& options);

// One event to append. Views must stay valid during AppendBatch.
struct AppendItem {
  std::string_view producer;
  uint64_t producer_seq = 0;
  std::string_view topic;
  std::string_view envelope;
  int64_t time_ms = 0;  // record time (bus time at append)
  // The producer's seqs must follow on from the log's last without a hole (a publisher's outbox:
  // 1, 2, 3, ...). The clock's seqs are derived from time and leave holes by design.
  bool contiguous = false;
};

struct AppendResult {
  // Per producer seen in the batch: the highest producer_seq now durable for it (covers
  // duplicates that were skipped).
  std::unordered_map<std::string, uint64_t> durable;
  size_t appended = 0;  // events written (duplicates excluded)
  uint64_t head = 0;    // last global seq after the commit
  // A duplicate producer_seq whose event differs from the stored one: not stored, and neither
  // is anything after it from that producer in this batch (`durable` stops before it).
  struct Conflict {
    std::string producer;
    uint64_t producer_seq = 0;
  };
  std::vector<Conflict> conflicts;
  // A contiguous item whose producer_seq is more than one above the last stored for its
  // producer: an earlier batch of it was not stored (its append failed). Not stored, and
  // neither is anything after it from that producer in this batch; `durable` stays below the
  // hole, so no acknowledgement covers the missing events and the producer's resend fills it.
  std::vector<Conflict> gaps;
};

// A stored event as Read hands it out. Views live only during the callback.
struct StoredEvent {
  uint64_t seq = 0;
  int64_t time_ms = 0;
  std::string_view topic;
  std::string_view envelope;
};

class EventLog {
 public:
  static Result<std::unique_ptr<EventLog>> Open(const std::string& dir,
                                                const EventLogOptions& options);
  // `exclusive`: hold the store's owner lock (store::EnvOptions), as the broker does.
  static Result<std::unique_ptr<EventLog>> Open(const std::string& dir, size_t map_size,
                                                bool exclusive = false);
  // The LMDB flags the log's env was opened with (mdb_env_get_flags).
  Result<unsigned> EnvFlags() const { return env_.Flags(); }
  // The log's use of its map (broker.stats, /healthz).
  Result<store::Env::Usage> Usage() { return env_.GetUsage(); }

  // Appends every item whose producer_seq is above the last stored for its producer, under
  // consecutive global seqs, and (if given) the clock state, in ONE fsynced write txn. An item
  // at or below it is a duplicate: dropped when it equals the stored event (a resend), refused
  // as a conflict when it differs (AppendResult::conflicts). A contiguous item above the last
  // plus one is refused as a gap (AppendResult::gaps).
  // REQUIRES: called from one thread at a time.
  Result<AppendResult> AppendBatch(std::span<const AppendItem> items,
                                   std::optional<int64_t> clock_ms = std::nullopt);

  // Visits events from `from_seq` on whose topic starts with one of `prefixes` ("" = all),
  // stopping after `max_events` delivered or `max_scan` looked at, or when `visit` returns
  // false (that event then does not count as delivered). Returns the next seq to look at.
  Result<uint64_t> Read(uint64_t from_seq, const std::vector<std::string>& prefixes,
                        size_t max_events, size_t max_scan,
                        const std::function<bool(const StoredEvent&)>& visit);

  // The last committed global seq (0 when empty). Any thread.
  uint64_t Head() const { return head_.load(std::memory_order_acquire); }
  // The last stored producer_seq of `producer` (0 if none).
  Result<uint64_t> ProducerSeq(std::string_view producer);
  // The persisted clock time, if any.
  Result<std::optional<int64_t>> ClockState();

 private:
  EventLog(store::Env env, store::Db events, store::Db producers, store::Db by_producer,
           store::Db meta)
      : env_(std::move(env)),
        events_(events),
        producers_(producers),
        by_producer_(by_producer),
        meta_(meta) {}
  // True when `item` differs from the event stored under its (producer, producer_seq); false
  // for a true resend, or when the log predates the index (nothing to compare with).
  Result<bool> DiffersFromStored(const store::Txn& txn, const AppendItem& item);

  store::Env env_;
  store::Db events_, producers_, by_producer_, meta_;
  std::atomic<uint64_t> head_{0};
  // Writer-thread cache of producers_ (the writer is its only mutator).
  std::unordered_map<std::string, uint64_t> producer_cache_;
};

// True when `topic` starts with one of `prefixes`.
bool MatchesAny(std::string_view topic, const std::vector<std::string>& prefixes);

}  // namespace mcf::broker
