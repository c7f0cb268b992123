// The hiring family, each message declared once (schemas/declare.h; encoding, decoding and the
// reference come from here). hiring.worker_hired is the contract the hiring context publishes
// when someone becomes a worker (matching keeps its own copy of the pool from it);
// hiring.import_worker / hiring.get_worker and the application commands (the public form, the
// managers' tests and results) are the hiring service's commands. Times are ms since the Unix epoch (bus time).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "lib/base/status.h"
#include "schemas/codec.h"
#include "schemas/declare.h"

namespace mcf::schemas::hiring {

using schemas::Decode;
using schemas::Encode;

// Limits on an imported profile (untrusted input from the admin's form).
inline constexpr size_t kMaxNameChars = 100;  // name: 1..100 characters (UTF-8 code points)
inline constexpr size_t kMaxTextChars = 100;  // breed, coat_colour, each strength/weakness
inline constexpr size_t kMaxListItems = 20;   // strengths, weaknesses
inline constexpr int64_t kMaxAge = 40;        // age: 0..40

// ---- events ----

// The profile fields after `weaknesses` came with the public application (issue 12); they are
// optional, so events recorded before them still decode (and an import has no rule version).
struct WorkerHired {
  static constexpr MessageInfo kInfo = Event("hiring.worker_hired", "a worker joined");
  std::string worker_id;
  std::string name;
  std::vector<std::string> strengths;
  std::vector<std::string> weaknesses;
  int64_t age = 0;
  std::string breed{};
  std::string coat_colour{};
  std::optional<std::string> photo_ref{};
  std::optional<int64_t> rule_version{};
  std::optional<std::string> hired_by{};
  bool operator==(const WorkerHired&) const = default;
  static constexpr auto Fields() {
    using T = WorkerHired;
    return std::tuple{Field("worker_id", &T::worker_id).NonEmpty(),
                      Field("name", &T::name),
                      Field("strengths", &T::strengths),
                      Field("weaknesses", &T::weaknesses),
                      Field("age", &T::age).Optional(),
                      Field("breed", &T::breed).Optional(),
                      Field("coat_colour", &T::coat_colour).Optional(),
                      Field("photo_ref", &T::photo_ref)
                          .Doc("the application photo, \"hiring:photo/<worker_id>\""),
                      Field("rule_version", &T::rule_version)
                          .Doc("the screening rules that accepted; absent for an import"),
                      Field("hired_by", &T::hired_by)
                          .Doc("the deciding manager, who may fetch the first credentials")};
  }
};

inline constexpr std::string_view kWorkerHired = WorkerHired::kInfo.type;

// ---- records and commands ----

// The reply of hiring.import_worker.
struct WorkerRef {
  std::string worker_id;
  bool operator==(const WorkerRef&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("worker_id", &WorkerRef::worker_id).NonEmpty()};
  }
};

// The reply of hiring.get_worker, and hiring's stored profile.
struct WorkerProfile {
  std::string worker_id;
  std::string name;
  int64_t age = 0;
  std::string breed;
  std::string coat_colour;
  std::vector<std::string> strengths;
  std::vector<std::string> weaknesses;
  int64_t hired_at_ms = 0;
  std::optional<std::string> photo_ref{};
  bool operator==(const WorkerProfile&) const = default;
  static constexpr auto Fields() {
    using T = WorkerProfile;
    return std::tuple{Field("worker_id", &T::worker_id),
                      Field("name", &T::name),
                      Field("age", &T::age),
                      Field("breed", &T::breed),
                      Field("coat_colour", &T::coat_colour),
                      Field("strengths", &T::strengths),
                      Field("weaknesses", &T::weaknesses),
                      Field("hired_at", &T::hired_at_ms),
                      Field("photo_ref", &T::photo_ref).Doc("hired from an application: its photo")};
  }
};

// Admin only. The character limits count UTF-8 code points (Validate); the rest are declared.
struct ImportWorker {
  static constexpr MessageInfo kInfo =
      Command("hiring.import_worker", "admin: import a worker (a new worker id)");
  using Reply = WorkerRef;
  std::string name;
  int64_t age = 0;
  std::string breed;
  std::string coat_colour;
  std::vector<std::string> strengths;
  std::vector<std::string> weaknesses;
  bool operator==(const ImportWorker&) const = default;
  static constexpr auto Fields() {
    using T = ImportWorker;
    return std::tuple{
        Field("name", &T::name).Doc("1..100 characters (UTF-8 code points)"),
        Field("age", &T::age).Min(0).Max(kMaxAge),
        Field("breed", &T::breed).Doc("at most 100 characters"),
        Field("coat_colour", &T::coat_colour).Doc("at most 100 characters"),
        Field("strengths", &T::strengths).MaxLength(kMaxListItems).Doc("each 1..100 characters"),
        Field("weaknesses", &T::weaknesses).MaxLength(kMaxListItems).Doc("each 1..100 characters")};
  }
  static Status Validate(const ImportWorker& c);
};

