// CaptureTap: records what crosses the broker — client commands, the replies sent back to
// clients (broker-made errors included) and events as they become durable — into a capture
// file (lib/capture, docs/capture-format.md).
//
// The broker's threads only copy bytes and push them onto a bounded queue; the tap's own writer
// thread encodes and writes them, flushing each batch so the file can be followed while it
// grows. When the queue is full a record is dropped, never waited for: drops are counted and
// written as kDropped markers, and the trailer carries the total, so replay can refuse an
// incomplete capture. Command/Reply: routing thread; OnDurable: the log writer thread;
// Seal/Stop: routing thread. Every public method is thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "broker/log_writer.h"
#include "lib/base/clock.h"
#include "lib/base/status.h"
#include "lib/capture/format.h"
#include "lib/capture/writer.h"

namespace mcf::broker {

struct CaptureTapOptions {
  std::string path;        // the capture file (created or truncated)
  capture::Header header;  // written first
  // Queue bounds: beyond either, records are dropped (and counted). Default 200,000 / 256 MiB.
  // (A record larger than the byte bound is taken when the queue is empty.)
  size_t max_queued_records = 200'000;
  size_t max_queued_bytes = size_t{256} << 20;
  // How often the writer thread wakes to drain the queue. Default 5 ms.
  Millis drain_interval{5};
};

class CaptureTap final : public DurableEventSink {
 public:
  // Creates the file, writes the header and starts the writer thread; an error names the path.
  static Result<std::shared_ptr<CaptureTap>> Start(CaptureTapOptions options);
  ~CaptureTap() override;  // Stop()

  // A client's REQUEST envelope (`service` from the frame), with the key id the client
  // authenticated with (security::Grant::key_id; "" from an --insecure broker). Only the id is
  // recorded, never key material.
  void Command(int64_t bus_ms, std::string_view service, std::string_view envelope,
               std::string_view key_id) {
    Push(capture::RecordKind::kCommand, bus_ms, 0, service, envelope, key_id);
  }
  // A reply envelope sent to a client, under the service its request went to. An empty
  // `service` is filled in from the envelope's type by the writer thread (nothing is decoded on
  // the routing thread).
  void Reply(int64_t bus_ms, std::string_view service, std::string_view envelope) {
    Push(capture::RecordKind::kReply, bus_ms, 0, service, envelope);
  }
  // DurableEventSink: an event now in the log; producer "clock" is recorded as kClock.
  void OnDurable(uint64_t seq, int64_t time_ms, std::string_view producer, std::string_view topic,
                 std::string_view envelope) override;

  // `name` (a key with role outside) published while recording: the trailer lists it, so a key
  // registered after the header was written is still marked (docs/capture-format.md). Called
  // once per name by the routing thread; ignored after Seal.
  void MarkOutside(std::string_view name);

  struct Stats {
    uint64_t records = 0;  // accepted into the capture (commands, replies, events, clock)
    uint64_t dropped = 0;  // lost to a full queue or a write error
  };
  // Ends recording: `last` (e.g. the reply to broker.capture_stop, made from the final counts,
  // itself included) is the last record accepted; everything pushed later is ignored. Returns
  // the final counts. Idempotent (later calls return the counts and push nothing).
  Stats Seal(int64_t bus_ms, std::string_view service,
             const std::function<std::string(const Stats&)>& last);
  // Seals (if not yet), writes everything queued and the kEnd trailer, closes the file and
  // joins the writer thread. Idempotent. The Status is the first write error, if any.
  Status Stop(int64_t bus_ms);
  Stats stats() const;
  const std::string& path() const { return options_.path; }

 private:
  explicit CaptureTap(CaptureTapOptions options) : options_(std::move(options)) {}
  void Push(capture::RecordKind kind, int64_t bus_ms, uint64_t seq, std::string_view name,
            std::string_view envelope, std::string_view key = "");
  void Run();

  CaptureTapOptions options_;
  std::unique_ptr<capture::CaptureWriter> writer_;  // writer thread only (after Start)
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Queued records packed back to back (see capture_tap.cc), so a push is one copy into a
  // buffer that keeps its capacity, never an allocation per record. Guarded by mu_.
  std::string queue_;
  size_t queued_records_ = 0;        // guarded by mu_
  uint64_t accepted_ = 0;            // guarded by mu_
  uint64_t dropped_ = 0;             // guarded by mu_ (total)
  uint64_t dropped_unmarked_ = 0;    // guarded by mu_: not yet written as a marker
  int64_t last_bus_ms_ = 0;          // guarded by mu_
  bool sealed_ = false;              // guarded by mu_
  std::set<std::string> outside_;    // guarded by mu_: MarkOutside names, for the trailer
  bool stop_ = false;                // guarded by mu_
  std::atomic<bool> failed_{false};  // a write failed: everything after is dropped
  Status error_;                     // writer thread; read after join
  std::thread thread_;
  bool joined_ = false;  // Stop()'s caller only
};

}  // namespace mcf::broker
