// The matching family: the events matching publishes when it pairs a task with a worker (or
// cannot), and its two read-only commands, each declared once (schemas/declare.h; encoding,
// decoding and the reference come from here). Money is int64 minor units; times are ms since
// the Unix epoch (bus time). Only public words here: inside the context a client's task is a
// "reference sample" and a worker a "normal sample" (workers/matching/README.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "lib/base/status.h"
#include "schemas/codec.h"
#include "schemas/declare.h"

namespace mcf::schemas::matching {

using schemas::Decode;
using schemas::Encode;

// ---- events ----

struct WorkerMatched {
  static constexpr MessageInfo kInfo = Event("matching.worker_matched", "a task got a worker");
  std::string task_id;
  std::string worker_id;
  int64_t price_minor = 0;
  std::string pipeline_version;
  bool operator==(const WorkerMatched&) const = default;
  static constexpr auto Fields() {
    using T = WorkerMatched;
    return std::tuple{Field("task_id", &T::task_id), Field("worker_id", &T::worker_id),
                      Field("price_minor", &T::price_minor),
                      Field("pipeline_version", &T::pipeline_version)
                          .Doc("the configured steps in order (\"drop_booked,pick_random\")")};
  }
};
// The task waits until a worker is hired.
struct NoWorkerAvailable {
  static constexpr MessageInfo kInfo =
      Event("matching.no_worker_available", "a task waits for a worker");
  std::string task_id;
  std::string reason;
  bool operator==(const NoWorkerAvailable&) const = default;
  static constexpr auto Fields() {
    using T = NoWorkerAvailable;
    return std::tuple{
        Field("task_id", &T::task_id),
        Field("reason", &T::reason)
            .Doc("human-readable (\"the pool is empty\", \"every worker is booked\")")};
  }
};

inline constexpr std::string_view kWorkerMatched = WorkerMatched::kInfo.type;
inline constexpr std::string_view kNoWorkerAvailable = NoWorkerAvailable::kInfo.type;

// ---- commands ----

struct MatchResult {
  std::string worker_id;
  int64_t price_minor = 0;
  static constexpr auto Fields() {
    return std::tuple{Field("worker_id", &MatchResult::worker_id),
                      Field("price_minor", &MatchResult::price_minor)};
  }
};

// A dry run of the pipeline (books nothing); `conflict` "no worker available: ..." when none.
struct MatchRequest {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("matching.match", "dry run: the worker the pipeline would pick for a task");
  using Reply = MatchResult;
  std::string task_id;
  std::string client_id;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  static constexpr auto Fields() {
    using T = MatchRequest;
    return std::tuple{Field("task_id", &T::task_id).NonEmpty(), Field("client_id", &T::client_id),
                      Field("starts_at", &T::starts_at_ms),
                      Field("ends_at", &T::ends_at_ms).Doc("after starts_at")};
  }
  static Status Validate(const MatchRequest& r) {
    if (r.ends_at_ms <= r.starts_at_ms)
      return Status::Invalid("body.ends_at: must be after starts_at");
    return Status::Ok();
  }
};

// A booked task, [starts_at, ends_at).
struct PoolBooking {
  std::string task_id;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  bool operator==(const PoolBooking&) const = default;
  static constexpr auto Fields() {
    using T = PoolBooking;
    return std::tuple{Field("task_id", &T::task_id), Field("starts_at", &T::starts_at_ms),
                      Field("ends_at", &T::ends_at_ms)};
  }
};

struct PoolWorker {
  std::string worker_id;
  std::string name;
  std::vector<std::string> strengths;
  std::vector<std::string> weaknesses;
  int64_t completed = 0, failed = 0, canceled = 0;  // past results
  std::vector<PoolBooking> bookings;
  bool operator==(const PoolWorker&) const = default;
  static constexpr auto Fields() {
    using T = PoolWorker;
    return std::tuple{Field("worker_id", &T::worker_id),
                      Field("name", &T::name),
                      Field("strengths", &T::strengths),
                      Field("weaknesses", &T::weaknesses),
                      Field("completed", &T::completed).Doc("past results"),
                      Field("failed", &T::failed),
                      Field("canceled", &T::canceled),
                      Field("bookings", &T::bookings).Doc("sorted by task_id")};
  }
};

struct Pool {
  std::vector<PoolWorker> workers;
  std::vector<std::string> waiting;
  bool operator==(const Pool&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("workers", &Pool::workers).Doc("sorted by worker_id"),
                      Field("waiting", &Pool::waiting).Doc("task ids in request order")};
  }
};

// For ops and tests. Takes no fields.
struct PoolRequest {
  static constexpr MessageInfo kInfo = ReadOnlyCommand(
      "matching.pool", "matching's copy of the pool with its bookings, and the waiting tasks");
  using Reply = Pool;
  static constexpr auto Fields() { return std::tuple<>{}; }
};

inline constexpr std::string_view kMatch = MatchRequest::kInfo.type;
inline constexpr std::string_view kPool = PoolRequest::kInfo.type;

// The declared messages of this family, for the registry.
using Messages = std::tuple<WorkerMatched, NoWorkerAvailable, MatchRequest, PoolRequest>;

}  // namespace mcf::schemas::matching
