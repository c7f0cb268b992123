// StoreSnapshot: every key and value of every LMDB database under a directory tree (each
// context's store, the broker's event log), read while the processes that own them keep
// running, so a test can show that a refused request wrote nothing, byte for byte.
//
// Usage:
//   auto before = SnapshotStores(system_dir);            // ok or says which env failed
//   ... refused requests ...
//   EXPECT_EQ(DiffStores(*before, *SnapshotStores(system_dir), allowed), "");
// Each env is opened MDB_RDONLY (a reader in LMDB's lock table, like any other process's: the
// owner's writes are not blocked and its owner.lock is not touched) inside one read transaction,
// then closed. Not for an env this process has open itself (LMDB allows one per process).
// What may legitimately change between two snapshots is named per test (AllowedChange, with
// its reason); keep that list as short as the test allows. Plain values, no threads.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "lib/base/status.h"

namespace mcf::testing {

// env (its directory relative to the root, "" for the root) -> db name ("" = the unnamed
// main db's own records) -> key -> value.
struct StoreSnapshot {
  std::map<std::string, std::map<std::string, std::map<std::string, std::string>>> envs;
};

// Snapshots every directory under `root` (root included) that holds a data.mdb.
Result<StoreSnapshot> SnapshotStores(const std::string& root);

// True when the stores in the snapshot are at rest (else `why` says what is still moving):
// every worker store's `_outbox` is empty (each event it produced is in the log) and each of
// its `_offsets` is at or past the log's last event of that type. The log is the env holding
// `events` (broker/event_log.h format).
bool Settled(const StoreSnapshot& snap, std::string* why = nullptr);
// A snapshot of `root` taken when the whole system is at rest, so a test can compare it with
// a later one and nothing in flight lands in between: the broker at `broker_endpoint` is idle
// (no request in flight or queued, no pending write, every subscriber credited back all it was
// handed up to the head: lib/replay/barrier.h IsIdle, and a worker credits a batch only after
// its commit), the stores are Settled, and the log's head did not move in between. Polls up
// to `wait`; the snapshot, or why it never settled.
Result<StoreSnapshot> SettledSnapshot(const std::string& root, const std::string& broker_endpoint,
                                      std::chrono::milliseconds wait);

// A database whose records may differ between the two snapshots, and why.
struct AllowedChange {
  std::string db;      // db name, e.g. "_inbox"
  std::string env;     // only in this env (relative path); "" = in every env
  std::string reason;  // why this change is not a write the test forbids
};

// "" when the snapshots agree outside `allowed`; otherwise the first difference, readable:
// env, db, key (escaped) and both values (shortened), or the env/db that appeared or vanished.
std::string DiffStores(const StoreSnapshot& before, const StoreSnapshot& after,
                       const std::vector<AllowedChange>& allowed = {});

}  // namespace mcf::testing
