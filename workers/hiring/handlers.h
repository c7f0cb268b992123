// HiringHandlers: the hiring service's commands. hiring.import_worker (admin only) validates a
// profile, stores it under a new worker id and publishes hiring.worker_hired through the
// handler's outbox; hiring.get_worker reads a stored profile. Screening candidates and the
// public application form come in a later issue. Runs on the worker runtime's thread.
#pragma once

#include <memory>
#include <string>

#include "lib/base/status.h"
#include "lib/worker/handler_context.h"
#include "schemas/body.h"
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
    auto store = HiringStore::Open(runtime);
    if (!store.ok()) return store.status();
    auto self = std::make_shared<HiringHandlers>(*store);
    using worker::HandlerContext;
    using Body = schemas::Body;
    Status s = runtime.OnCommand(
        schemas::hiring::kImportWorker,
        [self](HandlerContext& c, const Body& b) { return self->ImportWorker(c, b); });
    if (s.ok())
      s = runtime.OnCommand(schemas::hiring::kGetWorker, [self](HandlerContext& c, const Body& b) {
        return self->GetWorker(c, b);
      });
    return s;
  }

  // hiring.import_worker: forbidden unless the principal is an admin; invalid for a bad
  // profile; else {worker_id} and hiring.worker_hired.
  Result<std::string> ImportWorker(worker::HandlerContext& ctx, const schemas::Body& body);
  // hiring.get_worker {worker_id}: the stored profile, or not_found. Any principal.
  Result<std::string> GetWorker(worker::HandlerContext& ctx, const schemas::Body& body);

 private:
  HiringStore store_;
};

}  // namespace mcf::hiring