struct GetWorker {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("hiring.get_worker", "a worker's profile (any principal)");
  using Reply = WorkerProfile;
  std::string worker_id;
  static constexpr auto Fields() {
    return std::tuple{Field("worker_id", &GetWorker::worker_id).NonEmpty()};
  }
};

inline constexpr std::string_view kImportWorker = ImportWorker::kInfo.type;
inline constexpr std::string_view kGetWorker = GetWorker::kInfo.type;

// ---- applications (the public form) and screening ----

inline constexpr size_t kMaxContactChars = 200;      // an e-mail address or a phone number
inline constexpr size_t kMaxPhotoBytes = 5u << 20;   // 5 MiB, as for the tasks' photos
inline constexpr size_t kMaxTestsPerCandidate = 16;
inline constexpr size_t kMaxTestNameChars = 64;
inline constexpr size_t kMaxNotesChars = 2000;
inline constexpr int64_t kDefaultApplicationPage = 20;
inline constexpr int64_t kMaxApplicationPage = 100;

// received -> testing (tests assigned) -> accepted | rejected.
enum class ApplicationStatus { kReceived, kTesting, kAccepted, kRejected };
inline constexpr std::array<EnumName<ApplicationStatus>, 4> kApplicationStatusNames = {
    {{ApplicationStatus::kReceived, "received"},
     {ApplicationStatus::kTesting, "testing"},
     {ApplicationStatus::kAccepted, "accepted"},
     {ApplicationStatus::kRejected, "rejected"}}};
constexpr std::span<const EnumName<ApplicationStatus>> EnumNames(ApplicationStatus) {
  return kApplicationStatusNames;
}
// Open: the applicant may not apply again from the same contact until it is decided.
constexpr bool IsOpen(ApplicationStatus s) {
  return s == ApplicationStatus::kReceived || s == ApplicationStatus::kTesting;
}

// One assigned test and, once recorded, its result.
struct TestResult {
  std::string test;
  std::optional<int64_t> score;
  std::optional<std::string> notes;
  std::optional<int64_t> recorded_at_ms;
  std::optional<std::string> recorded_by;
  bool operator==(const TestResult&) const = default;
  static constexpr auto Fields() {
    using T = TestResult;
    return std::tuple{Field("test", &T::test), Field("score", &T::score).Doc("absent until recorded"),
                      Field("notes", &T::notes), Field("recorded_at", &T::recorded_at_ms),
                      Field("recorded_by", &T::recorded_by).Doc("the manager's id")};
  }
};

// One line of an application's history.
struct ApplicationEvent {
  int64_t at_ms = 0;
  std::string event;
  std::optional<std::string> by;
  std::optional<std::string> detail;
  bool operator==(const ApplicationEvent&) const = default;
  static constexpr auto Fields() {
    using T = ApplicationEvent;
    return std::tuple{Field("at", &T::at_ms),
                      Field("event", &T::event)
                          .Doc("received, tests_assigned, result_recorded, accepted, rejected"),
                      Field("by", &T::by).Doc("the manager's id"), Field("detail", &T::detail)};
  }
};

// A decision, explained: the rules version that made it, what it saw and why.
struct DecisionView {
  std::string application_id;
  std::string outcome;
  int64_t rule_version = 0;
  std::string rule_hash;
  int64_t total = 0;
  int64_t cutoff_score = 0;
  std::vector<std::string> strengths;
  std::vector<std::string> weaknesses;
  std::vector<std::string> explanation;
  std::optional<std::string> worker_id;
  int64_t decided_at_ms = 0;
  std::string decided_by;
  bool operator==(const DecisionView&) const = default;
  static constexpr auto Fields() {
    using T = DecisionView;
    return std::tuple{Field("application_id", &T::application_id),
                      Field("outcome", &T::outcome).Doc("accepted or rejected"),
                      Field("rule_version", &T::rule_version), Field("rule_hash", &T::rule_hash),
                      Field("total", &T::total), Field("cutoff_score", &T::cutoff_score),
                      Field("strengths", &T::strengths), Field("weaknesses", &T::weaknesses),
                      Field("explanation", &T::explanation).Doc("one line per row evaluated"),
                      Field("worker_id", &T::worker_id).Doc("accepted: the new worker"),
                      Field("decided_at", &T::decided_at_ms), Field("decided_by", &T::decided_by)};
  }
};

