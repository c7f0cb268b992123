#include "lib/store/lmdb.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include "lib/store/fault_injection.h"

namespace mcf::store {
namespace {
MDB_val ToVal(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }

Env::Stats FromMdbStat(const MDB_stat& st) {
  Env::Stats s;
  s.page_size = st.ms_psize;
  s.depth = st.ms_depth;
  s.branch_pages = st.ms_branch_pages;
  s.leaf_pages = st.ms_leaf_pages;
  s.overflow_pages = st.ms_overflow_pages;
  s.entries = st.ms_entries;
  return s;
}

constexpr std::string_view kMapFullMarker = "MDB_MAP_FULL";

// Takes <dir>/owner.lock for this process, or says which pid holds it. The lock is an flock on
// an open file description, so it ends with the process however it ends (kill -9 included).
Result<int> TakeOwnerLock(const std::string& dir) {
  const std::string path = dir + "/owner.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return Status::Internal("open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("?");
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    ::close(fd);
    return Status::Unavailable("store " + dir + " is in use by another process (pid " + pid +
                               "); stop it first");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The lock is what matters; the pid is only for the message above.
  }
  return fd;
}

}  // namespace

Status FromLmdb(int rc, std::string_view what) {
  if (rc == MDB_SUCCESS) return Status::Ok();
  std::string message = std::string(what) + ": " + mdb_strerror(rc);
  if (rc == MDB_NOTFOUND) return Status::NotFound(std::move(message));
  if (rc == MDB_KEYEXIST) return Status::Conflict(std::move(message));
  if (rc == MDB_MAP_FULL) return Status::Unavailable(std::move(message));
  return Status::Internal(std::move(message));
}

bool IsStoreFull(const Status& s) {
  return s.code() == Code::kUnavailable && s.message().find(kMapFullMarker) != std::string::npos;
}

Result<Env> Env::Open(const std::string& dir, const EnvOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Internal("create " + dir + ": " + ec.message());
  int lock_fd = -1;
  if (options.exclusive) {
    ASSIGN_OR_RETURN(auto fd, TakeOwnerLock(dir));
    lock_fd = fd;
  }
  MDB_env* raw = nullptr;
  if (int rc = mdb_env_create(&raw); rc != 0) {
    if (lock_fd >= 0) ::close(lock_fd);
    return FromLmdb(rc, "mdb_env_create");
  }
  Env env(raw);
  env.owner_lock_fd_ = lock_fd;
  env.faults_ = options.faults;
  env.ceiling_ = std::max(options.map_size, options.max_map_size);
  if (int rc = mdb_env_set_mapsize(raw, options.map_size); rc != 0)
    return FromLmdb(rc, "mdb_env_set_mapsize");
  if (int rc = mdb_env_set_maxdbs(raw, options.max_dbs); rc != 0)
    return FromLmdb(rc, "mdb_env_set_maxdbs");
  // MDB_NOTLS: read txns are not tied to threads, so a reader may live in any thread it is moved
  // to.
  unsigned flags = MDB_NOTLS | (options.no_sync ? MDB_NOSYNC : 0);
  if (int rc = mdb_env_open(raw, dir.c_str(), flags, 0640); rc != 0)
    return FromLmdb(rc, "mdb_env_open " + dir);
  return env;
}

Env::Env(Env&& other) noexcept
    : env_(other.env_),
      ceiling_(other.ceiling_),
      owner_lock_fd_(other.owner_lock_fd_),
      faults_(other.faults_) {
  other.env_ = nullptr;
  other.owner_lock_fd_ = -1;
}
Env& Env::operator=(Env&& other) noexcept {
  if (this != &other) {
    Close();
    env_ = other.env_;
    ceiling_ = other.ceiling_;
    owner_lock_fd_ = other.owner_lock_fd_;
    faults_ = other.faults_;
    other.env_ = nullptr;
    other.owner_lock_fd_ = -1;
  }
  return *this;
}
Env::~Env() { Close(); }

void Env::Close() {
  if (env_) mdb_env_close(env_);
  env_ = nullptr;
  if (owner_lock_fd_ >= 0) ::close(owner_lock_fd_);  // releases the flock
  owner_lock_fd_ = -1;
}

