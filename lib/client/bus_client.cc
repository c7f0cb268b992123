#include "lib/security/bus_identity.h"
#include "lib/client/bus_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <random>
#include <unordered_map>

#include "lib/base/log.h"
#include "lib/transport/protocol.h"
#include "schemas/registry.h"

namespace mcf::client {
namespace {

// The broker answers `timeout` at the deadline; this grace lets its reply win the race.
constexpr Millis kGrace(100);

// A per-client counter as a short printable key: base-36 digits, least significant first.
std::string CounterKey(uint64_t n) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string key;
  do {
    key.push_back(kDigits[n % 36]);
    n /= 36;
  } while (n != 0);
  return key;
}

std::string RandomHex128() {
  // One random_device-seeded engine per thread: ids need only be unique, not secret.
  thread_local std::mt19937_64 engine([] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int half = 0; half < 2; ++half) {
    uint64_t v = engine();
    for (int i = 0; i < 16; ++i) out[half * 16 + i] = kHex[(v >> (4 * i)) & 0xf];
  }
  return out;
}

}  // namespace

struct BusClient::Impl {
  struct Pending {
    TimePoint deadline;  // client-side give-up time: timeout + grace
    std::string type;
    std::string id;
  };

  zmq::context_t& context;
  std::string endpoint;
  std::string producer;
  zmq::socket_t socket;
  uint64_t next_key = 1;
  std::unordered_map<std::string, Pending> pending;
  // Replies received while Call() waited for another key; handed out first by Receive().
  std::deque<std::pair<std::string, schemas::Reply>> ready;

  Impl(zmq::context_t& ctx, std::string ep, std::string prod)
      : context(ctx), endpoint(std::move(ep)), producer(std::move(prod)) {
    try {
      socket = security::ConnectToBroker(context, endpoint);
    } catch (const zmq::error_t& e) {
      // Every request will then come back as a client-made timeout; say why once.
      spdlog::error("event=client_connect_failed endpoint={} error={}", endpoint, e.what());
    }
  }

  static TimePoint Now() { return SteadyClock::Instance().Now(); }

  std::string SendFramesFor(std::string_view service, std::string envelope_bytes, Millis timeout,
                            std::string_view type, std::string_view id) {
    std::string key = CounterKey(next_key++);
    uint32_t timeout_ms =
        static_cast<uint32_t>(std::clamp<int64_t>(timeout.count(), 0, UINT32_MAX));
    pending[key] = Pending{Now() + timeout + kGrace, std::string(type), std::string(id)};
    proto::ClientRequest req{key, std::string(service), timeout_ms,
                             zmq::message_t(envelope_bytes.data(), envelope_bytes.size())};
    proto::Frames frames = proto::Encode(std::move(req));
    // Never blocks: a DEALER whose CURVE handshake was refused has no pipe to queue on.
    if (socket.handle() == nullptr || !proto::SendFrames(socket, frames, /*dontwait=*/true)) {
      // Not sent: the pending entry times out on its own, keeping the one-reply contract.
      spdlog::warn("event=client_send_failed service={} key={}", service, key);
    }
    return key;
  }

  // Moves expired requests into `ready` as client-made timeout replies.
  void ExpirePending(TimePoint now) {
    for (auto it = pending.begin(); it != pending.end();) {
      if (it->second.deadline <= now) {
        ready.emplace_back(it->first,
                           schemas::ErrorReply(it->second.type, it->second.id,
                                               Status::Timeout("no reply from the broker in time"),
                                               producer, WallMillis()));
        it = pending.erase(it);
      } else {
        ++it;
      }
    }
  }

