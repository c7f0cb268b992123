#include "broker/capture_tap.h"

#include <spdlog/spdlog.h>

#include <cstring>

#include "lib/base/log.h"
#include "schemas/msgpack.h"
#include "schemas/registry.h"

namespace mcf::broker {
namespace {

using capture::RecordKind;

// A queued record: kind:u8 bus_ms:i64 seq:u64 name_len:u16 envelope_len:u32 key_len:u8 name
// envelope key, host byte order (it never leaves the process).
constexpr size_t kEntryHeader = 1 + 8 + 8 + 2 + 4 + 1;

struct Entry {
  RecordKind kind;
  int64_t bus_ms;
  uint64_t seq;
  std::string_view name;
  std::string_view envelope;
  std::string_view key;
};

void PutEntry(std::string& q, RecordKind kind, int64_t bus_ms, uint64_t seq, std::string_view name,
              std::string_view envelope, std::string_view key = "") {
  const size_t at = q.size();
  q.resize(at + kEntryHeader + name.size() + envelope.size() + key.size());
  char* p = q.data() + at;
  const auto k = static_cast<uint8_t>(kind);
  const auto name_len = static_cast<uint16_t>(name.size());
  const auto env_len = static_cast<uint32_t>(envelope.size());
  const auto key_len = static_cast<uint8_t>(key.size());
  std::memcpy(p, &k, 1);
  std::memcpy(p + 1, &bus_ms, 8);
  std::memcpy(p + 9, &seq, 8);
  std::memcpy(p + 17, &name_len, 2);
  std::memcpy(p + 19, &env_len, 4);
  std::memcpy(p + 23, &key_len, 1);
  std::memcpy(p + kEntryHeader, name.data(), name.size());
  std::memcpy(p + kEntryHeader + name.size(), envelope.data(), envelope.size());
  std::memcpy(p + kEntryHeader + name.size() + envelope.size(), key.data(), key.size());
}

// Reads the entry at `pos` and advances it.
Entry TakeEntry(std::string_view q, size_t& pos) {
  const char* p = q.data() + pos;
  Entry e{};
  uint8_t k = 0;
  uint16_t name_len = 0;
  uint32_t env_len = 0;
  uint8_t key_len = 0;
  std::memcpy(&k, p, 1);
  std::memcpy(&e.bus_ms, p + 1, 8);
  std::memcpy(&e.seq, p + 9, 8);
  std::memcpy(&name_len, p + 17, 2);
  std::memcpy(&env_len, p + 19, 4);
  std::memcpy(&key_len, p + 23, 1);
  e.kind = static_cast<RecordKind>(k);
  e.name = q.substr(pos + kEntryHeader, name_len);
  e.envelope = q.substr(pos + kEntryHeader + name_len, env_len);
  e.key = q.substr(pos + kEntryHeader + name_len + env_len, key_len);
  pos += kEntryHeader + name_len + env_len + key_len;
  return e;
}

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
  ASSIGN_OR_RETURN(auto writer,
                   capture::CaptureWriter::Create(tap->options_.path, tap->options_.header));
  tap->writer_ = std::move(writer);
  tap->queue_.reserve(1 << 20);
  tap->thread_ = std::thread([p = tap.get()] { p->Run(); });
  spdlog::info("event=capture_started path={}", Quoted(tap->options_.path));
  return tap;
}

CaptureTap::~CaptureTap() { (void)Stop(0); }

void CaptureTap::Push(RecordKind kind, int64_t bus_ms, uint64_t seq, std::string_view name,
                      std::string_view envelope, std::string_view key) {
  // Names are at most 255 bytes on the wire, envelopes at most 16 MiB and key ids 14 bytes;
  // anything else is not what the broker passes, but must not corrupt the queue.
  if (name.size() > 0xFFFF) name = name.substr(0, 0xFFFF);
  if (key.size() > 0xFF) key = key.substr(0, 0xFF);
  const size_t bytes = kEntryHeader + name.size() + envelope.size() + key.size();
  std::lock_guard lock(mu_);
  if (sealed_) return;
  if (queued_records_ >= options_.max_queued_records ||
      (queued_records_ > 0 && queue_.size() + bytes > options_.max_queued_bytes) ||
      envelope.size() > 0xFFFFFFFFu || failed_.load(std::memory_order_relaxed)) {
    ++dropped_;
    ++dropped_unmarked_;
    return;
  }
  PutEntry(queue_, kind, bus_ms, seq, name, envelope, key);
  ++queued_records_;
  ++accepted_;
  last_bus_ms_ = bus_ms;
}

void CaptureTap::OnDurable(uint64_t seq, int64_t time_ms, std::string_view producer,
                           std::string_view topic, std::string_view envelope) {
  Push(producer == "clock" ? RecordKind::kClock : RecordKind::kEvent, time_ms, seq, topic,
       envelope);
}

void CaptureTap::MarkOutside(std::string_view name) {
  std::lock_guard lock(mu_);
  if (sealed_) return;
  outside_.emplace(name);
}

CaptureTap::Stats CaptureTap::Seal(int64_t bus_ms, std::string_view service,
                                   const std::function<std::string(const Stats&)>& last) {
  std::lock_guard lock(mu_);
  if (sealed_) return Stats{accepted_, dropped_};
  sealed_ = true;
  // The last record is always taken, over the bounds: it is the one the stopper relies on.
  Stats stats{accepted_ + 1, dropped_};
  PutEntry(queue_, RecordKind::kReply, bus_ms, 0, service, last(stats));
  ++queued_records_;
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
  std::string batch;
  batch.reserve(1 << 20);
  std::string service;
  bool stopping = false;
  while (!stopping) {
    uint64_t dropped_here = 0;
    int64_t marker_ms = 0;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, options_.drain_interval, [&] { return stop_; });
      stopping = stop_;
      batch.swap(queue_);
      queued_records_ = 0;
      dropped_here = dropped_unmarked_;
      dropped_unmarked_ = 0;
      marker_ms = last_bus_ms_;
    }
    for (size_t pos = 0; pos < batch.size();) {
      Entry e = TakeEntry(batch, pos);
      if (e.kind == RecordKind::kReply && e.name.empty()) {
        service = ServiceOfReply(e.envelope);
        e.name = service;
      }
      writer_->Append(e.kind, e.bus_ms, e.seq, e.name, e.envelope, e.key);
    }
    batch.clear();
    // After a burst of large envelopes, give the memory back.
    if (batch.capacity() > (size_t{64} << 20)) std::string().swap(batch);
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
  std::vector<std::string> outside;
  {
    std::lock_guard lock(mu_);
    s = Stats{accepted_, dropped_};
    end_ms = last_bus_ms_;
    outside.assign(outside_.begin(), outside_.end());
  }
  if (error_.ok()) {
    writer_->Append(RecordKind::kEnd, end_ms, 0, "",
                    capture::EncodeEndBody(s.records, s.dropped, outside));
    if (Status st = writer_->Close(); !st.ok()) error_ = st;
  } else {
    (void)writer_->Close();
  }
}

}  // namespace mcf::broker
