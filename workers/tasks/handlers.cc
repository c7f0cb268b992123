#include "workers/tasks/handlers.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
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
using schemas::Body;
using schemas::BodyWriter;
using worker::HandlerContext;

std::string StatusReply(const Task& t) {
  return BodyWriter().String("id", t.id).String("status", StateName(t.state)).Finish();
}

// {tasks: [the first `limit`], next_after?: the last one's id when more remain}. Tasks come in
// id order (the store's key order), which is what `after` pages over.
std::string ListReply(const std::vector<Task>& tasks, size_t limit = SIZE_MAX) {
  const size_t n = std::min(limit, tasks.size());
  schemas::MsgpackWriter array;
  array.ArrayHeader(static_cast<uint32_t>(n));
  for (size_t i = 0; i < n; ++i) array.Raw(EncodeTask(tasks[i]));
  BodyWriter reply;
  reply.Raw("tasks", array.bytes());
  if (n < tasks.size()) reply.String("next_after", tasks[n - 1].id);
  return reply.Finish();
}

struct Page {
  size_t limit = 50;
  std::string after;  // "" = from the start
};

// {limit? (1..100, default 50), after?}
Result<Page> ReadPage(const Body& body) {
  Page page;
  auto limit = body.OptInt("limit");
  if (!limit.ok()) return limit.status();
  if (*limit) {
    if (**limit < 1 || **limit > 100) return Status::Invalid("body.limit: must be 1..100");
    page.limit = static_cast<size_t>(**limit);
  }
  auto after = body.OptString("after");
  if (!after.ok()) return after.status();
  page.after = after->value_or("");
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

wire::Outcome OutcomeOf(State s) {
  return s == State::kCompleted ? wire::Outcome::kCompleted
         : s == State::kFailed  ? wire::Outcome::kFailed
                                : wire::Outcome::kCanceled;
}

Result<std::string> RequiredString(const Body& body, std::string_view field) {
  auto v = body.String(field);
  if (!v.ok()) return v.status();
  if (v->empty()) return Status::Invalid("body." + std::string(field) + ": must not be empty");
  return v;
}

}  // namespace

// ---- events ----

Status TasksHandlers::OnWorkerMatched(HandlerContext& ctx, const Body& /*body*/) {
  auto matched = schemas::matching::DecodeWorkerMatched(ctx.message().body);
  if (!matched.ok()) return matched.status();
  auto task = store_.Get(ctx.txn(), matched->task_id);
  if (!task.ok()) return task.status();
  if (!*task) {
    spdlog::warn("event=matched_unknown_task task={}", Quoted(matched->task_id));
    return Status::Ok();
  }
  Task& t = **task;
  auto next = Apply(t.state, Action::kAssign, t.kit_issued);
  if (!next.ok()) {
    spdlog::warn("event=match_ignored task={} reason={}", Quoted(t.id),
                 Quoted(next.status().message()));
    return Status::Ok();
  }
  t.state = *next;
  t.worker_id = matched->worker_id;
  t.price_minor = matched->price_minor;
  if (Status s = store_.Put(ctx.txn(), t); !s.ok()) return s;
  wire::TaskAssigned assigned{t.id,        t.worker_id,    t.price_minor,
                              t.client_id, t.starts_at_ms, t.ends_at_ms};
  if (Status s = ctx.Publish(wire::kTaskAssigned, wire::Encode(assigned)); !s.ok()) return s;
  spdlog::info("event=task_assigned task={} worker={} price_minor={}", Quoted(t.id),
               Quoted(t.worker_id), t.price_minor);
  return Status::Ok();
}

// supplies.kit_issued {task_id, supply_order_id}: read with Body directly so that tasks does not
// depend on the supplies family's header.
Status TasksHandlers::OnKitIssued(HandlerContext& ctx, const Body& body) {
  auto task_id = body.String("task_id");
  if (!task_id.ok()) return task_id.status();
  auto order = body.OptString("supply_order_id");
  if (!order.ok()) return order.status();
  auto task = store_.Get(ctx.txn(), *task_id);
  if (!task.ok()) return task.status();
  if (!*task) {
    spdlog::warn("event=kit_for_unknown_task task={}", Quoted(*task_id));
    return Status::Ok();
  }
  Task& t = **task;
  if (IsFinal(t.state)) {
    spdlog::warn("event=kit_for_final_task task={} status={}", Quoted(t.id), StateName(t.state));
    return Status::Ok();
  }
  t.kit_issued = true;
  t.supply_order_id = order->value_or("");
  spdlog::info("event=kit_issued task={} supply_order={}", Quoted(t.id), Quoted(t.supply_order_id));
  return store_.Put(ctx.txn(), t);
}

