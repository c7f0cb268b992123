#include "workers/matching/matching_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "lib/base/bytes.h"
#include "schemas/codec.h"

namespace mcf::matching {
namespace {

constexpr std::string_view kNextWaiting = "next_waiting";
constexpr std::string_view kLayoutVersionKey = "layout_version";
constexpr uint64_t kFirstLayout = 1;  // a store without layout_version

// The stored values besides the worker profiles (hiring.worker_hired bodies) and the waiting
// tasks (tasks.task_requested bodies): records of this store only, encoded by the codec.
struct StoredBookingValue {  // bookings: task_id -> the worker and the appointment
  std::string worker_id;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  static constexpr auto Fields() {
    using T = StoredBookingValue;
    return std::tuple{schemas::Field("worker_id", &T::worker_id),
                      schemas::Field("starts_at", &T::starts_at_ms),
                      schemas::Field("ends_at", &T::ends_at_ms)};
  }
};
struct StoredResults {  // results: worker_id -> the counts of PastResults
  int64_t completed = 0;
  int64_t failed = 0;
  int64_t canceled = 0;
  static constexpr auto Fields() {
    using T = StoredResults;
    return std::tuple{schemas::Field("completed", &T::completed),
                      schemas::Field("failed", &T::failed),
                      schemas::Field("canceled", &T::canceled)};
  }
};

// Stored values are our own writes; a malformed one means a corrupt store.
Status Corrupt(std::string_view db, std::string_view key, const Status& s) {
  return Status::Internal("matching store: bad value in " + std::string(db) + " under \"" +
                          std::string(key) + "\": " + s.message());
}

// Index keys. Times are signed bus ms stored big-endian with the sign bit flipped, so byte order
// is time order (negative times included). A worker id is length-prefixed (4 bytes, big-endian)
// so that one worker's keys are one contiguous range whatever bytes the ids hold.
std::string TimeKey(int64_t ms) { return U64Key(static_cast<uint64_t>(ms) ^ (uint64_t{1} << 63)); }
int64_t FromTimeKey(std::string_view k) {
  return static_cast<int64_t>(FromU64Key(k) ^ (uint64_t{1} << 63));
}
std::string WorkerPrefix(std::string_view worker_id) {
  const auto n = static_cast<uint32_t>(worker_id.size());
  std::string k{static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                static_cast<char>(n)};
  k += worker_id;
  return k;
}
// bookings_by_worker: WorkerPrefix + TimeKey(starts_at) + task_id -> TimeKey(ends_at).
std::string ByWorkerKey(std::string_view worker_id, int64_t starts_at_ms,
                        std::string_view task_id) {
  return WorkerPrefix(worker_id) + TimeKey(starts_at_ms) + std::string(task_id);
}
// waiting_by_start: TimeKey(starts_at) + U64Key(position) -> TimeKey(ends_at).
std::string ByStartKey(int64_t starts_at_ms, uint64_t position) {
  return TimeKey(starts_at_ms) + U64Key(position);
}

// The bookings_by_worker entry under `cursor`, nullopt when the cursor has left `prefix`.
Result<std::optional<Booking>> ByWorkerEntry(const store::Cursor& cursor, std::string_view prefix) {
  std::string_view key = cursor.key();
  if (!key.starts_with(prefix)) return std::optional<Booking>();
  if (key.size() < prefix.size() + 8 || cursor.value().size() != 8)
    return Status::Internal("matching store: bad bookings_by_worker entry");
  key.remove_prefix(prefix.size());
  return std::optional<Booking>(Booking{std::string(key.substr(8)), FromTimeKey(key.substr(0, 8)),
                                        FromTimeKey(cursor.value())});
}

Result<StoredBooking> DecodeBooking(std::string_view task_id, std::string_view value) {
  ASSIGN_OR_RETURN(StoredBookingValue b, schemas::Decode<StoredBookingValue>(value));
  return StoredBooking{std::move(b.worker_id),
                       Booking{std::string(task_id), b.starts_at_ms, b.ends_at_ms}};
}

Result<WaitingTask> DecodeWaiting(std::string_view key, std::string_view value) {
  auto t = schemas::Decode<schemas::tasks::TaskRequested>(value);
  if (!t.ok()) return Corrupt("waiting", "#" + std::to_string(FromU64Key(key)), t.status());
  return WaitingTask{
      FromU64Key(key),
      ReferenceSample{std::move(t->task_id), std::move(t->client_id), std::move(t->service_type_id),
                      t->starts_at_ms, t->ends_at_ms}};
}

}  // namespace

// ---- layout ----

Result<uint64_t> MatchingStore::LayoutVersion(const store::Txn& txn) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(dbs_.meta, kLayoutVersionKey));
  return v ? FromU64Key(*v) : kFirstLayout;
}

