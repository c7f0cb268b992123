// Subscriber: reads events from the broker's log, from any sequence, then live (subscribe side
// of MCF/1), with credit-based flow control so the broker never buffers for us.
//
// One DEALER socket owned by the calling thread (not thread-safe). Next() hands out events in
// log order, granting the broker more credit as they are consumed; it answers heartbeats and,
// if the broker goes silent or asks (RECONNECT), reconnects and resubscribes from the sequence
// after the last event it handed out — or, before the first one, from the sequence it started
// at — so a broker restart or a silence loses and repeats nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "lib/base/clock.h"

namespace mcf::client {

struct ReceivedEvent {
  uint64_t seq = 0;     // global log sequence
  int64_t time_ms = 0;  // bus time at append
  std::string topic;
  std::string envelope;  // encoded envelope (schemas::DecodeEnvelope)
};

struct SubscriberOptions {
  std::vector<std::string> prefixes = {""};  // topic prefixes; "" = everything
  // First sequence wanted. 0 = only new events: the subscriber asks the broker for its log head
  // (broker.health) before subscribing and starts at head + 1, also after a reconnect that comes
  // before the first event (so nothing appended in between is skipped).
  uint64_t from_seq = 1;
  uint32_t window = 1024;           // credit kept outstanding at the broker
  Millis heartbeat = Millis(1000);  // interval; silence for 3 intervals = reconnect
  // false: credit goes back as events are handed out by Next(). true: only when the caller says
  // it is done with them (Release), e.g. the worker runtime after their effects are durable, so
  // a subscriber whose credit is all back at the broker has finished every event it was sent.
  bool manual_credit = false;
  // The worker process this subscription belongs to (its READY's incarnation), so the broker can
  // tell the worker's commands how far to wait (read your writes). 0 = not a worker's.
  uint64_t incarnation = 0;
};

class Subscriber {
 public:
  Subscriber(zmq::context_t& context, std::string endpoint, SubscriberOptions options);
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // The next event, waiting up to `wait`; nullopt if none arrived in time.
  std::optional<ReceivedEvent> Next(Millis wait);
  // The sequence of the last event handed out (0 before the first).
  uint64_t last_seq() const;
  // Every event of the subscription with seq <= this has been handed out: the broker scanned the
  // log that far (EVENT's scanned_through) and the events it found are out of the buffer.
  // from_seq - 1 before the broker has said anything.
  uint64_t handed_through() const;
  // manual_credit: gives the broker credit for `n` events handed out and now finished (never
  // more than were handed out on the current connection; a reconnect starts a full window).
  void Release(uint32_t n);
  // Events received and not yet handed out (Next(0) returns them without touching the socket).
  size_t buffered() const;

  // The current socket, for a caller's own zmq::poll loop (e.g. the worker runtime) that then
  // calls Next(Millis(0)); nullptr if none. Changes when the subscriber reconnects: fetch it
  // again before every poll. Next() must still be called at least every heartbeat interval.
  void* poll_handle() const;

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace mcf::client
