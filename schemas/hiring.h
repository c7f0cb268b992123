// Bodies of the hiring family. hiring.worker_hired is the contract the hiring context publishes
// when someone becomes a worker (matching keeps its own copy of the pool from it);
// hiring.import_worker / hiring.get_worker are the hiring service's commands (screening and the
// public application form come later). Plain values; Decode returns `invalid` naming the field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/status.h"

namespace mcf::schemas::hiring {

inline constexpr std::string_view kWorkerHired = "hiring.worker_hired";
inline constexpr std::string_view kImportWorker = "hiring.import_worker";
inline constexpr std::string_view kGetWorker = "hiring.get_worker";

// Limits on an imported profile (untrusted input from the admin's form).
inline constexpr size_t kMaxNameChars = 100;  // name: 1..100 characters (UTF-8 code points)
inline constexpr size_t kMaxTextChars = 100;  // breed, coat_colour, each strength/weakness
inline constexpr size_t kMaxListItems = 20;   // strengths, weaknesses
inline constexpr int64_t kMaxAge = 40;        // age: 0..40

// hiring.worker_hired {worker_id, name, strengths: [str], weaknesses: [str]}
struct WorkerHired {
  std::string worker_id;  // non-empty
  std::string name;
  std::vector<std::string> strengths;
  std::vector<std::string> weaknesses;
  bool operator==(const WorkerHired&) const = default;
};
std::string Encode(const WorkerHired& e);
Result<WorkerHired> DecodeWorkerHired(std::string_view body);

// hiring.import_worker {name, age, breed, coat_colour, strengths: [str], weaknesses: [str]}
// (admin only) -> WorkerRef. Decode enforces the limits above.
struct ImportWorker {
  std::string name;
  int64_t age = 0;
  std::string breed;
  std::string coat_colour;
  std::vector<std::string> strengths;
  std::vector<std::string> weaknesses;
  bool operator==(const ImportWorker&) const = default;
};
std::string Encode(const ImportWorker& c);
Result<ImportWorker> DecodeImportWorker(std::string_view body);

// {worker_id}: the reply of hiring.import_worker and the body of hiring.get_worker.
struct WorkerRef {
  std::string worker_id;  // non-empty
  bool operator==(const WorkerRef&) const = default;
};
std::string Encode(const WorkerRef& r);
Result<WorkerRef> DecodeWorkerRef(std::string_view body);

// hiring.get_worker reply, and hiring's stored profile:
// {worker_id, name, age, breed, coat_colour, strengths, weaknesses, hired_at (bus ms)}
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
};
std::string Encode(const WorkerProfile& p);
Result<WorkerProfile> DecodeWorkerProfile(std::string_view body);

}  // namespace mcf::schemas::hiring