Result<bool> MatchingStore::Migrate(store::Txn& txn) {
  ASSIGN_OR_RETURN(const uint64_t version, LayoutVersion(txn));
  if (version >= kLayoutVersion) return false;
  // 1 -> 2: the indexes did not exist; build them from the primary databases. Rebuilding is
  // harmless should a partial index exist (the puts overwrite).
  size_t bookings = 0, waiting = 0;
  {
    ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, dbs_.bookings));
    for (bool ok = cursor.First(); ok; ok = cursor.Next(), ++bookings) {
      auto b = DecodeBooking(cursor.key(), cursor.value());
      if (!b.ok()) return Corrupt("bookings", cursor.key(), b.status());
      RETURN_IF_ERROR(PutBookingOf(txn, b->worker_id, b->booking));
    }
  }
  {
    ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, dbs_.waiting));
    for (bool ok = cursor.First(); ok; ok = cursor.Next(), ++waiting) {
      ASSIGN_OR_RETURN(const WaitingTask t, DecodeWaiting(cursor.key(), cursor.value()));
      RETURN_IF_ERROR(IndexWaiting(txn, t));
    }
  }
  RETURN_IF_ERROR(txn.Put(dbs_.meta, kLayoutVersionKey, U64Key(kLayoutVersion)));
  spdlog::info("event=matching_store_migrated from={} to={} bookings={} waiting={}", version,
               kLayoutVersion, bookings, waiting);
  return true;
}

Status MatchingStore::MigrateInOwnTxn(store::Env& env) {
  ASSIGN_OR_RETURN(store::Txn txn, env.BeginWrite());
  ASSIGN_OR_RETURN(const bool changed, Migrate(txn));
  return changed ? txn.Commit() : Status::Ok();
}

// ---- workers ----

Status MatchingStore::PutWorker(store::Txn& txn, const schemas::hiring::WorkerHired& worker) {
  return txn.Put(dbs_.workers, worker.worker_id, schemas::Encode(worker));
}

Result<std::vector<NormalSample>> MatchingStore::LoadPool(const store::Txn& txn, int64_t from_ms,
                                                          int64_t to_ms) const {
  std::vector<NormalSample> pool;
  ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, dbs_.workers));
  for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
    auto w = schemas::Decode<schemas::hiring::WorkerHired>(cursor.value());
    if (!w.ok()) return Corrupt("workers", cursor.key(), w.status());
    NormalSample s;
    s.worker_id = std::move(w->worker_id);
    s.name = std::move(w->name);
    s.strengths = std::move(w->strengths);
    s.weaknesses = std::move(w->weaknesses);
    ASSIGN_OR_RETURN(s.results, GetResults(txn, s.worker_id));
    ASSIGN_OR_RETURN(s.bookings,
                     BookingsOverlapping(txn, s.worker_id, from_ms, to_ms, kMaxBookingsPerSample));
    pool.push_back(std::move(s));
  }
  return pool;
}

