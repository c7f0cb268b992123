// TasksHandlers: adapts the bus to the tasks domain (task_state.h). Events move a task
// (portal.help_requested creates it, matching.worker_matched assigns it, supplies.kit_issued sets its kit flag, clock.tick cancels
// no-shows); commands (tasks.request/get/list_for_worker/list_for_client/check_in/complete/fail/
// copy) read and move it for a principal. Publishes tasks.* events through the handler's outbox,
// so they go out iff the change commits. Runs on the worker runtime's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lib/base/status.h"
#include "lib/worker/handler_context.h"
#include "schemas/body.h"
#include "workers/tasks/tasks_store.h"

namespace mcf::tasks {

struct TasksOptions {
  int64_t no_show_grace_ms = 30 * 60 * 1000;     // --no-show-grace-ms
  size_t max_photo_bytes = size_t{5} << 20;      // --max-photo-bytes
  int64_t default_duration_ms = 60 * 60 * 1000;  // tasks.request without duration_ms
};

inline constexpr std::string_view kWorkerMatched = "matching.worker_matched";
inline constexpr std::string_view kKitIssued = "supplies.kit_issued";
inline constexpr std::string_view kClockTick = "clock.tick";
inline constexpr std::string_view kHelpRequested = "portal.help_requested";

class TasksHandlers {
 public:
  TasksHandlers(TasksStore store, TasksOptions options) : store_(store), options_(options) {}

  // Opens the tasks databases on `runtime` (a worker::Worker, or a worker::Dispatcher in tests)
  // and registers every handler. A non-ok Status says what failed.
  template <typename Runtime>
  static Status Install(Runtime& runtime, TasksOptions options) {
    auto store = TasksStore::Open(runtime);
    if (!store.ok()) return store.status();
    auto self = std::make_shared<TasksHandlers>(*store, options);
    using worker::HandlerContext;
    using Body = schemas::Body;
    using EventFn = Status (TasksHandlers::*)(HandlerContext&, const Body&);
    using CommandFn = Result<std::string> (TasksHandlers::*)(HandlerContext&, const Body&);
    for (auto [type, fn] :
         {std::pair<std::string_view, EventFn>{kWorkerMatched, &TasksHandlers::OnWorkerMatched},
          {kKitIssued, &TasksHandlers::OnKitIssued},
          {kClockTick, &TasksHandlers::OnClockTick},
          {kHelpRequested, &TasksHandlers::OnHelpRequested}}) {
      Status s = runtime.OnEvent(
          type, [self, fn](HandlerContext& c, const Body& b) { return ((*self).*fn)(c, b); });
      if (!s.ok()) return s;
    }
    for (auto [type, fn] :
         {std::pair<std::string_view, CommandFn>{"tasks.request", &TasksHandlers::Request},
          {"tasks.get", &TasksHandlers::Get},
          {"tasks.list_for_worker", &TasksHandlers::ListForWorker},
          {"tasks.list_for_client", &TasksHandlers::ListForClient},
          {"tasks.check_in", &TasksHandlers::CheckIn},
          {"tasks.complete", &TasksHandlers::Complete},
          {"tasks.fail", &TasksHandlers::Fail},
          {"tasks.copy", &TasksHandlers::Copy}}) {
      Status s = runtime.OnCommand(
          type, [self, fn](HandlerContext& c, const Body& b) { return ((*self).*fn)(c, b); });
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }

  // Events. An event about an unknown task, or one the state machine refuses, is logged and
  // ignored (ok): events are facts, they are not answered.
  Status OnWorkerMatched(worker::HandlerContext& ctx, const schemas::Body& body);
  Status OnKitIssued(worker::HandlerContext& ctx, const schemas::Body& body);
  Status OnClockTick(worker::HandlerContext& ctx, const schemas::Body& body);
  Status OnHelpRequested(worker::HandlerContext& ctx, const schemas::Body& body);

  // Commands: reply {id, status} for the ones that create or move a task, the task map for get,
  // {tasks: [...]} for lists.
  Result<std::string> Request(worker::HandlerContext& ctx, const schemas::Body& body);
  Result<std::string> Get(worker::HandlerContext& ctx, const schemas::Body& body);
  Result<std::string> ListForWorker(worker::HandlerContext& ctx, const schemas::Body& body);
  Result<std::string> ListForClient(worker::HandlerContext& ctx, const schemas::Body& body);
  Result<std::string> CheckIn(worker::HandlerContext& ctx, const schemas::Body& body);
  Result<std::string> Complete(worker::HandlerContext& ctx, const schemas::Body& body);
  Result<std::string> Fail(worker::HandlerContext& ctx, const schemas::Body& body);
  Result<std::string> Copy(worker::HandlerContext& ctx, const schemas::Body& body);

 private:
  // The task `body.task_id` names, checked to be the principal's own assigned job (worker).
  Result<Task> LoadForAssignedWorker(worker::HandlerContext& ctx, const schemas::Body& body);
  // Creates, stores and publishes task_requested for a new task.
  Result<Task> CreateTask(worker::HandlerContext& ctx, Task task);
  // Moves `task` to a final state, stores it and publishes the one task_finalized.
  Status Finalize(worker::HandlerContext& ctx, Task& task, State final_state, std::string reason);
  // Reads the `photo` field (bin or str), non-empty and within the cap.
  Result<std::string> ReadPhoto(const schemas::Body& body) const;

  TasksStore store_;
  TasksOptions options_;
};

}  // namespace mcf::tasks