  // Handles one received message; a reply for a pending key goes to `ready`.
  void Handle(proto::Frames& frames) {
    auto kind = proto::ParseKind(frames, 0);
    if (!kind.ok()) {
      spdlog::warn("event=client_bad_frame error={}", Quoted(kind.status().message()));
      return;
    }
    if (*kind != proto::Kind::kReply) return;  // heartbeats etc. are not for a plain client
    auto reply = proto::ParseClientReply(frames, 0);
    if (!reply.ok()) {
      spdlog::warn("event=client_bad_reply error={}", Quoted(reply.status().message()));
      return;
    }
    auto it = pending.find(reply->request_key);
    if (it == pending.end()) return;  // late reply for a request we already timed out
    auto decoded = schemas::DecodeReply(proto::View(reply->envelope));
    if (decoded.ok()) {
      ready.emplace_back(it->first, std::move(*decoded));
    } else {
      ready.emplace_back(
          it->first,
          schemas::ErrorReply(it->second.type, it->second.id,
                              Status::Internal("undecodable reply: " + decoded.status().message()),
                              producer, WallMillis()));
    }
    pending.erase(it);
  }

  std::optional<std::pair<std::string, schemas::Reply>> PopReady(const std::string* key) {
    for (auto it = ready.begin(); it != ready.end(); ++it) {
      if (key == nullptr || it->first == *key) {
        auto out = std::move(*it);
        ready.erase(it);
        return out;
      }
    }
    return std::nullopt;
  }

  // Waits up to `wait` for a reply (for `key`, or any when null).
  std::optional<std::pair<std::string, schemas::Reply>> Wait(Millis wait, const std::string* key) {
    const TimePoint end = Now() + wait;
    proto::Frames frames;
    while (true) {
      TimePoint now = Now();
      ExpirePending(now);
      if (auto r = PopReady(key)) return r;
      if (now >= end) return std::nullopt;
      TimePoint until = end;
      for (const auto& [k, p] : pending) until = std::min(until, p.deadline);
      auto ms = std::chrono::ceil<Millis>(until - now);
      if (socket.handle() == nullptr) return std::nullopt;
      zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
      try {
        zmq::poll(&item, 1, std::max<Millis>(ms, Millis(0)));
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) return std::nullopt;
        continue;  // EINTR: loop re-checks the time
      }
      while (proto::RecvFrames(socket, frames, /*dontwait=*/true)) Handle(frames);
    }
  }
};

BusClient::BusClient(zmq::context_t& context, std::string endpoint, std::string producer)
    : impl_(new Impl(context, std::move(endpoint), std::move(producer))) {}

BusClient::~BusClient() { delete impl_; }

schemas::Envelope BusClient::MakeCommand(std::string_view type, std::string body) const {
  schemas::Envelope e;
  e.id = RandomHex128();
  e.type = std::string(type);
  if (const auto* t = schemas::FindMessageType(type)) e.version = t->version;
  e.producer = impl_->producer;
  e.time_ms = WallMillis();
  e.correlation_id = e.id;
  e.body = std::move(body);
  return e;
}

schemas::Reply BusClient::Call(const schemas::Envelope& command, Millis timeout) {
  std::string key = Send(command, timeout);
  // Send() registered a deadline of timeout + grace, so this returns by then at the latest.
  auto r = impl_->Wait(timeout + kGrace + Millis(50), &key);
  if (r) return std::move(r->second);
  impl_->pending.erase(key);
  return schemas::ErrorReply(command, Status::Timeout("no reply from the broker in time"),
                             impl_->producer, WallMillis());
}

std::string BusClient::Send(const schemas::Envelope& command, Millis timeout) {
  return impl_->SendFramesFor(schemas::ServiceOf(command.type), schemas::Encode(command), timeout,
                              command.type, command.id);
}

std::optional<std::pair<std::string, schemas::Reply>> BusClient::Receive(Millis wait) {
  return impl_->Wait(wait, nullptr);
}

size_t BusClient::in_flight() const { return impl_->pending.size(); }

std::string BusClient::SendRaw(std::string_view service, std::string envelope_bytes, Millis timeout,
                               std::string_view command_type, std::string_view command_id) {
  return impl_->SendFramesFor(service, std::move(envelope_bytes), timeout, command_type,
                              command_id);
}

std::string DefaultBrokerEndpoint() {
  const char* env = std::getenv("MCF_BROKER");
  return (env != nullptr && *env != '\0') ? env : "tcp://127.0.0.1:5555";
}

}  // namespace mcf::client