// An application as managers see it, and hiring's stored record (the photo is kept apart).
struct Application {
  std::string application_id;
  std::string name;
  int64_t age = 0;
  std::string breed;
  std::string coat_colour;
  std::string contact;
  int64_t photo_bytes = 0;
  ApplicationStatus status = ApplicationStatus::kReceived;
  int64_t submitted_at_ms = 0;
  int64_t updated_at_ms = 0;
  std::vector<TestResult> tests;
  std::vector<ApplicationEvent> history;
  std::optional<DecisionView> decision{};  // in hiring.get_application's reply only
  bool operator==(const Application&) const = default;
  static constexpr auto Fields() {
    using T = Application;
    return std::tuple{Field("application_id", &T::application_id),
                      Field("name", &T::name),
                      Field("age", &T::age),
                      Field("breed", &T::breed),
                      Field("coat_colour", &T::coat_colour),
                      Field("contact", &T::contact),
                      Field("photo_bytes", &T::photo_bytes),
                      Field("status", &T::status),
                      Field("submitted_at", &T::submitted_at_ms),
                      Field("updated_at", &T::updated_at_ms),
                      Field("tests", &T::tests).Doc("in the order assigned"),
                      Field("history", &T::history).Doc("oldest first"),
                      Field("decision", &T::decision)
                          .Doc("hiring.get_application: once decided, explained")};
  }
};

// What the applicant may see, by the unguessable id the form answered with.
struct ApplicationState {
  std::string application_id;
  ApplicationStatus status = ApplicationStatus::kReceived;
  int64_t submitted_at_ms = 0;
  int64_t updated_at_ms = 0;
  bool operator==(const ApplicationState&) const = default;
  static constexpr auto Fields() {
    using T = ApplicationState;
    return std::tuple{Field("application_id", &T::application_id), Field("status", &T::status),
                      Field("submitted_at", &T::submitted_at_ms),
                      Field("updated_at", &T::updated_at_ms)};
  }
};

// A page of applications, newest first; next_before is passed as `before` for the next one.
struct ApplicationPage {
  std::vector<Application> applications;
  std::optional<std::string> next_before;
  static constexpr auto Fields() {
    using T = ApplicationPage;
    return std::tuple{Field("applications", &T::applications).Doc("newest first; no history"),
                      Field("next_before", &T::next_before).Doc("absent on the last page")};
  }
};

// The public form: any principal (the gateway's public route). A second application from the
// same contact while one is open is a conflict naming it. Names, breeds and colours are letters,
// marks, digits, spaces and . , ' - (no control characters, no symbols or emoji).
struct SubmitApplication {
  static constexpr MessageInfo kInfo =
      Command("hiring.submit_application", "the public form: a cat applies (an unguessable id)");
  using Reply = ApplicationState;
  std::string name;
  int64_t age = 0;
  std::string breed;
  std::string coat_colour;
  std::string contact;
  Bytes photo;
  static constexpr auto Fields() {
    using T = SubmitApplication;
    return std::tuple{
        Field("name", &T::name).Doc("1..100 characters"),
        Field("age", &T::age).Min(0).Max(kMaxAge),
        Field("breed", &T::breed).Doc("1..100 characters"),
        Field("coat_colour", &T::coat_colour).Doc("1..100 characters"),
        Field("contact", &T::contact).Doc("3..200 characters: an e-mail address or a phone number"),
        Field("photo", &T::photo).NonEmpty().MaxLength(kMaxPhotoBytes).Doc("at most 5 MiB")};
  }
  static Status Validate(const SubmitApplication& c);
};

// Any principal: the id is the secret.
struct GetApplicationState {
  static constexpr MessageInfo kInfo = ReadOnlyCommand(
      "hiring.get_application_state", "an application's status, for the applicant (by its id)");
  using Reply = ApplicationState;
  std::string application_id;
  static constexpr auto Fields() {
    return std::tuple{Field("application_id", &GetApplicationState::application_id).NonEmpty()};
  }
};

