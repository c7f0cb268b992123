// ServiceTable: the command-routing state of the broker, with no sockets — services, their
// workers, waiting requests and in-flight requests — so the routing rules of docs/protocol.md
// are unit-tested with a FakeClock.
//
// The broker's poll loop feeds it (Submit, Ready, OnReply, Touch, Disconnect, Tick); it answers
// by appending to an Actions value: REQUESTs to send to workers and requests the broker must
// answer itself (unavailable, timeout). Envelopes are zmq messages moved in and kept for
// re-dispatch (copies are reference-counted for large messages); they are never decoded here.
// Owned and used by the broker's routing thread only; not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "lib/base/clock.h"
#include "lib/base/status.h"

namespace mcf::broker {

// Send REQUEST(request_id, timeout_ms, envelope) to `worker` (a routing id).
struct Dispatch {
  std::string worker;
  uint64_t request_id = 0;
  uint32_t timeout_ms = 0;
  zmq::message_t envelope;  // a copy; the table keeps the original until the reply
  uint64_t incarnation = 0;  // the worker process's (READY), for its read-your-writes wait
};
// Answer `client`'s request `request_key` with `status` (the broker makes the reply envelope
// from `envelope`, the command it answers).
struct Failure {
  std::string client;
  std::string request_key;
  Status status;
  zmq::message_t envelope;
};
struct Actions {
  std::vector<Dispatch> dispatches;
  std::vector<Failure> failures;
  void Clear() {
    dispatches.clear();
    failures.clear();
  }
};

// Where a worker's reply goes.
struct ReplyRoute {
  std::string client;
  std::string request_key;
  std::string service;  // the REQUEST's (what a capture records the reply under)
};

struct ServiceTableOptions {
  Millis expiry{3000};         // a worker silent this long is purged (liveness * heartbeat)
  Millis startup_grace{3000};  // unknown services are queued, not refused, this long after start
  size_t max_queued_per_service = 10000;
};

class ServiceTable {
 public:
  // `clock` must outlive the table. The start-up grace starts now.
  ServiceTable(const Clock& clock, ServiceTableOptions options);

  // A client's REQUEST. Dispatches it, queues it, or fails it at once (unknown service after
  // the grace, full queue, zero budget).
  void Submit(std::string_view client, std::string request_key, std::string_view service,
              uint32_t timeout_ms, zmq::message_t envelope, Actions& out);

  // READY from `worker`: (re)registers it for `services` with `capacity`, then dispatches
  // waiting requests to it.
  void Ready(std::string_view worker, std::string name, uint32_t capacity,
             const std::vector<std::string>& services, Actions& out, uint64_t incarnation = 0);

  // REPLY from `worker` for `request_id`. Returns where to send it, or nullopt when the request
  // is no longer in flight at that worker (late: counted). Frees capacity and dispatches.
  std::optional<ReplyRoute> OnReply(std::string_view worker, uint64_t request_id, Actions& out);

  // Any message from `worker` is a sign of life. False when the worker is unknown.
  bool Touch(std::string_view worker);
  bool IsWorker(std::string_view worker) const { return workers_.contains(std::string(worker)); }

  // DISCONNECT (or a purge): forgets the worker; its in-flight requests go back to the head of
  // their queues and are re-dispatched. False when unknown.
  bool Disconnect(std::string_view worker, Actions& out);

  // Answers every request `client` has queued or in flight with `status` now (its key was
  // revoked); a worker's later reply to one is counted late. Returns how many. O(requests).
  size_t FailRequestsOf(std::string_view client, const Status& status, Actions& out);
  // Expires requests whose deadline has passed (`timeout`), purges workers silent for
  // `expiry`, and, once the start-up grace is over, refuses requests for still-unknown
  // services (`unavailable`). Returns the routing ids of purged workers.
  std::vector<std::string> Tick(Actions& out);

  // The earliest instant Tick has work to do (a deadline, the end of the grace), if any.
  std::optional<TimePoint> NextDeadline();

  // Routing ids of every registered worker (for heartbeats).
  std::vector<std::string> WorkerIds() const;

  struct ServiceStats {
    std::string name;
    size_t workers = 0;
    size_t queued = 0;
  };
  std::vector<ServiceStats> Services() const;
  size_t in_flight() const { return in_flight_count_; }
  size_t queued() const { return requests_.size() - in_flight_count_; }
  uint64_t late_replies() const { return late_replies_; }
  size_t worker_count() const { return workers_.size(); }

 private:
  struct Request {
    std::string client;
    std::string request_key;
    std::string service;
    TimePoint deadline;
    zmq::message_t envelope;
    std::string worker;  // empty while queued
  };
  struct Worker {
    std::string name;
    uint64_t incarnation = 0;
    uint32_t capacity = 1;
    std::vector<std::string> services;
    std::vector<uint64_t> in_flight;  // request ids, in dispatch order
    TimePoint last_seen;
  };
  struct Service {
    std::vector<std::string> workers;  // routing ids, round-robin order
    size_t next = 0;                   // round-robin position
    std::deque<uint64_t> queue;        // waiting request ids; may hold dead ids (lazy delete)
    size_t queued = 0;                 // live entries in `queue`
    bool known = false;                // some worker registered it once
  };
  using HeapEntry = std::pair<TimePoint, uint64_t>;

  bool InGrace() const { return clock_.Now() < grace_end_; }
  // Sends `id` to `worker`, marking it in flight.
  void DispatchTo(Worker& worker, const std::string& worker_id, uint64_t id, Request& request,
                  Actions& out);
  // A worker of `service` with spare capacity, round robin; nullptr if none.
  Worker* PickWorker(Service& service, std::string* worker_id);
  // Dispatches waiting requests of `service` while workers have capacity.
  void Drain(const std::string& name, Service& service, Actions& out);
  void Fail(uint64_t id, Status status, Actions& out);
  void RemoveWorker(const std::string& worker_id, Actions& out);

  const Clock& clock_;
  ServiceTableOptions options_;
  TimePoint grace_end_;
  bool grace_over_ = false;
  uint64_t next_id_ = 1;
  size_t in_flight_count_ = 0;
  uint64_t late_replies_ = 0;
  std::unordered_map<uint64_t, Request> requests_;
  std::unordered_map<std::string, Worker> workers_;
  std::unordered_map<std::string, Service> services_;
  std::priority_queue<HeapEntry, std::vector<HeapEntry>, std::greater<HeapEntry>> deadlines_;
};

}  // namespace mcf::broker
