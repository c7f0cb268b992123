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

// The typed decoders read the envelope's body bytes; the runtime has already checked they are a
// map (the parsed `body` argument), so decoding here only adds the field checks.
Result<std::string> HiringHandlers::ImportWorker(HandlerContext& ctx,
                                                 const schemas::Body& /*body*/) {
  if (std::string role = RoleOf(ctx); role != "admin") {
    spdlog::warn("event=import_worker_forbidden role={}", Quoted(role));
    return Status::Forbidden("hiring.import_worker: admin only");
  }
  auto request = wire::DecodeImportWorker(ctx.message().body);
  if (!request.ok()) return request.status();

  wire::WorkerProfile profile;
  profile.worker_id = ctx.NewId("worker");
  profile.name = std::move(request->name);
  profile.age = request->age;
  profile.breed = std::move(request->breed);
  profile.coat_colour = std::move(request->coat_colour);
  profile.strengths = std::move(request->strengths);
  profile.weaknesses = std::move(request->weaknesses);
  profile.hired_at_ms = ctx.now_ms();
  RETURN_IF_ERROR(store_.PutWorker(ctx.txn(), profile));

  wire::WorkerHired hired{profile.worker_id, profile.name, profile.strengths, profile.weaknesses};
  RETURN_IF_ERROR(ctx.Publish(wire::kWorkerHired, wire::Encode(hired)));
  spdlog::info("event=worker_hired worker={} name={} via=import", Quoted(profile.worker_id),
               Quoted(profile.name));
  return wire::Encode(wire::WorkerRef{profile.worker_id});
}

Result<std::string> HiringHandlers::GetWorker(HandlerContext& ctx, const schemas::Body& /*body*/) {
  auto request = wire::DecodeWorkerRef(ctx.message().body);
  if (!request.ok()) return request.status();
  auto profile = store_.GetWorker(ctx.txn(), request->worker_id);
  if (!profile.ok()) return profile.status();
  if (!*profile) return Status::NotFound("no worker \"" + request->worker_id + "\"");
  return wire::Encode(**profile);
}

}  // namespace mcf::hiring
