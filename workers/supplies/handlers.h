// SuppliesHandlers: adapts the bus to the supply order board. On tasks.task_assigned a waiting
// order with the basic kit is stored (once per task); supplies.list (supplies or manager
// principal) reads the board; supplies.issue (supplies principal) marks an order issued once and
// publishes supplies.kit_issued through the handler's outbox. Runs on the runtime's thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "lib/base/status.h"
#include "lib/worker/handler_context.h"
#include "schemas/body.h"
#include "schemas/supplies.h"
#include "workers/supplies/supplies_store.h"

namespace mcf::supplies {

// The tasks context's event this worker listens to (its body is read field by field here, so
// supplies needs only the registry row, not tasks' decoder).
inline constexpr std::string_view kTaskAssigned = "tasks.task_assigned";

class SuppliesHandlers {
 public:
  explicit SuppliesHandlers(SuppliesStore store) : store_(store) {}

  // Opens supplies' databases on `runtime` (a worker::Worker, or a worker::Dispatcher in tests)
  // and registers every handler. A non-ok Status says what failed.
  template <typename Runtime>
  static Status Install(Runtime& runtime) {
    auto store = SuppliesStore::Open(runtime);
    if (!store.ok()) return store.status();
    auto self = std::make_shared<SuppliesHandlers>(*store);
    using worker::HandlerContext;
    using Body = schemas::Body;
    Status s = runtime.OnEvent(kTaskAssigned, [self](HandlerContext& c, const Body& b) {
      return self->OnTaskAssigned(c, b);
    });
    if (s.ok())
      s = runtime.OnCommand(schemas::supplies::kList,
                            [self](HandlerContext& c, const Body& b) { return self->List(c, b); });
    if (s.ok())
      s = runtime.OnCommand(schemas::supplies::kIssue,
                            [self](HandlerContext& c, const Body& b) { return self->Issue(c, b); });
    return s;
  }

  // Creates the task's waiting supply order; a task that already has one is ignored (logged).
  Status OnTaskAssigned(worker::HandlerContext& ctx, const schemas::Body& body);
  // supplies.list {status?} -> {orders}; forbidden unless supplies or manager.
  Result<std::string> List(worker::HandlerContext& ctx, const schemas::Body& body);
  // supplies.issue {supply_order_id} -> the issued order; forbidden unless supplies; not_found
  // for an unknown id; conflict when already issued.
  Result<std::string> Issue(worker::HandlerContext& ctx, const schemas::Body& body);

 private:
  SuppliesStore store_;
};

}  // namespace mcf::supplies
