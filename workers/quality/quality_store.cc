#include "workers/quality/quality_store.h"

#include <utility>

#include "lib/base/bytes.h"

namespace mcf::quality {

namespace wire = schemas::quality;

namespace {

constexpr std::string_view kPickableCount = "pickable_count";

// Stored values are our own writes; a malformed one means a corrupt store.
Status Corrupt(std::string_view db, std::string_view key, const Status& s) {
  return Status::Internal("quality store: bad value in " + std::string(db) + " under \"" +
                          std::string(key) + "\": " + s.message());
}

std::string TimeKey(int64_t at_ms, const std::string& task_id) {
  return U64Key(static_cast<uint64_t>(at_ms)) + task_id;
}

// Walks `db` from the newest key (or from just below `start`, when given) towards the oldest,
// calling `take(key, value)` until it returns false.
template <class Take>
Status WalkNewestFirst(const store::Txn& txn, store::Db db, const std::optional<std::string>& start,
                       Take&& take) {
  ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, db));
  bool ok;
  if (start) {
    // Seek lands on the first key >= start; everything older is before it.
    ok = cursor.Seek(*start) ? cursor.Prev() : cursor.Last();
  } else {
    ok = cursor.Last();
  }
  for (; ok; ok = cursor.Prev()) {
    ASSIGN_OR_RETURN(bool more, take(cursor.key(), cursor.value()));
    if (!more) break;
  }
  return Status::Ok();
}

}  // namespace

Result<std::optional<wire::Job>> QualityStore::GetJob(const store::Txn& txn,
                                                      const std::string& task_id) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(dbs_.jobs, task_id));
  if (!v) return std::optional<wire::Job>();
  auto job = schemas::Decode<wire::Job>(*v);
  if (!job.ok()) return Corrupt("jobs", task_id, job.status());
  return std::optional<wire::Job>(std::move(*job));
}

Status QualityStore::PutJob(store::Txn& txn, const wire::Job& job) {
  return txn.Put(dbs_.jobs, job.task_id, schemas::Encode(job));
}

Status QualityStore::Enqueue(store::Txn& txn, const wire::Job& job) {
  return txn.Put(dbs_.queue, TimeKey(job.queued_at_ms, job.task_id), "");
}

Status QualityStore::Dequeue(store::Txn& txn, const wire::Job& job) {
  return txn.Del(dbs_.queue, TimeKey(job.queued_at_ms, job.task_id));
}

Result<wire::JobPage> QualityStore::ListQueue(const store::Txn& txn, size_t limit,
                                              const std::string& after) const {
  std::optional<std::string> start;
  if (!after.empty()) {
    ASSIGN_OR_RETURN(std::optional<wire::Job> last, GetJob(txn, after));
    if (!last || last->queued_at_ms == 0)
      return Status::Invalid("body.after: \"" + after + "\" was never in the review queue");
    start = TimeKey(last->queued_at_ms, last->task_id);
  }
  wire::JobPage page;
  RETURN_IF_ERROR(WalkNewestFirst(
      txn, dbs_.queue, start, [&](std::string_view key, std::string_view) -> Result<bool> {
        if (page.jobs.size() == limit) {
          page.next_after = page.jobs.back().task_id;
          return false;
        }
        const std::string task_id(key.substr(8));
        ASSIGN_OR_RETURN(std::optional<wire::Job> job, GetJob(txn, task_id));
        if (!job) return Corrupt("queue", task_id, Status::NotFound("no job record"));
        page.jobs.push_back(std::move(*job));
        return true;
      }));
  return page;
}

Result<uint64_t> QualityStore::PickableCount(const store::Txn& txn) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(dbs_.meta, kPickableCount));
  return v ? FromU64Key(*v) : uint64_t{0};
}

Result<std::string> QualityStore::PickableAt(const store::Txn& txn, uint64_t position) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v,
                   txn.Get(dbs_.pickable, U64Key(position)));
  if (!v) return Status::Internal("quality store: no pickable job at " + std::to_string(position));
  return std::string(*v);
}

Status QualityStore::AddPickable(store::Txn& txn, const std::string& task_id) {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> have, txn.Get(dbs_.pick_pos, task_id));
  if (have) return Status::Ok();
  ASSIGN_OR_RETURN(const uint64_t count, PickableCount(txn));
  RETURN_IF_ERROR(txn.Put(dbs_.pickable, U64Key(count), task_id));
  RETURN_IF_ERROR(txn.Put(dbs_.pick_pos, task_id, U64Key(count)));
  return txn.Put(dbs_.meta, kPickableCount, U64Key(count + 1));
}

Status QualityStore::RemovePickable(store::Txn& txn, const std::string& task_id) {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> have, txn.Get(dbs_.pick_pos, task_id));
  if (!have) return Status::Ok();
  const uint64_t position = FromU64Key(*have);
  ASSIGN_OR_RETURN(const uint64_t count, PickableCount(txn));
  const uint64_t last = count - 1;
  // Keep the positions dense: the last entry moves into the hole.
  if (position != last) {
    ASSIGN_OR_RETURN(std::string moved, PickableAt(txn, last));
    RETURN_IF_ERROR(txn.Put(dbs_.pickable, U64Key(position), moved));
    RETURN_IF_ERROR(txn.Put(dbs_.pick_pos, moved, U64Key(position)));
  }
  RETURN_IF_ERROR(txn.Del(dbs_.pickable, U64Key(last)));
  RETURN_IF_ERROR(txn.Del(dbs_.pick_pos, task_id));
  return txn.Put(dbs_.meta, kPickableCount, U64Key(last));
}

Status QualityStore::PutReview(store::Txn& txn, const wire::Review& review) {
  return txn.Put(dbs_.reviews, TimeKey(review.reviewed_at_ms, review.task_id),
                 schemas::Encode(review));
}

Result<wire::ReviewPage> QualityStore::ListReviews(const store::Txn& txn,
                                                   const wire::ListReviews& request) const {
  std::optional<std::string> start;
  if (!request.after.empty()) {
    ASSIGN_OR_RETURN(std::optional<wire::Job> last, GetJob(txn, request.after));
    if (!last || last->reviewed_at_ms == 0)
      return Status::Invalid("body.after: \"" + request.after + "\" has no review");
    start = TimeKey(last->reviewed_at_ms, last->task_id);
  }
  if (request.to_ms) {
    std::string to = U64Key(static_cast<uint64_t>(*request.to_ms));
    if (!start || to < *start) start = std::move(to);
  }
  const size_t limit = static_cast<size_t>(request.limit);
  wire::ReviewPage page;
  size_t examined = 0;
  std::string last_examined;
  RETURN_IF_ERROR(WalkNewestFirst(
      txn, dbs_.reviews, start, [&](std::string_view key, std::string_view value) -> Result<bool> {
        if (request.from_ms && FromU64Key(key) < static_cast<uint64_t>(*request.from_ms))
          return false;
        if (examined == wire::kMaxReviewScan) {
          // Bounded work per call: the caller continues from the last review looked at.
          page.next_after = last_examined;
          return false;
        }
        ++examined;
        last_examined = std::string(key.substr(8));
        auto review = schemas::Decode<wire::Review>(value);
        if (!review.ok()) return Corrupt("reviews", key.substr(8), review.status());
        if (!request.worker_id.empty() && review->worker_id != request.worker_id) return true;
        if (request.outcome && review->outcome != *request.outcome) return true;
        if (page.reviews.size() == limit) {
          page.next_after = page.reviews.back().task_id;
          return false;
        }
        page.reviews.push_back(std::move(*review));
        return true;
      }));
  return page;
}

}  // namespace mcf::quality