// portal.help_requested: the order becomes a task with the same id (once).
Status TasksHandlers::OnHelpRequested(HandlerContext& ctx, const Body& /*body*/) {
  auto help = schemas::portal::DecodeHelpRequested(ctx.message().body);
  if (!help.ok()) return help.status();
  auto existing = store_.Get(ctx.txn(), help->order_id);
  if (!existing.ok()) return existing.status();
  if (*existing) {
    spdlog::warn("event=help_request_exists task={}", Quoted(help->order_id));
    return Status::Ok();
  }
  Task t;
  t.id = std::move(help->order_id);
  t.client_id = std::move(help->client_id);
  t.service_type_id = std::move(help->service_type_id);
  t.description = std::move(help->description);
  t.starts_at_ms = help->starts_at_ms;
  t.ends_at_ms = help->ends_at_ms;
  auto created = CreateTask(ctx, std::move(t));
  return created.ok() ? Status::Ok() : created.status();
}

Status TasksHandlers::OnClockTick(HandlerContext& ctx, const Body& /*body*/) {
  auto tick = schemas::clock::DecodeTimeEvent(schemas::clock::kTick, ctx.message().body);
  if (!tick.ok()) return tick.status();
  const int64_t grace = options_.no_show_grace_ms;
  auto due = store_.Scan(ctx.txn(), [&](const Task& t) {
    return IsNoShow(t.state, t.starts_at_ms, grace, tick->at_ms);
  });
  if (!due.ok()) return due.status();
  for (Task& t : *due) {
    if (Status s = Finalize(ctx, t, State::kCanceled, "no_show"); !s.ok()) return s;
    if (Status s =
            ctx.Publish(wire::kCopyOffered, wire::Encode(wire::CopyOffered{t.id, t.client_id}));
        !s.ok())
      return s;
    spdlog::info("event=no_show task={} worker={} starts_at={} at={}", Quoted(t.id),
                 Quoted(t.worker_id), t.starts_at_ms, tick->at_ms);
  }
  return Status::Ok();
}

// ---- commands ----

Result<Task> TasksHandlers::CreateTask(HandlerContext& ctx, Task task) {
  if (task.id.empty()) task.id = ctx.NewId("task");
  task.state = State::kRequested;
  if (Status s = store_.Put(ctx.txn(), task); !s.ok()) return s;
  wire::TaskRequested requested{task.id,          task.client_id,  task.service_type_id,
                                task.starts_at_ms, task.ends_at_ms, task.description,
                                task.copied_from};
  if (Status s = ctx.Publish(wire::kTaskRequested, wire::Encode(requested)); !s.ok()) return s;
  spdlog::info("event=task_requested task={} client={} starts_at={} copied_from={}",
               Quoted(task.id), Quoted(task.client_id), task.starts_at_ms,
               Quoted(task.copied_from));
  return task;
}

Result<std::string> TasksHandlers::Request(HandlerContext& ctx, const Body& body) {
  auto client_id = RequiredString(body, "client_id");
  if (!client_id.ok()) return client_id.status();
  const auto& p = ctx.message().principal;
  if (p && !IsManager(ctx) && !Is(ctx, "client", *client_id) && p->role != "system")
    return Status::Forbidden("a client may request tasks only for themselves");
  auto service_type_id = RequiredString(body, "service_type_id");
  if (!service_type_id.ok()) return service_type_id.status();
  auto description = body.OptString("description");
  if (!description.ok()) return description.status();
  auto starts_at = body.Int("starts_at");
  if (!starts_at.ok()) return starts_at.status();
  auto duration = body.OptInt("duration_ms");
  if (!duration.ok()) return duration.status();
  int64_t duration_ms = duration->value_or(options_.default_duration_ms);
  if (duration_ms <= 0) return Status::Invalid("body.duration_ms: must be positive");
  Task t;
  t.client_id = std::move(*client_id);
  t.service_type_id = std::move(*service_type_id);
  t.description = description->value_or("");
  t.starts_at_ms = *starts_at;
  t.ends_at_ms = *starts_at + duration_ms;
  auto created = CreateTask(ctx, std::move(t));
  if (!created.ok()) return created.status();
  return StatusReply(*created);
}

