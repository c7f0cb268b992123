#include "workers/quality/handlers.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <string>
#include <utility>

#include "lib/base/log.h"

namespace mcf::quality {
namespace {

namespace wire = schemas::quality;
namespace tasks = schemas::tasks;
using worker::HandlerContext;

// Admin is the operator and may stand in for any staff role (docs/decisions/006).
Status RequireManager(const HandlerContext& ctx, std::string_view command) {
  const std::string role = ctx.role();
  if (role == "manager" || role == "admin") return Status::Ok();
  spdlog::warn("event=quality_forbidden command={} role={}", command, Quoted(role));
  return Status::Forbidden(std::string(command) + ": managers (or an admin) only");
}

// Records that the tasks context holds the job's `kind` photo (once per kind).
void AddPhoto(wire::Job& job, std::string_view kind, int64_t at_ms) {
  for (const wire::PhotoRef& p : job.photos)
    if (p.kind == kind) return;
  job.photos.push_back(wire::PhotoRef{std::string(kind), at_ms});
}

std::string PrincipalId(const HandlerContext& ctx) {
  const auto& p = ctx.message().principal;
  return p ? p->id : std::string();
}

}  // namespace

template <class Edit>
Status QualityHandlers::Record(HandlerContext& ctx, const std::string& task_id,
                               std::string_view type, Edit&& edit) {
  ASSIGN_OR_RETURN(std::optional<wire::Job> found, store_.GetJob(ctx.txn(), task_id));
  wire::Job job;
  if (found) {
    job = std::move(*found);
  } else {
    job.task_id = task_id;
  }
  edit(job);
  wire::TimelineEntry entry{std::string(type), ctx.now_ms()};
  if (std::find(job.timeline.begin(), job.timeline.end(), entry) == job.timeline.end()) {
    // Events reach quality in log order, so appending keeps the timeline oldest first.
    job.timeline.push_back(std::move(entry));
  }
  return store_.PutJob(ctx.txn(), job);
}

Status QualityHandlers::OnTaskRequested(HandlerContext& ctx, const tasks::TaskRequested& e) {
  return Record(ctx, e.task_id, tasks::kTaskRequested, [&](wire::Job& job) {
    job.client_id = e.client_id;
    job.service_type_id = e.service_type_id;
    job.description = e.description;
    job.copied_from = e.copied_from;
    job.starts_at_ms = e.starts_at_ms;
    job.ends_at_ms = e.ends_at_ms;
  });
}

Status QualityHandlers::OnTaskAssigned(HandlerContext& ctx, const tasks::TaskAssigned& e) {
  return Record(ctx, e.task_id, tasks::kTaskAssigned, [&](wire::Job& job) {
    job.worker_id = e.worker_id;
    if (!e.client_id.empty()) job.client_id = e.client_id;
    job.price_minor = e.price_minor;
    job.starts_at_ms = e.starts_at_ms;
    job.ends_at_ms = e.ends_at_ms;
  });
}

Status QualityHandlers::OnKitIssued(HandlerContext& ctx, const schemas::supplies::KitIssued& e) {
  return Record(ctx, e.task_id, schemas::supplies::kKitIssued, [](wire::Job&) {});
}

Status QualityHandlers::OnCheckedIn(HandlerContext& ctx, const tasks::CheckedIn& e) {
  return Record(ctx, e.task_id, tasks::kCheckedIn, [&](wire::Job& job) {
    job.checked_in_at_ms = e.at_ms;
    if (!e.worker_id.empty()) job.worker_id = e.worker_id;
    AddPhoto(job, wire::kCheckInPhoto, e.at_ms);
  });
}

Status QualityHandlers::OnCopyOffered(HandlerContext& ctx, const tasks::CopyOffered& e) {
  return Record(ctx, e.task_id, tasks::kCopyOffered, [](wire::Job&) {});
}

Status QualityHandlers::OnTaskFinalized(HandlerContext& ctx, const tasks::TaskFinalized& e) {
  ASSIGN_OR_RETURN(std::optional<wire::Job> found, store_.GetJob(ctx.txn(), e.task_id));
  if (found && found->outcome) {
    spdlog::warn("event=quality_finalized_again task={} outcome={}", Quoted(e.task_id),
                 tasks::OutcomeName(*found->outcome));
    return Status::Ok();
  }
  wire::Job job;
  RETURN_IF_ERROR(Record(ctx, e.task_id, tasks::kTaskFinalized, [&](wire::Job& j) {
    j.outcome = e.outcome;
    j.reason = e.reason;
    j.finished_at_ms = ctx.now_ms();
    if (!e.worker_id.empty()) j.worker_id = e.worker_id;
    if (!e.client_id.empty()) j.client_id = e.client_id;
    if (e.price_minor != 0) j.price_minor = e.price_minor;
    // tasks.complete stores the signed report's photo before it finalizes the task.
    if (e.outcome == tasks::Outcome::kCompleted) AddPhoto(j, wire::kReportPhoto, ctx.now_ms());
    if (e.outcome != tasks::Outcome::kCompleted) {
      j.review_state = wire::ReviewState::kQueued;
      j.queued_at_ms = ctx.now_ms();
    }
    job = j;
  }));
  if (e.outcome == tasks::Outcome::kCompleted) {
    RETURN_IF_ERROR(store_.AddPickable(ctx.txn(), job.task_id));
  } else {
    RETURN_IF_ERROR(store_.Enqueue(ctx.txn(), job));
  }
  spdlog::info("event=quality_job_finished task={} outcome={} queued={}", Quoted(job.task_id),
               tasks::OutcomeName(e.outcome), job.review_state == wire::ReviewState::kQueued);
  return Status::Ok();
}

Result<wire::Job> QualityHandlers::PickRandom(HandlerContext& ctx, const wire::PickRandom&) {
  RETURN_IF_ERROR(RequireManager(ctx, wire::kPickRandom));
  ASSIGN_OR_RETURN(const uint64_t count, store_.PickableCount(ctx.txn()));
  if (count == 0) return Status::NotFound("quality.pick_random: no completed job left to review");
  // The handler's seeded source: a replay of this command picks the same job.
  const uint64_t position = std::uniform_int_distribution<uint64_t>(0, count - 1)(ctx.random());
  ASSIGN_OR_RETURN(const std::string task_id, store_.PickableAt(ctx.txn(), position));
  ASSIGN_OR_RETURN(std::optional<wire::Job> job, store_.GetJob(ctx.txn(), task_id));
  if (!job) return Status::Internal("quality store: pickable task \"" + task_id + "\" has no job");
  job->review_state = wire::ReviewState::kUnderReview;
  job->reviewer_id = PrincipalId(ctx);
  job->queued_at_ms = ctx.now_ms();
  RETURN_IF_ERROR(store_.RemovePickable(ctx.txn(), task_id));
  RETURN_IF_ERROR(store_.Enqueue(ctx.txn(), *job));
  RETURN_IF_ERROR(store_.PutJob(ctx.txn(), *job));
  spdlog::info("event=quality_picked task={} reviewer={} left={}", Quoted(task_id),
               Quoted(job->reviewer_id), count - 1);
  return std::move(*job);
}

Result<wire::JobPage> QualityHandlers::ListQueue(HandlerContext& ctx,
                                                 const wire::ListQueue& request) {
  RETURN_IF_ERROR(RequireManager(ctx, wire::kListQueue));
  return store_.ListQueue(ctx.txn(), static_cast<size_t>(request.limit), request.after);
}

Result<wire::Review> QualityHandlers::SubmitReview(HandlerContext& ctx,
                                                   const wire::SubmitReview& request) {
  RETURN_IF_ERROR(RequireManager(ctx, wire::kSubmitReview));
  ASSIGN_OR_RETURN(std::optional<wire::Job> job, store_.GetJob(ctx.txn(), request.task_id));
  if (!job) return Status::NotFound("quality knows no job \"" + request.task_id + "\"");
  if (!job->outcome)
    return Status::Conflict("body.task_id: job \"" + request.task_id +
                            "\" is not finished yet (only finished jobs are reviewed)");
  if (job->review_state == wire::ReviewState::kReviewed)
    return Status::Conflict("body.task_id: job \"" + request.task_id + "\" is already reviewed");
  if (job->review_state == wire::ReviewState::kNone)
    return Status::Conflict("body.task_id: job \"" + request.task_id +
                            "\" is not in the review queue (pick it first)");
  const wire::Review review{job->task_id,       job->worker_id,   job->client_id,
                            *job->outcome,      request.findings, request.client_call_note,
                            request.hypotheses, PrincipalId(ctx), ctx.now_ms()};
  RETURN_IF_ERROR(store_.Dequeue(ctx.txn(), *job));
  job->review_state = wire::ReviewState::kReviewed;
  job->reviewer_id = review.reviewer_id;
  job->reviewed_at_ms = review.reviewed_at_ms;
  RETURN_IF_ERROR(store_.PutJob(ctx.txn(), *job));
  RETURN_IF_ERROR(store_.PutReview(ctx.txn(), review));
  spdlog::info("event=quality_reviewed task={} reviewer={} outcome={} hypotheses={}",
               Quoted(review.task_id), Quoted(review.reviewer_id),
               tasks::OutcomeName(review.outcome), review.hypotheses.size());
  return review;
}

Result<wire::ReviewPage> QualityHandlers::ListReviews(HandlerContext& ctx,
                                                      const wire::ListReviews& request) {
  RETURN_IF_ERROR(RequireManager(ctx, wire::kListReviews));
  return store_.ListReviews(ctx.txn(), request);
}

Result<wire::Job> QualityHandlers::GetJob(HandlerContext& ctx, const wire::GetJob& request) {
  RETURN_IF_ERROR(RequireManager(ctx, wire::kGetJob));
  ASSIGN_OR_RETURN(std::optional<wire::Job> job, store_.GetJob(ctx.txn(), request.task_id));
  if (!job) return Status::NotFound("quality knows no job \"" + request.task_id + "\"");
  return std::move(*job);
}

}  // namespace mcf::quality
