#include "gateway/stream_audience.h"

#include <array>

#include "gateway/reply_times.h"

namespace mcf::gateway {
namespace {

// The string at `key`, "" when absent or not a string (a body is a peer's: never trusted).
std::string Text(const Json& body, std::string_view key) {
  if (!body.is_object()) return "";
  const auto it = body.find(std::string(key));
  return it != body.end() && it->is_string() ? it->get<std::string>() : "";
}

// How to read one topic's body: where the task id, client and worker are, and who else sees it.
struct Rule {
  std::string_view topic;
  std::string_view task_key;  // "" = the body names no task
  bool client = false;        // the task's client
  bool worker = false;        // the task's worker
  bool supplies = false;
  bool staff = true;
};

// The table of gateway/README.md ("Live updates"). Events of a task reach its client and
// worker, the board's reach supplies staff; managers and admins see every task and board change.
constexpr std::array<Rule, 13> kRules = {{
    {"portal.help_requested", "order_id", true, false},
    {"tasks.task_requested", "task_id", true, false},
    {"tasks.task_assigned", "task_id", true, true},
    {"tasks.checked_in", "task_id", true, true},
    {"tasks.task_finalized", "task_id", true, true},
    {"tasks.copy_offered", "task_id", true, false},
    {"supplies.order_created", "task_id", false, false, true},
    {"supplies.kit_issued", "task_id", false, true, true},  // the worker may check in now
    {"supplies.cookie_requested", "", false, false, true},
    {"supplies.cookie_request_canceled", "", false, false, true},
    {"contractor.cookie_accepted", "", false, false, true},
    {"contractor.cookie_failed", "", false, false, true},
    {"contractor.cookie_delivered", "", false, false, true},
}};

}  // namespace

void TaskOwners::Note(const std::string& task_id, std::string_view client_id,
                      std::string_view worker_id) {
  if (task_id.empty() || (client_id.empty() && worker_id.empty())) return;
  auto it = entries_.find(task_id);
  if (it == entries_.end()) {
    if (entries_.size() >= capacity_) {
      entries_.erase(order_.back());
      order_.pop_back();
    }
    order_.push_front(task_id);
    it = entries_.emplace(task_id, Entry{{}, order_.begin()}).first;
  } else {
    order_.splice(order_.begin(), order_, it->second.position);
  }
  if (!client_id.empty()) it->second.owner.client_id = client_id;
  if (!worker_id.empty()) it->second.owner.worker_id = worker_id;
}

std::optional<TaskOwner> TaskOwners::Find(const std::string& task_id) {
  const auto it = entries_.find(task_id);
  if (it == entries_.end()) return std::nullopt;
  order_.splice(order_.begin(), order_, it->second.position);
  return it->second.owner;
}

StreamAudience AudienceOf(std::string_view topic, const Json& body, TaskOwners& owners) {
  StreamAudience out;
  if (topic == "billing.invoice_status_changed") {  // an invoice's owner only
    const std::string kind = Text(body, "kind");
    if (kind == "client") out.client_id = Text(body, "owner_id");
    if (kind == "worker") out.worker_id = Text(body, "owner_id");
    return out;
  }
  if (topic == "billing.discount_changed") {
    out.client_id = Text(body, "client_id");
    return out;
  }
  for (const Rule& rule : kRules) {
    if (rule.topic != topic) continue;
    out.supplies = rule.supplies;
    out.staff = rule.staff;
    if (rule.task_key.empty()) return out;
    const std::string task_id = Text(body, rule.task_key);
    owners.Note(task_id, Text(body, "client_id"), Text(body, "worker_id"));
    if (!rule.client && !rule.worker) return out;
    const std::optional<TaskOwner> owner = owners.Find(task_id);
    if (!owner) return out;
    if (rule.client) out.client_id = owner->client_id;
    if (rule.worker) out.worker_id = owner->worker_id;
    return out;
  }
  return out;
}

bool Concerns(const StreamAudience& audience, const schemas::Principal& principal) {
  const std::string& role = principal.role;
  if (role == "manager" || role == "admin") return audience.staff;
  if (role == "supplies") return audience.supplies;
  if (principal.id.empty()) return false;
  if (role == "client") return audience.client_id == principal.id;
  if (role == "worker") return audience.worker_id == principal.id;
  return false;
}

std::string RenderStreamEvent(uint64_t seq, std::string_view topic, int64_t at_ms, Json body) {
  RenderTimes(body);
  const Json data = {{"topic", std::string(topic)}, {"at", RenderMillis(at_ms)}, {"body", std::move(body)}};
  std::string out = "id: " + std::to_string(seq) + "\nevent: ";
  out.append(topic);
  out += "\ndata: ";
  // dump() escapes control characters, so the data is one line whatever the body holds.
  out += data.dump(-1, ' ', false, Json::error_handler_t::replace);
  out += "\n\n";
  return out;
}

}  // namespace mcf::gateway