Result<Env::Usage> Env::GetUsage() {
  MDB_envinfo info;
  if (int rc = mdb_env_info(env_, &info); rc != 0) return FromLmdb(rc, "mdb_env_info");
  MDB_stat st;
  if (int rc = mdb_env_stat(env_, &st); rc != 0) return FromLmdb(rc, "mdb_env_stat");
  Usage u;
  u.map_bytes = info.me_mapsize;
  u.ceiling_bytes = std::max(ceiling_, u.map_bytes);
  u.high_water_bytes = (info.me_last_pgno + 1) * st.ms_psize;
  // Free pages: every record of the free list (dbi 0) is an ID list whose first word counts
  // the page numbers that follow.
  size_t free_pages = 0;
  ASSIGN_OR_RETURN(auto txn, BeginRead());
  MDB_cursor* cursor = nullptr;
  if (int rc = mdb_cursor_open(txn.raw(), 0, &cursor); rc != 0)
    return FromLmdb(rc, "mdb_cursor_open(free list)");
  MDB_val k, v;
  for (int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    if (v.mv_size >= sizeof(size_t)) {
      size_t count = 0;
      std::memcpy(&count, v.mv_data, sizeof count);
      free_pages += count;
    }
  }
  mdb_cursor_close(cursor);
  const size_t free_bytes = free_pages * st.ms_psize;
  u.used_bytes = u.high_water_bytes > free_bytes ? u.high_water_bytes - free_bytes : 0;
  return u;
}

Result<unsigned> Env::Flags() const {
  unsigned flags = 0;
  if (int rc = mdb_env_get_flags(env_, &flags); rc != 0) return FromLmdb(rc, "mdb_env_get_flags");
  return flags;
}

size_t Env::map_bytes() const {
  MDB_envinfo info;
  return mdb_env_info(env_, &info) == 0 ? info.me_mapsize : 0;
}

size_t Env::high_water_bytes() const {
  MDB_envinfo info;
  MDB_stat st;
  if (mdb_env_info(env_, &info) != 0 || mdb_env_stat(env_, &st) != 0) return 0;
  return (info.me_last_pgno + 1) * st.ms_psize;
}

Status Env::Grow(size_t bytes) {
  bytes = std::min(bytes, ceiling_);
  MDB_envinfo info;
  if (int rc = mdb_env_info(env_, &info); rc != 0) return FromLmdb(rc, "mdb_env_info");
  if (bytes <= info.me_mapsize) return Status::Ok();
  return FromLmdb(mdb_env_set_mapsize(env_, bytes), "mdb_env_set_mapsize");
}

Result<Db> Env::OpenDb(const std::string& name) {
  ASSIGN_OR_RETURN(auto txn, BeginWrite());
  MDB_dbi dbi;
  if (int rc = mdb_dbi_open(txn.raw(), name.c_str(), MDB_CREATE, &dbi); rc != 0)
    return FromLmdb(rc, "mdb_dbi_open " + name);
  RETURN_IF_ERROR(txn.Commit());
  return Db{dbi};
}

Result<Txn> Env::BeginWrite() {
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(env_, nullptr, 0, &txn); rc != 0)
    return FromLmdb(rc, "mdb_txn_begin(write)");
  return Txn(txn, faults_, /*nested=*/false);
}

Result<Txn> Env::BeginRead() {
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn); rc != 0)
    return FromLmdb(rc, "mdb_txn_begin(read)");
  return Txn(txn, nullptr, /*nested=*/false);
}

Result<Env::Stats> Env::Stat(Db db) {
  ASSIGN_OR_RETURN(auto txn, BeginRead());
  MDB_stat st;
  if (int rc = mdb_stat(txn.raw(), db.dbi, &st); rc != 0) return FromLmdb(rc, "mdb_stat");
  return WithEnvInfo(FromMdbStat(st));
}

Result<Env::Stats> Env::Stat() {
  MDB_stat st;
  if (int rc = mdb_env_stat(env_, &st); rc != 0) return FromLmdb(rc, "mdb_env_stat");
  return WithEnvInfo(FromMdbStat(st));
}

Env::Stats Env::WithEnvInfo(Stats s) const {
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  s.map_size = info.me_mapsize;
  s.last_page = info.me_last_pgno;
  return s;
}

Txn::Txn(Txn&& other) noexcept : txn_(other.txn_), faults_(other.faults_), nested_(other.nested_) {
  other.txn_ = nullptr;
}
Txn& Txn::operator=(Txn&& other) noexcept {
  if (this != &other) {
    Abort();
    txn_ = other.txn_;
    faults_ = other.faults_;
    nested_ = other.nested_;
    other.txn_ = nullptr;
  }
  return *this;
}
Txn::~Txn() { Abort(); }