// Managers and admins.
struct ListApplications {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("hiring.list_applications", "staff: applications, newest first, paged");
  using Reply = ApplicationPage;
  std::optional<ApplicationStatus> status;
  int64_t limit = kDefaultApplicationPage;
  std::string before;
  static constexpr auto Fields() {
    using T = ListApplications;
    return std::tuple{Field("status", &T::status).Doc("only these"),
                      Field("limit", &T::limit).Optional().Min(1).Max(kMaxApplicationPage).Doc(
                          "default 20"),
                      Field("before", &T::before).Optional().Doc("a page's next_before")};
  }
};

struct GetApplication {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("hiring.get_application", "staff: one application with its history");
  using Reply = Application;
  std::string application_id;
  static constexpr auto Fields() {
    return std::tuple{Field("application_id", &GetApplication::application_id).NonEmpty()};
  }
};

// Managers: the candidate's own set of tests (replaces a set with no result recorded yet).
struct AssignTests {
  static constexpr MessageInfo kInfo =
      Command("hiring.assign_tests", "manager: the tests this candidate takes");
  using Reply = Application;
  std::string application_id;
  std::vector<std::string> tests;
  static constexpr auto Fields() {
    using T = AssignTests;
    return std::tuple{Field("application_id", &T::application_id).NonEmpty(),
                      Field("tests", &T::tests).NonEmpty().MaxLength(kMaxTestsPerCandidate).Doc(
                          "distinct test names, each 1..64 characters")};
  }
  static Status Validate(const AssignTests& c);
};

// Managers: one assigned test's result (recording it again replaces it).
struct RecordResult {
  static constexpr MessageInfo kInfo =
      Command("hiring.record_result", "manager: a test's score and notes");
  using Reply = Application;
  std::string application_id;
  std::string test;
  int64_t score = 0;
  std::string notes;
  static constexpr auto Fields() {
    using T = RecordResult;
    return std::tuple{Field("application_id", &T::application_id).NonEmpty(),
                      Field("test", &T::test).NonEmpty(),
                      Field("score", &T::score).Min(-1000000).Max(1000000),
                      Field("notes", &T::notes).Optional().Doc("at most 2000 characters")};
  }
  static Status Validate(const RecordResult& c);
};

// ---- screening rules (the engine: workers/hiring/screening_rules.h) ----
// The wire form of a rule set, as managers write it. The engine checks everything the
// declaration cannot (known fields and tests, ranges, golden cases) and names the part.

struct RuleTest {
  std::string name;
  int64_t min_score = 0;
  int64_t max_score = 100;
  bool operator==(const RuleTest&) const = default;
  static constexpr auto Fields() {
    using T = RuleTest;
    return std::tuple{Field("name", &T::name).NonEmpty(),
                      Field("min_score", &T::min_score).Optional().Doc("default 0"),
                      Field("max_score", &T::max_score).Optional().Doc("default 100")};
  }
};

// A condition on "score.<test>", "total", "age" (numbers) or "breed", "coat_colour" (texts):
// one value, or several for `in`, in `numbers` or `texts` to match the field.
struct RuleCondition {
  std::string field;
  std::string op;
  std::vector<int64_t> numbers;
  std::vector<std::string> texts;
  bool operator==(const RuleCondition&) const = default;
  static constexpr auto Fields() {
    using T = RuleCondition;
    return std::tuple{Field("field", &T::field).NonEmpty(),
                      Field("op", &T::op).Doc("<, <=, >, >=, ==, != or in"),
                      Field("numbers", &T::numbers).Optional().MaxLength(32),
                      Field("texts", &T::texts).Optional().MaxLength(32)};
  }
};

struct RuleRow {
  std::vector<RuleCondition> conditions;
  std::vector<std::string> strengths;
  std::vector<std::string> weaknesses;
  bool operator==(const RuleRow&) const = default;
  static constexpr auto Fields() {
    using T = RuleRow;
    return std::tuple{Field("conditions", &T::conditions).Optional().MaxLength(16).Doc(
                          "all must hold; none: always"),
                      Field("strengths", &T::strengths).Optional().MaxLength(20),
                      Field("weaknesses", &T::weaknesses).Optional().MaxLength(20)};
  }
};

struct RuleScore {
  std::string test;
  int64_t score = 0;
  bool operator==(const RuleScore&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("test", &RuleScore::test), Field("score", &RuleScore::score)};
  }
};

