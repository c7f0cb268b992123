#include "tools/mcfctl/scenario_io.h"

#include <httplib.h>

#include <chrono>
#include <thread>

#include "schemas/body.h"

namespace mcf::mcfctl {
namespace {

using SteadyTime = std::chrono::steady_clock;

// What WaitForIdle reads from one broker.stats reply; nullopt when it is not ok or malformed.
struct Stats {
  bool settled = false;      // nothing in flight, queued or pending; every cursor past the head
  bool credit_back = false;  // and every subscriber has all its credit back (credit == window)
  bool has_window = true;    // every subscriber reports its window (brokers since the replay work)
  std::string signature;     // log head and every cursor/credit: "nothing moved" when equal
};

std::optional<Stats> ReadStats(const schemas::Reply& reply) {
  if (reply.status != Code::kOk) return std::nullopt;
  auto stats = MsgpackToJson(reply.body);
  if (!stats.ok() || !stats->is_object()) return std::nullopt;
  auto number = [](const Json& object, const char* key) -> std::optional<int64_t> {
    auto it = object.find(key);
    if (it == object.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<int64_t>();
  };
  Stats out;
  const int64_t head = number(*stats, "log_head").value_or(0);
  out.settled = number(*stats, "in_flight").value_or(0) == 0 &&
                number(*stats, "queued").value_or(0) == 0 &&
                number(*stats, "pending_writes").value_or(0) == 0;
  out.credit_back = true;
  out.signature = std::to_string(head);
  auto subscribers = stats->find("subscribers");
  if (subscribers != stats->end() && subscribers->is_array()) {
    for (const Json& s : *subscribers) {
      // cursor is the next sequence to look at: caught up when it is past the head.
      const auto cursor = number(s, "cursor");
      const auto credit = number(s, "credit");
      const auto window = number(s, "window");
      if (!cursor || *cursor <= head) out.settled = false;
      if (!window) out.has_window = false;
      if (!window || !credit || *credit < *window) out.credit_back = false;
      out.signature += " " + std::to_string(cursor.value_or(-1)) + "/" +
                       std::to_string(credit.value_or(-1));
    }
  }
  return out;
}

}  // namespace

GatewayHttp::GatewayHttp(const std::string& host, int port, Millis timeout)
    : client_(std::make_unique<httplib::Client>(host, port)) {
  client_->set_keep_alive(true);
  client_->set_connection_timeout(std::chrono::duration_cast<std::chrono::seconds>(timeout));
  client_->set_read_timeout(std::chrono::duration_cast<std::chrono::seconds>(timeout));
  client_->set_write_timeout(std::chrono::duration_cast<std::chrono::seconds>(timeout));
}

GatewayHttp::~GatewayHttp() = default;

HttpResponse GatewayHttp::Call(const std::string& method, const std::string& path,
                               const std::string& token, const Json& body,
                               const std::string& idempotency_key) {
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  if (!idempotency_key.empty()) headers.emplace("Idempotency-Key", idempotency_key);
  const std::string text = body.is_null() ? "" : body.dump();
  httplib::Result res = method == "GET"     ? client_->Get(path, headers)
                        : method == "PATCH" ? client_->Patch(path, headers, text, "application/json")
                        : method == "PUT"   ? client_->Put(path, headers, text, "application/json")
                                            : client_->Post(path, headers, text, "application/json");
  HttpResponse out;
  if (!res) {
    out.error = httplib::to_string(res.error());
    return out;
  }
  out.status = res->status;
  if (!res->body.empty()) {
    out.body = Json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    if (out.body.is_discarded()) out.body = res->body;
  }
  return out;
}

std::optional<std::pair<std::string, int>> ParseHostPort(const std::string& text) {
  std::string rest = text;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) return std::nullopt;
  int port = 0;
  for (char c : rest.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) return std::nullopt;
    port = port * 10 + (c - '0');
  }
  if (port <= 0 || port > 65535) return std::nullopt;
  return std::make_pair(rest.substr(0, colon), port);
}

Status WaitForIdle(client::BusClient& bus, Millis timeout, Millis quiet) {
  // Strict: settled with every credit back. Workers return event credit only once the events
  // they published in response are durable (lib/worker), so that is a real barrier (the same
  // one lib/replay uses). A subscriber that returns credit in batches (mcfctl tail --follow) or
  // an older broker never looks strict; then settled and unchanged for a while is accepted: 10x
  // `quiet` when the broker reports windows (only a slow batch subscriber can be in the way),
  // `quiet` otherwise.
  const auto end = SteadyTime::now() + timeout;
  bool settled = false;
  SteadyTime::time_point settled_since = SteadyTime::now();
  std::string signature;
  bool answered = false;
  while (SteadyTime::now() < end) {
    auto stats = ReadStats(
        bus.Call(bus.MakeCommand("broker.stats", schemas::EmptyBody()), Millis(2000)));
    const auto now = SteadyTime::now();
    answered = answered || stats.has_value();
    if (stats && stats->settled && stats->credit_back) return Status::Ok();
    if (stats && stats->settled) {
      if (!settled || stats->signature != signature) {
        settled = true;
        settled_since = now;
        signature = stats->signature;
      } else if (now - settled_since >= (stats->has_window ? 10 * quiet : quiet)) {
        return Status::Ok();
      }
    } else {
      settled = false;
    }
    std::this_thread::sleep_for(Millis(1));
  }
  if (!answered) return Status::Unavailable("the broker does not answer broker.stats");
  return Status::Timeout("the system did not become idle within " +
                         std::to_string(timeout.count()) + " ms");
}

}  // namespace mcf::mcfctl