Result<std::vector<Booking>> MatchingStore::BookingsOverlapping(const store::Txn& txn,
                                                                const std::string& worker_id,
                                                                int64_t from_ms, int64_t to_ms,
                                                                size_t limit) const {
  std::vector<Booking> out;
  if (limit == 0 || from_ms >= to_ms) return out;
  const std::string prefix = WorkerPrefix(worker_id);
  const std::string from_key = prefix + TimeKey(from_ms);
  ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, dbs_.bookings_by_worker));
  // The one booking starting before from_ms that may still run at from_ms: the last such.
  if (cursor.Seek(from_key) ? cursor.Prev() : cursor.Last()) {
    ASSIGN_OR_RETURN(std::optional<Booking> b, ByWorkerEntry(cursor, prefix));
    if (b && b->ends_at_ms > from_ms) out.push_back(std::move(*b));
  }
  // Then those starting in [from_ms, to_ms), in start order.
  for (bool ok = cursor.Seek(from_key); ok && out.size() < limit; ok = cursor.Next()) {
    ASSIGN_OR_RETURN(std::optional<Booking> b, ByWorkerEntry(cursor, prefix));
    if (!b || b->starts_at_ms >= to_ms) break;
    out.push_back(std::move(*b));
  }
  return out;
}

// ---- bookings ----

Result<std::optional<StoredBooking>> MatchingStore::GetBooking(const store::Txn& txn,
                                                               const std::string& task_id) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(dbs_.bookings, task_id));
  if (!v) return std::optional<StoredBooking>();
  auto b = DecodeBooking(task_id, *v);
  if (!b.ok()) return Corrupt("bookings", task_id, b.status());
  return std::optional<StoredBooking>(std::move(*b));
}

Status MatchingStore::PutBookingOf(store::Txn& txn, const std::string& worker_id,
                                   const Booking& booking) {
  return txn.Put(dbs_.bookings_by_worker,
                 ByWorkerKey(worker_id, booking.starts_at_ms, booking.task_id),
                 TimeKey(booking.ends_at_ms));
}

Status MatchingStore::PutBooking(store::Txn& txn, const std::string& worker_id,
                                 const ReferenceSample& reference) {
  RETURN_IF_ERROR(txn.Put(dbs_.bookings, reference.task_id,
                          schemas::Encode(StoredBookingValue{worker_id, reference.starts_at_ms,
                                                             reference.ends_at_ms})));
  return PutBookingOf(txn, worker_id,
                      Booking{reference.task_id, reference.starts_at_ms, reference.ends_at_ms});
}

Status MatchingStore::DeleteBooking(store::Txn& txn, const StoredBooking& booked) {
  RETURN_IF_ERROR(txn.Del(dbs_.bookings, booked.booking.task_id));
  return txn.Del(dbs_.bookings_by_worker, ByWorkerKey(booked.worker_id, booked.booking.starts_at_ms,
                                                      booked.booking.task_id));
}

// ---- the waiting queue ----

Status MatchingStore::IndexWaiting(store::Txn& txn, const WaitingTask& task) {
  RETURN_IF_ERROR(txn.Put(dbs_.waiting_by_task, task.reference.task_id, U64Key(task.position)));
  return txn.Put(dbs_.waiting_by_start, ByStartKey(task.reference.starts_at_ms, task.position),
                 TimeKey(task.reference.ends_at_ms));
}

Status MatchingStore::AddWaiting(store::Txn& txn, const ReferenceSample& reference) {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> next, txn.Get(dbs_.meta, kNextWaiting));
  uint64_t position = next ? FromU64Key(*next) : 1;
  schemas::tasks::TaskRequested t{reference.task_id, reference.client_id, reference.service_type_id,
                                  reference.starts_at_ms, reference.ends_at_ms};
  RETURN_IF_ERROR(txn.Put(dbs_.waiting, U64Key(position), schemas::Encode(t)));
  RETURN_IF_ERROR(IndexWaiting(txn, WaitingTask{position, reference}));
  return txn.Put(dbs_.meta, kNextWaiting, U64Key(position + 1));
}

Result<std::optional<WaitingTask>> MatchingStore::FindWaiting(const store::Txn& txn,
                                                              const std::string& task_id) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(dbs_.waiting_by_task, task_id));
  if (!v) return std::optional<WaitingTask>();
  return WaitingAt(txn, FromU64Key(*v));
}

Result<std::optional<WaitingTask>> MatchingStore::WaitingAt(const store::Txn& txn,
                                                            uint64_t position) const {
  const std::string key = U64Key(position);
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(dbs_.waiting, key));
  if (!v) return std::optional<WaitingTask>();
  ASSIGN_OR_RETURN(WaitingTask t, DecodeWaiting(key, *v));
  return std::optional<WaitingTask>(std::move(t));
}

