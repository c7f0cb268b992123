// The bus's own messages, each declared once (schemas/declare.h): the services the broker
// serves itself (broker.health, broker.stats, the capture commands) and the store status every
// worker runtime answers as `<service>.store_status`. Counters are cumulative since the process
// started; sizes are bytes; times bus ms.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "lib/base/status.h"
#include "schemas/codec.h"
#include "schemas/declare.h"

namespace mcf::schemas::bus {

using schemas::Decode;
using schemas::Encode;

// ---- broker.health ----

// Clients read only log_head (where "from now on" begins), so only it is required.
struct HealthReply {
  std::string status = "ok";
  int64_t uptime_ms = 0;
  int64_t log_head = 0;
  std::string clock;  // "real" or "sim"
  static constexpr auto Fields() {
    using T = HealthReply;
    return std::tuple{Field("status", &T::status).Optional().Doc("ok"),
                      Field("uptime_ms", &T::uptime_ms).Optional(),
                      Field("log_head", &T::log_head).Doc("the sequence of the last stored event"),
                      Field("clock", &T::clock).Optional().Doc("real or sim")};
  }
};

struct Health {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("broker.health", "liveness of the broker and where its event log stands");
  using Reply = HealthReply;
  static constexpr auto Fields() { return std::tuple{}; }
};

// ---- broker.stats ----

struct ServiceStats {
  std::string name;
  int64_t workers = 0;
  int64_t queued = 0;
  static constexpr auto Fields() {
    return std::tuple{Field("name", &ServiceStats::name), Field("workers", &ServiceStats::workers),
                      Field("queued", &ServiceStats::queued)};
  }
};

struct SubscriberStats {
  int64_t cursor = 0;
  int64_t credit = 0;
  int64_t window = 0;
  std::vector<std::string> prefixes;
  static constexpr auto Fields() {
    using T = SubscriberStats;
    return std::tuple{Field("cursor", &T::cursor).Doc("the last sequence sent to it"),
                      Field("credit", &T::credit), Field("window", &T::window),
                      Field("prefixes", &T::prefixes)};
  }
};

struct StatsReply {
  int64_t log_head = 0;
  int64_t in_flight = 0;
  int64_t pending_writes = 0;
  int64_t queued = 0;
  int64_t malformed = 0;
  int64_t late_replies = 0;
  int64_t dropped_replies = 0;
  int64_t workers = 0;
  int64_t rss_bytes = 0;
  int64_t commits = 0;
  int64_t refused_conflicts = 0;
  int64_t refused_busy = 0;
  int64_t append_failed = 0;
  int64_t refused_gaps = 0;
  int64_t forbidden = 0;
  int64_t peers_refused = 0;
  bool secure = false;
  int64_t log_used_bytes = 0;
  int64_t log_ceiling_bytes = 0;
  bool log_full = false;
  std::string clock;
  int64_t bus_time_ms = 0;
  std::vector<ServiceStats> services;
  std::vector<SubscriberStats> subscribers;
  static constexpr auto Fields() {
    using T = StatsReply;
    return std::tuple{
        Field("log_head", &T::log_head),
        Field("in_flight", &T::in_flight).Doc("commands sent to a worker, not answered yet"),
        Field("pending_writes", &T::pending_writes).Doc("event batches not committed yet"),
        Field("queued", &T::queued).Doc("commands waiting for a free worker"),
        Field("malformed", &T::malformed).Doc("frames refused as malformed"),
        Field("late_replies", &T::late_replies).Doc("replies after their deadline"),
        Field("dropped_replies", &T::dropped_replies),
        Field("workers", &T::workers),
        Field("rss_bytes", &T::rss_bytes),
        Field("commits", &T::commits).Doc("event log commits"),
        Field("refused_conflicts", &T::refused_conflicts)
            .Doc("events refused: same producer sequence, other bytes"),
        Field("refused_busy", &T::refused_busy),
        Field("append_failed", &T::append_failed).Doc("event batches the log could not store"),
        Field("refused_gaps", &T::refused_gaps)
            .Doc("events refused because an earlier one of their publisher is missing"),
        Field("forbidden", &T::forbidden)
            .Doc("messages refused by the sender's key's permissions (docs/security.md)"),
        Field("peers_refused", &T::peers_refused)
            .Doc("CURVE handshakes refused: unknown or revoked keys"),
        Field("secure", &T::secure).Doc("false only for a broker started with --insecure"),
        Field("log_used_bytes", &T::log_used_bytes),
        Field("log_ceiling_bytes", &T::log_ceiling_bytes),
        Field("log_full", &T::log_full).Doc("within 1/16 of the ceiling: publishes are refused"),
        Field("clock", &T::clock).Doc("real or sim"),
        Field("bus_time", &T::bus_time_ms),
        Field("services", &T::services).Doc("by name"),
        Field("subscribers", &T::subscribers)};
  }
};

struct Stats {
  static constexpr MessageInfo kInfo = ReadOnlyCommand(
      "broker.stats", "counters: peers, services, in-flight work, the event log's use");
  using Reply = StatsReply;
  static constexpr auto Fields() { return std::tuple{}; }
};

// ---- captures (tools/mcfctl capture; docs in lib/capture/format.h) ----

inline constexpr int64_t kMinCaptureLeaseMs = 100;
inline constexpr int64_t kMaxCaptureLeaseMs = 3'600'000;
inline constexpr int64_t kDefaultCaptureLeaseMs = 5000;

struct CaptureLease {
  int64_t lease_ms = 0;
  static constexpr auto Fields() { return std::tuple{Field("lease_ms", &CaptureLease::lease_ms)}; }
};

struct CaptureStarted {
  std::string capture_id;
  int64_t lease_ms = 0;
  static constexpr auto Fields() {
    return std::tuple{Field("capture_id", &CaptureStarted::capture_id),
                      Field("lease_ms", &CaptureStarted::lease_ms)
                          .Doc("renew within this, or the capture stops by itself")};
  }
};

struct CaptureStart {
  static constexpr MessageInfo kInfo =
      Command("broker.capture_start", "record what crosses the broker into a file");
  using Reply = CaptureStarted;
  std::string path;
  std::optional<int64_t> lease_ms;
  static constexpr auto Fields() {
    return std::tuple{Field("path", &CaptureStart::path).Doc("absolute, on the broker's machine"),
                      Field("lease_ms", &CaptureStart::lease_ms)
                          .Doc("100..3600000, default 5000")};
  }
  static Status Validate(const CaptureStart& c) {
    if (c.path.empty() || c.path[0] != '/')
      return Status::Invalid("body.path: must be an absolute path");
    if (c.lease_ms && (*c.lease_ms < kMinCaptureLeaseMs || *c.lease_ms > kMaxCaptureLeaseMs))
      return Status::Invalid("body.lease_ms: must be between 100 and 3600000");
    return Status::Ok();
  }
};

struct CaptureRenew {
  static constexpr MessageInfo kInfo = Command("broker.capture_renew", "keep a capture running");
  using Reply = CaptureLease;
  std::string capture_id;
  static constexpr auto Fields() {
    return std::tuple{Field("capture_id", &CaptureRenew::capture_id)};
  }
};

struct CaptureStopped {
  int64_t records = 0;
  int64_t dropped = 0;
  static constexpr auto Fields() {
    return std::tuple{Field("records", &CaptureStopped::records),
                      Field("dropped", &CaptureStopped::dropped)
                          .Doc("records the writer could not keep up with")};
  }
};

struct CaptureStop {
  static constexpr MessageInfo kInfo = Command("broker.capture_stop", "stop a capture");
  using Reply = CaptureStopped;
  std::string capture_id;
  static constexpr auto Fields() {
    return std::tuple{Field("capture_id", &CaptureStop::capture_id)};
  }
};

// ---- <service>.store_status, answered by every worker runtime ----

struct StoreStatusReply {
  int64_t used_bytes = 0;
  int64_t map_bytes = 0;
  int64_t ceiling_bytes = 0;
  bool full = false;
  int64_t replies_pruned = 0;
  int64_t refused_full = 0;
  static constexpr auto Fields() {
    using T = StoreStatusReply;
    return std::tuple{Field("used_bytes", &T::used_bytes), Field("map_bytes", &T::map_bytes),
                      Field("ceiling_bytes", &T::ceiling_bytes),
                      Field("full", &T::full).Doc("mutating commands are refused"),
                      Field("replies_pruned", &T::replies_pruned)
                          .Doc("recorded replies dropped past the retention window"),
                      Field("refused_full", &T::refused_full)};
  }
};

// The row's type is "<service>.store_status"; the registry answers it for every service.
struct StoreStatus {
  using Reply = StoreStatusReply;
  static constexpr auto Fields() { return std::tuple{}; }
};

// The declared messages of this family, for the registry.
using Messages = std::tuple<Health, Stats, CaptureStart, CaptureRenew, CaptureStop>;

}  // namespace mcf::schemas::bus
