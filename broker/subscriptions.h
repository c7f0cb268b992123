// Subscriptions: per subscriber (routing id) its prefixes, cursor (next seq to look at), credit
// and last sign of life. Delivery reads straight from the EventLog whenever a subscriber has
// credit and its cursor is at or below the head: there are no per-subscriber event queues, so
// a slow or stuck subscriber costs only this small record (docs/protocol.md, "Subscriptions").
// Owned and used by the broker's routing thread only; not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/event_log.h"
#include "lib/base/clock.h"
#include "lib/transport/protocol.h"

namespace mcf::broker {

class Subscriptions {
 public:
  // Sends one EVENT message to a subscriber; false when it could not be sent now.
  using SendFn = std::function<bool(const std::string& routing_id, proto::Frames& frames)>;

  struct Subscriber {
    std::vector<std::string> prefixes;
    uint64_t cursor = 1;  // next sequence to look at
    uint64_t credit = 0;  // events it may still be sent
    uint32_t window = 0;  // the credit it subscribed with (credit == window: nothing unfinished)
    TimePoint last_seen;
    bool stalled = false;  // a send failed; retried after its next message or heartbeat
    // Read your writes (docs/protocol.md): the process it belongs to (0 = none), the seq of the
    // last event sent (from_seq - 1 before the first: the subscriber has what came earlier), the
    // scanned_through last told, and how far a command waits for progress to be told.
    uint64_t incarnation = 0;
    uint64_t last_sent = 0;
    uint64_t told = 0;
    uint64_t owed = 0;
  };

  // `clock` must outlive this.
  Subscriptions(const Clock& clock, uint32_t max_batch, Millis expiry)
      : clock_(clock), max_batch_(max_batch), expiry_(expiry) {}

  // SUBSCRIBE: replaces any earlier subscription of `id`. from_seq 0 means head + 1. Once
  // scanned to `head` it reports how far it got, even if nothing matched (see WaitSeqFor).
  void Subscribe(const std::string& id, uint64_t from_seq, uint32_t credit,
                 std::vector<std::string> prefixes, uint64_t head, uint64_t incarnation = 0);
  // CREDIT: false when `id` is not a subscriber.
  bool AddCredit(const std::string& id, uint32_t credit);
  // Any message from `id`: false when not a subscriber.
  bool Touch(const std::string& id);
  bool Remove(const std::string& id);
  bool IsSubscriber(const std::string& id) const { return subscribers_.contains(id); }

  // Read your writes: the seq a command sent now to the worker `incarnation` must wait for —
  // every event of its subscription up to the log head `head` applied. When the subscription has
  // been scanned past the head, that is the last event sent to it (nothing later matched);
  // otherwise the head, and the subscription is owed a progress report once scanned that far
  // (an EVENT with no events, so a narrow subscription learns that nothing else matched). A
  // worker with no subscription here (yet) waits for the head too; one subscribing to nothing
  // ignores the number. Incarnation 0 (a peer that names no process): 0, nothing to wait for.
  uint64_t WaitSeqFor(uint64_t incarnation, uint64_t head);
  // Removes subscribers silent for `expiry`; returns their ids.
  std::vector<std::string> Purge();
  // Clears `stalled` flags (called every heartbeat).
  void Unstall();

  // One delivery pass: every subscriber with credit and cursor <= head gets at most one EVENT
  // message of up to min(credit, max_batch) events (or, owed progress and nothing matched, one
  // with none). Returns true if some subscriber still has deliverable events (call again soon).
  // Log read errors are returned after the pass.
  Result<bool> Deliver(EventLog& log, const SendFn& send);

  const std::unordered_map<std::string, Subscriber>& subscribers() const { return subscribers_; }
  std::vector<std::string> Ids() const;

 private:
  const Clock& clock_;
  uint32_t max_batch_;
  Millis expiry_;
  std::unordered_map<std::string, Subscriber> subscribers_;
  std::unordered_map<uint64_t, std::string> by_incarnation_;  // incarnation -> routing id
  proto::Frames batch_;
};

}  // namespace mcf::broker
