// QualityHandlers: adapts the bus to quality's read model and review queue. The tasks events
// (and supplies.kit_issued) build one Job per task; tasks.task_finalized puts a failed or
// canceled job in the review queue and a completed one in the pickable set. The commands
// (managers or admins only) pick, list, review and show jobs. Quality publishes nothing. Every
// event handler is idempotent on its own (a repeated event changes nothing), not only through
// the runtime's offsets. Runs on the runtime's thread.
#pragma once

#include <memory>

#include "lib/base/status.h"
#include "lib/worker/handler_context.h"
#include "lib/worker/typed_handler.h"
#include "schemas/quality.h"
#include "schemas/supplies.h"
#include "schemas/tasks.h"
#include "workers/quality/quality_store.h"

namespace mcf::quality {

class QualityHandlers {
 public:
  explicit QualityHandlers(QualityStore store) : store_(store) {}

  // Opens quality's databases on `runtime` (a worker::Worker, or a worker::Dispatcher in tests)
  // and registers every handler. A non-ok Status says what failed.
  template <typename Runtime>
  static Status Install(Runtime& runtime) {
    ASSIGN_OR_RETURN(QualityStore store, QualityStore::Open(runtime));
    auto self = std::make_shared<QualityHandlers>(store);
    for (Status s : {worker::Bind(runtime, self, &QualityHandlers::OnTaskRequested),
                     worker::Bind(runtime, self, &QualityHandlers::OnTaskAssigned),
                     worker::Bind(runtime, self, &QualityHandlers::OnKitIssued),
                     worker::Bind(runtime, self, &QualityHandlers::OnCheckedIn),
                     worker::Bind(runtime, self, &QualityHandlers::OnCopyOffered),
                     worker::Bind(runtime, self, &QualityHandlers::OnTaskFinalized),
                     worker::Bind(runtime, self, &QualityHandlers::PickRandom),
                     worker::Bind(runtime, self, &QualityHandlers::ListQueue),
                     worker::Bind(runtime, self, &QualityHandlers::SubmitReview),
                     worker::Bind(runtime, self, &QualityHandlers::ListReviews),
                     worker::Bind(runtime, self, &QualityHandlers::GetJob)})
      RETURN_IF_ERROR(s);
    return Status::Ok();
  }

  Status OnTaskRequested(worker::HandlerContext& ctx, const schemas::tasks::TaskRequested& e);
  Status OnTaskAssigned(worker::HandlerContext& ctx, const schemas::tasks::TaskAssigned& e);
  Status OnKitIssued(worker::HandlerContext& ctx, const schemas::supplies::KitIssued& e);
  Status OnCheckedIn(worker::HandlerContext& ctx, const schemas::tasks::CheckedIn& e);
  Status OnCopyOffered(worker::HandlerContext& ctx, const schemas::tasks::CopyOffered& e);
  // The first finalization of a task queues it (failed/canceled) or makes it pickable
  // (completed); a repeated one only logs.
  Status OnTaskFinalized(worker::HandlerContext& ctx, const schemas::tasks::TaskFinalized& e);

  // quality.pick_random: not_found when nothing is left to pick.
  Result<schemas::quality::Job> PickRandom(worker::HandlerContext& ctx,
                                           const schemas::quality::PickRandom& request);
  Result<schemas::quality::JobPage> ListQueue(worker::HandlerContext& ctx,
                                              const schemas::quality::ListQueue& request);
  // quality.submit_review: not_found for an unknown task; conflict unless it is in the queue.
  Result<schemas::quality::Review> SubmitReview(worker::HandlerContext& ctx,
                                                const schemas::quality::SubmitReview& request);
  Result<schemas::quality::ReviewPage> ListReviews(worker::HandlerContext& ctx,
                                                   const schemas::quality::ListReviews& request);
  Result<schemas::quality::Job> GetJob(worker::HandlerContext& ctx,
                                       const schemas::quality::GetJob& request);

 private:
  // Loads (or starts) the task's job, lets `edit` change it, appends {type, now} to its
  // timeline unless that entry is there already, and stores it.
  template <class Edit>
  Status Record(worker::HandlerContext& ctx, const std::string& task_id, std::string_view type,
                Edit&& edit);

  QualityStore store_;
};

}  // namespace mcf::quality
