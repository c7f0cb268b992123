// HiringHandlers: the hiring service's commands. hiring.import_worker (admin only) validates a
// profile, stores it under a new worker id and publishes hiring.worker_hired through the
// handler's outbox; hiring.get_worker reads a stored profile. The application commands: the
// public form (any principal), its status by the unguessable id, and the managers' list, view,
// tests and results. Runs on the worker runtime's thread.
#pragma once

#include <memory>
#include <string>

#include "lib/base/status.h"
#include "lib/worker/handler_context.h"
#include "lib/worker/typed_handler.h"
#include "schemas/hiring.h"
#include "workers/hiring/hiring_store.h"
#include "workers/hiring/screening_decision.h"

namespace mcf::hiring {

// What the public form may leave waiting for review: the form is public, so without a bound a
// flood of valid applications (each with a photo of up to 5 MiB), slowed but not stopped by the
// gateway's rate limits, would fill hiring's store and stop the managers' work too. Past either
// bound a new application is refused `unavailable` until managers decide some.
struct HiringOptions {
  int64_t max_open_applications = 5000;             // --max-open-applications
  int64_t max_open_photo_bytes = int64_t{1} << 30;  // --max-open-photo-mib (1 GiB)
};

class HiringHandlers {
 public:
  HiringHandlers(HiringStore store, HiringOptions options) : store_(store), options_(options) {}

  // Opens hiring's database on `runtime` (a worker::Worker, or a worker::Dispatcher in tests)
  // and registers every handler. A non-ok Status says what failed.
  template <typename Runtime>
  static Status Install(Runtime& runtime, HiringOptions options = {}) {
    ASSIGN_OR_RETURN(HiringStore store, HiringStore::Open(runtime));
    auto self = std::make_shared<HiringHandlers>(store, options);
    RETURN_IF_ERROR(worker::Bind(runtime, self, &HiringHandlers::ImportWorker));
    RETURN_IF_ERROR(worker::Bind(runtime, self, &HiringHandlers::GetWorker));
    RETURN_IF_ERROR(worker::Bind(runtime, self, &HiringHandlers::SubmitApplication));
    RETURN_IF_ERROR(worker::Bind(runtime, self, &HiringHandlers::GetApplicationState));
    RETURN_IF_ERROR(worker::Bind(runtime, self, &HiringHandlers::ListApplications));
    RETURN_IF_ERROR(worker::Bind(runtime, self, &HiringHandlers::GetApplication));
    RETURN_IF_ERROR(worker::Bind(runtime, self, &HiringHandlers::AssignTests));
    RETURN_IF_ERROR(worker::Bind(runtime, self, &HiringHandlers::RecordResult));
    RETURN_IF_ERROR(worker::Bind(runtime, self, &HiringHandlers::PublishRules));
    RETURN_IF_ERROR(worker::Bind(runtime, self, &HiringHandlers::ActivateRules));
    RETURN_IF_ERROR(worker::Bind(runtime, self, &HiringHandlers::GetRules));
    RETURN_IF_ERROR(worker::Bind(runtime, self, &HiringHandlers::Decide));
    RETURN_IF_ERROR(worker::Bind(runtime, self, &HiringHandlers::ProposeDecision));
    RETURN_IF_ERROR(worker::Bind(runtime, self, &HiringHandlers::DryRun));
    return worker::Bind(runtime, self, &HiringHandlers::GetDecision);
  }

  // hiring.import_worker: forbidden unless the principal is an admin; invalid for a bad
  // profile; else {worker_id} and hiring.worker_hired.
  Result<schemas::hiring::WorkerRef> ImportWorker(worker::HandlerContext& ctx,
                                                  const schemas::hiring::ImportWorker& request);
  // hiring.get_worker: the stored profile, or not_found. Any principal.
  Result<schemas::hiring::WorkerProfile> GetWorker(worker::HandlerContext& ctx,
                                                   const schemas::hiring::GetWorker& request);

