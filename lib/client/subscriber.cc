#include "lib/client/subscriber.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>

#include "lib/base/log.h"
#include "lib/transport/protocol.h"

namespace mcf::client {
namespace {
constexpr int kLiveness = 3;  // silent heartbeat intervals before we reconnect
}  // namespace

struct Subscriber::Impl {
  zmq::context_t& context;
  std::string endpoint;
  SubscriberOptions options;
  zmq::socket_t socket;
  // Received but not yet handed out; bounded by the credit we granted (options.window).
  std::deque<ReceivedEvent> buffer;
  uint64_t last_seq = 0;       // last handed out
  uint64_t last_received = 0;  // last buffered (drops duplicates within one connection)
  uint32_t consumed = 0;       // handed out since the last CREDIT
  uint32_t unreleased = 0;     // manual_credit: handed out on this connection, not released
  TimePoint last_sent{};
  TimePoint last_heard{};

  Impl(zmq::context_t& ctx, std::string ep, SubscriberOptions opts)
      : context(ctx), endpoint(std::move(ep)), options(std::move(opts)) {
    if (options.window == 0) options.window = 1;
    if (options.prefixes.empty()) options.prefixes = {""};
    if (options.heartbeat <= Millis(0)) options.heartbeat = Millis(1000);
    Connect();
  }

  static TimePoint Now() { return SteadyClock::Instance().Now(); }

  void Send(proto::Frames frames) {
    if (socket.handle() != nullptr && proto::SendFrames(socket, frames, /*dontwait=*/true))
      last_sent = Now();
  }

  // A fresh socket (the broker sees a new peer) and a SUBSCRIBE from after the last event handed
  // out; anything buffered is dropped and will be sent again.
  void Connect() {
    buffer.clear();
    consumed = 0;
    unreleased = 0;
    try {
      socket = zmq::socket_t(context, zmq::socket_type::dealer);
      socket.set(zmq::sockopt::linger, 0);
      socket.connect(endpoint);
    } catch (const zmq::error_t& e) {
      spdlog::error("event=subscriber_connect_failed endpoint={} error={}", endpoint, e.what());
      socket = zmq::socket_t();
    }
    uint64_t from = last_seq > 0 ? last_seq + 1 : options.from_seq;
    last_received = last_seq;
    Send(proto::Encode(proto::Subscribe{from, options.window, options.prefixes}));
    last_heard = Now();
  }

  void Handle(proto::Frames& frames) {
    last_heard = Now();
    auto kind = proto::ParseKind(frames, 0);
    if (!kind.ok()) {
      spdlog::warn("event=subscriber_bad_frame error={}", Quoted(kind.status().message()));
      return;
    }
    switch (*kind) {
      case proto::Kind::kEvent:
        for (size_t i = proto::kEventFramesOffset; i < frames.size(); ++i) {
          auto ev = proto::ParseEventFrame(frames[i]);
          if (!ev.ok()) {
            spdlog::warn("event=subscriber_bad_event error={}", Quoted(ev.status().message()));
            continue;
          }
          if (ev->seq <= last_received) continue;
          last_received = ev->seq;
          buffer.push_back(ReceivedEvent{ev->seq, ev->time_ms, std::string(ev->topic),
                                         std::string(ev->envelope)});
        }
        break;
      case proto::Kind::kReconnect:
        spdlog::info("event=subscriber_reconnect reason=broker_asked last_seq={}", last_seq);
        Connect();
        break;
      default:
        break;  // heartbeats only prove liveness
    }
  }

  void Tick() {
    TimePoint now = Now();
    if (now - last_heard >= kLiveness * options.heartbeat) {
      spdlog::info("event=subscriber_reconnect reason=broker_silent last_seq={}", last_seq);
      Connect();
      return;
    }
    if (now - last_sent >= options.heartbeat) Send(proto::EncodeHeartbeat());
  }

  std::optional<ReceivedEvent> Next(Millis wait) {
    const TimePoint end = Now() + wait;
    proto::Frames frames;
    while (true) {
      Tick();
      if (buffer.empty() && socket.handle() != nullptr) {
        while (proto::RecvFrames(socket, frames, /*dontwait=*/true)) Handle(frames);
      }
      if (!buffer.empty()) {
        ReceivedEvent ev = std::move(buffer.front());
        buffer.pop_front();
        last_seq = ev.seq;
        if (options.manual_credit) {
          ++unreleased;
        } else if (++consumed >= std::max<uint32_t>(1, options.window / 2)) {
          Send(proto::EncodeCredit(consumed));
          consumed = 0;
        }
        return ev;
      }
      TimePoint now = Now();
      if (now >= end) return std::nullopt;
      TimePoint until = std::min(
          {end, last_sent + options.heartbeat, last_heard + kLiveness * options.heartbeat});
      auto ms = std::max(Millis(0), std::chrono::ceil<Millis>(until - now));
      if (socket.handle() == nullptr) {
        Connect();
        continue;
      }
      zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
      try {
        zmq::poll(&item, 1, ms);
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) return std::nullopt;
        continue;
      }
    }
  }
};

Subscriber::Subscriber(zmq::context_t& context, std::string endpoint, SubscriberOptions options)
    : impl_(new Impl(context, std::move(endpoint), std::move(options))) {}

Subscriber::~Subscriber() {
  if (impl_->socket.handle() != nullptr) impl_->Send(proto::EncodeDisconnect());
  delete impl_;
}

std::optional<ReceivedEvent> Subscriber::Next(Millis wait) { return impl_->Next(wait); }

uint64_t Subscriber::last_seq() const { return impl_->last_seq; }

void Subscriber::Release(uint32_t n) {
  const uint32_t credit = std::min(n, impl_->unreleased);
  if (credit == 0) return;
  impl_->unreleased -= credit;
  impl_->Send(proto::EncodeCredit(credit));
}

size_t Subscriber::buffered() const { return impl_->buffer.size(); }

void* Subscriber::poll_handle() const { return impl_->socket.handle(); }

}  // namespace mcf::client
