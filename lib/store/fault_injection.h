// FaultPlan: test-only fault injection for the durable paths, in the spirit of leveldb's
// fault-injection Env. A test owns a FaultPlan, hands its address to an Env (EnvOptions::faults,
// Env::SetFaultPlan; the broker's log through BrokerOptions::log_faults) and arms faults on it;
// every write transaction of that Env then consults the plan:
//   - a Put (Txn::Put, Txn::Reserve) fails with the armed LMDB code: FailPuts(n, EIO) is a failed
//     append, FillMap(n) is MDB_MAP_FULL (the map is full) — the txn stays open, as after a real
//     mdb_put failure, and its owner aborts it;
//   - a top-level Commit fails with the armed code (FailCommits: a failed fsync): the txn is
//     aborted, nothing of it becomes visible, the caller gets the error;
//   - a top-level Commit waits at a gate (BlockCommits) until ReleaseCommits(), Clear() or the
//     gate's timeout (then it proceeds and gate_timeouts() counts it),
//     so a test can hold a commit open and check what the system does meanwhile. Nested commits
//     are never faulted: they are not durable points.
// The production path pays one null-pointer check per Put and per Commit (no plan: no fault).
// What an injected commit failure models is the recoverable case: real LMDB may also leave the
// env unusable after a failed fsync; the rules tested here (no acknowledgement, nothing applied)
// are the same either way.
// Threading: arm, release and read counters from any thread (the test's) while the Env's writer
// thread commits. The plan must outlive every Env pointing at it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace mcf::store {

class FaultPlan {
 public:
  // Faults armed with this count stay until Clear().
  static constexpr int kAlways = -1;

  // `gate_timeout`: the longest a commit waits at a closed gate.
  explicit FaultPlan(std::chrono::milliseconds gate_timeout = std::chrono::seconds(30))
      : gate_timeout_(gate_timeout) {}
  FaultPlan(const FaultPlan&) = delete;
  FaultPlan& operator=(const FaultPlan&) = delete;

  // The next `count` Puts (after skipping `skip` Puts that succeed) fail with `lmdb_rc`.
  void FailPuts(int count, int lmdb_rc, int skip = 0);
  // The next `count` Puts fail with MDB_MAP_FULL.
  void FillMap(int count = kAlways);
  // The next `count` top-level commits abort and fail with `lmdb_rc` (EIO: a failed fsync).
  void FailCommits(int count, int lmdb_rc);
  // Closes the gate: top-level commits wait until ReleaseCommits() (or the timeout).
  void BlockCommits();
  void ReleaseCommits();
  // True once a commit is waiting at the closed gate (waits up to `timeout` for one).
  bool WaitUntilBlocked(std::chrono::milliseconds timeout);
  // Disarms everything and opens the gate.
  void Clear();

  // Counters (any thread).
  uint64_t puts() const { return puts_.load(); }
  uint64_t commits() const { return commits_.load(); }  // top-level commits attempted
  uint64_t faults_fired() const { return faults_fired_.load(); }
  uint64_t gate_timeouts() const { return gate_timeouts_.load(); }

  // Called by Txn: 0 = go on, else the LMDB code to fail with.
  int OnPut();
  int OnCommit();  // may wait at the gate

 private:
  const std::chrono::milliseconds gate_timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  int put_skip_ = 0, put_count_ = 0, put_rc_ = 0;  // guarded by mu_
  int commit_count_ = 0, commit_rc_ = 0;           // guarded by mu_
  bool gate_closed_ = false;                       // guarded by mu_
  int waiting_ = 0;                                // commits at the gate; guarded by mu_
  std::atomic<uint64_t> puts_{0}, commits_{0}, faults_fired_{0}, gate_timeouts_{0};
};

}  // namespace mcf::store