Result<std::vector<WaitingTask>> MatchingStore::Waiting(const store::Txn& txn, uint64_t after,
                                                        size_t limit) const {
  std::vector<WaitingTask> out;
  if (after == UINT64_MAX) return out;
  ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, dbs_.waiting));
  for (bool ok = cursor.Seek(U64Key(after + 1)); ok && out.size() < limit; ok = cursor.Next()) {
    ASSIGN_OR_RETURN(WaitingTask t, DecodeWaiting(cursor.key(), cursor.value()));
    out.push_back(std::move(t));
  }
  return out;
}

Result<std::vector<WaitingTask>> MatchingStore::WaitingStartingIn(const store::Txn& txn,
                                                                  int64_t from_ms, int64_t to_ms,
                                                                  int64_t ends_after_ms) const {
  std::vector<uint64_t> positions;
  {
    ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, dbs_.waiting_by_start));
    for (bool ok = cursor.Seek(TimeKey(from_ms)); ok; ok = cursor.Next()) {
      if (cursor.key().size() != 16 || cursor.value().size() != 8)
        return Status::Internal("matching store: bad waiting_by_start entry");
      if (FromTimeKey(cursor.key().substr(0, 8)) >= to_ms) break;
      if (FromTimeKey(cursor.value()) > ends_after_ms)
        positions.push_back(FromU64Key(cursor.key().substr(8)));
    }
  }
  std::sort(positions.begin(), positions.end());  // request order
  std::vector<WaitingTask> out;
  for (uint64_t position : positions) {
    ASSIGN_OR_RETURN(std::optional<WaitingTask> t, WaitingAt(txn, position));
    if (!t) return Status::Internal("matching store: waiting_by_start names a missing task");
    out.push_back(std::move(*t));
  }
  return out;
}

Status MatchingStore::DeleteWaiting(store::Txn& txn, const WaitingTask& task) {
  RETURN_IF_ERROR(txn.Del(dbs_.waiting, U64Key(task.position)));
  RETURN_IF_ERROR(txn.Del(dbs_.waiting_by_task, task.reference.task_id));
  return txn.Del(dbs_.waiting_by_start, ByStartKey(task.reference.starts_at_ms, task.position));
}

Result<std::vector<WaitingTask>> MatchingStore::TakeWaitingStartingBefore(store::Txn& txn,
                                                                          int64_t before_ms) {
  std::vector<uint64_t> positions;
  {
    ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, dbs_.waiting_by_start));
    for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
      if (cursor.key().size() != 16)
        return Status::Internal("matching store: bad waiting_by_start entry");
      if (FromTimeKey(cursor.key().substr(0, 8)) >= before_ms) break;
      positions.push_back(FromU64Key(cursor.key().substr(8)));
    }
  }
  std::vector<WaitingTask> taken;
  for (uint64_t position : positions) {
    ASSIGN_OR_RETURN(std::optional<WaitingTask> t, WaitingAt(txn, position));
    if (!t) return Status::Internal("matching store: waiting_by_start names a missing task");
    RETURN_IF_ERROR(DeleteWaiting(txn, *t));
    taken.push_back(std::move(*t));
  }
  return taken;
}

// ---- results ----

Result<PastResults> MatchingStore::GetResults(const store::Txn& txn,
                                              const std::string& worker_id) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(dbs_.results, worker_id));
  if (!v) return PastResults{};
  auto stored = schemas::Decode<StoredResults>(*v);
  if (!stored.ok()) return Corrupt("results", worker_id, stored.status());
  return PastResults{stored->completed, stored->failed, stored->canceled};
}

Status MatchingStore::RecordResult(store::Txn& txn, const std::string& worker_id,
                                   schemas::tasks::Outcome outcome) {
  ASSIGN_OR_RETURN(PastResults r, GetResults(txn, worker_id));
  using schemas::tasks::Outcome;
  (outcome == Outcome::kCompleted ? r.completed
   : outcome == Outcome::kFailed  ? r.failed
                                  : r.canceled) += 1;
  return txn.Put(dbs_.results, worker_id,
                 schemas::Encode(StoredResults{r.completed, r.failed, r.canceled}));
}

}  // namespace mcf::matching