Result<std::string> TasksHandlers::Get(HandlerContext& ctx, const Body& body) {
  auto task_id = RequiredString(body, "task_id");
  if (!task_id.ok()) return task_id.status();
  auto task = store_.Get(ctx.txn(), *task_id);
  if (!task.ok()) return task.status();
  // Someone else's task is indistinguishable from a missing one.
  if (!*task || !(IsManager(ctx) || Is(ctx, "client", (*task)->client_id) ||
                  (!(*task)->worker_id.empty() && Is(ctx, "worker", (*task)->worker_id))))
    return Status::NotFound("no task \"" + *task_id + "\"");
  return EncodeTask(**task);
}

Result<std::string> TasksHandlers::ListForWorker(HandlerContext& ctx, const Body& body) {
  auto worker_id = RequiredString(body, "worker_id");
  if (!worker_id.ok()) return worker_id.status();
  auto which = body.String("state");
  if (!which.ok()) return which.status();
  if (*which != "active" && *which != "completed" && *which != "canceled")
    return Status::Invalid("body.state: expected active, completed or canceled, got " + *which);
  if (!IsManager(ctx) && !Is(ctx, "worker", *worker_id))
    return Status::Forbidden("a worker may list only their own jobs");
  auto page = ReadPage(body);
  if (!page.ok()) return page.status();
  // active: assigned or checked in; completed: finished work (completed or failed); canceled.
  auto tasks = store_.Scan(ctx.txn(), [&](const Task& t) {
    if (t.worker_id != *worker_id || t.id <= page->after) return false;
    if (*which == "active") return t.state == State::kAssigned || t.state == State::kCheckedIn;
    if (*which == "completed") return t.state == State::kCompleted || t.state == State::kFailed;
    return t.state == State::kCanceled;
  });
  if (!tasks.ok()) return tasks.status();
  return ListReply(*tasks, page->limit);
}

Result<std::string> TasksHandlers::ListForClient(HandlerContext& ctx, const Body& body) {
  auto client_id = RequiredString(body, "client_id");
  if (!client_id.ok()) return client_id.status();
  if (!IsManager(ctx) && !Is(ctx, "client", *client_id))
    return Status::Forbidden("a client may list only their own tasks");
  auto tasks = store_.Scan(ctx.txn(), [&](const Task& t) { return t.client_id == *client_id; });
  if (!tasks.ok()) return tasks.status();
  return ListReply(*tasks);
}

Result<Task> TasksHandlers::LoadForAssignedWorker(HandlerContext& ctx, const Body& body) {
  auto task_id = RequiredString(body, "task_id");
  if (!task_id.ok()) return task_id.status();
  const auto& p = ctx.message().principal;
  if (!p || p->role != "worker") return Status::Forbidden("only the assigned worker may do this");
  auto task = store_.Get(ctx.txn(), *task_id);
  if (!task.ok()) return task.status();
  if (!*task || (*task)->worker_id != p->id)
    return Status::NotFound("no task \"" + *task_id + "\" assigned to you");
  return std::move(**task);
}

Result<std::string> TasksHandlers::ReadPhoto(const Body& body) const {
  auto raw = body.Raw("photo");
  if (!raw.ok()) return raw.status();
  schemas::MsgpackReader r(*raw);
  std::optional<std::string_view> bytes;
  if (r.Peek() == schemas::MsgType::kBinary) {
    bytes = r.ReadBinary();
  } else if (r.Peek() == schemas::MsgType::kString) {
    bytes = r.ReadString();
  }
  if (!bytes) return Status::Invalid("body.photo: expected bytes or a string");
  if (bytes->empty()) return Status::Invalid("body.photo: must not be empty");
  if (bytes->size() > options_.max_photo_bytes)
    return Status::Invalid("body.photo: " + std::to_string(bytes->size()) +
                           " bytes is over the limit of " +
                           std::to_string(options_.max_photo_bytes));
  return std::string(*bytes);
}

