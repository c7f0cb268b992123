// TasksHandlers: adapts the bus to the tasks domain (task_state.h). Events move a task
// (portal.help_requested creates it, matching.worker_matched assigns it, supplies.kit_issued
// sets its kit flag, clock.tick cancels no-shows); commands (tasks.request/get/list_for_worker/
// list_for_client/check_in/complete/fail/copy) read and move it for a principal. Time is the
// bus time of the message (HandlerContext::now_ms), never the wall clock. Publishes
// tasks.* events through the handler's outbox, so they go out iff the change commits. Runs on
// the worker runtime's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lib/base/status.h"
#include "lib/worker/handler_context.h"
#include "lib/worker/typed_handler.h"
#include "schemas/clock.h"
#include "schemas/matching.h"
#include "schemas/portal.h"
#include "schemas/supplies.h"
#include "workers/tasks/tasks_store.h"

namespace mcf::tasks {

struct TasksOptions {
  int64_t no_show_grace_ms = 30 * 60 * 1000;     // --no-show-grace-ms
  int64_t check_in_window_ms = 60 * 60 * 1000;   // --check-in-window-ms (>= 0)
  size_t max_photo_bytes = size_t{5} << 20;      // --max-photo-bytes
  int64_t default_duration_ms = 60 * 60 * 1000;  // tasks.request without duration_ms
};


class TasksHandlers {
 public:
  TasksHandlers(TasksStore store, TasksOptions options) : store_(store), options_(options) {}

  // Opens the tasks databases on `runtime` (a worker::Worker, or a worker::Dispatcher in tests)
  // and registers every handler. A non-ok Status says what failed.
  template <typename Runtime>
  static Status Install(Runtime& runtime, TasksOptions options) {
    ASSIGN_OR_RETURN(auto store, TasksStore::Open(runtime));
    auto self = std::make_shared<TasksHandlers>(store, options);
    for (Status s : {worker::Bind(runtime, self, &TasksHandlers::OnWorkerMatched),
                     worker::Bind(runtime, self, &TasksHandlers::OnKitIssued),
                     worker::Bind(runtime, self, &TasksHandlers::OnHelpRequested),
                     worker::Bind(runtime, self, &TasksHandlers::OnClockTick),
                     worker::Bind(runtime, self, &TasksHandlers::Request),
                     worker::Bind(runtime, self, &TasksHandlers::Get),
                     worker::Bind(runtime, self, &TasksHandlers::ListForWorker),
                     worker::Bind(runtime, self, &TasksHandlers::ListForClient),
                     worker::Bind(runtime, self, &TasksHandlers::CheckIn),
                     worker::Bind(runtime, self, &TasksHandlers::Complete),
                     worker::Bind(runtime, self, &TasksHandlers::Fail),
                     worker::Bind(runtime, self, &TasksHandlers::Copy)})
      RETURN_IF_ERROR(s);
    return Status::Ok();
  }

  // Events. An event about an unknown task, or one the state machine refuses, is logged and
  // ignored (ok): events are facts, they are not answered.
  Status OnWorkerMatched(worker::HandlerContext& ctx,
                         const schemas::matching::WorkerMatched& matched);
  Status OnKitIssued(worker::HandlerContext& ctx, const schemas::supplies::KitIssued& kit);
  Status OnClockTick(worker::HandlerContext& ctx, const schemas::clock::Tick& tick);
  Status OnHelpRequested(worker::HandlerContext& ctx, const schemas::portal::HelpRequested& help);

  // Commands: {id, status} for the ones that create or move a task, the task for get, a page
  // of tasks for the lists (the declarations in schemas/tasks.h).
  using TaskStatusReply = schemas::tasks::TaskStatusReply;
  using TaskList = schemas::tasks::TaskList;
  Result<TaskStatusReply> Request(worker::HandlerContext& ctx, const schemas::tasks::Request& r);
  Result<Task> Get(worker::HandlerContext& ctx, const schemas::tasks::Get& r);
  Result<TaskList> ListForWorker(worker::HandlerContext& ctx,
                                 const schemas::tasks::ListForWorker& r);
  Result<TaskList> ListForClient(worker::HandlerContext& ctx,
                                 const schemas::tasks::ListForClient& r);
  Result<TaskStatusReply> CheckIn(worker::HandlerContext& ctx, const schemas::tasks::CheckIn& r);
  Result<TaskStatusReply> Complete(worker::HandlerContext& ctx,
                                   const schemas::tasks::Complete& r);
  Result<TaskStatusReply> Fail(worker::HandlerContext& ctx, const schemas::tasks::Fail& r);
  Result<TaskStatusReply> Copy(worker::HandlerContext& ctx, const schemas::tasks::Copy& r);

 private:
  // The task `task_id` names, checked to be the principal's own assigned job (worker).
  Result<Task> LoadForAssignedWorker(worker::HandlerContext& ctx, const std::string& task_id);
  // Creates, stores and publishes task_requested for a new task.
  Result<Task> CreateTask(worker::HandlerContext& ctx, Task task);
  // Moves `task` to a final state, stores it and publishes the one task_finalized.
  Status Finalize(worker::HandlerContext& ctx, Task& task, State final_state, std::string reason);
  // The photo within the cap (--max-photo-bytes).
  Status CheckPhoto(const schemas::Bytes& photo) const;

  TasksStore store_;
  TasksOptions options_;
};

}  // namespace mcf::tasks
