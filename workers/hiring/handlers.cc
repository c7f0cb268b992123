#include "workers/hiring/handlers.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>

#include "lib/base/log.h"
#include "workers/hiring/rules_wire.h"
#include "workers/hiring/screening_checks.h"
#include "workers/hiring/screening_codec.h"
#include "workers/hiring/screening_decision.h"

namespace mcf::hiring {
namespace {

namespace wire = schemas::hiring;
using worker::HandlerContext;

std::string IdOf(const HandlerContext& ctx) {
  const auto& p = ctx.message().principal;
  return p ? p->id : std::string();
}

bool IsStaff(const HandlerContext& ctx) {
  const std::string role = ctx.role();
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
  if (std::string role = ctx.role(); role != "admin") {
    spdlog::warn("event=import_worker_forbidden role={}", Quoted(role));
    return Status::Forbidden("hiring.import_worker: admin only");
  }
  wire::WorkerProfile profile{ctx.NewId("worker"), request.name,        request.age,
                              request.breed,       request.coat_colour, request.strengths,
                              request.weaknesses,  ctx.now_ms()};
  RETURN_IF_ERROR(store_.PutWorker(ctx.txn(), profile));

  RETURN_IF_ERROR(ctx.Publish(wire::WorkerHired{profile.worker_id, profile.name, profile.strengths,
                                                profile.weaknesses, profile.age, profile.breed,
                                                profile.coat_colour}));
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
  ASSIGN_OR_RETURN(const HiringStore::Intake waiting, store_.OpenIntake(ctx.txn()));
  if (waiting.applications >= options_.max_open_applications ||
      waiting.photo_bytes + static_cast<int64_t>(request.photo.data.size()) >
          options_.max_open_photo_bytes) {
    spdlog::warn("event=application_refused_intake_full open={} photo_bytes={}",
                 waiting.applications, waiting.photo_bytes);
    return Status::Unavailable(
        "hiring is not taking applications right now: " + std::to_string(waiting.applications) +
        " await review; please try again later");
  }
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
  spdlog::info("event=application_received application={} photo_bytes={}", Quoted(a.application_id),
               a.photo_bytes);
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

Result<wire::Application> HiringHandlers::OpenStaffApplication(HandlerContext& ctx,
                                                               std::string_view application_id,
                                                               std::string_view command) {
  ASSIGN_OR_RETURN(wire::Application a, StaffApplication(ctx, application_id, command));
  if (!wire::IsOpen(a.status))
    return Status::Conflict("application " + a.application_id + " is already decided");
  return a;
}

Result<wire::Application> HiringHandlers::GetApplication(HandlerContext& ctx,
                                                         const wire::GetApplication& request) {
  ASSIGN_OR_RETURN(wire::Application a,
                   StaffApplication(ctx, request.application_id, wire::GetApplication::kInfo.type));
  ASSIGN_OR_RETURN(a.decision, store_.GetDecision(ctx.txn(), a.application_id));
  return a;
}

Result<wire::Application> HiringHandlers::AssignTests(HandlerContext& ctx,
                                                      const wire::AssignTests& request) {
  ASSIGN_OR_RETURN(
      const wire::Application before,
      OpenStaffApplication(ctx, request.application_id, wire::AssignTests::kInfo.type));
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
  ASSIGN_OR_RETURN(
      const wire::Application before,
      OpenStaffApplication(ctx, request.application_id, wire::RecordResult::kInfo.type));
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

Result<wire::RuleSetVersion> HiringHandlers::PublishRules(HandlerContext& ctx,
                                                          const wire::PublishRules& request) {
  if (!IsStaff(ctx)) return Status::Forbidden("hiring.publish_rules: managers only");
  ASSIGN_OR_RETURN(RuleSet draft, RulesFromWire(request.rules));
  ASSIGN_OR_RETURN(const uint64_t last, store_.LastRuleSetVersion(ctx.txn()));
  ASSIGN_OR_RETURN(RuleSet published,
                   hiring::Publish(std::move(draft), last + 1, IdOf(ctx), ctx.now_ms()));
  RETURN_IF_ERROR(store_.AddRuleSet(ctx.txn(), published));
  ASSIGN_OR_RETURN(const uint64_t active, store_.ActiveVersion(ctx.txn()));
  spdlog::info("event=rules_published version={} hash={} by={}", published.meta.version,
               published.meta.content_hash, Quoted(IdOf(ctx)));
  return VersionToWire(published, active == published.meta.version);
}

Result<wire::RuleSetVersion> HiringHandlers::ActivateRules(HandlerContext& ctx,
                                                           const wire::ActivateRules& request) {
  if (!IsStaff(ctx)) return Status::Forbidden("hiring.activate_rules: managers only");
  const auto version = static_cast<uint64_t>(request.version);
  ASSIGN_OR_RETURN(auto rules, store_.GetRuleSet(ctx.txn(), version));
  if (!rules) return Status::NotFound("no rules version " + std::to_string(version));
  if (Status s = CheckGoldenCases(*rules); !s.ok())
    return Status::Conflict("rules version " + std::to_string(version) +
                            " fails its golden cases: " + s.message());
  RETURN_IF_ERROR(store_.SetActiveVersion(ctx.txn(), version));
  spdlog::info("event=rules_activated version={} by={}", version, Quoted(IdOf(ctx)));
  return VersionToWire(*rules, true);
}

Result<wire::RuleSetVersion> HiringHandlers::GetRules(HandlerContext& ctx,
                                                      const wire::GetRules& request) {
  if (!IsStaff(ctx)) return Status::Forbidden("hiring.get_rules: managers only");
  ASSIGN_OR_RETURN(const uint64_t active, store_.ActiveVersion(ctx.txn()));
  const uint64_t version = request.version ? static_cast<uint64_t>(*request.version) : active;
  if (version == 0) return Status::NotFound("no rules version is active yet");
  ASSIGN_OR_RETURN(auto rules, store_.GetRuleSet(ctx.txn(), version));
  if (!rules) return Status::NotFound("no rules version " + std::to_string(version));
  return VersionToWire(*rules, version == active);
}

Result<HiringHandlers::Evaluation> HiringHandlers::Evaluate(HandlerContext& ctx,
                                                            const wire::Application& a) {
  if (a.tests.empty())
    return Status::Conflict("application " + a.application_id + " has no tests assigned");
  ASSIGN_OR_RETURN(const uint64_t active, store_.ActiveVersion(ctx.txn()));
  if (active == 0)
    return Status::Conflict("no screening rules are active: publish and activate a version");
  ASSIGN_OR_RETURN(auto rules, store_.GetRuleSet(ctx.txn(), active));
  if (!rules) return Status::Internal("hiring store: the active rules version is missing");

  Evaluation e{std::move(*rules), {}, {}, {}};
  e.input.profile = {a.age, a.breed, a.coat_colour};
  for (const auto& t : a.tests) {
    if (!t.score) return Status::Conflict("test " + Quoted(t.test) + " has no result yet");
    if (!FindTest(e.rules, t.test))
      return Status::Conflict("test " + Quoted(t.test) + " is not in rules version " +
                              std::to_string(active));
    e.input.scores.push_back({t.test, *t.score});
  }
  ASSIGN_OR_RETURN(const std::vector<int64_t> past, store_.PastTotals(ctx.txn()));
  e.input.cutoff_score = CutoffFor(e.rules, past);
  if (Status s = ValidateInput(e.rules, e.input); !s.ok())
    return Status::Conflict("the recorded results do not fit rules version " +
                            std::to_string(active) + ": " + s.message());
  e.decision = hiring::Decide(e.rules, e.input);

  e.view.application_id = a.application_id;
  e.view.outcome = std::string(OutcomeName(e.decision.outcome));
  e.view.rule_version = static_cast<int64_t>(e.decision.rule_set_version);
  e.view.rule_hash = e.decision.rule_set_hash;
  e.view.total = e.decision.total;
  e.view.cutoff_score = e.input.cutoff_score;
  e.view.strengths = e.decision.strengths;
  e.view.weaknesses = e.decision.weaknesses;
  e.view.explanation = Explain(e.rules, e.decision);
  e.view.decided_at_ms = ctx.now_ms();
  e.view.decided_by = IdOf(ctx);
  return e;
}

Result<wire::DecisionView> HiringHandlers::ProposeDecision(HandlerContext& ctx,
                                                           const wire::ProposeDecision& request) {
  ASSIGN_OR_RETURN(
      const wire::Application a,
      OpenStaffApplication(ctx, request.application_id, wire::ProposeDecision::kInfo.type));
  ASSIGN_OR_RETURN(Evaluation e, Evaluate(ctx, a));
  return std::move(e.view);
}

Result<wire::DecisionView> HiringHandlers::Decide(HandlerContext& ctx,
                                                  const wire::Decide& request) {
  ASSIGN_OR_RETURN(const wire::Application before,
                   OpenStaffApplication(ctx, request.application_id, wire::Decide::kInfo.type));
  ASSIGN_OR_RETURN(Evaluation e, Evaluate(ctx, before));
  wire::DecisionView& view = e.view;
  if (request.expect_outcome && *request.expect_outcome != view.outcome)
    return Status::Conflict("body.expect_outcome: rules version " +
                            std::to_string(view.rule_version) + " now decide " + view.outcome +
                            ", not " + *request.expect_outcome + "; nothing was decided");

  wire::Application a = before;
  a.updated_at_ms = ctx.now_ms();
  if (e.decision.outcome == Outcome::kAccepted) {
    wire::WorkerProfile profile{
        ctx.NewId("worker"),   a.name,      a.age, a.breed, a.coat_colour, e.decision.strengths,
        e.decision.weaknesses, ctx.now_ms()};
    profile.photo_ref = "hiring:photo/" + profile.worker_id;
    RETURN_IF_ERROR(store_.PutWorker(ctx.txn(), profile));
    RETURN_IF_ERROR(store_.PutWorkerSource(ctx.txn(), profile.worker_id, a.application_id));
    wire::WorkerHired hired{
        profile.worker_id, profile.name,        profile.strengths, profile.weaknesses, profile.age,
        profile.breed,     profile.coat_colour, profile.photo_ref, view.rule_version,  IdOf(ctx)};
    RETURN_IF_ERROR(ctx.Publish(hired));
    view.worker_id = profile.worker_id;
    a.status = wire::ApplicationStatus::kAccepted;
    a.history.push_back({ctx.now_ms(), "accepted", IdOf(ctx), profile.worker_id});
  } else {
    const std::string reason = "total " + std::to_string(e.decision.total) +
                               " is below the cut-off " + std::to_string(view.cutoff_score);
    RETURN_IF_ERROR(
        ctx.Publish(wire::ApplicationRejected{a.application_id, reason, view.rule_version}));
    a.status = wire::ApplicationStatus::kRejected;
    a.history.push_back({ctx.now_ms(), "rejected", IdOf(ctx), reason});
  }
  RETURN_IF_ERROR(store_.UpdateApplication(ctx.txn(), before, a));
  RETURN_IF_ERROR(store_.PutDecision(ctx.txn(), view, EncodeDecision(e.decision)));
  spdlog::info("event=candidate_decided application={} outcome={} rules={} total={} cutoff={}",
               Quoted(a.application_id), view.outcome, view.rule_version, view.total,
               view.cutoff_score);
  return view;
}

Result<wire::DryRunReport> HiringHandlers::DryRun(HandlerContext& ctx,
                                                  const wire::DryRun& request) {
  if (!IsStaff(ctx)) return Status::Forbidden("hiring.dry_run: managers only");
  ASSIGN_OR_RETURN(RuleSet draft, RulesFromWire(request.rules));
  // Checked as it would be published: under the next version number.
  ASSIGN_OR_RETURN(const uint64_t last, store_.LastRuleSetVersion(ctx.txn()));
  ASSIGN_OR_RETURN(const RuleSet checked,
                   hiring::Publish(std::move(draft), last + 1, IdOf(ctx), ctx.now_ms()));
  ASSIGN_OR_RETURN(const std::vector<std::string> ids,
                   store_.RecentDecisions(ctx.txn(), static_cast<size_t>(request.last)));
  // Each stored decision re-decided under its own version: the "before" (byte for byte what
  // was stored: tests/unit/hiring/decisions_test.cc).
  std::map<int64_t, RuleSet> versions;
  std::vector<StoredDecision> stored;
  for (const std::string& id : ids) {
    ASSIGN_OR_RETURN(auto view, store_.GetDecision(ctx.txn(), id));
    ASSIGN_OR_RETURN(auto application, store_.GetApplication(ctx.txn(), id));
    if (!view || !application)
      return Status::Internal("hiring store: decision " + id + " without its record");
    auto it = versions.find(view->rule_version);
    if (it == versions.end()) {
      ASSIGN_OR_RETURN(auto rules,
                       store_.GetRuleSet(ctx.txn(), static_cast<uint64_t>(view->rule_version)));
      if (!rules) return Status::Internal("hiring store: decision " + id + " without its rules");
      it = versions.emplace(view->rule_version, std::move(*rules)).first;
    }
    ScreeningInput input;
    input.profile = {application->age, application->breed, application->coat_colour};
    for (const auto& t : application->tests) input.scores.push_back({t.test, t.score.value_or(0)});
    input.cutoff_score = view->cutoff_score;
    stored.push_back({id, hiring::Decide(it->second, input)});
  }
  wire::DryRunReport report;
  report.compared = static_cast<int64_t>(stored.size());
  for (DecisionChange& c : hiring::DryRun(checked, stored)) {
    report.changes.push_back({c.application_id, std::string(OutcomeName(c.before.outcome)),
                              std::string(OutcomeName(c.after.outcome)), c.outcome_changed,
                              std::move(c.before.strengths), c.after.strengths,
                              std::move(c.before.weaknesses), c.after.weaknesses,
                              static_cast<int64_t>(c.before.rule_set_version),
                              Explain(checked, c.after)});
  }
  report.changed = static_cast<int64_t>(report.changes.size());
  return report;
}

Result<wire::DecisionView> HiringHandlers::GetDecision(HandlerContext& ctx,
                                                       const wire::GetDecision& request) {
  if (!IsStaff(ctx)) return Status::Forbidden("hiring.get_decision: managers only");
  ASSIGN_OR_RETURN(auto view, store_.GetDecision(ctx.txn(), request.application_id));
  if (!view) return Status::NotFound("application " + request.application_id + " is not decided");
  return std::move(*view);
}

}  // namespace mcf::hiring