Result<std::string> TasksHandlers::CheckIn(HandlerContext& ctx, const Body& body) {
  auto task = LoadForAssignedWorker(ctx, body);
  if (!task.ok()) return task.status();
  auto photo = ReadPhoto(body);
  if (!photo.ok()) return photo.status();
  auto next = Apply(task->state, Action::kCheckIn, task->kit_issued);
  if (!next.ok()) return next.status();
  task->state = *next;
  task->checked_in_at_ms = ctx.now_ms();
  if (Status s = store_.PutPhoto(ctx.txn(), task->id, "check_in", *photo); !s.ok()) return s;
  if (Status s = store_.Put(ctx.txn(), *task); !s.ok()) return s;
  wire::CheckedIn event{task->id, task->worker_id, ctx.now_ms()};
  if (Status s = ctx.Publish(wire::kCheckedIn, wire::Encode(event)); !s.ok()) return s;
  spdlog::info("event=checked_in task={} worker={} photo_bytes={}", Quoted(task->id),
               Quoted(task->worker_id), photo->size());
  return StatusReply(*task);
}

Result<std::string> TasksHandlers::Complete(HandlerContext& ctx, const Body& body) {
  auto task = LoadForAssignedWorker(ctx, body);
  if (!task.ok()) return task.status();
  // A retry (even under a new command id) of a completion that happened: same answer, no event.
  if (task->state == State::kCompleted) return StatusReply(*task);
  auto photo = ReadPhoto(body);
  if (!photo.ok()) return photo.status();
  auto next = Apply(task->state, Action::kComplete, task->kit_issued);
  if (!next.ok()) return next.status();
  if (Status s = store_.PutPhoto(ctx.txn(), task->id, "report", *photo); !s.ok()) return s;
  if (Status s = Finalize(ctx, *task, *next, ""); !s.ok()) return s;
  return StatusReply(*task);
}

Result<std::string> TasksHandlers::Fail(HandlerContext& ctx, const Body& body) {
  auto task = LoadForAssignedWorker(ctx, body);
  if (!task.ok()) return task.status();
  auto reason = RequiredString(body, "reason");
  if (!reason.ok()) return reason.status();
  auto next = Apply(task->state, Action::kFail, task->kit_issued);
  if (!next.ok()) return next.status();
  if (Status s = Finalize(ctx, *task, *next, std::move(*reason)); !s.ok()) return s;
  return StatusReply(*task);
}

Result<std::string> TasksHandlers::Copy(HandlerContext& ctx, const Body& body) {
  auto task_id = RequiredString(body, "task_id");
  if (!task_id.ok()) return task_id.status();
  auto starts_at = body.Int("starts_at");
  if (!starts_at.ok()) return starts_at.status();
  if (*starts_at < ctx.now_ms()) return Status::Invalid("body.starts_at: must not be in the past");
  auto task = store_.Get(ctx.txn(), *task_id);
  if (!task.ok()) return task.status();
  if (!*task || !(Is(ctx, "client", (*task)->client_id) || IsManager(ctx)))
    return Status::NotFound("no task \"" + *task_id + "\"");
  Task& original = **task;
  if (original.state != State::kCanceled || original.reason != "no_show")
    return Status::Conflict("only a task canceled by a no-show can be copied");
  if (!original.copy_id.empty())
    return Status::Conflict("task \"" + original.id + "\" was already copied as \"" +
                            original.copy_id + "\"");
  Task copy;
  copy.client_id = original.client_id;
  copy.service_type_id = original.service_type_id;
  copy.description = original.description;
  copy.starts_at_ms = *starts_at;
  copy.ends_at_ms = *starts_at + (original.ends_at_ms - original.starts_at_ms);
  copy.copied_from = original.id;
  auto created = CreateTask(ctx, std::move(copy));
  if (!created.ok()) return created.status();
  original.copy_id = created->id;
  if (Status s = store_.Put(ctx.txn(), original); !s.ok()) return s;
  return StatusReply(*created);
}

Status TasksHandlers::Finalize(HandlerContext& ctx, Task& task, State final_state,
                               std::string reason) {
  task.state = final_state;
  task.reason = std::move(reason);
  if (Status s = store_.Put(ctx.txn(), task); !s.ok()) return s;
  wire::TaskFinalized event{task.id,     task.worker_id,   OutcomeOf(final_state),
                            task.reason, task.price_minor, task.client_id};
  if (Status s = ctx.Publish(wire::kTaskFinalized, wire::Encode(event)); !s.ok()) return s;
  spdlog::info("event=task_finalized task={} worker={} outcome={} reason={}", Quoted(task.id),
               Quoted(task.worker_id), StateName(final_state), Quoted(task.reason));
  return Status::Ok();
}

}  // namespace mcf::tasks
