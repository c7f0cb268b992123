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

struct WorkerHired {
  static constexpr MessageInfo kInfo = Event("hiring.worker_hired", "a worker joined");
  std::string worker_id;
  std::string name;
  std::vector<std::string> strengths;
  std::vector<std::string> weaknesses;
  bool operator==(const WorkerHired&) const = default;
  static constexpr auto Fields() {
    using T = WorkerHired;
    return std::tuple{Field("worker_id", &T::worker_id).NonEmpty(), Field("name", &T::name),
                      Field("strengths", &T::strengths), Field("weaknesses", &T::weaknesses)};
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
                      Field("hired_at", &T::hired_at_ms)};
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
                      Field("history", &T::history).Doc("oldest first")};
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

// The declared messages of this family, for the registry.
using Messages = std::tuple<WorkerHired, ImportWorker, GetWorker, SubmitApplication,
                            GetApplicationState, ListApplications, GetApplication, AssignTests,
                            RecordResult>;

}  // namespace mcf::schemas::hiring
