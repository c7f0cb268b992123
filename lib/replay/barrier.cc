#include "lib/security/bus_identity.h"
#include "lib/replay/barrier.h"

#include <chrono>
#include <thread>

#include "lib/transport/protocol.h"
#include "schemas/body.h"
#include "schemas/envelope.h"
#include "schemas/msgpack.h"
#include "schemas/bus.h"
#include "schemas/registry.h"

namespace mcf::replay {
namespace {

constexpr uint32_t kCollectorWindow = 4096;

}  // namespace

Result<bool> IsIdle(std::string_view stats_body, std::string* why) {
  ASSIGN_OR_RETURN(const schemas::bus::StatsReply stats,
                   schemas::Decode<schemas::bus::StatsReply>(stats_body));
  auto say = [&](std::string s) {
    if (why) *why = std::move(s);
    return false;
  };
  if (stats.in_flight != 0) return say("in_flight " + std::to_string(stats.in_flight));
  if (stats.queued != 0) return say("queued " + std::to_string(stats.queued));
  if (stats.pending_writes != 0) return say("pending_writes " + std::to_string(stats.pending_writes));
  for (const auto& s : stats.subscribers) {
    if (s.cursor <= stats.log_head || s.credit < s.window) {
      std::string prefixes;
      for (const auto& p : s.prefixes) prefixes += (prefixes.empty() ? "" : ",") + p;
      return say("subscriber [" + prefixes + "] cursor " + std::to_string(s.cursor) + " head " +
                 std::to_string(stats.log_head) + " credit " + std::to_string(s.credit) + "/" +
                 std::to_string(s.window));
    }
  }
  return true;
}

BusDriver::BusDriver(zmq::context_t& context, std::string endpoint, std::string producer)
    : context_(context), endpoint_(std::move(endpoint)), producer_(std::move(producer)) {
  socket_ = security::ConnectToBroker(context_, endpoint_);
  client::SubscriberOptions opts;
  opts.prefixes = {""};
  opts.from_seq = 1;
  opts.window = kCollectorWindow;
  opts.manual_credit = true;
  subscriber_ = std::make_unique<client::Subscriber>(context_, endpoint_, opts);
}

BusDriver::~BusDriver() = default;

Result<std::string> BusDriver::Request(std::string_view service, std::string_view envelope,
                                       Millis timeout) {
  const std::string key = "r" + std::to_string(next_key_++);
  proto::Frames frames = proto::Encode(proto::ClientRequest{
      key, std::string(service), static_cast<uint32_t>(timeout.count()),
      zmq::message_t(envelope.data(), envelope.size())});
  try {
    if (!proto::SendFrames(socket_, frames, /*dontwait=*/true))
      return Status::Unavailable("cannot send a request (is the key registered?)");
  } catch (const zmq::error_t& e) {
    return Status::Unavailable(std::string("cannot send a request: ") + e.what());
  }
  const auto end = std::chrono::steady_clock::now() + timeout + Millis(1000);
  proto::Frames in;
  while (std::chrono::steady_clock::now() < end) {
    // Keep the event stream flowing while we wait (the collector's heartbeats and credit).
    DrainEvents();
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    try {
      zmq::poll(&item, 1, Millis(50));
    } catch (const zmq::error_t&) {
      continue;
    }
    while (proto::RecvFrames(socket_, in, /*dontwait=*/true)) {
      auto kind = proto::ParseKind(in, 0);
      if (!kind.ok() || *kind != proto::Kind::kReply) continue;
      auto reply = proto::ParseClientReply(in, 0);
      if (!reply.ok() || reply->request_key != key) continue;  // a stale reply
      return std::string(proto::View(reply->envelope));
    }
  }
  return Status::Unavailable("no reply from the broker for a '" + std::string(service) +
                             "' request within " + std::to_string(timeout.count()) + " ms");
}

Result<std::string> BusDriver::Call(std::string_view type, std::string body, Millis timeout,
                                    const std::optional<schemas::Principal>& principal,
                                    int64_t time_ms) {
  schemas::Envelope e;
  e.id = producer_ + "-" + std::to_string(next_id_++);
  e.type = std::string(type);
  if (const auto* t = schemas::FindMessageType(e.type)) e.version = t->version;
  e.producer = producer_;
  e.time_ms = time_ms;
  if (principal) e.principal = *principal;
  e.body = std::move(body);
  return Request(type.substr(0, type.find('.')), schemas::Encode(e), timeout);
}

void BusDriver::DrainEvents() {
  uint32_t n = 0;
  while (auto ev = subscriber_->Next(Millis(0))) {
    events_.push_back(
        CollectedEvent{ev->seq, ev->time_ms, std::move(ev->topic), std::move(ev->envelope)});
    ++n;
  }
  subscriber_->Release(n);
}

Status BusDriver::WaitIdle(Millis timeout) {
  const auto start = std::chrono::steady_clock::now();
  std::string why = "no broker.stats answer";
  while (true) {
    DrainEvents();
    auto stats = Call("broker.stats", schemas::EmptyBody(), Millis(2000));
    if (stats.ok()) {
      ASSIGN_OR_RETURN(auto reply, schemas::DecodeReply(*stats));
      if (reply.status != Code::kOk)
        return Status::Unavailable("broker.stats answered " + std::string(CodeName(reply.status)) +
                                   ": " + reply.message);
      auto idle = IsIdle(reply.body, &why);
      if (!idle.ok())
        return Status::Invalid("broker.stats lacks what the barrier needs: " +
                               idle.status().message());
      if (*idle) {
        DrainEvents();
        return Status::Ok();
      }
    } else {
      why = stats.status().message();
    }
    if (std::chrono::steady_clock::now() - start >= timeout)
      return Status::Unavailable("the system did not become idle within " +
                                 std::to_string(timeout.count()) + " ms: " + why);
    // Pacing of a bounded polling loop; idleness itself is decided by broker.stats.
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
}

}  // namespace mcf::replay
