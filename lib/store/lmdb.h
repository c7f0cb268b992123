// Thin move-only RAII over LMDB: Env, Txn, Cursor; LMDB codes become Status in one place.
//
// Ownership: an Env owns the MDB_env; a Txn must not outlive its Env; a Cursor must not outlive
// its Txn. Views (std::string_view) returned by Get/Cursor point into the memory map and are
// valid only until the transaction that produced them ends or writes to the same page.
// Threading: LMDB rules apply — one write Txn at a time per Env, a Txn used by one thread.
// Commit is explicit; a Txn destroyed without Commit() aborts (so an early return rolls back).
#pragma once

#include <lmdb.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "lib/base/status.h"

namespace mcf::store {

class FaultPlan;  // lib/store/fault_injection.h

// A named database inside an Env (an MDB_dbi). Cheap to copy; valid while its Env is open.
struct Db {
  MDB_dbi dbi = 0;
};

struct EnvOptions {
  // Size of the memory map to start with (virtual address space, not disk: the file grows with
  // the data). Default 1 GiB.
  size_t map_size = size_t{1} << 30;
  // How far Grow() may take the map: the store's capacity. 0 = map_size (no growth).
  size_t max_map_size = 0;
  // Take `<dir>/owner.lock` (flock, holding this process's pid) for as long as the Env is open:
  // a second process opening the same store gets `unavailable` naming the owner's pid, instead of
  // two writers publishing under one producer name. Off for inspection tools.
  bool exclusive = false;
  // How many named databases the environment may hold. Default 16.
  unsigned max_dbs = 16;
  // Skip fsync on commit. Only for tests and benchmarks that say so; never for real data
  // (tests/unit/store/durable_sync_test.cc fails if it is set outside tests/ and bench/).
  bool no_sync = false;
  // Test-only fault injection (lib/store/fault_injection.h); null in production. Not owned.
  FaultPlan* faults = nullptr;
};

class Txn;

class Env {
 public:
  // Opens (creating the directory if needed) the environment in `dir`.
  static Result<Env> Open(const std::string& dir, const EnvOptions& options = {});

  Env(Env&& other) noexcept;
  Env& operator=(Env&& other) noexcept;
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
  ~Env();

  // Opens or creates the named database (in its own write transaction). Call at start-up,
  // before other transactions run.
  Result<Db> OpenDb(const std::string& name);

  Result<Txn> BeginWrite();
  Result<Txn> BeginRead();

  // Page statistics and the map size in use, for `mcfctl stores`.
  struct Stats {
    size_t page_size = 0, depth = 0, branch_pages = 0, leaf_pages = 0, overflow_pages = 0,
           entries = 0, map_size = 0, last_page = 0;
  };
  Result<Stats> Stat(Db db);
  Result<Stats> Stat();

  // How much of the store's capacity is in use. `used_bytes` counts pages holding data or
  // LMDB's bookkeeping: the high-water mark minus the pages on the free list (LMDB reuses those
  // before it extends the file), so it falls again when data is deleted.
  struct Usage {
    size_t map_bytes = 0;         // the current map size
    size_t ceiling_bytes = 0;     // EnvOptions::max_map_size
    size_t high_water_bytes = 0;  // pages ever allocated (the file's extent)
    size_t used_bytes = 0;        // high water minus free pages
  };
  // REQUIRES: no write transaction of this Env is open in the calling thread.
  Result<Usage> GetUsage();
  // Grows the map to `bytes` (capped at the ceiling; never shrinks). REQUIRES: no transaction of
  // this Env is open in this process (LMDB's rule for mdb_env_set_mapsize).
  Status Grow(size_t bytes);
  size_t ceiling() const { return ceiling_; }
  // Cheap (no transaction): the current map size and the high-water mark, in bytes.
  size_t map_bytes() const;
  size_t high_water_bytes() const;

  MDB_env* raw() const { return env_; }
  // The flags the environment was opened with (mdb_env_get_flags): MDB_NOSYNC and friends.
  Result<unsigned> Flags() const;
  // Attaches (or, with nullptr, detaches) a fault plan for the write transactions begun from
  // now on. Test-only; REQUIRES: no write transaction open.
  void SetFaultPlan(FaultPlan* faults) { faults_ = faults; }

 private:
  explicit Env(MDB_env* env) : env_(env) {}
  Stats WithEnvInfo(Stats s) const;  // fills map_size and last_page
  void Close();
  MDB_env* env_ = nullptr;
  size_t ceiling_ = 0;
  int owner_lock_fd_ = -1;       // EnvOptions::exclusive
  FaultPlan* faults_ = nullptr;  // EnvOptions::faults
};

class Txn {
 public:
  Txn(Txn&& other) noexcept;
  Txn& operator=(Txn&& other) noexcept;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn();  // aborts if still open

  // The value under `key`, nullopt when absent. The view lives as long as this Txn (see top).
  Result<std::optional<std::string_view>> Get(Db db, std::string_view key) const;
  Status Put(Db db, std::string_view key, std::string_view value, unsigned flags = 0);
  // Reserves `size` bytes under `key` (mdb_put with MDB_RESERVE | `flags`) and returns where to
  // write them; valid until the next write in this Txn.
  Result<char*> Reserve(Db db, std::string_view key, size_t size, unsigned flags = 0);
  // Deleting an absent key is ok (returns ok), as callers only want "not there afterwards".
  Status Del(Db db, std::string_view key);

  // A child transaction (write txns only): its changes join the parent on Commit() and vanish on
  // abort. The parent must not be used while the child is open.
  Result<Txn> BeginNested();

  // A failed commit (LMDB error, or an injected fault) leaves nothing of the txn behind.
  Status Commit();
  void Abort();
  bool open() const { return txn_ != nullptr; }
  MDB_txn* raw() const { return txn_; }

 private:
  friend class Env;
  Txn(MDB_txn* txn, FaultPlan* faults, bool nested) : txn_(txn), faults_(faults), nested_(nested) {}
  MDB_txn* txn_ = nullptr;
  FaultPlan* faults_ = nullptr;  // write txns of an Env with a fault plan
  bool nested_ = false;          // nested commits are not faulted (not durable points)
};

// A cursor over one database, positioned with Seek/First/Last and moved with Next/Prev.
// Each move returns false at the end (or on error, which is logged).
class Cursor {
 public:
  static Result<Cursor> Open(const Txn& txn, Db db);
  Cursor(Cursor&& other) noexcept;
  Cursor& operator=(Cursor&& other) noexcept;
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor();

  bool First();
  bool Last();
  bool Next();
  bool Prev();
  // Positions at the first key >= `key`.
  bool Seek(std::string_view key);
  // Deletes the entry under the cursor (write txns only).
  Status Del();

  std::string_view key() const { return {static_cast<const char*>(key_.mv_data), key_.mv_size}; }
  std::string_view value() const {
    return {static_cast<const char*>(value_.mv_data), value_.mv_size};
  }

 private:
  explicit Cursor(MDB_cursor* cursor) : cursor_(cursor) {}
  bool Move(MDB_cursor_op op);
  MDB_cursor* cursor_ = nullptr;
  MDB_val key_{}, value_{};
};

// Maps an LMDB return code to a Status naming `what` was being done. MDB_MAP_FULL becomes
// `unavailable` (IsStoreFull), every other failure `internal`.
Status FromLmdb(int rc, std::string_view what);
// True when `s` came from MDB_MAP_FULL: the store reached its map size.
bool IsStoreFull(const Status& s);

}  // namespace mcf::store
