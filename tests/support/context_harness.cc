#include "tests/support/context_harness.h"

#include "lib/base/clock.h"

namespace mcf::testing {

ContextHarness::ContextHarness(std::string service, uint64_t seed)
    : service_(std::move(service)), seed_(seed) {}

Status ContextHarness::Open(std::function<Status(worker::Dispatcher&)> install) {
  dispatcher_.reset();  // one Env per store per process: close the old one first
  auto d = std::make_unique<worker::Dispatcher>(service_, seed_);
  RETURN_IF_ERROR(d->Open(dir_.path(), size_t{64} << 20, /*no_sync=*/true));
  RETURN_IF_ERROR(install(*d));
  dispatcher_ = std::move(d);
  return Status::Ok();
}

Status ContextHarness::Event(std::string_view type, std::string body, int64_t bus_time_ms) {
  const uint64_t seq = ++event_seq_;
  schemas::Envelope e;
  e.id = "feeder:" + std::to_string(seq);
  e.type = std::string(type);
  e.producer = "feeder";
  e.time_ms = bus_time_ms;
  e.body = std::move(body);
  worker::Incoming in;
  in.kind = worker::Incoming::Kind::kEvent;
  in.seq = seq;
  in.topic = e.type;
  in.bus_time_ms = bus_time_ms;
  in.envelope = schemas::Encode(e);
  auto r = dispatcher_->Apply({in}, SteadyClock::Instance().Now());
  return r.ok() ? Status::Ok() : r.status();
}

schemas::Reply ContextHarness::Command(std::string_view type, std::string body,
                                       std::optional<schemas::Principal> who, int64_t bus_time_ms,
                                       std::string id) {
  ++commands_;
  schemas::Envelope e;
  e.id = id.empty() ? "cmd-" + std::to_string(commands_) : std::move(id);
  e.type = std::string(type);
  e.producer = "test";
  e.time_ms = bus_time_ms;
  e.principal = std::move(who);
  e.body = std::move(body);
  worker::Incoming in;
  in.kind = worker::Incoming::Kind::kCommand;
  in.request_id = commands_;
  in.deadline = SteadyClock::Instance().Now() + Millis(60'000);
  in.bus_time_ms = bus_time_ms;
  in.envelope = schemas::Encode(e);
  auto r = dispatcher_->Apply({in}, SteadyClock::Instance().Now());
  Status failed = !r.ok()           ? r.status()
                  : r->size() != 1u ? Status::Internal("expected one reply")
                                    : Status::Ok();
  if (!failed.ok()) return schemas::ErrorReply(e, failed, "harness", bus_time_ms);
  auto reply = schemas::DecodeReply(r->at(0).envelope);
  if (!reply.ok()) return schemas::ErrorReply(e, reply.status(), "harness", bus_time_ms);
  return std::move(*reply);
}

std::vector<PublishedEvent> ContextHarness::NewEvents() {
  std::vector<PublishedEvent> out;
  auto records = dispatcher_->ReadOutbox(outbox_seen_, 100'000);
  if (!records.ok()) return out;
  for (auto& rec : *records) {
    outbox_seen_ = rec.producer_seq;
    auto e = schemas::DecodeEnvelope(rec.envelope);
    out.push_back({std::move(rec.topic), e.ok() ? std::move(e->body) : std::string()});
  }
  return out;
}

}  // namespace mcf::testing