// An input with the outcome the rules must give it before they may be activated.
struct RuleGoldenCase {
  std::string name;
  int64_t age = 0;
  std::string breed;
  std::string coat_colour;
  std::vector<RuleScore> scores;
  std::optional<int64_t> cutoff_score;
  std::string expected_outcome;
  std::optional<std::vector<std::string>> expected_strengths;
  std::optional<std::vector<std::string>> expected_weaknesses;
  bool operator==(const RuleGoldenCase&) const = default;
  static constexpr auto Fields() {
    using T = RuleGoldenCase;
    return std::tuple{Field("name", &T::name).NonEmpty(),
                      Field("age", &T::age),
                      Field("breed", &T::breed).Optional(),
                      Field("coat_colour", &T::coat_colour).Optional(),
                      Field("scores", &T::scores).MaxLength(64),
                      Field("cutoff_score", &T::cutoff_score)
                          .Doc("the total needed; default: the rules' absolute_score"),
                      Field("expected_outcome", &T::expected_outcome).Doc("accepted or rejected"),
                      Field("expected_strengths", &T::expected_strengths),
                      Field("expected_weaknesses", &T::expected_weaknesses)};
  }
};

struct Rules {
  std::vector<RuleTest> tests;
  std::vector<RuleRow> rows;
  std::string hit_policy = "first";
  std::optional<int64_t> top_percent;
  std::optional<int64_t> absolute_score;
  std::vector<RuleGoldenCase> golden_cases;
  bool operator==(const Rules&) const = default;
  static constexpr auto Fields() {
    using T = Rules;
    return std::tuple{
        Field("tests", &T::tests).NonEmpty().MaxLength(64),
        Field("rows", &T::rows).Optional().MaxLength(200),
        Field("hit_policy", &T::hit_policy).Optional().Doc("first (default) or collect"),
        Field("top_percent", &T::top_percent).Doc("accept the top N % of scored candidates (default 3)"),
        Field("absolute_score", &T::absolute_score).Doc("or: accept a total of at least this"),
        Field("golden_cases", &T::golden_cases).Optional().MaxLength(100)};
  }
};

// A published version of the rules: never changed, only superseded.
struct RuleSetVersion {
  int64_t version = 0;
  std::string content_hash;
  std::string author;
  int64_t published_at_ms = 0;
  bool active = false;
  Rules rules;
  static constexpr auto Fields() {
    using T = RuleSetVersion;
    return std::tuple{Field("version", &T::version), Field("content_hash", &T::content_hash),
                      Field("author", &T::author), Field("published_at", &T::published_at_ms),
                      Field("active", &T::active), Field("rules", &T::rules)};
  }
};

// Managers: publishes a new version (not active yet); invalid naming the bad part.
struct PublishRules {
  static constexpr MessageInfo kInfo =
      Command("hiring.publish_rules", "manager: a new version of the screening rules");
  using Reply = RuleSetVersion;
  Rules rules;
  static constexpr auto Fields() { return std::tuple{Field("rules", &PublishRules::rules)}; }
};

// Managers: makes a published version the one that decides; conflict naming the first golden
// case it fails.
struct ActivateRules {
  static constexpr MessageInfo kInfo =
      Command("hiring.activate_rules", "manager: the version that decides from now on");
  using Reply = RuleSetVersion;
  int64_t version = 0;
  static constexpr auto Fields() {
    return std::tuple{Field("version", &ActivateRules::version).Min(1)};
  }
};

// Staff: a version (default: the active one).
struct GetRules {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("hiring.get_rules", "staff: the active (or a given) rules version");
  using Reply = RuleSetVersion;
  std::optional<int64_t> version;
  static constexpr auto Fields() { return std::tuple{Field("version", &GetRules::version)}; }
};

// Managers: the active rules decide the application from its recorded results (every assigned
// test must have one). Accepted: a worker (hiring.worker_hired); rejected:
// hiring.application_rejected. With expect_outcome, the manager confirms a proposal: conflict,
// and nothing decided, when the rules now say otherwise (they changed in between).
struct Decide {
  static constexpr MessageInfo kInfo =
      Command("hiring.decide", "manager: the active rules decide a candidate, explained");
  using Reply = DecisionView;
  std::string application_id;
  std::optional<std::string> expect_outcome{};
  static constexpr auto Fields() {
    return std::tuple{Field("application_id", &Decide::application_id).NonEmpty(),
                      Field("expect_outcome", &Decide::expect_outcome)
                          .Doc("accepted or rejected: the proposal being confirmed")};
  }
  static Status Validate(const Decide& c);
};

