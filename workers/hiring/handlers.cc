#include "workers/hiring/handlers.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
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

std::string IdOf(const HandlerContext& ctx) {
  const auto& p = ctx.message().principal;
  return p ? p->id : std::string();
}

bool IsStaff(const HandlerContext& ctx) {
  const std::string role = RoleOf(ctx);
  return role == "manager" || role == "admin";
}

// 128 random bits from the handler's seeded source: unguessable to anyone who does not know
// the command's (random) id, and the same in a replay of it.
std::string UnguessableId(HandlerContext& ctx) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "app-%016llx%016llx",
                static_cast<unsigned long long>(ctx.random()()),
                static_cast<unsigned long long>(ctx.random()()));
  return buf;
}

wire::ApplicationState StateOf(const wire::Application& a) {
  return {a.application_id, a.status, a.submitted_at_ms, a.updated_at_ms};
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

Result<wire::ApplicationState> HiringHandlers::SubmitApplication(
    HandlerContext& ctx, const wire::SubmitApplication& request) {
  ASSIGN_OR_RETURN(auto open, store_.OpenApplicationFrom(ctx.txn(), request.contact));
  if (open)
    return Status::Conflict("body.contact: application " + *open +
                            " from this contact is still open");
  wire::Application a;
  a.application_id = UnguessableId(ctx);
  a.name = request.name;
  a.age = request.age;
  a.breed = request.breed;
  a.coat_colour = request.coat_colour;
  a.contact = request.contact;
  a.photo_bytes = static_cast<int64_t>(request.photo.data.size());
  a.status = wire::ApplicationStatus::kReceived;
  a.submitted_at_ms = a.updated_at_ms = ctx.now_ms();
  a.history.push_back({ctx.now_ms(), "received", std::nullopt, std::nullopt});
  RETURN_IF_ERROR(store_.AddApplication(ctx.txn(), a, request.photo.data));
  spdlog::info("event=application_received application={} photo_bytes={}",
               Quoted(a.application_id), a.photo_bytes);
  return StateOf(a);
}

Result<wire::ApplicationState> HiringHandlers::GetApplicationState(
    HandlerContext& ctx, const wire::GetApplicationState& request) {
  ASSIGN_OR_RETURN(auto a, store_.GetApplication(ctx.txn(), request.application_id));
  if (!a) return Status::NotFound("no application \"" + request.application_id + "\"");
  return StateOf(*a);
}

Result<wire::ApplicationPage> HiringHandlers::ListApplications(
    HandlerContext& ctx, const wire::ListApplications& request) {
  if (!IsStaff(ctx)) return Status::Forbidden("hiring.list_applications: managers only");
  return store_.ListApplications(ctx.txn(), request.status, static_cast<size_t>(request.limit),
                                 request.before);
}

Result<wire::Application> HiringHandlers::StaffApplication(HandlerContext& ctx,
                                                           std::string_view application_id,
                                                           std::string_view command) {
  if (!IsStaff(ctx)) return Status::Forbidden(std::string(command) + ": managers only");
  ASSIGN_OR_RETURN(auto a, store_.GetApplication(ctx.txn(), application_id));
  if (!a) return Status::NotFound("no application \"" + std::string(application_id) + "\"");
  return std::move(*a);
}

Result<wire::Application> HiringHandlers::GetApplication(HandlerContext& ctx,
                                                         const wire::GetApplication& request) {
  return StaffApplication(ctx, request.application_id, wire::GetApplication::kInfo.type);
}

Result<wire::Application> HiringHandlers::AssignTests(HandlerContext& ctx,
                                                      const wire::AssignTests& request) {
  ASSIGN_OR_RETURN(const wire::Application before,
                   StaffApplication(ctx, request.application_id, wire::AssignTests::kInfo.type));
  if (!wire::IsOpen(before.status))
    return Status::Conflict("application " + before.application_id + " is already decided");
  for (const auto& t : before.tests)
    if (t.score)
      return Status::Conflict("application " + before.application_id +
                              " has results recorded; its tests can no longer change");
  wire::Application a = before;
  a.tests.clear();
  for (const auto& name : request.tests) a.tests.push_back({name, {}, {}, {}, {}});
  a.status = wire::ApplicationStatus::kTesting;
  a.updated_at_ms = ctx.now_ms();
  std::string list;
  for (const auto& name : request.tests) list += (list.empty() ? "" : ", ") + name;
  a.history.push_back({ctx.now_ms(), "tests_assigned", IdOf(ctx), list});
  RETURN_IF_ERROR(store_.UpdateApplication(ctx.txn(), before, a));
  return a;
}

Result<wire::Application> HiringHandlers::RecordResult(HandlerContext& ctx,
                                                       const wire::RecordResult& request) {
  ASSIGN_OR_RETURN(const wire::Application before,
                   StaffApplication(ctx, request.application_id, wire::RecordResult::kInfo.type));
  if (!wire::IsOpen(before.status))
    return Status::Conflict("application " + before.application_id + " is already decided");
  wire::Application a = before;
  auto it = std::find_if(a.tests.begin(), a.tests.end(),
                         [&](const wire::TestResult& t) { return t.test == request.test; });
  if (it == a.tests.end())
    return Status::Conflict("body.test: " + Quoted(request.test) + " is not assigned to " +
                            a.application_id);
  it->score = request.score;
  it->notes = request.notes.empty() ? std::nullopt : std::optional<std::string>(request.notes);
  it->recorded_at_ms = ctx.now_ms();
  it->recorded_by = IdOf(ctx);
  a.updated_at_ms = ctx.now_ms();
  a.history.push_back({ctx.now_ms(), "result_recorded", IdOf(ctx),
                       request.test + ": " + std::to_string(request.score)});
  RETURN_IF_ERROR(store_.UpdateApplication(ctx.txn(), before, a));
  return a;
}

}  // namespace mcf::hiring
