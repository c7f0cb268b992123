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
#include "lib/worker/typed_handler.h"
#include "schemas/supplies.h"
#include "schemas/tasks.h"
#include "workers/supplies/supplies_store.h"

namespace mcf::supplies {

// The tasks context's event this worker listens to.
inline constexpr std::string_view kTaskAssigned = schemas::tasks::kTaskAssigned;

class SuppliesHandlers {
 public:
  explicit SuppliesHandlers(SuppliesStore store) : store_(store) {}

  // Opens supplies' databases on `runtime` (a worker::Worker, or a worker::Dispatcher in tests)
  // and registers every handler. A non-ok Status says what failed.
  template <typename Runtime>
  static Status Install(Runtime& runtime) {
    ASSIGN_OR_RETURN(SuppliesStore store, SuppliesStore::Open(runtime));
    auto self = std::make_shared<SuppliesHandlers>(store);
    for (Status s : {worker::Bind(runtime, self, &SuppliesHandlers::OnTaskAssigned),
                     worker::Bind(runtime, self, &SuppliesHandlers::List),
                     worker::Bind(runtime, self, &SuppliesHandlers::Issue)})
      RETURN_IF_ERROR(s);
    return Status::Ok();
  }

  // Creates the task's waiting supply order; a task that already has one is ignored (logged).
  Status OnTaskAssigned(worker::HandlerContext& ctx, const schemas::tasks::TaskAssigned& assigned);
  // supplies.list: the board; forbidden unless supplies, manager or admin.
  Result<schemas::supplies::Board> List(worker::HandlerContext& ctx,
                                        const schemas::supplies::ListRequest& request);
  // supplies.issue: the issued order; forbidden unless supplies or admin; not_found for an
  // unknown id; conflict when already issued.
  Result<schemas::supplies::SupplyOrder> Issue(worker::HandlerContext& ctx,
                                               const schemas::supplies::IssueRequest& request);

 private:
  SuppliesStore store_;
};

}  // namespace mcf::supplies
