#include "lib/security/bus_identity.h"
#include "lib/client/publisher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <optional>

#include "lib/base/log.h"
#include "lib/transport/protocol.h"

namespace mcf::client {
namespace {
constexpr size_t kMaxBatch = 256;  // events per PUBLISH message
}  // namespace

struct Publisher::Impl {
  struct Event {
    uint64_t seq;
    std::string topic;
    std::string envelope;
  };

  zmq::context_t& context;
  std::string endpoint;
  std::string producer;
  zmq::socket_t socket;
  std::deque<Event> unacked;  // in seq order; sent or not
  uint64_t next_seq;
  uint64_t acked;
  uint64_t sent_upto;  // highest seq sent on the current socket
  Millis resend_after{1000};
  TimePoint last_progress{};  // last ack or (re)connect
  const uint64_t incarnation = proto::NewIncarnation();
  std::optional<security::ClientCurve> curve;  // none: the process identity

  Impl(zmq::context_t& ctx, std::string ep, std::string prod, uint64_t first_seq,
       const security::ClientCurve* own)
      : context(ctx),
        endpoint(std::move(ep)),
        producer(std::move(prod)),
        next_seq(std::max<uint64_t>(first_seq, 1)),
        acked(next_seq - 1),
        sent_upto(next_seq - 1) {
    if (own) curve = *own;
    Connect();
  }

  static TimePoint Now() { return SteadyClock::Instance().Now(); }

  void Connect() {
    try {
      socket = curve ? security::ConnectToBroker(context, endpoint, *curve)
                     : security::ConnectToBroker(context, endpoint);
    } catch (const zmq::error_t& e) {
      spdlog::error("event=publisher_connect_failed endpoint={} error={}", endpoint, e.what());
      socket = zmq::socket_t();
    }
    sent_upto = acked;  // everything unacked goes again on this socket
    last_progress = Now();
  }

  // Sends unsent events in batches; all of them, or only when nothing is in flight (so events
  // published while waiting for an ack travel together).
  void SendPending(bool force) {
    if (socket.handle() == nullptr) return;
    while (true) {
      // `unacked` is in seq order: binary search keeps Publish O(log n) with many in flight.
      auto first = std::partition_point(unacked.begin(), unacked.end(),
                                        [&](const Event& e) { return e.seq <= sent_upto; });
      size_t unsent = static_cast<size_t>(unacked.end() - first);
      if (unsent == 0) return;
      bool in_flight = sent_upto > acked;
      if (!force && in_flight && unsent < kMaxBatch) return;
      proto::Publish p{producer, {}, incarnation};
      for (auto it = first; it != unacked.end() && p.events.size() < kMaxBatch; ++it)
        p.events.push_back(proto::OutgoingEvent{
            it->seq, it->topic, zmq::message_t(it->envelope.data(), it->envelope.size())});
      uint64_t upto = p.events.back().producer_seq;
      if (!in_flight) last_progress = Now();
      proto::Frames frames = proto::Encode(std::move(p));
      // Never blocks (a refused CURVE handshake leaves no pipe); the resend timer retries.
      if (!proto::SendFrames(socket, frames, /*dontwait=*/true)) return;
      sent_upto = upto;
    }
  }

  void Handle(proto::Frames& frames) {
    auto kind = proto::ParseKind(frames, 0);
    if (!kind.ok()) {
      spdlog::warn("event=publisher_bad_frame error={}", Quoted(kind.status().message()));
      return;
    }
    if (*kind == proto::Kind::kReconnect) {
      spdlog::info("event=publisher_reconnect reason=broker_asked producer={}", producer);
      Connect();
      return;
    }
    if (*kind != proto::Kind::kPubAck) return;
    auto ack = proto::ParsePubAck(frames, 0);
    if (!ack.ok()) {
      spdlog::warn("event=publisher_bad_ack error={}", Quoted(ack.status().message()));
      return;
    }
    if (ack->producer != producer || ack->upto_seq <= acked) return;
    acked = std::min(ack->upto_seq, next_seq - 1);
    while (!unacked.empty() && unacked.front().seq <= acked) unacked.pop_front();
    sent_upto = std::max(sent_upto, acked);
    last_progress = Now();
  }

  void Drain() {
    proto::Frames frames;
    while (socket.handle() != nullptr && proto::RecvFrames(socket, frames, /*dontwait=*/true))
      Handle(frames);
  }

  // Handles acks and resends for `wait`, or until all is acknowledged when `until_acked`.
  void Poll(Millis wait, bool until_acked = false) {
    const TimePoint end = Now() + wait;
    while (true) {
      Drain();
      if (until_acked && unacked.empty()) return;
      TimePoint now = Now();
      if (!unacked.empty() && now - last_progress >= resend_after) {
        spdlog::info("event=publisher_reconnect reason=no_ack producer={} unacked={}", producer,
                     unacked.size());
        Connect();
      }
      SendPending(/*force=*/true);
      if (now >= end || socket.handle() == nullptr) return;
      TimePoint until = end;
      if (!unacked.empty()) until = std::min(until, last_progress + resend_after);
      auto ms = std::max(Millis(0), std::chrono::ceil<Millis>(until - now));
      zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
      try {
        zmq::poll(&item, 1, ms);
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) return;
      }
    }
  }
};

Publisher::Publisher(zmq::context_t& context, std::string endpoint, std::string producer,
                     uint64_t first_seq, const security::ClientCurve* curve)
    : impl_(new Impl(context, std::move(endpoint), std::move(producer), first_seq, curve)) {}

Publisher::~Publisher() { delete impl_; }

uint64_t Publisher::Publish(std::string_view topic, std::string envelope) {
  uint64_t seq = impl_->next_seq++;
  impl_->unacked.push_back(Impl::Event{seq, std::string(topic), std::move(envelope)});
  impl_->Drain();
  impl_->SendPending(/*force=*/false);
  return seq;
}

uint64_t Publisher::PollAcks(Millis wait) {
  impl_->Poll(wait);
  return impl_->acked;
}

Status Publisher::Flush(Millis wait) {
  const TimePoint end = Impl::Now() + wait;
  while (impl_->acked < impl_->next_seq - 1) {
    TimePoint now = Impl::Now();
    if (now >= end) {
      return Status::Timeout("publisher " + impl_->producer + ": " +
                             std::to_string(impl_->next_seq - 1 - impl_->acked) +
                             " events unacknowledged");
    }
    impl_->Poll(std::chrono::ceil<Millis>(end - now), /*until_acked=*/true);
  }
  return Status::Ok();
}

uint64_t Publisher::acked_seq() const { return impl_->acked; }
uint64_t Publisher::last_seq() const { return impl_->next_seq - 1; }
void Publisher::set_resend_after(Millis after) { impl_->resend_after = after; }

}  // namespace mcf::client
