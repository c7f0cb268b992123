#include "bench/lmdb_baseline.h"

#include "lib/base/bytes.h"
#include "lib/store/lmdb.h"

namespace mcf::bench {

Result<CommitRate> LmdbDurableCommits(const std::string& dir, std::chrono::milliseconds duration,
                                      size_t value_bytes) {
  store::EnvOptions options;
  options.map_size = size_t{1} << 30;
  ASSIGN_OR_RETURN(auto env, store::Env::Open(dir, options));
  ASSIGN_OR_RETURN(auto db, env.OpenDb("bench"));
  const std::string value(value_bytes, 'v');
  CommitRate result;
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < duration) {
    ASSIGN_OR_RETURN(auto txn, env.BeginWrite());
    RETURN_IF_ERROR(txn.Put(db, U64Key(result.commits), value));
    RETURN_IF_ERROR(txn.Commit());
    ++result.commits;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.per_second = result.commits / seconds;
  return result;
}

}  // namespace mcf::bench
