// The hiring family, each message declared once (schemas/declare.h; encoding, decoding and the
// reference come from here). hiring.worker_hired is the contract the hiring context publishes
// when someone becomes a worker (matching keeps its own copy of the pool from it);
// hiring.import_worker / hiring.get_worker are the hiring service's commands (screening and the
// public application form come later). Times are ms since the Unix epoch (bus time).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "lib/base/status.h"
#include "schemas/codec.h"
#include "schemas/declare.h"

namespace mcf::schemas::hiring {

using schemas::Decode;
using schemas::Encode;

// Limits on an imported profile (untrusted input from the admin's form).
inline constexpr size_t kMaxNameChars = 100;  // name: 1..100 characters (UTF-8 code points)
inline constexpr size_t kMaxTextChars = 100;  // breed, coat_colour, each strength/weakness
inline constexpr size_t kMaxListItems = 20;   // strengths, weaknesses
inline constexpr int64_t kMaxAge = 40;        // age: 0..40

// ---- events ----

struct WorkerHired {
  static constexpr MessageInfo kInfo = Event("hiring.worker_hired", "a worker joined");
  std::string worker_id;
  std::string name;
  std::vector<std::string> strengths;
  std::vector<std::string> weaknesses;
  bool operator==(const WorkerHired&) const = default;
  static constexpr auto Fields() {
    using T = WorkerHired;
    return std::tuple{Field("worker_id", &T::worker_id).NonEmpty(), Field("name", &T::name),
                      Field("strengths", &T::strengths), Field("weaknesses", &T::weaknesses)};
  }
};

inline constexpr std::string_view kWorkerHired = WorkerHired::kInfo.type;

// ---- records and commands ----

// The reply of hiring.import_worker.
struct WorkerRef {
  std::string worker_id;
  bool operator==(const WorkerRef&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("worker_id", &WorkerRef::worker_id).NonEmpty()};
  }
};

// The reply of hiring.get_worker, and hiring's stored profile.
struct WorkerProfile {
  std::string worker_id;
  std::string name;
  int64_t age = 0;
  std::string breed;
  std::string coat_colour;
  std::vector<std::string> strengths;
  std::vector<std::string> weaknesses;
  int64_t hired_at_ms = 0;
  bool operator==(const WorkerProfile&) const = default;
  static constexpr auto Fields() {
    using T = WorkerProfile;
    return std::tuple{Field("worker_id", &T::worker_id),
                      Field("name", &T::name),
                      Field("age", &T::age),
                      Field("breed", &T::breed),
                      Field("coat_colour", &T::coat_colour),
                      Field("strengths", &T::strengths),
                      Field("weaknesses", &T::weaknesses),
                      Field("hired_at", &T::hired_at_ms)};
  }
};

// Admin only. The character limits count UTF-8 code points (Validate); the rest are declared.
struct ImportWorker {
  static constexpr MessageInfo kInfo =
      Command("hiring.import_worker", "admin: import a worker (a new worker id)");
  using Reply = WorkerRef;
  std::string name;
  int64_t age = 0;
  std::string breed;
  std::string coat_colour;
  std::vector<std::string> strengths;
  std::vector<std::string> weaknesses;
  bool operator==(const ImportWorker&) const = default;
  static constexpr auto Fields() {
    using T = ImportWorker;
    return std::tuple{
        Field("name", &T::name).Doc("1..100 characters (UTF-8 code points)"),
        Field("age", &T::age).Min(0).Max(kMaxAge),
        Field("breed", &T::breed).Doc("at most 100 characters"),
        Field("coat_colour", &T::coat_colour).Doc("at most 100 characters"),
        Field("strengths", &T::strengths).MaxLength(kMaxListItems).Doc("each 1..100 characters"),
        Field("weaknesses", &T::weaknesses).MaxLength(kMaxListItems).Doc("each 1..100 characters")};
  }
  static Status Validate(const ImportWorker& c);
};

struct GetWorker {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("hiring.get_worker", "a worker's profile (any principal)");
  using Reply = WorkerProfile;
  std::string worker_id;
  static constexpr auto Fields() {
    return std::tuple{Field("worker_id", &GetWorker::worker_id).NonEmpty()};
  }
};

inline constexpr std::string_view kImportWorker = ImportWorker::kInfo.type;
inline constexpr std::string_view kGetWorker = GetWorker::kInfo.type;

// The declared messages of this family, for the registry.
using Messages = std::tuple<WorkerHired, ImportWorker, GetWorker>;

}  // namespace mcf::schemas::hiring
