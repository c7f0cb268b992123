// Publisher: appends events to the broker's log as one named producer and waits for their
// acknowledgements (publish side of MCF/1). For tools, tests and benchmarks; context workers
// publish through the runtime's durable outbox instead (lib/worker).
//
// Not durable on our side: unacknowledged events are kept in memory and re-sent after a
// reconnect (same producer_seq, so the broker de-duplicates). One owning thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <zmq.hpp>

#include "lib/base/clock.h"
#include "lib/base/status.h"

namespace mcf::security {
struct ClientCurve;
}  // namespace mcf::security

namespace mcf::client {

class Publisher {
 public:
  // `first_seq` is the producer_seq of the first event; the broker ignores events whose seq is
  // not above the last one it stored for this producer. `curve` (copied) is the identity every
  // socket of this publisher uses, reconnects included — how mcfctl replay publishes as an
  // outside peer while its other sockets are the operator's; null: the process identity
  // (security::ProcessCurve()) at each connect.
  Publisher(zmq::context_t& context, std::string endpoint, std::string producer,
            uint64_t first_seq = 1, const security::ClientCurve* curve = nullptr);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Queues and sends one event; returns its producer_seq. Events sent together in quick
  // succession may share one PUBLISH message.
  uint64_t Publish(std::string_view topic, std::string envelope);
  // Processes acks for up to `wait`; returns the highest acknowledged producer_seq so far.
  uint64_t PollAcks(Millis wait);
  // Waits until every published event is acknowledged; timeout if not within `wait`.
  Status Flush(Millis wait);
  uint64_t acked_seq() const;
  uint64_t last_seq() const;

  // When events stay unacknowledged this long (or the broker sends RECONNECT), the publisher
  // reconnects with a new socket and re-sends them all. Default 1 s.
  void set_resend_after(Millis after);

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace mcf::client
