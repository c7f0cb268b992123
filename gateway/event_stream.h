// EventStreamHub: the gateway's live updates (GET /v1/stream, Server-Sent Events; gateway/README.md
// "Live updates", docs/decisions/028). One bus subscription for the whole gateway feeds every
// open stream the events that concern its principal (gateway/stream_audience.h); a stream that
// reconnects with Last-Event-ID gets what it missed from a bounded backlog
// (gateway/stream_backlog.h), or an `event: reset`.
//
// A stream does not hold an HTTP thread: once the handler has reserved a place (Open), the
// server hands the connection's socket over (Ticket::Attach) and the hub's one thread writes
// every stream, non-blocking, beside its bus subscription. Each stream's queue is bounded
// (StreamConfig::queue_bytes): a reader that falls further behind is dropped, never buffered
// for. Open, Start and Stop are thread-safe; Stop closes every stream and joins the thread.
// The zmq context and the metrics must outlive the hub.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "gateway/metrics.h"
#include "gateway/problem.h"
#include "lib/base/clock.h"
#include "schemas/envelope.h"

namespace zmq {
class context_t;
}

namespace mcf::gateway {

struct StreamConfig {
  size_t max_streams = 64;              // open at once; more get 503
  size_t max_streams_per_principal = 8;  // one principal's (browser tabs); more get 429; >= 1
  // Bytes waiting for one reader (beyond what its socket buffers); a reader further behind is
  // dropped (its client reconnects with Last-Event-ID).
  size_t queue_bytes = 256u << 10;
  size_t replay_events = 1000;  // events kept for Last-Event-ID; older -> event: reset
  // Events read from the log at start, before the live ones, to learn which client and worker
  // each recent task has (events like tasks.checked_in name no client).
  size_t warmup_events = 20000;
  size_t owner_capacity = 10000;  // tasks whose client and worker are remembered (LRU)
  Millis heartbeat{15000};        // a ": keep-alive" comment this often
  int send_buffer_bytes = 64 << 10;  // SO_SNDBUF of a stream's socket (kernel memory per stream)
};

class EventStreamHub {
 public:
  EventStreamHub(StreamConfig config, zmq::context_t& context, std::string broker_endpoint,
                 Metrics& metrics);
  ~EventStreamHub();  // Stop()
  EventStreamHub(const EventStreamHub&) = delete;
  EventStreamHub& operator=(const EventStreamHub&) = delete;

  // Starts the hub's thread (subscribes once the broker answers). No-op after Stop.
  void Start();
  // Closes every stream, refuses new ones (503) and joins the thread. Idempotent.
  void Stop();

  struct Impl;
  // A place for one stream, reserved while the HTTP handler answers. Attach hands the
  // connection over (the hub writes its response head and owns the socket from then on);
  // a ticket destroyed unattached frees its place. Move-only.
  class Ticket {
   public:
    Ticket(Ticket&& other) noexcept;
    Ticket& operator=(Ticket&& other) noexcept;
    Ticket(const Ticket&) = delete;
    ~Ticket();
    // Takes `fd` (a connected socket; the hub closes it). Consumes the ticket.
    void Attach(int fd) &&;

   private:
    friend class EventStreamHub;
    Ticket(Impl* hub, schemas::Principal principal, std::optional<uint64_t> last_event_id)
        : hub_(hub), principal_(std::move(principal)), last_event_id_(last_event_id) {}
    Impl* hub_;
    schemas::Principal principal_;
    std::optional<uint64_t> last_event_id_;
  };

  // A place for `principal`'s stream resuming after `last_event_id` (nullopt: from now): 503
  // when max_streams are open or the hub is stopping, 429 when the principal has its share.
  ProblemOr<Ticket> Open(const schemas::Principal& principal,
                         std::optional<uint64_t> last_event_id);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcf::gateway
