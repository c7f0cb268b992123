#include "broker/capture_tap.h"

#include <spdlog/spdlog.h>

#include "lib/base/log.h"
#include "schemas/msgpack.h"
#include "schemas/registry.h"

namespace mcf::broker {
namespace {

using capture::Record;
using capture::RecordKind;

// The service of a reply envelope (the part of its `type` before the first dot); "" when the
// envelope has no readable type. A scan of the top-level map, not a full decode.
std::string ServiceOfReply(std::string_view envelope) {
  schemas::MsgpackReader r(envelope);
  auto n = r.ReadMapHeader();
  if (!n) return "";
  for (uint32_t i = 0; i < *n; ++i) {
    auto key = r.ReadString();
    if (!key) return "";
    if (*key == "type") {
      auto type = r.ReadString();
      return type ? std::string(schemas::ServiceOf(*type)) : "";
    }
    if (!r.Skip()) return "";
  }
  return "";
}

}  // namespace

Result<std::shared_ptr<CaptureTap>> CaptureTap::Start(CaptureTapOptions options) {
  std::shared_ptr<CaptureTap> tap(new CaptureTap(std::move(options)));
  auto writer = capture::CaptureWriter::Create(tap->options_.path, tap->options_.header);
  if (!writer.ok()) return writer.status();
  tap->writer_ = std::move(*writer);
  tap->queue_.reserve(1024);
  tap->thread_ = std::thread([p = tap.get()] { p->Run(); });
  spdlog::info("event=capture_started path={}", Quoted(tap->options_.path));
  return tap;
}

CaptureTap::~CaptureTap() { (void)Stop(0); }

void CaptureTap::Push(RecordKind kind, int64_t bus_ms, uint64_t seq, std::string_view name,
                      std::string_view envelope) {
  const size_t bytes = envelope.size() + name.size() + 32;
  std::lock_guard lock(mu_);
  if (sealed_) return;
  if (queue_.size() >= options_.max_queued_records ||
      queued_bytes_ + bytes > options_.max_queued_bytes ||
      failed_.load(std::memory_order_relaxed)) {
    ++dropped_;
    ++dropped_unmarked_;
    return;
  }
  queue_.push_back(Record{kind, bus_ms, seq, std::string(name), std::string(envelope)});
  queued_bytes_ += bytes;
  ++accepted_;
  last_bus_ms_ = bus_ms;
}

void CaptureTap::OnDurable(uint64_t seq, int64_t time_ms, std::string_view producer,
                           std::string_view topic, std::string_view envelope) {
  Push(producer == "clock" ? RecordKind::kClock : RecordKind::kEvent, time_ms, seq, topic,
       envelope);
}

CaptureTap::Stats CaptureTap::Seal(int64_t bus_ms, std::string_view service,
                                   const std::function<std::string(const Stats&)>& last) {
  std::lock_guard lock(mu_);
  if (sealed_) return Stats{accepted_, dropped_};
  sealed_ = true;
  // The last record is always taken, over the bounds: it is the one the stopper relies on.
  Stats stats{accepted_ + 1, dropped_};
  queue_.push_back(Record{RecordKind::kReply, bus_ms, 0, std::string(service), last(stats)});
  accepted_ = stats.records;
  last_bus_ms_ = bus_ms;
  return stats;
}

CaptureTap::Stats CaptureTap::stats() const {
  std::lock_guard lock(mu_);
  return Stats{accepted_, dropped_};
}

Status CaptureTap::Stop(int64_t bus_ms) {
  {
    std::lock_guard lock(mu_);
    if (joined_) return error_;
    sealed_ = true;
    stop_ = true;
    if (bus_ms > last_bus_ms_) last_bus_ms_ = bus_ms;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  joined_ = true;
  const Stats s = stats();
  spdlog::info("event=capture_stopped path={} records={} dropped={}", Quoted(options_.path),
               s.records, s.dropped);
  return error_;
}

void CaptureTap::Run() {
  std::vector<Record> batch;
  batch.reserve(1024);
  bool stopping = false;
  while (!stopping) {
    uint64_t dropped_here = 0;
    int64_t marker_ms = 0;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, options_.drain_interval, [&] { return stop_; });
      stopping = stop_;
      batch.swap(queue_);
      queued_bytes_ = 0;
      dropped_here = dropped_unmarked_;
      dropped_unmarked_ = 0;
      marker_ms = last_bus_ms_;
    }
    for (Record& r : batch) {
      if (r.kind == RecordKind::kReply && r.name.empty()) r.name = ServiceOfReply(r.envelope);
      writer_->Append(r);
    }
    batch.clear();
    if (dropped_here > 0) writer_->Append(RecordKind::kDropped, marker_ms, dropped_here, "", "");
    if (Status s = writer_->Flush(); !s.ok() && error_.ok()) {
      error_ = s;
      failed_.store(true);
      spdlog::error("event=capture_write_failed path={} error={}", Quoted(options_.path),
                    Quoted(s.message()));
    }
  }
  // Everything accepted is written; the trailer says what the capture holds.
  Stats s;
  int64_t end_ms = 0;
  {
    std::lock_guard lock(mu_);
    s = Stats{accepted_, dropped_};
    end_ms = last_bus_ms_;
  }
  if (error_.ok()) {
    writer_->Append(RecordKind::kEnd, end_ms, 0, "", capture::EncodeEndBody(s.records, s.dropped));
    if (Status st = writer_->Close(); !st.ok()) error_ = st;
  } else {
    (void)writer_->Close();
  }
}

}  // namespace mcf::broker
