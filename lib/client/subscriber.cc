#include "lib/security/bus_identity.h"
#include "lib/client/subscriber.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <random>

#include "lib/base/log.h"
#include "lib/transport/protocol.h"
#include "schemas/body.h"
#include "schemas/bus.h"
#include "schemas/envelope.h"
#include "schemas/registry.h"

namespace mcf::client {
namespace {
constexpr int kLiveness = 3;  // silent heartbeat intervals before we reconnect
constexpr std::string_view kHealth = "broker.health";

// 16 hex digits from a random_device-seeded engine: command ids need only be unique.
std::string RandomHex64() {
  thread_local std::mt19937_64 engine([] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }());
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t v = engine();
  std::string out(16, '0');
  for (int i = 0; i < 16; ++i) out[static_cast<size_t>(i)] = kHex[(v >> (4 * i)) & 0xF];
  return out;
}
}  // namespace

// A received event and how far the broker had scanned when it sent it (its batch's
// scanned_through, on the batch's last event).
struct BufferedEvent {
  ReceivedEvent event;
  uint64_t scanned_through = 0;
};

struct Subscriber::Impl {
  zmq::context_t& context;
  std::string endpoint;
  SubscriberOptions options;
  zmq::socket_t socket;
  // Received but not yet handed out; bounded by the credit we granted (options.window).
  std::deque<BufferedEvent> buffer;
  uint64_t last_seq = 0;       // last handed out
  uint64_t handed_through = 0;  // see Subscriber::handed_through()
  uint64_t last_received = 0;  // last buffered (drops duplicates within one connection)
  // The first sequence this subscriber stands for: options.from_seq, or for from_seq 0 the
  // broker's log head + 1 when it first answered. Until an event is handed out, every
  // SUBSCRIBE (the first and those after a reconnect) asks for it, so events appended while
  // the subscriber was cut off are not skipped. nullopt while from_seq 0 is not resolved yet.
  std::optional<uint64_t> start;
  std::string head_key;  // request key of the broker.health in flight on this socket, if any
  uint64_t head_asks = 0;
  uint32_t consumed = 0;    // handed out since the last CREDIT
  uint32_t unreleased = 0;  // manual_credit: handed out on this connection, not released
  TimePoint last_sent{};
  TimePoint last_heard{};

  Impl(zmq::context_t& ctx, std::string ep, SubscriberOptions opts)
      : context(ctx), endpoint(std::move(ep)), options(std::move(opts)) {
    if (options.window == 0) options.window = 1;
    if (options.prefixes.empty()) options.prefixes = {""};
    if (options.heartbeat <= Millis(0)) options.heartbeat = Millis(1000);
    if (options.from_seq > 0) start = options.from_seq;
    if (start) handed_through = *start - 1;
    Connect();
  }

  static TimePoint Now() { return SteadyClock::Instance().Now(); }

  void Send(proto::Frames frames) {
    if (socket.handle() != nullptr && proto::SendFrames(socket, frames, /*dontwait=*/true))
      last_sent = Now();
  }

  // A fresh socket (the broker sees a new peer) and a SUBSCRIBE from after the last event handed
  // out, or from `start` before the first one; anything buffered is dropped and will be sent
  // again. With `start` still unknown (from_seq 0), asks the broker for its log head first.
  void Connect() {
    buffer.clear();
    consumed = 0;
    unreleased = 0;
    head_key.clear();
    try {
      socket = security::ConnectToBroker(context, endpoint);
    } catch (const zmq::error_t& e) {
      spdlog::error("event=subscriber_connect_failed endpoint={} error={}", endpoint, e.what());
      socket = zmq::socket_t();
    }
    last_received = last_seq;
    if (last_seq > 0 || start) {
      SendSubscribe();
    } else {
      AskHead();
    }
    last_heard = Now();
  }

  void SendSubscribe() {
    const uint64_t from = last_seq > 0 ? last_seq + 1 : *start;
    Send(proto::Encode(
        proto::Subscribe{from, options.window, options.prefixes, options.incarnation}));
  }

