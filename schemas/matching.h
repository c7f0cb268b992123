// Bodies of the matching family: the events matching publishes when it pairs a task with a
// worker (or cannot), and its two commands. Money is int64 minor units; times are ms since the
// Unix epoch. Only public words here: inside the context a client's task is a "reference
// sample" and a worker a "normal sample" (workers/matching/README.md). Plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/status.h"

namespace mcf::schemas::matching {

inline constexpr std::string_view kWorkerMatched = "matching.worker_matched";
inline constexpr std::string_view kNoWorkerAvailable = "matching.no_worker_available";
inline constexpr std::string_view kPool = "matching.pool";
inline constexpr std::string_view kMatch = "matching.match";

// matching.worker_matched {task_id, worker_id, price_minor, pipeline_version}
// pipeline_version names the configured steps in order ("drop_booked,pick_random").
struct WorkerMatched {
  std::string task_id;
  std::string worker_id;
  int64_t price_minor = 0;
  std::string pipeline_version;
  bool operator==(const WorkerMatched&) const = default;
};
std::string Encode(const WorkerMatched& e);
Result<WorkerMatched> DecodeWorkerMatched(std::string_view body);

// matching.no_worker_available {task_id, reason}: the task waits until a worker is hired.
struct NoWorkerAvailable {
  std::string task_id;
  std::string reason;  // human-readable ("the pool is empty", "every worker is booked")
  bool operator==(const NoWorkerAvailable&) const = default;
};
std::string Encode(const NoWorkerAvailable& e);
Result<NoWorkerAvailable> DecodeNoWorkerAvailable(std::string_view body);

// matching.match {task_id, client_id, starts_at, ends_at}: a dry run of the pipeline (books
// nothing). ends_at > starts_at. Reply MatchResult, or `conflict` "no worker available ...".
struct MatchRequest {
  std::string task_id;  // non-empty
  std::string client_id;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
};
std::string Encode(const MatchRequest& r);
Result<MatchRequest> DecodeMatchRequest(std::string_view body);

struct MatchResult {
  std::string worker_id;
  int64_t price_minor = 0;
};
std::string Encode(const MatchResult& r);
Result<MatchResult> DecodeMatchResult(std::string_view body);

// matching.pool {} -> {workers: [PoolWorker...], waiting: [task_id...]}: matching's copy of the
// pool with its bookings, and the tasks waiting for a worker in request order. For ops/tests.
struct PoolBooking {
  std::string task_id;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  bool operator==(const PoolBooking&) const = default;
};
struct PoolWorker {
  std::string worker_id;
  std::string name;
  std::vector<std::string> strengths;
  std::vector<std::string> weaknesses;
  int64_t completed = 0, failed = 0, canceled = 0;  // past results
  std::vector<PoolBooking> bookings;                // sorted by task_id
  bool operator==(const PoolWorker&) const = default;
};
struct Pool {
  std::vector<PoolWorker> workers;  // sorted by worker_id
  std::vector<std::string> waiting;
  bool operator==(const Pool&) const = default;
};
std::string Encode(const Pool& p);
Result<Pool> DecodePool(std::string_view body);

}  // namespace mcf::schemas::matching
