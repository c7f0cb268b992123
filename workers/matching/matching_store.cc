#include "workers/matching/matching_store.h"

#include <map>
#include <utility>

#include "lib/base/bytes.h"
#include "schemas/codec.h"

namespace mcf::matching {
namespace {

constexpr std::string_view kNextWaiting = "next_waiting";

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

Result<StoredBooking> DecodeBooking(std::string_view task_id, std::string_view value) {
  ASSIGN_OR_RETURN(StoredBookingValue b, schemas::Decode<StoredBookingValue>(value));
  return StoredBooking{std::move(b.worker_id),
                       Booking{std::string(task_id), b.starts_at_ms, b.ends_at_ms}};
}

}  // namespace

Status MatchingStore::PutWorker(store::Txn& txn, const schemas::hiring::WorkerHired& worker) {
  return txn.Put(dbs_.workers, worker.worker_id, schemas::Encode(worker));
}

Result<std::vector<NormalSample>> MatchingStore::LoadPool(const store::Txn& txn) const {
  std::map<std::string, std::vector<Booking>, std::less<>> bookings;
  {
    ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, dbs_.bookings));
    for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
      auto b = DecodeBooking(cursor.key(), cursor.value());
      if (!b.ok()) return Corrupt("bookings", cursor.key(), b.status());
      bookings[b->worker_id].push_back(std::move(b->booking));
    }
  }
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
    if (auto it = bookings.find(s.worker_id); it != bookings.end())
      s.bookings = std::move(it->second);
    pool.push_back(std::move(s));
  }
  return pool;
}

Result<std::optional<StoredBooking>> MatchingStore::GetBooking(const store::Txn& txn,
                                                               const std::string& task_id) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(dbs_.bookings, task_id));
  if (!v) return std::optional<StoredBooking>();
  auto b = DecodeBooking(task_id, *v);
  if (!b.ok()) return Corrupt("bookings", task_id, b.status());
  return std::optional<StoredBooking>(std::move(*b));
}

Status MatchingStore::PutBooking(store::Txn& txn, const std::string& worker_id,
                                 const ReferenceSample& reference) {
  return txn.Put(
      dbs_.bookings, reference.task_id,
      schemas::Encode(StoredBookingValue{worker_id, reference.starts_at_ms, reference.ends_at_ms}));
}

Status MatchingStore::DeleteBooking(store::Txn& txn, const std::string& task_id) {
  return txn.Del(dbs_.bookings, task_id);
}

Status MatchingStore::AddWaiting(store::Txn& txn, const ReferenceSample& reference) {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> next, txn.Get(dbs_.meta, kNextWaiting));
  uint64_t position = next ? FromU64Key(*next) : 1;
  schemas::tasks::TaskRequested t{reference.task_id, reference.client_id, reference.service_type_id,
                                  reference.starts_at_ms, reference.ends_at_ms};
  RETURN_IF_ERROR(txn.Put(dbs_.waiting, U64Key(position), schemas::Encode(t)));
  return txn.Put(dbs_.meta, kNextWaiting, U64Key(position + 1));
}

Result<std::vector<WaitingTask>> MatchingStore::Waiting(const store::Txn& txn) const {
  std::vector<WaitingTask> out;
  ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, dbs_.waiting));
  for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
    auto t = schemas::Decode<schemas::tasks::TaskRequested>(cursor.value());
    if (!t.ok()) return Corrupt("waiting", "#", t.status());
    out.push_back(WaitingTask{
        FromU64Key(cursor.key()),
        ReferenceSample{std::move(t->task_id), std::move(t->client_id),
                        std::move(t->service_type_id), t->starts_at_ms, t->ends_at_ms}});
  }
  return out;
}

Status MatchingStore::DeleteWaiting(store::Txn& txn, uint64_t position) {
  return txn.Del(dbs_.waiting, U64Key(position));
}

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