  // broker.health on our own socket: its log_head says where "from now on" begins.
  void AskHead() {
    schemas::Envelope command;
    command.id = "subscriber-" + RandomHex64();
    command.type = std::string(kHealth);
    if (const auto* t = schemas::FindMessageType(kHealth)) command.version = t->version;
    command.producer = "subscriber";
    command.time_ms = WallMillis();
    command.correlation_id = command.id;
    command.body = schemas::EmptyBody();
    const std::string bytes = schemas::Encode(command);
    head_key = "head-" + std::to_string(++head_asks);
    const auto budget = std::chrono::duration_cast<Millis>(kLiveness * options.heartbeat);
    Send(proto::Encode(proto::ClientRequest{head_key, "broker",
                                            static_cast<uint32_t>(budget.count()),
                                            zmq::message_t(bytes.data(), bytes.size())}));
  }

  // The answer to AskHead(): resolves `start` and subscribes. Anything else is logged and asked
  // again at the next heartbeat (Tick).
  void HandleHeadReply(proto::Frames& frames) {
    auto reply = proto::ParseClientReply(frames, 0);
    // Only the answer to the question in flight: a stale or foreign reply changes nothing.
    if (head_key.empty() || !reply.ok() || reply->request_key != head_key) return;
    head_key.clear();
    auto decoded = schemas::DecodeReply(proto::View(reply->envelope));
    std::optional<int64_t> head;
    if (decoded.ok() && decoded->status == Code::kOk) {
      if (auto health = schemas::Decode<schemas::bus::HealthReply>(decoded->body);
          health.ok() && health->log_head >= 0)
        head = health->log_head;
    }
    if (!head) {
      spdlog::warn("event=subscriber_head_unknown status={} message={}",
                   decoded.ok() ? CodeName(decoded->status) : "undecodable",
                   Quoted(decoded.ok() ? decoded->message : decoded.status().message()));
      return;
    }
    start = static_cast<uint64_t>(*head) + 1;
    handed_through = std::max(handed_through, *start - 1);
    spdlog::info("event=subscriber_start_resolved log_head={} from_seq={}", *head, *start);
    SendSubscribe();
  }

  void Handle(proto::Frames& frames) {
    last_heard = Now();
    auto kind = proto::ParseKind(frames, 0);
    if (!kind.ok()) {
      spdlog::warn("event=subscriber_bad_frame error={}", Quoted(kind.status().message()));
      return;
    }
    switch (*kind) {
      case proto::Kind::kEvent: {
        auto scanned = proto::ParseEventBatch(frames, 0);
        if (!scanned.ok()) {
          spdlog::warn("event=subscriber_bad_batch error={}", Quoted(scanned.status().message()));
          break;
        }
        for (size_t i = proto::kEventFramesOffset; i < frames.size(); ++i) {
          auto ev = proto::ParseEventFrame(frames[i]);
          if (!ev.ok()) {
            spdlog::warn("event=subscriber_bad_event error={}", Quoted(ev.status().message()));
            continue;
          }
          if (ev->seq <= last_received) continue;
          last_received = ev->seq;
          buffer.push_back(BufferedEvent{ReceivedEvent{ev->seq, ev->time_ms, std::string(ev->topic),
                                                       std::string(ev->envelope)},
                                         0});
        }
        // The progress is known once everything received before it has been handed out.
        if (buffer.empty()) {
          handed_through = std::max(handed_through, *scanned);
        } else {
          buffer.back().scanned_through = std::max(buffer.back().scanned_through, *scanned);
        }
        break;
      }
      case proto::Kind::kReconnect:
        spdlog::info("event=subscriber_reconnect reason=broker_asked last_seq={}", last_seq);
        Connect();
        break;
      case proto::Kind::kReply:
        HandleHeadReply(frames);
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
    if (now - last_sent >= options.heartbeat) {
      // Not subscribed yet: a HEARTBEAT would only earn a RECONNECT; ask for the head again.
      if (!start && last_seq == 0) {
        AskHead();
      } else {
        Send(proto::EncodeHeartbeat());
      }
    }
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
        ReceivedEvent ev = std::move(buffer.front().event);
        handed_through = std::max({handed_through, ev.seq, buffer.front().scanned_through});
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

uint64_t Subscriber::handed_through() const { return impl_->handed_through; }

void Subscriber::Release(uint32_t n) {
  const uint32_t credit = std::min(n, impl_->unreleased);
  if (credit == 0) return;
  impl_->unreleased -= credit;
  impl_->Send(proto::EncodeCredit(credit));
}

size_t Subscriber::buffered() const { return impl_->buffer.size(); }

void* Subscriber::poll_handle() const { return impl_->socket.handle(); }

}  // namespace mcf::client
