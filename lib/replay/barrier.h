// The quiescence barrier of a replay: the system is idle when the broker has no request in
// flight or queued, no log write pending, and every subscriber has been sent the whole log and
// has all its credit back (credit == window). Workers started with --durable-replies return
// event credit, and send replies, only after the events those messages caused are durable in the
// log (lib/worker/worker.h), so "idle" means every effect of the inputs so far is in the log: no
// sleeps decide correctness.
// IsIdle is pure; BusDriver owns one DEALER socket and the replay's own subscriber and is used
// by one thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "lib/base/clock.h"
#include "lib/base/status.h"
#include "lib/client/subscriber.h"
#include "schemas/envelope.h"

namespace mcf::replay {

// Whether a broker.stats reply body says the system is idle; when not, `why` says what is busy
// (e.g. "in_flight 1", "subscriber [tasks.task_assigned] cursor 12 head 14 credit 1023/1024").
// invalid when the body lacks a field the barrier needs (an older broker).
Result<bool> IsIdle(std::string_view stats_body, std::string* why);

struct CollectedEvent {
  uint64_t seq = 0;
  int64_t time_ms = 0;
  std::string topic;
  std::string envelope;
};

class BusDriver {
 public:
  // `producer` names the commands made here (ids "<producer>-<n>").
  BusDriver(zmq::context_t& context, std::string endpoint, std::string producer = "replay");
  ~BusDriver();
  BusDriver(const BusDriver&) = delete;
  BusDriver& operator=(const BusDriver&) = delete;

  // Sends a command envelope (exact bytes) to `service` and returns the reply envelope's exact
  // bytes; unavailable when no reply came within `timeout` (plus a second of grace).
  Result<std::string> Request(std::string_view service, std::string_view envelope,
                              Millis timeout);
  // A command made here (id "<producer>-<n>") of `type` with `body`, as `principal` if any;
  // `time_ms` is the envelope's time (0 when not given).
  Result<std::string> Call(std::string_view type, std::string body, Millis timeout,
                           const std::optional<schemas::Principal>& principal = std::nullopt,
                           int64_t time_ms = 0);

  // Polls broker.stats (and drains the event stream) until the system is idle; unavailable,
  // naming what stayed busy, after `timeout`.
  Status WaitIdle(Millis timeout);

  // Events read from the log so far (every topic), in log order.
  const std::vector<CollectedEvent>& events() const { return events_; }
  // Reads what has arrived and gives the broker the credit back.
  void DrainEvents();

 private:
  zmq::context_t& context_;
  std::string endpoint_;
  std::string producer_;
  zmq::socket_t socket_;
  std::unique_ptr<client::Subscriber> subscriber_;
  uint64_t next_key_ = 1;
  uint64_t next_id_ = 1;
  std::vector<CollectedEvent> events_;
};

}  // namespace mcf::replay
