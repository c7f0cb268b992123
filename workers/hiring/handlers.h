// HiringHandlers: the hiring service's commands. hiring.import_worker (admin only) validates a
// profile, stores it under a new worker id and publishes hiring.worker_hired through the
// handler's outbox; hiring.get_worker reads a stored profile. Screening candidates and the
// public application form come in a later issue. Runs on the worker runtime's thread.
#pragma once

#include <memory>
#include <string>

#include "lib/base/status.h"
#include "lib/worker/handler_context.h"
#include "lib/worker/typed_handler.h"
#include "schemas/hiring.h"
#include "workers/hiring/hiring_store.h"

namespace mcf::hiring {

class HiringHandlers {
 public:
  explicit HiringHandlers(HiringStore store) : store_(store) {}

  // Opens hiring's database on `runtime` (a worker::Worker, or a worker::Dispatcher in tests)
  // and registers every handler. A non-ok Status says what failed.
  template <typename Runtime>
  static Status Install(Runtime& runtime) {
    ASSIGN_OR_RETURN(HiringStore store, HiringStore::Open(runtime));
    auto self = std::make_shared<HiringHandlers>(store);
    RETURN_IF_ERROR(worker::Bind(runtime, self, &HiringHandlers::ImportWorker));
    return worker::Bind(runtime, self, &HiringHandlers::GetWorker);
  }

  // hiring.import_worker: forbidden unless the principal is an admin; invalid for a bad
  // profile; else {worker_id} and hiring.worker_hired.
  Result<schemas::hiring::WorkerRef> ImportWorker(worker::HandlerContext& ctx,
                                                  const schemas::hiring::ImportWorker& request);
  // hiring.get_worker: the stored profile, or not_found. Any principal.
  Result<schemas::hiring::WorkerProfile> GetWorker(worker::HandlerContext& ctx,
                                                   const schemas::hiring::GetWorker& request);

 private:
  HiringStore store_;
};

}  // namespace mcf::hiring
