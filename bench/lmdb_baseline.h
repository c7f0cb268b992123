// The raw LMDB baseline: durable commits per second with one put per write transaction (an
// fsync each), on the same filesystem as the broker's log in the same run.
// Call from one thread; uses its own environment under `dir`.
#pragma once

#include <chrono>
#include <string>

#include "lib/base/status.h"

namespace mcf::bench {

struct CommitRate {
  double per_second = 0;
  size_t commits = 0;
};

Result<CommitRate> LmdbDurableCommits(const std::string& dir, std::chrono::milliseconds duration,
                                      size_t value_bytes);

}  // namespace mcf::bench