void Txn::Abort() {
  if (txn_) mdb_txn_abort(txn_);
  txn_ = nullptr;
}

Status Txn::Commit() {
  if (!txn_) return Status::Internal("commit of a closed transaction");
  if (faults_ != nullptr && !nested_) {
    if (int rc = faults_->OnCommit(); rc != 0) {
      Abort();
      return FromLmdb(rc, "mdb_txn_commit (injected fault)");
    }
  }
  int rc = mdb_txn_commit(txn_);
  txn_ = nullptr;  // LMDB frees the txn whether or not the commit succeeded
  return FromLmdb(rc, "mdb_txn_commit");
}

Result<std::optional<std::string_view>> Txn::Get(Db db, std::string_view key) const {
  MDB_val k = ToVal(key), v;
  int rc = mdb_get(txn_, db.dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
  if (rc != 0) return FromLmdb(rc, "mdb_get");
  return std::optional<std::string_view>(
      std::string_view(static_cast<const char*>(v.mv_data), v.mv_size));
}

Status Txn::Put(Db db, std::string_view key, std::string_view value, unsigned flags) {
  if (faults_ != nullptr)
    if (int rc = faults_->OnPut(); rc != 0) return FromLmdb(rc, "mdb_put (injected fault)");
  MDB_val k = ToVal(key), v = ToVal(value);
  return FromLmdb(mdb_put(txn_, db.dbi, &k, &v, flags), "mdb_put");
}

Result<char*> Txn::Reserve(Db db, std::string_view key, size_t size, unsigned flags) {
  if (faults_ != nullptr)
    if (int rc = faults_->OnPut(); rc != 0) return FromLmdb(rc, "mdb_put (injected fault)");
  MDB_val k = ToVal(key), v{size, nullptr};
  if (int rc = mdb_put(txn_, db.dbi, &k, &v, flags | MDB_RESERVE); rc != 0)
    return FromLmdb(rc, "mdb_put(reserve)");
  return static_cast<char*>(v.mv_data);
}

Status Txn::Del(Db db, std::string_view key) {
  MDB_val k = ToVal(key);
  int rc = mdb_del(txn_, db.dbi, &k, nullptr);
  if (rc == MDB_NOTFOUND) return Status::Ok();
  return FromLmdb(rc, "mdb_del");
}

Result<Txn> Txn::BeginNested() {
  MDB_txn* child = nullptr;
  if (int rc = mdb_txn_begin(mdb_txn_env(txn_), txn_, 0, &child); rc != 0)
    return FromLmdb(rc, "mdb_txn_begin(nested)");
  return Txn(child, faults_, /*nested=*/true);
}

Result<Cursor> Cursor::Open(const Txn& txn, Db db) {
  MDB_cursor* c = nullptr;
  if (int rc = mdb_cursor_open(txn.raw(), db.dbi, &c); rc != 0)
    return FromLmdb(rc, "mdb_cursor_open");
  return Cursor(c);
}
Cursor::Cursor(Cursor&& other) noexcept
    : cursor_(other.cursor_), key_(other.key_), value_(other.value_) {
  other.cursor_ = nullptr;
}
Cursor& Cursor::operator=(Cursor&& other) noexcept {
  if (this != &other) {
    if (cursor_) mdb_cursor_close(cursor_);
    cursor_ = other.cursor_;
    key_ = other.key_;
    value_ = other.value_;
    other.cursor_ = nullptr;
  }
  return *this;
}
Cursor::~Cursor() {
  if (cursor_) mdb_cursor_close(cursor_);
}

bool Cursor::Move(MDB_cursor_op op) { return mdb_cursor_get(cursor_, &key_, &value_, op) == 0; }
bool Cursor::First() { return Move(MDB_FIRST); }
bool Cursor::Last() { return Move(MDB_LAST); }
bool Cursor::Next() { return Move(MDB_NEXT); }
bool Cursor::Prev() { return Move(MDB_PREV); }
bool Cursor::Seek(std::string_view key) {
  key_ = ToVal(key);
  return Move(MDB_SET_RANGE);
}
Status Cursor::Del() { return FromLmdb(mdb_cursor_del(cursor_, 0), "mdb_cursor_del"); }

}  // namespace mcf::store
