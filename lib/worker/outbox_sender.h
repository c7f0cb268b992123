// OutboxSender: delivers a worker's durable outbox (lib/worker/dispatcher.h) to the broker as
// PUBLISH batches in producer_seq order, keeping at most `window` events unacknowledged, and
// tells the worker which records PUB_ACK made deletable. After a (re)connect — or when acks
// stop coming — it re-sends everything still unacknowledged from the start; the broker drops
// duplicates by (producer, producer_seq), so the log gets each event once.
// Owns one DEALER socket; used only by the worker loop's thread.
#pragma once

#include <cstdint>
#include <string>
#include <zmq.hpp>

#include "lib/base/clock.h"
#include "lib/transport/protocol.h"
#include "lib/worker/dispatcher.h"

namespace mcf::worker {

class OutboxSender {
 public:
  // REQUIRES: `context` and `dispatcher` outlive the sender; the dispatcher is open.
  OutboxSender(zmq::context_t& context, std::string endpoint, Dispatcher& dispatcher,
               uint32_t window, Millis resend_after);
  OutboxSender(const OutboxSender&) = delete;
  OutboxSender& operator=(const OutboxSender&) = delete;

  // A new socket; everything unacknowledged goes again on the next Pump().
  void Reconnect();
  // Sends outbox records not yet sent on this socket, while the window allows.
  void Pump();
  // Reads PUB_ACKs (and RECONNECT) without blocking.
  void Drain();
  // Reconnects when in-flight events have had no ack for `resend_after`.
  void Tick(TimePoint now);

  // The highest acked producer_seq not yet deleted from the outbox, or 0; the caller deletes
  // the records (in its next transaction) and, if that fails, gives it back with Restore.
  uint64_t TakeDeletable();
  void RestoreDeletable(uint64_t upto);
  // How many acknowledged records wait to be deleted.
  uint64_t deletable_count() const { return acked_ > deleted_upto_ ? acked_ - deleted_upto_ : 0; }

  void* poll_handle() { return socket_.handle(); }
  uint64_t acked() const { return acked_; }
  // The broker refused an event because a different one is stored under our producer name and
  // that producer_seq (PUB_REFUSED conflict): this store's name collides with another store's.
  // Nothing more is sent; the worker stops (Worker::Run exits 4) for an operator to look.
  bool conflicted() const { return conflict_seq_ != 0; }
  uint64_t conflict_seq() const { return conflict_seq_; }
  uint64_t in_flight() const { return sent_upto_ > acked_ ? sent_upto_ - acked_ : 0; }

 private:
  zmq::context_t& context_;
  std::string endpoint_;
  Dispatcher& dispatcher_;
  uint32_t window_;
  Millis resend_after_;
  zmq::socket_t socket_;
  uint64_t acked_ = 0;         // highest producer_seq the broker acknowledged (this process)
  uint64_t sent_upto_ = 0;     // highest producer_seq sent on the current socket
  uint64_t deleted_upto_ = 0;  // records <= this are (being) deleted
  TimePoint last_progress_{};
  uint64_t conflict_seq_ = 0;
  bool busy_ = false;  // PUB_REFUSED busy on this socket: wait for the resend
  const uint64_t incarnation_ = proto::NewIncarnation();
};

}  // namespace mcf::worker
