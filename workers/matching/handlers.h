// MatchingHandlers: adapts the bus to the matching domain. Events (hiring.worker_hired,
// tasks.task_requested, tasks.task_finalized) update matching's store and run the pipeline;
// commands (matching.match, matching.pool) read it. Translates tasks/workers to reference/normal
// samples and back; publishes matching.worker_matched / matching.no_worker_available through
// the handler's outbox. Runs on the worker runtime's thread; copies share one Pipeline.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lib/base/status.h"
#include "lib/worker/handler_context.h"
#include "lib/worker/typed_handler.h"
#include "schemas/hiring.h"
#include "schemas/matching.h"
#include "schemas/tasks.h"
#include "workers/matching/matching_store.h"
#include "workers/matching/pipeline.h"

namespace mcf::matching {

// The most waiting task ids a matching.pool reply lists (the queue's first, in request order).
inline constexpr size_t kMaxPoolWaiting = 1000;

class MatchingHandlers {
 public:
  // `seed` seeds the pipeline's random source together with the task id (the worker's --seed).
  MatchingHandlers(MatchingStore store, std::shared_ptr<Pipeline> pipeline, uint64_t seed)
      : store_(store), pipeline_(std::move(pipeline)), seed_(seed) {}

  // Opens matching's databases on `runtime` (a worker::Worker, or a worker::Dispatcher in tests)
  // and registers every handler. A non-ok Status says what failed.
  template <typename Runtime>
  static Status Install(Runtime& runtime, std::shared_ptr<Pipeline> pipeline, uint64_t seed) {
    ASSIGN_OR_RETURN(MatchingStore store, MatchingStore::Open(runtime));
    auto self = std::make_shared<MatchingHandlers>(store, std::move(pipeline), seed);
    for (Status s : {worker::Bind(runtime, self, &MatchingHandlers::OnWorkerHired),
                     worker::Bind(runtime, self, &MatchingHandlers::OnTaskRequested),
                     worker::Bind(runtime, self, &MatchingHandlers::OnTaskFinalized),
                     worker::Bind(runtime, self, &MatchingHandlers::Match),
                     worker::Bind(runtime, self, &MatchingHandlers::Pool)})
      RETURN_IF_ERROR(s);
    return Status::Ok();
  }

  // Adds/updates the worker, then tries the waiting tasks in request order (each one matched is
  // booked, published and leaves the queue). One pass over the queue; the pipeline runs only
  // for the tasks this worker is free for (when it drops booked workers).
  Status OnWorkerHired(worker::HandlerContext& ctx, const schemas::hiring::WorkerHired& hired);
  // Runs the pipeline: books the worker and publishes worker_matched, or queues the task and
  // publishes no_worker_available. A task already booked or waiting is ignored (logged).
  Status OnTaskRequested(worker::HandlerContext& ctx,
                         const schemas::tasks::TaskRequested& requested);
  // Frees the task's booking (or drops it from the queue) and counts the worker's result. A
  // booking freed before its end re-matches, in request order, the waiting tasks whose window
  // overlaps what was freed (only those can have become matchable).
  Status OnTaskFinalized(worker::HandlerContext& ctx,
                         const schemas::tasks::TaskFinalized& finalized);
  // matching.match: a dry run; conflict "no worker available: ..." when none.
  Result<schemas::matching::MatchResult> Match(worker::HandlerContext& ctx,
                                               const schemas::matching::MatchRequest& request);
  // matching.pool: the pool, each worker's bookings still running or to come at the bus time
  // (the earliest kMaxBookingsPerSample, listed by task_id), and the first kMaxPoolWaiting
  // waiting tasks in request order.
  Result<schemas::matching::Pool> Pool(worker::HandlerContext& ctx,
                                       const schemas::matching::PoolRequest& request);

 private:
  // Runs the pipeline on the stored pool; books and publishes worker_matched when found.
  // Returns the pipeline's conflict unchanged when there is no worker.
  Result<std::string> MatchAndBook(worker::HandlerContext& ctx, const ReferenceSample& reference);
  // Tries `task` from the queue, unless `freed_worker` is booked during it and the pipeline drops
  // booked workers (then it stays waiting without a pipeline run: every other worker was busy
  // when it last tried). Matched -> it leaves the queue.
  Status TryWaiting(worker::HandlerContext& ctx, const WaitingTask& task,
                    const std::string& freed_worker);
  // Drops the waiting tasks whose appointment began before the bus time (logged): matching
  // them would send a worker to an appointment already under way.
  Status DropStartedWaiting(worker::HandlerContext& ctx);

  MatchingStore store_;
  std::shared_ptr<Pipeline> pipeline_;
  uint64_t seed_;
};

}  // namespace mcf::matching
