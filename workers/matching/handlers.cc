#include "workers/matching/handlers.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "lib/base/log.h"
#include "workers/matching/pricing.h"

namespace mcf::matching {
namespace {

namespace hiring = schemas::hiring;
namespace tasks = schemas::tasks;
namespace wire = schemas::matching;
using worker::HandlerContext;

ReferenceSample FromTask(const tasks::TaskRequested& t) {
  return ReferenceSample{t.task_id, t.client_id, t.service_type_id, t.starts_at_ms, t.ends_at_ms};
}

}  // namespace

Result<std::string> MatchingHandlers::MatchAndBook(HandlerContext& ctx,
                                                   const ReferenceSample& reference) {
  ASSIGN_OR_RETURN(std::vector<NormalSample> pool,
                   store_.LoadPool(ctx.txn(), reference.starts_at_ms, reference.ends_at_ms));
  ASSIGN_OR_RETURN(const NormalSample chosen, pipeline_->Run(reference, std::move(pool), seed_));
  RETURN_IF_ERROR(store_.PutBooking(ctx.txn(), chosen.worker_id, reference));
  wire::WorkerMatched matched{reference.task_id, chosen.worker_id, PriceMinor(reference),
                              pipeline_->version()};
  RETURN_IF_ERROR(ctx.Publish(matched));
  spdlog::info("event=worker_matched task={} worker={} price_minor={} pipeline={}",
               Quoted(reference.task_id), Quoted(chosen.worker_id), matched.price_minor,
               matched.pipeline_version);
  return chosen.worker_id;
}

Status MatchingHandlers::TryWaiting(HandlerContext& ctx, const WaitingTask& task,
                                    const std::string& freed_worker) {
  const ReferenceSample& r = task.reference;
  if (pipeline_->drops_booked()) {
    ASSIGN_OR_RETURN(
        const std::vector<Booking> busy,
        store_.BookingsOverlapping(ctx.txn(), freed_worker, r.starts_at_ms, r.ends_at_ms, 1));
    if (!busy.empty()) return Status::Ok();
  }
  auto matched = MatchAndBook(ctx, r);
  if (matched.ok()) return store_.DeleteWaiting(ctx.txn(), task);
  return matched.status().code() == Code::kConflict ? Status::Ok() : matched.status();
}

Status MatchingHandlers::DropStartedWaiting(HandlerContext& ctx) {
  ASSIGN_OR_RETURN(const std::vector<WaitingTask> started,
                   store_.TakeWaitingStartingBefore(ctx.txn(), ctx.now_ms()));
  for (const WaitingTask& t : started)
    spdlog::info("event=waiting_task_expired task={} starts_at={} at={}",
                 Quoted(t.reference.task_id), t.reference.starts_at_ms, ctx.now_ms());
  return Status::Ok();
}

Status MatchingHandlers::OnWorkerHired(HandlerContext& ctx, const hiring::WorkerHired& hired) {
  RETURN_IF_ERROR(store_.PutWorker(ctx.txn(), hired));
  spdlog::info("event=worker_joined_pool worker={} name={}", Quoted(hired.worker_id),
               Quoted(hired.name));
  RETURN_IF_ERROR(DropStartedWaiting(ctx));
  // One pass in request order, a page at a time (the queue may be long; a page is what we hold
  // in memory). Tasks matched now leave the queue behind the cursor, never ahead of it.
  constexpr size_t kPage = 256;
  for (uint64_t after = 0;;) {
    ASSIGN_OR_RETURN(const std::vector<WaitingTask> page, store_.Waiting(ctx.txn(), after, kPage));
    for (const WaitingTask& task : page) RETURN_IF_ERROR(TryWaiting(ctx, task, hired.worker_id));
    if (page.size() < kPage) break;
    after = page.back().position;
  }
  return Status::Ok();
}

Status MatchingHandlers::OnTaskRequested(HandlerContext& ctx,
                                         const tasks::TaskRequested& requested) {
  ReferenceSample reference = FromTask(requested);

  // A task is matched once: a second request for it (a re-published event) changes nothing.
  ASSIGN_OR_RETURN(const std::optional<StoredBooking> booked,
                   store_.GetBooking(ctx.txn(), reference.task_id));
  ASSIGN_OR_RETURN(const std::optional<WaitingTask> waiting,
                   store_.FindWaiting(ctx.txn(), reference.task_id));
  if (booked || waiting) {
    spdlog::warn("event=task_already_known task={} booked={} waiting={}", Quoted(reference.task_id),
                 booked.has_value(), waiting.has_value());
    return Status::Ok();
  }

  auto matched = MatchAndBook(ctx, reference);
  if (matched.ok()) return Status::Ok();
  if (matched.status().code() != Code::kConflict) return matched.status();
  RETURN_IF_ERROR(store_.AddWaiting(ctx.txn(), reference));
  wire::NoWorkerAvailable none{reference.task_id, matched.status().message()};
  RETURN_IF_ERROR(ctx.Publish(none));
  spdlog::info("event=task_waiting task={} reason={}", Quoted(reference.task_id),
               Quoted(none.reason));
  return Status::Ok();
}

Status MatchingHandlers::OnTaskFinalized(HandlerContext& ctx,
                                         const tasks::TaskFinalized& finalized) {
  std::string worker_id = finalized.worker_id;

  ASSIGN_OR_RETURN(const std::optional<StoredBooking> booked,
                   store_.GetBooking(ctx.txn(), finalized.task_id));
  if (booked) {
    if (worker_id.empty()) worker_id = booked->worker_id;
    RETURN_IF_ERROR(store_.DeleteBooking(ctx.txn(), *booked));
  } else {
    // Finalized before it was matched (e.g. canceled while waiting): it no longer waits.
    ASSIGN_OR_RETURN(const std::optional<WaitingTask> task,
                     store_.FindWaiting(ctx.txn(), finalized.task_id));
    if (task) RETURN_IF_ERROR(store_.DeleteWaiting(ctx.txn(), *task));
  }
  if (!worker_id.empty()) {
    RETURN_IF_ERROR(store_.RecordResult(ctx.txn(), worker_id, finalized.outcome));
  }
  spdlog::info("event=task_finalized task={} worker={} outcome={} booking_freed={}",
               Quoted(finalized.task_id), Quoted(worker_id), tasks::OutcomeName(finalized.outcome),
               booked.has_value());

  // What was freed is the rest of the booking, [max(now, starts), ends): failed, canceled or
  // completed early. Only waiting tasks overlapping it can have become matchable (to this
  // worker; every other one was busy when they last tried), and only those not yet begun
  // are matched (DropStartedWaiting), so the candidates start in [now, ends).
  if (!booked || booked->booking.ends_at_ms <= ctx.now_ms()) return Status::Ok();
  RETURN_IF_ERROR(DropStartedWaiting(ctx));
  const Booking& freed = booked->booking;
  ASSIGN_OR_RETURN(const std::vector<WaitingTask> candidates,
                   store_.WaitingStartingIn(ctx.txn(), ctx.now_ms(), freed.ends_at_ms,
                                            std::max(ctx.now_ms(), freed.starts_at_ms)));
  for (const WaitingTask& task : candidates)
    RETURN_IF_ERROR(TryWaiting(ctx, task, booked->worker_id));
  return Status::Ok();
}

Result<wire::MatchResult> MatchingHandlers::Match(HandlerContext& ctx,
                                                  const wire::MatchRequest& request) {
  ReferenceSample reference{request.task_id, request.client_id, "", request.starts_at_ms,
                            request.ends_at_ms};
  ASSIGN_OR_RETURN(std::vector<NormalSample> pool,
                   store_.LoadPool(ctx.txn(), reference.starts_at_ms, reference.ends_at_ms));
  ASSIGN_OR_RETURN(const NormalSample chosen, pipeline_->Run(reference, std::move(pool), seed_));
  return wire::MatchResult{chosen.worker_id, PriceMinor(reference)};
}

Result<wire::Pool> MatchingHandlers::Pool(HandlerContext& ctx,
                                          const wire::PoolRequest& /*request*/) {
  ASSIGN_OR_RETURN(std::vector<NormalSample> pool,
                   store_.LoadPool(ctx.txn(), ctx.now_ms(), INT64_MAX));
  ASSIGN_OR_RETURN(std::vector<WaitingTask> waiting, store_.Waiting(ctx.txn(), 0, kMaxPoolWaiting));
  wire::Pool out;
  for (NormalSample& s : pool) {
    wire::PoolWorker w;
    w.worker_id = std::move(s.worker_id);
    w.name = std::move(s.name);
    w.strengths = std::move(s.strengths);
    w.weaknesses = std::move(s.weaknesses);
    w.completed = s.results.completed;
    w.failed = s.results.failed;
    w.canceled = s.results.canceled;
    for (Booking& b : s.bookings)
      w.bookings.push_back(wire::PoolBooking{std::move(b.task_id), b.starts_at_ms, b.ends_at_ms});
    // The store gives them in time order; the reply's documented order is task_id.
    std::sort(w.bookings.begin(), w.bookings.end(),
              [](const wire::PoolBooking& a, const wire::PoolBooking& b) {
                return a.task_id < b.task_id;
              });
    out.workers.push_back(std::move(w));
  }
  for (WaitingTask& t : waiting) out.waiting.push_back(std::move(t.reference.task_id));
  return out;
}

}  // namespace mcf::matching
