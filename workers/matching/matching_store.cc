#include "workers/matching/matching_store.h"

#include <map>
#include <utility>

#include "lib/base/bytes.h"
#include "schemas/body.h"

namespace mcf::matching {
namespace {

using schemas::Body;
using schemas::BodyWriter;

constexpr std::string_view kNextWaiting = "next_waiting";

// Stored values are our own writes; a malformed one means a corrupt store.
Status Corrupt(std::string_view db, std::string_view key, const Status& s) {
  return Status::Internal("matching store: bad value in " + std::string(db) + " under \"" +
                          std::string(key) + "\": " + s.message());
}

Result<StoredBooking> DecodeBooking(std::string_view task_id, std::string_view value) {
  auto b = Body::Parse(value);
  if (!b.ok()) return b.status();
  auto worker_id = b->String("worker_id");
  if (!worker_id.ok()) return worker_id.status();
  auto starts_at = b->Int("starts_at");
  if (!starts_at.ok()) return starts_at.status();
  auto ends_at = b->Int("ends_at");
  if (!ends_at.ok()) return ends_at.status();
  return StoredBooking{std::move(*worker_id), Booking{std::string(task_id), *starts_at, *ends_at}};
}

}  // namespace

Status MatchingStore::PutWorker(store::Txn& txn, const schemas::hiring::WorkerHired& worker) {
  return txn.Put(dbs_.workers, worker.worker_id, schemas::hiring::Encode(worker));
}

Result<std::vector<NormalSample>> MatchingStore::LoadPool(const store::Txn& txn) const {
  std::map<std::string, std::vector<Booking>, std::less<>> bookings;
  {
    auto cursor = store::Cursor::Open(txn, dbs_.bookings);
    if (!cursor.ok()) return cursor.status();
    for (bool ok = cursor->First(); ok; ok = cursor->Next()) {
      auto b = DecodeBooking(cursor->key(), cursor->value());
      if (!b.ok()) return Corrupt("bookings", cursor->key(), b.status());
      bookings[b->worker_id].push_back(std::move(b->booking));
    }
  }
  std::vector<NormalSample> pool;
  auto cursor = store::Cursor::Open(txn, dbs_.workers);
  if (!cursor.ok()) return cursor.status();
  for (bool ok = cursor->First(); ok; ok = cursor->Next()) {
    auto w = schemas::hiring::DecodeWorkerHired(cursor->value());
    if (!w.ok()) return Corrupt("workers", cursor->key(), w.status());
    NormalSample s;
    s.worker_id = std::move(w->worker_id);
    s.name = std::move(w->name);
    s.strengths = std::move(w->strengths);
    s.weaknesses = std::move(w->weaknesses);
    auto results = GetResults(txn, s.worker_id);
    if (!results.ok()) return results.status();
    s.results = *results;
    if (auto it = bookings.find(s.worker_id); it != bookings.end())
      s.bookings = std::move(it->second);
    pool.push_back(std::move(s));
  }
  return pool;
}

Result<std::optional<StoredBooking>> MatchingStore::GetBooking(const store::Txn& txn,
                                                               const std::string& task_id) const {
  auto v = txn.Get(dbs_.bookings, task_id);
  if (!v.ok()) return v.status();
  if (!*v) return std::optional<StoredBooking>();
  auto b = DecodeBooking(task_id, **v);
  if (!b.ok()) return Corrupt("bookings", task_id, b.status());
  return std::optional<StoredBooking>(std::move(*b));
}

Status MatchingStore::PutBooking(store::Txn& txn, const std::string& worker_id,
                                 const ReferenceSample& reference) {
  return txn.Put(dbs_.bookings, reference.task_id,
                 BodyWriter()
                     .String("worker_id", worker_id)
                     .Int("starts_at", reference.starts_at_ms)
                     .Int("ends_at", reference.ends_at_ms)
                     .Finish());
}

Status MatchingStore::DeleteBooking(store::Txn& txn, const std::string& task_id) {
  return txn.Del(dbs_.bookings, task_id);
}

Status MatchingStore::AddWaiting(store::Txn& txn, const ReferenceSample& reference) {
  auto next = txn.Get(dbs_.meta, kNextWaiting);
  if (!next.ok()) return next.status();
  uint64_t position = *next ? FromU64Key(**next) : 1;
  schemas::tasks::TaskRequested t{reference.task_id, reference.client_id, reference.service_type_id,
                                  reference.starts_at_ms, reference.ends_at_ms};
  if (Status s = txn.Put(dbs_.waiting, U64Key(position), schemas::tasks::Encode(t)); !s.ok())
    return s;
  return txn.Put(dbs_.meta, kNextWaiting, U64Key(position + 1));
}

Result<std::vector<WaitingTask>> MatchingStore::Waiting(const store::Txn& txn) const {
  std::vector<WaitingTask> out;
  auto cursor = store::Cursor::Open(txn, dbs_.waiting);
  if (!cursor.ok()) return cursor.status();
  for (bool ok = cursor->First(); ok; ok = cursor->Next()) {
    auto t = schemas::tasks::Decode<schemas::tasks::TaskRequested>(cursor->value());
    if (!t.ok()) return Corrupt("waiting", "#", t.status());
    out.push_back(WaitingTask{
        FromU64Key(cursor->key()),
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
  auto v = txn.Get(dbs_.results, worker_id);
  if (!v.ok()) return v.status();
  PastResults r;
  if (!*v) return r;
  auto b = Body::Parse(**v);
  if (!b.ok()) return Corrupt("results", worker_id, b.status());
  auto completed = b->Int("completed");
  auto failed = b->Int("failed");
  auto canceled = b->Int("canceled");
  if (!completed.ok() || !failed.ok() || !canceled.ok())
    return Corrupt("results", worker_id, Status::Invalid("missing counts"));
  r.completed = *completed;
  r.failed = *failed;
  r.canceled = *canceled;
  return r;
}

Status MatchingStore::RecordResult(store::Txn& txn, const std::string& worker_id,
                                   schemas::tasks::Outcome outcome) {
  auto r = GetResults(txn, worker_id);
  if (!r.ok()) return r.status();
  using schemas::tasks::Outcome;
  (outcome == Outcome::kCompleted ? r->completed
   : outcome == Outcome::kFailed  ? r->failed
                                  : r->canceled) += 1;
  return txn.Put(dbs_.results, worker_id,
                 BodyWriter()
                     .Int("completed", r->completed)
                     .Int("failed", r->failed)
                     .Int("canceled", r->canceled)
                     .Finish());
}

}  // namespace mcf::matching
