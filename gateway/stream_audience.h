// StreamAudience: which signed-in principals a bus event concerns, for the live stream
// (GET /v1/stream, gateway/event_stream.h; the table is in gateway/README.md, the choices in
// docs/decisions/028). Pure logic over an event's topic and JSON body, so it is unit-tested
// without a bus.
//
// Some events do not name everyone they concern (tasks.checked_in has no client_id,
// supplies.kit_issued neither client nor worker): TaskOwners remembers each task's client and
// worker from the events that do name them, bounded (least recently used forgotten). Not
// thread-safe: the stream hub's one thread owns it.
#pragma once

#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "gateway/json_body.h"
#include "schemas/envelope.h"

namespace mcf::gateway {

struct StreamAudience {
  std::string client_id;  // the client the event concerns ("" = none)
  std::string worker_id;  // the worker it concerns ("" = none)
  bool supplies = false;  // supplies staff (the board)
  bool staff = false;     // managers and admins
  bool operator==(const StreamAudience&) const = default;
  bool empty() const { return client_id.empty() && worker_id.empty() && !supplies && !staff; }
};

// A task's (= an order's) client and worker, as far as events told.
struct TaskOwner {
  std::string client_id;
  std::string worker_id;
};

class TaskOwners {
 public:
  // REQUIRES: capacity >= 1.
  explicit TaskOwners(size_t capacity) : capacity_(capacity) {}

  // Records what an event says (non-empty fields only), making the task the most recent.
  void Note(const std::string& task_id, std::string_view client_id, std::string_view worker_id);
  // What is known of `task_id`; nullopt when nothing is (never seen, or forgotten).
  std::optional<TaskOwner> Find(const std::string& task_id);
  size_t size() const { return entries_.size(); }

 private:
  using Order = std::list<std::string>;  // most recent first
  struct Entry {
    TaskOwner owner;
    Order::iterator position;
  };
  size_t capacity_;
  Order order_;
  std::unordered_map<std::string, Entry> entries_;
};

// Whom event `topic` with `body` (the event's body as JSON, bus times still ms) concerns, noting
// in `owners` the task owners it names. Topics outside the table concern nobody: an event
// family added later reaches no stream until it is placed here on purpose.
StreamAudience AudienceOf(std::string_view topic, const Json& body, TaskOwners& owners);

// True when `principal` is in `audience`: manager and admin -> staff, supplies -> supplies,
// client and worker -> their own id.
bool Concerns(const StreamAudience& audience, const schemas::Principal& principal);

// One Server-Sent Event (contracts.md): "id: <seq>\nevent: <topic>\ndata: {"topic","at","body"}\n\n",
// `at` and the body's times (`*_at`) as ISO-8601 (gateway/reply_times.h).
std::string RenderStreamEvent(uint64_t seq, std::string_view topic, int64_t at_ms, Json body);

}  // namespace mcf::gateway