// Managers: what hiring.decide would answer now, recording nothing (no worker_id, no event).
struct ProposeDecision {
  static constexpr MessageInfo kInfo = ReadOnlyCommand(
      "hiring.propose_decision", "manager: the active rules' proposal for a candidate, explained");
  using Reply = DecisionView;
  std::string application_id;
  static constexpr auto Fields() {
    return std::tuple{Field("application_id", &ProposeDecision::application_id).NonEmpty()};
  }
};

inline constexpr int64_t kDefaultDryRunDecisions = 50;
inline constexpr int64_t kMaxDryRunDecisions = 500;

// One stored decision that a draft would decide differently.
struct DecisionFlip {
  std::string application_id;
  std::string outcome_before;
  std::string outcome_after;
  bool outcome_changed = false;
  std::vector<std::string> strengths_before;
  std::vector<std::string> strengths_after;
  std::vector<std::string> weaknesses_before;
  std::vector<std::string> weaknesses_after;
  int64_t rule_version_before = 0;
  std::vector<std::string> explanation_after;
  bool operator==(const DecisionFlip&) const = default;
  static constexpr auto Fields() {
    using T = DecisionFlip;
    return std::tuple{Field("application_id", &T::application_id),
                      Field("outcome_before", &T::outcome_before),
                      Field("outcome_after", &T::outcome_after),
                      Field("outcome_changed", &T::outcome_changed),
                      Field("strengths_before", &T::strengths_before),
                      Field("strengths_after", &T::strengths_after),
                      Field("weaknesses_before", &T::weaknesses_before),
                      Field("weaknesses_after", &T::weaknesses_after),
                      Field("rule_version_before", &T::rule_version_before)
                          .Doc("the version that made the stored decision"),
                      Field("explanation_after", &T::explanation_after)
                          .Doc("why, under the draft: one line per row evaluated")};
  }
};

struct DryRunReport {
  int64_t compared = 0;
  int64_t changed = 0;
  std::vector<DecisionFlip> changes;
  static constexpr auto Fields() {
    using T = DryRunReport;
    return std::tuple{Field("compared", &T::compared).Doc("stored decisions re-decided"),
                      Field("changed", &T::changed), Field("changes", &T::changes).Doc("newest first")};
  }
};

// Managers: how the last `last` stored decisions would change under a draft (nothing is
// published or stored). invalid naming body.rules.* for a draft that could not be published.
struct DryRun {
  static constexpr MessageInfo kInfo = ReadOnlyCommand(
      "hiring.dry_run", "manager: which stored decisions a draft of the rules would flip, and why");
  using Reply = DryRunReport;
  Rules rules;
  int64_t last = kDefaultDryRunDecisions;
  static constexpr auto Fields() {
    return std::tuple{Field("rules", &DryRun::rules),
                      Field("last", &DryRun::last)
                          .Optional()
                          .Min(1)
                          .Max(kMaxDryRunDecisions)
                          .Doc("the newest N decisions (default 50)")};
  }
};

// Staff: a decided application's decision, explained from its own rules version.
struct GetDecision {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("hiring.get_decision", "staff: an application's decision, explained");
  using Reply = DecisionView;
  std::string application_id;
  static constexpr auto Fields() {
    return std::tuple{Field("application_id", &GetDecision::application_id).NonEmpty()};
  }
};

struct ApplicationRejected {
  static constexpr MessageInfo kInfo =
      Event("hiring.application_rejected", "a candidate was not accepted");
  std::string application_id;
  std::string reason;
  int64_t rule_version = 0;
  bool operator==(const ApplicationRejected&) const = default;
  static constexpr auto Fields() {
    using T = ApplicationRejected;
    return std::tuple{Field("application_id", &T::application_id), Field("reason", &T::reason),
                      Field("rule_version", &T::rule_version)};
  }
};

// The declared messages of this family, for the registry.
using Messages = std::tuple<WorkerHired, ApplicationRejected, ImportWorker, GetWorker,
                            SubmitApplication, GetApplicationState, ListApplications,
                            GetApplication, AssignTests, RecordResult, PublishRules,
                            ActivateRules, GetRules, Decide, ProposeDecision, DryRun,
                            GetDecision>;

}  // namespace mcf::schemas::hiring
