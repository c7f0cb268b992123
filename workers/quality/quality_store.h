// QualityStore: quality's read model and review queue in LMDB databases of the worker's env:
//   jobs        task id -> encoded schemas::quality::Job
//   queue       U64Key(queued_at) + task id -> "" (queued or under review; newest last)
//   pickable    U64Key(position) -> task id: the completed jobs neither reviewed nor under
//               review, kept dense (0..count-1) so a random pick is one lookup, not a scan
//   pick_pos    task id -> U64Key(position) in `pickable`
//   reviews     U64Key(reviewed_at) + task id -> encoded schemas::quality::Review
//   meta        "pickable_count" -> U64Key
// Every call works inside a transaction the caller owns (a handler's nested txn), so its writes
// commit with the message that caused them. Cheap to copy; used on the worker's thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/base/status.h"
#include "lib/store/lmdb.h"
#include "schemas/quality.h"

namespace mcf::quality {

class QualityStore {
 public:
  // Opens (creating) the databases through `runtime` (a worker::Worker or worker::Dispatcher).
  template <typename Runtime>
  static Result<QualityStore> Open(Runtime& runtime) {
    ASSIGN_OR_RETURN(auto jobs, runtime.OpenDb("jobs"));
    ASSIGN_OR_RETURN(auto queue, runtime.OpenDb("queue"));
    ASSIGN_OR_RETURN(auto pickable, runtime.OpenDb("pickable"));
    ASSIGN_OR_RETURN(auto pick_pos, runtime.OpenDb("pick_pos"));
    ASSIGN_OR_RETURN(auto reviews, runtime.OpenDb("reviews"));
    ASSIGN_OR_RETURN(auto meta, runtime.OpenDb("meta"));
    return QualityStore(Dbs{jobs, queue, pickable, pick_pos, reviews, meta});
  }
  struct Dbs {
    store::Db jobs, queue, pickable, pick_pos, reviews, meta;
  };
  explicit QualityStore(Dbs dbs) : dbs_(dbs) {}

  Result<std::optional<schemas::quality::Job>> GetJob(const store::Txn& txn,
                                                      const std::string& task_id) const;
  // Adds or replaces the job record only (the indexes are kept by the calls below).
  Status PutJob(store::Txn& txn, const schemas::quality::Job& job);

  // The review queue, keyed by (queued_at, task id).
  Status Enqueue(store::Txn& txn, const schemas::quality::Job& job);
  Status Dequeue(store::Txn& txn, const schemas::quality::Job& job);
  // Up to `limit` queued jobs, newest first, after the job `after` ("" = from the newest);
  // invalid naming body.after when that job was never queued.
  Result<schemas::quality::JobPage> ListQueue(const store::Txn& txn, size_t limit,
                                              const std::string& after) const;

  // The pickable set: adding twice or removing an absent id changes nothing.
  Status AddPickable(store::Txn& txn, const std::string& task_id);
  Status RemovePickable(store::Txn& txn, const std::string& task_id);
  Result<uint64_t> PickableCount(const store::Txn& txn) const;
  // The task id at `position` (< PickableCount).
  Result<std::string> PickableAt(const store::Txn& txn, uint64_t position) const;

  Status PutReview(store::Txn& txn, const schemas::quality::Review& review);
  // Reviews matching the filter, newest first; a scan of the reviews in time order from `to`
  // down to `from` (the time bounds narrow it; worker and outcome filter it), looking at no more
  // than kMaxReviewScan reviews (then next_after is the last one looked at). invalid naming
  // body.after when `after` names a job without a review.
  Result<schemas::quality::ReviewPage> ListReviews(
      const store::Txn& txn, const schemas::quality::ListReviews& request) const;

 private:
  Dbs dbs_;
};

}  // namespace mcf::quality
