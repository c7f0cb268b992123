#include "lib/store/fault_injection.h"

#include <lmdb.h>
#include <spdlog/spdlog.h>

namespace mcf::store {

void FaultPlan::FailPuts(int count, int lmdb_rc, int skip) {
  std::lock_guard lock(mu_);
  put_skip_ = skip;
  put_count_ = count;
  put_rc_ = lmdb_rc;
}

void FaultPlan::FillMap(int count) { FailPuts(count, MDB_MAP_FULL); }

void FaultPlan::FailCommits(int count, int lmdb_rc) {
  std::lock_guard lock(mu_);
  commit_count_ = count;
  commit_rc_ = lmdb_rc;
}

void FaultPlan::BlockCommits() {
  std::lock_guard lock(mu_);
  gate_closed_ = true;
}

void FaultPlan::ReleaseCommits() {
  {
    std::lock_guard lock(mu_);
    gate_closed_ = false;
  }
  cv_.notify_all();
}

bool FaultPlan::WaitUntilBlocked(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return waiting_ > 0; });
}

void FaultPlan::Clear() {
  {
    std::lock_guard lock(mu_);
    put_skip_ = put_count_ = put_rc_ = 0;
    commit_count_ = commit_rc_ = 0;
    gate_closed_ = false;
  }
  cv_.notify_all();
}

int FaultPlan::OnPut() {
  ++puts_;
  std::lock_guard lock(mu_);
  if (put_count_ == 0) return 0;
  if (put_skip_ > 0) {
    --put_skip_;
    return 0;
  }
  if (put_count_ > 0) --put_count_;
  ++faults_fired_;
  return put_rc_;
}

int FaultPlan::OnCommit() {
  ++commits_;
  std::unique_lock lock(mu_);
  if (gate_closed_) {
    ++waiting_;
    cv_.notify_all();  // WaitUntilBlocked
    if (!cv_.wait_for(lock, gate_timeout_, [&] { return !gate_closed_; })) {
      ++gate_timeouts_;
      spdlog::warn("event=fault_gate_timeout timeout_ms={} note={}", gate_timeout_.count(),
                   "\"a test blocked a commit and never released it\"");
    }
    --waiting_;
  }
  if (commit_count_ == 0) return 0;
  if (commit_count_ > 0) --commit_count_;
  ++faults_fired_;
  return commit_rc_;
}

}  // namespace mcf::store
