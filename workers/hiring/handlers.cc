#include "workers/hiring/handlers.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "lib/base/log.h"

namespace mcf::hiring {
namespace {

namespace wire = schemas::hiring;
using worker::HandlerContext;

std::string RoleOf(const HandlerContext& ctx) {
  const auto& p = ctx.message().principal;
  return p ? p->role : std::string();
}

}  // namespace

Result<wire::WorkerRef> HiringHandlers::ImportWorker(HandlerContext& ctx,
                                                     const wire::ImportWorker& request) {
  if (std::string role = RoleOf(ctx); role != "admin") {
    spdlog::warn("event=import_worker_forbidden role={}", Quoted(role));
    return Status::Forbidden("hiring.import_worker: admin only");
  }
  wire::WorkerProfile profile{ctx.NewId("worker"), request.name,        request.age,
                              request.breed,       request.coat_colour, request.strengths,
                              request.weaknesses,  ctx.now_ms()};
  RETURN_IF_ERROR(store_.PutWorker(ctx.txn(), profile));

  RETURN_IF_ERROR(ctx.Publish(
      wire::WorkerHired{profile.worker_id, profile.name, profile.strengths, profile.weaknesses}));
  spdlog::info("event=worker_hired worker={} name={} via=import", Quoted(profile.worker_id),
               Quoted(profile.name));
  return wire::WorkerRef{profile.worker_id};
}

Result<wire::WorkerProfile> HiringHandlers::GetWorker(HandlerContext& ctx,
                                                      const wire::GetWorker& request) {
  ASSIGN_OR_RETURN(std::optional<wire::WorkerProfile> profile,
                   store_.GetWorker(ctx.txn(), request.worker_id));
  if (!profile) return Status::NotFound("no worker \"" + request.worker_id + "\"");
  return std::move(*profile);
}

}  // namespace mcf::hiring
