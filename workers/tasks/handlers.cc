#include "workers/tasks/handlers.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/base/log.h"
#include "schemas/clock.h"
#include "schemas/matching.h"
#include "schemas/msgpack.h"
#include "schemas/portal.h"
#include "schemas/tasks.h"

namespace mcf::tasks {
namespace {

namespace wire = schemas::tasks;
using worker::HandlerContext;

TasksHandlers::TaskStatusReply StatusReply(const Task& t) { return {t.id, t.state}; }

// The first `limit` of `tasks` (in id order: the store's key order, which `after` pages over),
// and the last one's id when more remain.
TasksHandlers::TaskList Page(std::vector<Task> tasks, size_t limit = SIZE_MAX) {
  TasksHandlers::TaskList page;
  if (tasks.size() > limit) {
    tasks.resize(limit);
    page.next_after = tasks.back().id;
  }
  page.tasks = std::move(tasks);
  return page;
}

bool IsManager(const HandlerContext& ctx) {
  const auto& p = ctx.message().principal;
  return p && (p->role == "manager" || p->role == "admin");
}
bool Is(const HandlerContext& ctx, std::string_view role, const std::string& id) {
  const auto& p = ctx.message().principal;
  return p && p->role == role && p->id == id;
}

// "60 minutes", "90 seconds", "1500 ms": the window as an operator configured it.
std::string DurationText(int64_t ms) {
  auto plural = [](int64_t n, std::string_view unit) {
    return std::to_string(n) + " " + std::string(unit) + (n == 1 ? "" : "s");
  };
  if (ms % 60'000 == 0) return plural(ms / 60'000, "minute");
  if (ms % 1000 == 0) return plural(ms / 1000, "second");
  return std::to_string(ms) + " ms";
}

// conflict naming the window and the instant it opens, when `now_ms` is before it.
Status CheckInWindow(const Task& t, int64_t window_ms, int64_t now_ms) {
  if (IsCheckInOpen(t.starts_at_ms, window_ms, now_ms)) return Status::Ok();
  return Status::Conflict("check-in opens " + DurationText(window_ms) +
                          " before the appointment, at " +
                          schemas::clock::Iso8601(CheckInOpensAt(t.starts_at_ms, window_ms)));
}

wire::Outcome OutcomeOf(State s) {
  return s == State::kCompleted ? wire::Outcome::kCompleted
         : s == State::kFailed  ? wire::Outcome::kFailed
                                : wire::Outcome::kCanceled;
}

}  // namespace

// ---- events ----

Status TasksHandlers::OnWorkerMatched(HandlerContext& ctx,
                                      const schemas::matching::WorkerMatched& matched) {
  ASSIGN_OR_RETURN(auto task, store_.Get(ctx.txn(), matched.task_id));
  if (!task) {
    spdlog::warn("event=matched_unknown_task task={}", Quoted(matched.task_id));
    return Status::Ok();
  }
  Task& t = *task;
  auto next = Apply(t.state, Action::kAssign, t.kit_issued);
  if (!next.ok()) {
    spdlog::warn("event=match_ignored task={} reason={}", Quoted(t.id),
                 Quoted(next.status().message()));
    return Status::Ok();
  }
  t.state = *next;
  t.worker_id = matched.worker_id;
  t.price_minor = matched.price_minor;
  RETURN_IF_ERROR(store_.Put(ctx.txn(), t));
  wire::TaskAssigned assigned{t.id,        t.worker_id,    t.price_minor,
                              t.client_id, t.starts_at_ms, t.ends_at_ms};
  RETURN_IF_ERROR(ctx.Publish(assigned));
  spdlog::info("event=task_assigned task={} worker={} price_minor={}", Quoted(t.id),
               Quoted(t.worker_id), t.price_minor);
  return Status::Ok();
}

Status TasksHandlers::OnKitIssued(HandlerContext& ctx, const schemas::supplies::KitIssued& kit) {
  ASSIGN_OR_RETURN(auto task, store_.Get(ctx.txn(), kit.task_id));
  if (!task) {
    spdlog::warn("event=kit_for_unknown_task task={}", Quoted(kit.task_id));
    return Status::Ok();
  }
  Task& t = *task;
  if (IsFinal(t.state)) {
    spdlog::warn("event=kit_for_final_task task={} status={}", Quoted(t.id), StateName(t.state));
    return Status::Ok();
  }
  t.kit_issued = true;
  t.supply_order_id = kit.supply_order_id;
  spdlog::info("event=kit_issued task={} supply_order={}", Quoted(t.id), Quoted(t.supply_order_id));
  return store_.Put(ctx.txn(), t);
}

// portal.help_requested: the order becomes a task with the same id (once).
Status TasksHandlers::OnHelpRequested(HandlerContext& ctx,
                                      const schemas::portal::HelpRequested& help) {
  ASSIGN_OR_RETURN(const auto existing, store_.Get(ctx.txn(), help.order_id));
  if (existing) {
    spdlog::warn("event=help_request_exists task={}", Quoted(help.order_id));
    return Status::Ok();
  }
  Task t;
  t.id = help.order_id;
  t.client_id = help.client_id;
  t.service_type_id = help.service_type_id;
  t.description = help.description;
  t.starts_at_ms = help.starts_at_ms;
  t.ends_at_ms = help.ends_at_ms;
  return CreateTask(ctx, std::move(t)).status();
}

Status TasksHandlers::OnClockTick(HandlerContext& ctx, const schemas::clock::Tick& tick) {
  const int64_t grace = options_.no_show_grace_ms;
  ASSIGN_OR_RETURN(auto due, store_.Scan(ctx.txn(), [&](const Task& t) {
    return IsNoShow(t.state, t.starts_at_ms, grace, tick.at_ms);
  }));
  for (Task& t : due) {
    RETURN_IF_ERROR(Finalize(ctx, t, State::kCanceled, "no_show"));
    RETURN_IF_ERROR(ctx.Publish(wire::CopyOffered{t.id, t.client_id}));
    spdlog::info("event=no_show task={} worker={} starts_at={} at={}", Quoted(t.id),
                 Quoted(t.worker_id), t.starts_at_ms, tick.at_ms);
  }
  return Status::Ok();
}

// ---- commands ----

Result<Task> TasksHandlers::CreateTask(HandlerContext& ctx, Task task) {
  if (task.id.empty()) task.id = ctx.NewId("task");
  task.state = State::kRequested;
  RETURN_IF_ERROR(store_.Put(ctx.txn(), task));
  wire::TaskRequested requested{task.id,          task.client_id,  task.service_type_id,
                                task.starts_at_ms, task.ends_at_ms, task.description,
                                task.copied_from};
  RETURN_IF_ERROR(ctx.Publish(requested));
  spdlog::info("event=task_requested task={} client={} starts_at={} copied_from={}",
               Quoted(task.id), Quoted(task.client_id), task.starts_at_ms,
               Quoted(task.copied_from));
  return task;
}

Result<TasksHandlers::TaskStatusReply> TasksHandlers::Request(HandlerContext& ctx,
                                                             const wire::Request& r) {
  const auto& p = ctx.message().principal;
  if (p && !IsManager(ctx) && !Is(ctx, "client", r.client_id) && p->role != "system")
    return Status::Forbidden("a client may request tasks only for themselves");
  Task t;
  t.client_id = r.client_id;
  t.service_type_id = r.service_type_id;
  t.description = r.description;
  t.starts_at_ms = r.starts_at_ms;
  t.ends_at_ms = r.starts_at_ms + r.duration_ms.value_or(options_.default_duration_ms);
  ASSIGN_OR_RETURN(const Task created, CreateTask(ctx, std::move(t)));
  return StatusReply(created);
}

Result<Task> TasksHandlers::Get(HandlerContext& ctx, const wire::Get& r) {
  ASSIGN_OR_RETURN(std::optional<Task> task, store_.Get(ctx.txn(), r.task_id));
  // Someone else's task is indistinguishable from a missing one.
  if (!task || !(IsManager(ctx) || Is(ctx, "client", task->client_id) ||
                 (!task->worker_id.empty() && Is(ctx, "worker", task->worker_id))))
    return Status::NotFound("no task \"" + r.task_id + "\"");
  return std::move(*task);
}

Result<TasksHandlers::TaskList> TasksHandlers::ListForWorker(HandlerContext& ctx,
                                                            const wire::ListForWorker& r) {
  if (!IsManager(ctx) && !Is(ctx, "worker", r.worker_id))
    return Status::Forbidden("a worker may list only their own jobs");
  using wire::JobFilter;
  ASSIGN_OR_RETURN(std::vector<Task> tasks, store_.Scan(ctx.txn(), [&](const Task& t) {
                     if (t.worker_id != r.worker_id || t.id <= r.after) return false;
                     switch (r.state) {
                       case JobFilter::kActive:
                         return t.state == State::kAssigned || t.state == State::kCheckedIn;
                       case JobFilter::kCompleted:
                         return t.state == State::kCompleted || t.state == State::kFailed;
                       case JobFilter::kCanceled:
                         return t.state == State::kCanceled;
                     }
                     return false;
                   }));
  return Page(std::move(tasks), static_cast<size_t>(r.limit));
}

Result<TasksHandlers::TaskList> TasksHandlers::ListForClient(HandlerContext& ctx,
                                                            const wire::ListForClient& r) {
  if (!IsManager(ctx) && !Is(ctx, "client", r.client_id))
    return Status::Forbidden("a client may list only their own tasks");
  ASSIGN_OR_RETURN(std::vector<Task> tasks, store_.Scan(ctx.txn(), [&](const Task& t) {
                     return t.client_id == r.client_id;
                   }));
  return Page(std::move(tasks));
}

Result<Task> TasksHandlers::LoadForAssignedWorker(HandlerContext& ctx,
                                                  const std::string& task_id) {
  const auto& p = ctx.message().principal;
  if (!p || p->role != "worker") return Status::Forbidden("only the assigned worker may do this");
  ASSIGN_OR_RETURN(std::optional<Task> task, store_.Get(ctx.txn(), task_id));
  if (!task || task->worker_id != p->id)
    return Status::NotFound("no task \"" + task_id + "\" assigned to you");
  return std::move(*task);
}

Status TasksHandlers::CheckPhoto(const schemas::Bytes& photo) const {
  if (photo.data.size() > options_.max_photo_bytes)
    return Status::Invalid("body.photo: " + std::to_string(photo.data.size()) +
                           " bytes is over the limit of " +
                           std::to_string(options_.max_photo_bytes));
  return Status::Ok();
}

Result<TasksHandlers::TaskStatusReply> TasksHandlers::CheckIn(HandlerContext& ctx,
                                                             const wire::CheckIn& r) {
  ASSIGN_OR_RETURN(Task task, LoadForAssignedWorker(ctx, r.task_id));
  RETURN_IF_ERROR(CheckPhoto(r.photo));
  // The order of the refusals: the task's state, then the kit, then the window. A missing kit
  // needs someone else (the supplies staff) and waiting does not fix it, so it is said first,
  // while there is time to chase it; "opens at" is said only when waiting is all it takes.
  ASSIGN_OR_RETURN(task.state, Apply(task.state, Action::kCheckIn, task.kit_issued));
  RETURN_IF_ERROR(CheckInWindow(task, options_.check_in_window_ms, ctx.now_ms()));
  task.checked_in_at_ms = ctx.now_ms();
  RETURN_IF_ERROR(store_.PutPhoto(ctx.txn(), task.id, "check_in", r.photo.data));
  RETURN_IF_ERROR(store_.Put(ctx.txn(), task));
  RETURN_IF_ERROR(ctx.Publish(wire::CheckedIn{task.id, task.worker_id, ctx.now_ms()}));
  spdlog::info("event=checked_in task={} worker={} photo_bytes={}", Quoted(task.id),
               Quoted(task.worker_id), r.photo.data.size());
  return StatusReply(task);
}

Result<TasksHandlers::TaskStatusReply> TasksHandlers::Complete(HandlerContext& ctx,
                                                              const wire::Complete& r) {
  ASSIGN_OR_RETURN(Task task, LoadForAssignedWorker(ctx, r.task_id));
  // A retry (even under a new command id) of a completion that happened: same answer, no event.
  if (task.state == State::kCompleted) return StatusReply(task);
  RETURN_IF_ERROR(CheckPhoto(r.photo));
  ASSIGN_OR_RETURN(const State next, Apply(task.state, Action::kComplete, task.kit_issued));
  RETURN_IF_ERROR(store_.PutPhoto(ctx.txn(), task.id, "report", r.photo.data));
  RETURN_IF_ERROR(Finalize(ctx, task, next, ""));
  return StatusReply(task);
}

Result<TasksHandlers::TaskStatusReply> TasksHandlers::Fail(HandlerContext& ctx,
                                                          const wire::Fail& r) {
  ASSIGN_OR_RETURN(Task task, LoadForAssignedWorker(ctx, r.task_id));
  ASSIGN_OR_RETURN(const State next, Apply(task.state, Action::kFail, task.kit_issued));
  RETURN_IF_ERROR(Finalize(ctx, task, next, r.reason));
  return StatusReply(task);
}

Result<TasksHandlers::TaskStatusReply> TasksHandlers::Copy(HandlerContext& ctx,
                                                          const wire::Copy& r) {
  if (r.starts_at_ms < ctx.now_ms())
    return Status::Invalid("body.starts_at: must not be in the past");
  ASSIGN_OR_RETURN(std::optional<Task> task, store_.Get(ctx.txn(), r.task_id));
  if (!task || !(Is(ctx, "client", task->client_id) || IsManager(ctx)))
    return Status::NotFound("no task \"" + r.task_id + "\"");
  Task& original = *task;
  if (original.state != State::kCanceled || original.reason != "no_show")
    return Status::Conflict("only a task canceled by a no-show can be copied");
  if (!original.copy_id.empty())
    return Status::Conflict("task \"" + original.id + "\" was already copied as \"" +
                            original.copy_id + "\"");
  Task copy;
  copy.client_id = original.client_id;
  copy.service_type_id = original.service_type_id;
  copy.description = original.description;
  copy.starts_at_ms = r.starts_at_ms;
  copy.ends_at_ms = r.starts_at_ms + (original.ends_at_ms - original.starts_at_ms);
  copy.copied_from = original.id;
  ASSIGN_OR_RETURN(const Task created, CreateTask(ctx, std::move(copy)));
  original.copy_id = created.id;
  RETURN_IF_ERROR(store_.Put(ctx.txn(), original));
  return StatusReply(created);
}

Status TasksHandlers::Finalize(HandlerContext& ctx, Task& task, State final_state,
                               std::string reason) {
  task.state = final_state;
  task.reason = std::move(reason);
  RETURN_IF_ERROR(store_.Put(ctx.txn(), task));
  wire::TaskFinalized event{task.id,     task.worker_id,   OutcomeOf(final_state),
                            task.reason, task.price_minor, task.client_id};
  RETURN_IF_ERROR(ctx.Publish(event));
  spdlog::info("event=task_finalized task={} worker={} outcome={} reason={}", Quoted(task.id),
               Quoted(task.worker_id), StateName(final_state), Quoted(task.reason));
  return Status::Ok();
}

}  // namespace mcf::tasks
