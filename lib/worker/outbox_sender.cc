#include "lib/security/bus_identity.h"
#include "lib/worker/outbox_sender.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "lib/base/log.h"
#include "lib/transport/protocol.h"

namespace mcf::worker {
namespace {
constexpr size_t kMaxPublishBatch = 256;
}  // namespace

OutboxSender::OutboxSender(zmq::context_t& context, std::string endpoint, Dispatcher& dispatcher,
                           uint32_t window, Millis resend_after)
    : context_(context),
      endpoint_(std::move(endpoint)),
      dispatcher_(dispatcher),
      window_(std::max<uint32_t>(window, 1)),
      resend_after_(resend_after) {
  Reconnect();
}

void OutboxSender::Reconnect() {
  if (in_flight() > 0)
    spdlog::info("event=outbox_reconnect producer={} acked={} resend_from={}",
                 dispatcher_.producer_id(), acked_, acked_ + 1);
  try {
    socket_ = security::ConnectToBroker(context_, endpoint_);
  } catch (const zmq::error_t& e) {
    spdlog::error("event=outbox_connect_failed endpoint={} error={}", endpoint_, e.what());
    socket_ = zmq::socket_t();
  }
  sent_upto_ = acked_;
  busy_ = false;
  last_progress_ = SteadyClock::Instance().Now();
}

void OutboxSender::Pump() {
  // A new store has no producer name until the worker loop got one from the broker.
  if (socket_.handle() == nullptr || dispatcher_.producer_id().empty() || conflicted() || busy_)
    return;
  while (in_flight() < window_) {
    size_t room = std::min<size_t>(kMaxPublishBatch, window_ - in_flight());
    auto records = dispatcher_.ReadOutbox(std::max(sent_upto_, acked_), room);
    if (!records.ok()) {
      spdlog::error("event=outbox_read_failed error={}", Quoted(records.status().message()));
      return;
    }
    if (records->empty()) return;
    if (in_flight() == 0) last_progress_ = SteadyClock::Instance().Now();
    proto::Publish p{dispatcher_.producer_id(), {}, incarnation_};
    p.events.reserve(records->size());
    for (auto& r : *records)
      p.events.push_back(
          proto::OutgoingEvent{r.producer_seq, std::move(r.topic),
                               zmq::message_t(r.envelope.data(), r.envelope.size())});
    uint64_t upto = p.events.back().producer_seq;
    proto::Frames frames = proto::Encode(std::move(p));
    if (!proto::SendFrames(socket_, frames, /*dontwait=*/true)) return;  // retried next Pump
    sent_upto_ = upto;
  }
}

void OutboxSender::Drain() {
  proto::Frames frames;
  while (socket_.handle() != nullptr && proto::RecvFrames(socket_, frames, /*dontwait=*/true)) {
    auto kind = proto::ParseKind(frames, 0);
    if (!kind.ok()) {
      spdlog::warn("event=outbox_bad_frame error={}", Quoted(kind.status().message()));
      continue;
    }
    if (*kind == proto::Kind::kReconnect) {
      Reconnect();
      return;
    }
    if (*kind == proto::Kind::kPubRefused) {
      auto refused = proto::ParsePubRefused(frames, 0);
      if (!refused.ok() || refused->producer != dispatcher_.producer_id()) continue;
      if (refused->reason == proto::PubRefused::Reason::kConflict) {
        conflict_seq_ = std::max<uint64_t>(refused->producer_seq, 1);
        spdlog::error("event=publish_refused reason=conflict producer={} producer_seq={}",
                      dispatcher_.producer_id(), refused->producer_seq);
      } else {
        // Busy: another live process publishes under our name (a previous incarnation whose
        // binding has not lapsed yet): send nothing more here; Tick() resends from the last ack.
        // Forbidden (our key may not publish this) is retried the same slow way, so that the
        // outbox drains once an operator fixes the key's permissions.
        busy_ = true;
        const bool forbidden = refused->reason == proto::PubRefused::Reason::kForbidden;
        spdlog::log(forbidden ? spdlog::level::err : spdlog::level::warn,
                    "event=publish_refused reason={} producer={} producer_seq={}",
                    proto::ReasonName(refused->reason), dispatcher_.producer_id(),
                    refused->producer_seq);
      }
      continue;
    }
    if (*kind != proto::Kind::kPubAck) continue;
    auto ack = proto::ParsePubAck(frames, 0);
    if (!ack.ok()) {
      spdlog::warn("event=outbox_bad_ack error={}", Quoted(ack.status().message()));
      continue;
    }
    if (ack->producer != dispatcher_.producer_id() || ack->upto_seq <= acked_) continue;
    // Never beyond what we ever produced (a stale producer name would otherwise eat records).
    acked_ = std::min(ack->upto_seq, dispatcher_.last_producer_seq());
    sent_upto_ = std::max(sent_upto_, acked_);
    last_progress_ = SteadyClock::Instance().Now();
  }
}

void OutboxSender::Tick(TimePoint now) {
  if (in_flight() > 0 && now - last_progress_ >= resend_after_) {
    spdlog::info("event=outbox_resend reason=no_ack acked={} sent={}", acked_, sent_upto_);
    Reconnect();
  }
}

uint64_t OutboxSender::TakeDeletable() {
  if (acked_ <= deleted_upto_) return 0;
  deleted_upto_ = acked_;
  return acked_;
}

void OutboxSender::RestoreDeletable(uint64_t upto) {
  if (upto != 0 && upto <= deleted_upto_) deleted_upto_ = upto - 1;
}

}  // namespace mcf::worker
