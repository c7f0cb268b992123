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
  };

  // `clock` must outlive this.
  Subscriptions(const Clock& clock, uint32_t max_batch, Millis expiry)
      : clock_(clock), max_batch_(max_batch), expiry_(expiry) {}

  // SUBSCRIBE: replaces any earlier subscription of `id`. from_seq 0 means head + 1.
  void Subscribe(const std::string& id, uint64_t from_seq, uint32_t credit,
                 std::vector<std::string> prefixes, uint64_t head);
  // CREDIT: false when `id` is not a subscriber.
  bool AddCredit(const std::string& id, uint32_t credit);
  // Any message from `id`: false when not a subscriber.
  bool Touch(const std::string& id);
  bool Remove(const std::string& id) { return subscribers_.erase(id) > 0; }
  bool IsSubscriber(const std::string& id) const { return subscribers_.contains(id); }

  // Removes subscribers silent for `expiry`; returns their ids.
  std::vector<std::string> Purge();
  // Clears `stalled` flags (called every heartbeat).
  void Unstall();

  // One delivery pass: every subscriber with credit and cursor <= head gets at most one EVENT
  // message of up to min(credit, max_batch) events. Returns true if some subscriber still has
  // deliverable events (call again soon). Log read errors are returned after the pass.
  Result<bool> Deliver(EventLog& log, const SendFn& send);

  const std::unordered_map<std::string, Subscriber>& subscribers() const { return subscribers_; }
  std::vector<std::string> Ids() const;

 private:
  const Clock& clock_;
  uint32_t max_batch_;
  Millis expiry_;
  std::unordered_map<std::string, Subscriber> subscribers_;
  proto::Frames batch_;
};

}  // namespace mcf::broker