  // hiring.submit_application: any principal; conflict naming the open application when the
  // contact has one; unavailable past HiringOptions' bounds; else {application_id
  // (unguessable), status received}.
  Result<schemas::hiring::ApplicationState> SubmitApplication(
      worker::HandlerContext& ctx, const schemas::hiring::SubmitApplication& request);
  // hiring.get_application_state: any principal; not_found for an unknown id.
  Result<schemas::hiring::ApplicationState> GetApplicationState(
      worker::HandlerContext& ctx, const schemas::hiring::GetApplicationState& request);
  // The staff commands: forbidden unless the principal is a manager or an admin.
  Result<schemas::hiring::ApplicationPage> ListApplications(
      worker::HandlerContext& ctx, const schemas::hiring::ListApplications& request);
  Result<schemas::hiring::Application> GetApplication(
      worker::HandlerContext& ctx, const schemas::hiring::GetApplication& request);
  // Conflict once the application is decided, or (assign) once a result has been recorded.
  Result<schemas::hiring::Application> AssignTests(worker::HandlerContext& ctx,
                                                   const schemas::hiring::AssignTests& request);
  // Conflict for a test not assigned to this candidate, or a decided application.
  Result<schemas::hiring::Application> RecordResult(worker::HandlerContext& ctx,
                                                    const schemas::hiring::RecordResult& request);

  // Screening rules (managers; reading: staff). publish: a new version, invalid naming the bad
  // part; activate: conflict naming the first failing golden case; get: the active or a given
  // version, not_found when there is none.
  Result<schemas::hiring::RuleSetVersion> PublishRules(
      worker::HandlerContext& ctx, const schemas::hiring::PublishRules& request);
  Result<schemas::hiring::RuleSetVersion> ActivateRules(
      worker::HandlerContext& ctx, const schemas::hiring::ActivateRules& request);
  Result<schemas::hiring::RuleSetVersion> GetRules(worker::HandlerContext& ctx,
                                                   const schemas::hiring::GetRules& request);
  // hiring.decide: the active rules decide from the recorded results (conflict: no active
  // rules, a test without a result, a test the rules do not know, a decided application).
  // Accepted: a new worker and hiring.worker_hired; rejected: hiring.application_rejected.
  // With expect_outcome: conflict, deciding nothing, when the rules now say otherwise.
  Result<schemas::hiring::DecisionView> Decide(worker::HandlerContext& ctx,
                                               const schemas::hiring::Decide& request);
  // hiring.propose_decision: what Decide would answer now; nothing is stored or published.
  Result<schemas::hiring::DecisionView> ProposeDecision(
      worker::HandlerContext& ctx, const schemas::hiring::ProposeDecision& request);
  // hiring.dry_run: the newest stored decisions, each re-decided under its own version and
  // under the draft; those that differ, with the draft's explanation. Stores nothing.
  Result<schemas::hiring::DryRunReport> DryRun(worker::HandlerContext& ctx,
                                               const schemas::hiring::DryRun& request);
  Result<schemas::hiring::DecisionView> GetDecision(worker::HandlerContext& ctx,
                                                    const schemas::hiring::GetDecision& request);

 private:
  // The active rules' decision for an open application, explained; nothing stored.
  struct Evaluation {
    RuleSet rules;
    ScreeningInput input;
    Decision decision;
    schemas::hiring::DecisionView view;
  };
  Result<Evaluation> Evaluate(worker::HandlerContext& ctx,
                              const schemas::hiring::Application& application);

  // The application for a staff command: forbidden for other roles, not_found when missing.
  Result<schemas::hiring::Application> StaffApplication(worker::HandlerContext& ctx,
                                                        std::string_view application_id,
                                                        std::string_view command);
  // The same, and conflict when the application is already decided.
  Result<schemas::hiring::Application> OpenStaffApplication(worker::HandlerContext& ctx,
                                                            std::string_view application_id,
                                                            std::string_view command);

  HiringStore store_;
  HiringOptions options_;
};

}  // namespace mcf::hiring
