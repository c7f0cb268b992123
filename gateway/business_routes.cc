#include "gateway/business_routes.h"

#include <cstdio>

#include "gateway/base64.h"
#include "gateway/reply_times.h"
#include "lib/base/secret_token.h"
#include "lib/base/stable_hash.h"
#include "schemas/billing.h"
#include "schemas/clock.h"

namespace mcf::gateway {
namespace {

// Field limits: the issue-3 contract in bytes, as the portal checks them; hiring's own limits,
// in characters, for worker profiles.
constexpr size_t kMaxNameBytes = 100;
constexpr size_t kMaxEmployeeIdBytes = 64;
constexpr size_t kMaxServiceDescriptionBytes = 2000;
constexpr size_t kMaxOrderDescriptionBytes = 4000;
constexpr size_t kMaxReasonBytes = 1000;
constexpr size_t kMaxWorkerNameChars = 100;
constexpr size_t kMaxProfileTextChars = 100;
constexpr size_t kMaxProfileListItems = 20;
constexpr int64_t kMaxWorkerAge = 40;
constexpr int64_t kMinDurationMinutes = 15;
constexpr int64_t kMaxDurationMinutes = 12 * 60;
constexpr int64_t kMaxPageLimit = 100;
// portal.request_help's duration when none is sent (workers/portal/handlers.h
// kDefaultDurationMs): the gateway checks that the derived ends_at stays in range.
constexpr int64_t kDefaultDurationMinutes = 60;
constexpr int64_t kMsPerMinute = 60'000;

// Staff roles (admin passes every staff check: docs/decisions/006).
constexpr std::string_view kAdmin = "admin";

BusCommand Command(std::string type, bool created = false) {
  BusCommand c;
  c.type = std::move(type);
  c.created = created;
  return c;
}

const Json& BodyOf(const HttpRequest& request) {
  static const Json kEmpty = Json::object();
  return request.body ? *request.body : kEmpty;
}

Problem BadRequest(std::string field, std::string detail) {
  return MakeProblem(kHttpBadRequest, field + ": " + detail, field);
}

// A path parameter: 1..128 bytes without control characters (httplib percent-decodes the
// path, so %00 arrives as a NUL), else 400 naming "path.<name>".
std::optional<Problem> PathParam(const HttpRequest& request, const std::string& name,
                                 std::string* out) {
  auto it = request.path_params.find(name);
  if (it == request.path_params.end() || it->second.empty()) {
    return BadRequest("path." + name, "required");
  }
  if (it->second.size() > kMaxIdBytes) {
    return BadRequest("path." + name, "longer than " + std::to_string(kMaxIdBytes) + " bytes");
  }
  if (auto bad = FindControlCharacter(it->second, TextLines::kSingle)) {
    return BadRequest("path." + name, std::move(*bad));
  }
  *out = it->second;
  return std::nullopt;
}

// Reads query parameters; keeps the first problem, like JsonReader.
class QueryReader {
 public:
  explicit QueryReader(const HttpRequest& request) : request_(request) {}

  std::optional<int64_t> Limit() {
    auto v = Find("limit");
    if (!v) return std::nullopt;
    int64_t n = 0;
    bool digits = !v->empty() && v->size() <= 6;
    for (char c : *v) {
      if (c < '0' || c > '9') digits = false;
    }
    if (digits) n = std::stoll(*v);
    if (!digits || n < 1 || n > kMaxPageLimit) {
      Fail("limit", "must be an integer between 1 and " + std::to_string(kMaxPageLimit));
      return std::nullopt;
    }
    return n;
  }

  std::optional<std::string> Id(std::string_view name) {
    auto v = Find(name);
    if (!v) return std::nullopt;
    if (v->empty() || v->size() > kMaxIdBytes) {
      Fail(name, "must be 1.." + std::to_string(kMaxIdBytes) + " bytes");
      return std::nullopt;
    }
    if (auto bad = FindControlCharacter(*v, TextLines::kSingle)) {
      Fail(name, std::move(*bad));
      return std::nullopt;
    }
    return v;
  }

  std::optional<std::string> OneOf(std::string_view name,
                                   std::initializer_list<std::string_view> allowed) {
    auto v = Find(name);
    if (!v) return std::nullopt;
    std::string list;
    for (std::string_view a : allowed) {
      if (*v == a) return v;
      list += (list.empty() ? "" : "|") + std::string(a);
    }
    Fail(name, "must be one of " + list);
    return std::nullopt;
  }

  std::optional<bool> Bool(std::string_view name) {
    auto v = Find(name);
    if (!v) return std::nullopt;
    if (*v == "true") return true;
    if (*v == "false") return false;
    Fail(name, "must be true or false");
    return std::nullopt;
  }

  const std::optional<Problem>& problem() const { return problem_; }

 private:
  std::optional<std::string> Find(std::string_view name) const {
    if (problem_) return std::nullopt;
    auto it = request_.query.find(std::string(name));
    if (it == request_.query.end()) return std::nullopt;
    return it->second;
  }
  void Fail(std::string_view name, std::string detail) {
    if (!problem_) problem_ = BadRequest("query." + std::string(name), std::move(detail));
  }

  const HttpRequest& request_;
  std::optional<Problem> problem_;
};

// A required RFC 3339 date-time field as bus ms (docs/decisions/010): on the calendar, within
// kMinDateTimeMs..kMaxDateTimeMs, and leaving `room_ms` before the end of that range for the
// times derived from it (ends_at = starts_at + duration), so no reply ever shows a year 10000.
int64_t DateTime(JsonReader& r, const std::string& field, int64_t room_ms,
                 std::optional<Problem>* problem) {
  std::string text = r.String(field, 40);
  if (r.problem()) return 0;
  auto ms = schemas::clock::ParseRfc3339(text);
  if (!ms.ok()) {
    *problem = BadRequest("body." + field, ms.status().message());
    return 0;
  }
  if (*ms < kMinDateTimeMs || *ms > kMaxDateTimeMs) {
    *problem =
        BadRequest("body." + field, "out of range: date-times from " +
                                        schemas::clock::Iso8601(kMinDateTimeMs) + " to " +
                                        schemas::clock::Iso8601(kMaxDateTimeMs) + " are accepted");
    return 0;
  }
  if (*ms > kMaxDateTimeMs - room_ms) {
    *problem = BadRequest("body." + field, "too late: the job would end after " +
                                               schemas::clock::Iso8601(kMaxDateTimeMs) +
                                               "; the latest start is " +
                                               schemas::clock::Iso8601(kMaxDateTimeMs - room_ms));
    return 0;
  }
  return *ms;
}

// A required base64 photo as MessagePack bin; 413 when it decodes to more than `max` bytes.
ProblemOr<Json> Photo(const Json& body, size_t max) {
  const std::string field = "body.photo";
  auto it = body.find("photo");
  if (it == body.end() || it->is_null()) return BadRequest(field, "required");
  if (!it->is_string()) return BadRequest(field, "expected a base64 string");
  const auto& text = it->get_ref<const std::string&>();
  auto size = Base64DecodedSize(text);
  if (!size) return BadRequest(field, "not base64");
  if (*size > max) {
    return MakeProblem(kHttpPayloadTooLarge,
                       field + ": " + std::to_string(*size) + " bytes decoded, over the limit of " +
                           std::to_string(max),
                       field);
  }
  auto bytes = DecodeBase64(text);
  if (!bytes) return BadRequest(field, "not base64");
  if (bytes->empty()) return BadRequest(field, "must not be empty");
  return Json::binary(std::move(*bytes));
}

std::optional<Problem> Roles(const Principal& p, std::initializer_list<std::string_view> roles) {
  return RequireRole(p, roles);
}

// --- identity -------------------------------------------------------------------------------

ProblemOr<BusCommand> SignIn(const RouteInput& in) {
  JsonReader r(BodyOf(in.request));
  std::string employee_id = r.String("employee_id", kMaxEmployeeIdBytes, 1);
  std::string name = r.String("name", kMaxNameBytes, 1);
  if (r.problem()) return *r.problem();
  BusCommand c = Command("portal.sign_in", true);
  c.idempotency_scope = "employee:" + employee_id;
  c.body["employee_id"] = employee_id;
  c.body["name"] = name;
  c.body["token"] = std::string(in.token);
  return c;
}

ProblemOr<BusCommand> ProvisionStaff(const RouteInput& in) {
  if (auto p = Roles(in.principal, {kAdmin})) return *p;
  JsonReader r(BodyOf(in.request));
  std::string role = r.String("role", 16);
  if (!r.problem() && role != "manager" && role != "supplies" && role != "admin") {
    return BadRequest("body.role", "must be one of manager|supplies|admin");
  }
  std::string name = r.String("name", kMaxNameBytes, 1);
  if (r.problem()) return *r.problem();
  BusCommand c = Command("portal.provision_staff", true);
  c.body["role"] = role;
  c.body["name"] = name;
  c.body["token"] = std::string(in.token);
  return c;
}

ProblemOr<BusCommand> ImportWorker(const RouteInput& in) {
  if (auto p = Roles(in.principal, {kAdmin})) return *p;
  JsonReader r(BodyOf(in.request));
  BusCommand c = Command("hiring.import_worker", true);
  c.body["name"] = r.Text("name", 1, kMaxWorkerNameChars);
  c.body["age"] = r.Int("age", 0, kMaxWorkerAge);
  c.body["breed"] = r.Text("breed", 0, kMaxProfileTextChars);
  c.body["coat_colour"] = r.Text("coat_colour", 0, kMaxProfileTextChars);
  c.body["strengths"] = r.TextList("strengths", kMaxProfileListItems, 1, kMaxProfileTextChars);
  c.body["weaknesses"] = r.TextList("weaknesses", kMaxProfileListItems, 1, kMaxProfileTextChars);
  if (r.problem()) return *r.problem();
  return c;
}

// --- service types --------------------------------------------------------------------------

ProblemOr<BusCommand> ListServiceTypes(const RouteInput& in) {
  QueryReader q(in.request);
  auto include_inactive = q.Bool("include_inactive");
  if (q.problem()) return *q.problem();
  BusCommand c = Command("portal.list_service_types");
  if (include_inactive) c.body["include_inactive"] = *include_inactive;
  return c;
}

ProblemOr<BusCommand> CreateServiceType(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"manager", kAdmin})) return *p;
  JsonReader r(BodyOf(in.request));
  BusCommand c = Command("portal.create_service_type", true);
  c.body["name"] = r.String("name", kMaxNameBytes, 1);
  c.body["description"] =
      r.String("description", kMaxServiceDescriptionBytes, 0, TextLines::kMulti);
  auto active = r.OptBool("active");
  if (r.problem()) return *r.problem();
  if (active) c.body["active"] = *active;
  return c;
}

ProblemOr<BusCommand> UpdateServiceType(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"manager", kAdmin})) return *p;
  std::string id;
  if (auto p = PathParam(in.request, "id", &id)) return *p;
  JsonReader r(BodyOf(in.request));
  auto name = r.OptString("name", kMaxNameBytes, 1);
  auto description = r.OptString("description", kMaxServiceDescriptionBytes, 0, TextLines::kMulti);
  auto active = r.OptBool("active");
  if (r.problem()) return *r.problem();
  BusCommand c = Command("portal.update_service_type");
  c.body["id"] = id;
  if (name) c.body["name"] = *name;
  if (description) c.body["description"] = *description;
  if (active) c.body["active"] = *active;
  return c;
}

// --- orders ---------------------------------------------------------------------------------

ProblemOr<BusCommand> CreateOrder(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"client"})) return *p;
  JsonReader r(BodyOf(in.request));
  std::optional<Problem> problem;
  std::string service_type_id = r.String("service_type_id", kMaxIdBytes, 1);
  std::string description =
      r.String("description", kMaxOrderDescriptionBytes, 1, TextLines::kMulti);
  auto minutes = r.OptInt("duration_minutes", kMinDurationMinutes, kMaxDurationMinutes);
  const int64_t starts_at =
      DateTime(r, "desired_at", minutes.value_or(kDefaultDurationMinutes) * kMsPerMinute, &problem);
  if (r.problem()) return *r.problem();
  if (problem) return *problem;
  BusCommand c = Command("portal.request_help", true);
  c.field_names = {{"body.starts_at", "body.desired_at"},
                   {"body.duration_ms", "body.duration_minutes"}};
  c.body["service_type_id"] = service_type_id;
  c.body["description"] = description;
  c.body["starts_at"] = starts_at;
  if (minutes) c.body["duration_ms"] = *minutes * 60000;
  return c;
}

ProblemOr<BusCommand> ListOrders(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"client", "manager", kAdmin})) return *p;
  QueryReader q(in.request);
  auto limit = q.Limit();
  auto after = q.Id("after");
  auto client_id = q.Id("client_id");
  if (q.problem()) return *q.problem();
  BusCommand c = Command("portal.list_orders");
  if (limit) c.body["limit"] = *limit;
  if (after) c.body["after"] = *after;
  // A client sees only their own orders (the portal forces it too).
  if (in.principal.role == "client") {
    c.body["client_id"] = in.principal.id;
  } else if (client_id) {
    c.body["client_id"] = *client_id;
  }
  return c;
}

ProblemOr<BusCommand> GetOrder(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"client", "manager", kAdmin})) return *p;
  std::string id;
  if (auto p = PathParam(in.request, "id", &id)) return *p;
  BusCommand c = Command("portal.get_order");
  c.body["order_id"] = id;
  return c;
}

ProblemOr<BusCommand> CopyOrder(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"client"})) return *p;
  std::string id;
  if (auto p = PathParam(in.request, "id", &id)) return *p;
  JsonReader r(BodyOf(in.request));
  std::optional<Problem> problem;
  // The copy keeps the original's duration, which the gateway does not know: leave room for the
  // longest one.
  const int64_t starts_at = DateTime(r, "desired_at", kMaxDurationMinutes * kMsPerMinute, &problem);
  if (r.problem()) return *r.problem();
  if (problem) return *problem;
  BusCommand c = Command("tasks.copy", true);
  c.field_names = {{"body.starts_at", "body.desired_at"}, {"body.task_id", "path.id"}};
  c.body["task_id"] = id;
  c.body["starts_at"] = starts_at;
  return c;
}

// --- jobs -----------------------------------------------------------------------------------

ProblemOr<BusCommand> ListJobs(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"worker"})) return *p;
  QueryReader q(in.request);
  auto state = q.OneOf("state", {"active", "completed", "canceled"});
  auto limit = q.Limit();
  auto after = q.Id("after");
  if (q.problem()) return *q.problem();
  BusCommand c = Command("tasks.list_for_worker");
  c.body["worker_id"] = in.principal.id;
  c.body["state"] = state.value_or("active");
  if (limit) c.body["limit"] = *limit;
  if (after) c.body["after"] = *after;
  return c;
}

ProblemOr<BusCommand> PhotoCommand(const RouteInput& in, const char* type) {
  if (auto p = Roles(in.principal, {"worker"})) return *p;
  std::string id;
  if (auto p = PathParam(in.request, "id", &id)) return *p;
  auto photo = Photo(BodyOf(in.request), in.max_photo_bytes);
  if (!photo.ok()) return photo.problem();
  BusCommand c = Command(type);
  c.body["task_id"] = id;
  c.body["photo"] = std::move(photo).value();
  return c;
}

ProblemOr<BusCommand> CheckIn(const RouteInput& in) { return PhotoCommand(in, "tasks.check_in"); }
ProblemOr<BusCommand> Complete(const RouteInput& in) { return PhotoCommand(in, "tasks.complete"); }

ProblemOr<BusCommand> Fail(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"worker"})) return *p;
  std::string id;
  if (auto p = PathParam(in.request, "id", &id)) return *p;
  JsonReader r(BodyOf(in.request));
  std::string reason = r.String("reason", kMaxReasonBytes, 1, TextLines::kMulti);
  if (r.problem()) return *r.problem();
  BusCommand c = Command("tasks.fail");
  c.body["task_id"] = id;
  c.body["reason"] = reason;
  return c;
}

// --- supplies -------------------------------------------------------------------------------

ProblemOr<BusCommand> ListSupplyOrders(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"supplies", "manager", kAdmin})) return *p;
  QueryReader q(in.request);
  auto status = q.OneOf("status", {"waiting", "issued", "canceled"});
  auto needs_attention = q.Bool("needs_attention");
  auto limit = q.Limit();
  auto before = q.Id("before");
  auto task_id = q.Id("task_id");
  if (q.problem()) return *q.problem();
  BusCommand c = Command("supplies.list");
  c.field_names = {{"body.before", "query.before"}};  // the context checks the cursor's form
  if (status) c.body["status"] = *status;
  if (needs_attention) c.body["needs_attention"] = *needs_attention;
  if (limit) c.body["limit"] = *limit;
  if (before) c.body["before"] = *before;
  if (task_id) c.body["task_id"] = *task_id;
  return c;
}

ProblemOr<BusCommand> GetSupplyOrder(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"supplies", "manager", kAdmin})) return *p;
  std::string id;
  if (auto p = PathParam(in.request, "id", &id)) return *p;
  BusCommand c = Command("supplies.get");
  c.body["supply_order_id"] = id;
  return c;
}

ProblemOr<BusCommand> IssueSupplyOrder(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"supplies", kAdmin})) return *p;
  std::string id;
  if (auto p = PathParam(in.request, "id", &id)) return *p;
  BusCommand c = Command("supplies.issue");
  c.body["supply_order_id"] = id;
  return c;
}

// --- hiring ---------------------------------------------------------------------------------

// Hiring's own limits (schemas/hiring.h), so a bad field is answered here, before the bus.
constexpr size_t kMaxContactChars = 200;
constexpr size_t kMaxTestsPerCandidate = 16;
constexpr size_t kMaxTestNameChars = 64;
constexpr size_t kMaxNotesChars = 2000;
constexpr int64_t kMaxScore = 1'000'000;
constexpr int64_t kMaxDryRunDecisions = 500;

// A required JSON object field, forwarded to the bus as it is (its owner checks its parts and
// names them, e.g. "body.rules.rows[3].conditions[0].op").
ProblemOr<Json> ObjectField(const Json& body, std::string_view field) {
  const std::string name = "body." + std::string(field);
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return BadRequest(name, "required");
  if (!it->is_object()) return BadRequest(name, "expected an object");
  return *it;
}

ProblemOr<BusCommand> SubmitApplication(const RouteInput& in) {
  const Json& body = BodyOf(in.request);
  JsonReader r(body);
  BusCommand c = Command("hiring.submit_application", true);
  c.body["name"] = r.Text("name", 1, kMaxWorkerNameChars);
  c.body["age"] = r.Int("age", 0, kMaxWorkerAge);
  c.body["breed"] = r.Text("breed", 1, kMaxProfileTextChars);
  c.body["coat_colour"] = r.Text("coat_colour", 1, kMaxProfileTextChars);
  const std::string contact = r.Text("contact", 3, kMaxContactChars);
  if (r.problem()) return *r.problem();
  auto photo = Photo(body, in.max_photo_bytes);
  if (!photo.ok()) return photo.problem();
  c.body["contact"] = contact;
  c.body["photo"] = std::move(photo).value();
  // A retried form (same Idempotency-Key) from the same contact is answered from the record.
  c.idempotency_scope = "contact:" + contact;
  return c;
}

ProblemOr<BusCommand> ApplicationStatus(const RouteInput& in) {
  std::string id;
  if (auto p = PathParam(in.request, "id", &id)) return *p;
  BusCommand c = Command("hiring.get_application_state");
  c.body["application_id"] = id;
  return c;
}

ProblemOr<BusCommand> ListApplications(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"manager", kAdmin})) return *p;
  QueryReader q(in.request);
  auto status = q.OneOf("status", {"received", "testing", "accepted", "rejected"});
  auto limit = q.Limit();
  auto before = q.Id("before");
  if (q.problem()) return *q.problem();
  BusCommand c = Command("hiring.list_applications");
  if (status) c.body["status"] = *status;
  if (limit) c.body["limit"] = *limit;
  if (before) c.body["before"] = *before;
  return c;
}

// A staff command on one application: {application_id: path.id}.
ProblemOr<BusCommand> ApplicationCommand(const RouteInput& in, const char* type,
                                         bool created = false) {
  if (auto p = Roles(in.principal, {"manager", kAdmin})) return *p;
  std::string id;
  if (auto p = PathParam(in.request, "id", &id)) return *p;
  BusCommand c = Command(type, created);
  c.body["application_id"] = id;
  c.field_names = {{"body.application_id", "path.id"}};
  return c;
}

ProblemOr<BusCommand> GetApplication(const RouteInput& in) {
  return ApplicationCommand(in, "hiring.get_application");
}

ProblemOr<BusCommand> AssignTests(const RouteInput& in) {
  auto c = ApplicationCommand(in, "hiring.assign_tests");
  if (!c.ok()) return c;
  JsonReader r(BodyOf(in.request));
  c.value().body["tests"] = r.TextList("tests", kMaxTestsPerCandidate, 1, kMaxTestNameChars);
  if (r.problem()) return *r.problem();
  return c;
}

ProblemOr<BusCommand> RecordResult(const RouteInput& in) {
  auto c = ApplicationCommand(in, "hiring.record_result");
  if (!c.ok()) return c;
  JsonReader r(BodyOf(in.request));
  c.value().body["test"] = r.Text("test", 1, kMaxTestNameChars);
  c.value().body["score"] = r.Int("score", -kMaxScore, kMaxScore);
  auto notes = r.OptText("notes", 0, kMaxNotesChars, TextLines::kMulti);
  if (r.problem()) return *r.problem();
  if (notes) c.value().body["notes"] = *notes;
  return c;
}

ProblemOr<BusCommand> ProposeDecision(const RouteInput& in) {
  return ApplicationCommand(in, "hiring.propose_decision");
}

ProblemOr<BusCommand> Decide(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"manager", kAdmin})) return *p;
  auto c = ApplicationCommand(in, "hiring.decide", true);
  if (!c.ok()) return c;
  JsonReader r(BodyOf(in.request));
  auto expect = r.OptString("expect_outcome", 16);
  if (r.problem()) return *r.problem();
  if (expect && *expect != "accepted" && *expect != "rejected") {
    return BadRequest("body.expect_outcome", "must be accepted or rejected");
  }
  if (expect) c.value().body["expect_outcome"] = *expect;
  return c;
}

// A rules version as the caller wrote it ("1", "2", ...); nullopt for anything else.
std::optional<int64_t> VersionNumber(std::string_view text) {
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const int64_t v = std::stoll(std::string(text));
  return v >= 1 ? std::optional<int64_t>(v) : std::nullopt;
}

constexpr std::string_view kNotAVersion = "must be a published version number (1, 2, ...)";

ProblemOr<BusCommand> GetScreeningRules(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"manager", kAdmin})) return *p;
  QueryReader q(in.request);
  auto version = q.Id("version");
  if (q.problem()) return *q.problem();
  BusCommand c = Command("hiring.get_rules");
  if (version) {
    auto number = VersionNumber(*version);
    if (!number) return BadRequest("query.version", std::string(kNotAVersion));
    c.body["version"] = *number;
  }
  return c;
}

ProblemOr<BusCommand> PublishScreeningRules(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"manager", kAdmin})) return *p;
  auto rules = ObjectField(BodyOf(in.request), "rules");
  if (!rules.ok()) return rules.problem();
  BusCommand c = Command("hiring.publish_rules", true);
  c.body["rules"] = std::move(rules).value();
  return c;
}

ProblemOr<BusCommand> ActivateScreeningRules(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"manager", kAdmin})) return *p;
  std::string version;
  if (auto p = PathParam(in.request, "version", &version)) return *p;
  auto number = VersionNumber(version);
  if (!number) return BadRequest("path.version", std::string(kNotAVersion));
  BusCommand c = Command("hiring.activate_rules");
  c.body["version"] = *number;
  c.field_names = {{"body.version", "path.version"}};
  return c;
}

ProblemOr<BusCommand> DryRunScreeningRules(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"manager", kAdmin})) return *p;
  const Json& body = BodyOf(in.request);
  auto rules = ObjectField(body, "rules");
  if (!rules.ok()) return rules.problem();
  JsonReader r(body);
  auto last = r.OptInt("last", 1, kMaxDryRunDecisions);
  if (r.problem()) return *r.problem();
  BusCommand c = Command("hiring.dry_run");
  c.body["rules"] = std::move(rules).value();
  if (last) c.body["last"] = *last;
  return c;
}

// --- quality --------------------------------------------------------------------------------

// The review form's limits (schemas/quality.h), in bytes, checked here before the bus.
constexpr size_t kMaxFindingsBytes = 4000;
constexpr size_t kMaxClientCallNoteBytes = 2000;
constexpr size_t kMaxHypotheses = 20;
constexpr size_t kMaxHypothesisBytes = 500;

// An RFC 3339 date-time query parameter as bus ms (400 naming query.<name> otherwise).
std::optional<int64_t> QueryDateTime(const HttpRequest& request, const std::string& name,
                                     std::optional<Problem>* problem) {
  auto it = request.query.find(name);
  if (it == request.query.end()) return std::nullopt;
  if (it->second.size() > 40) {
    *problem = BadRequest("query." + name, "not an RFC 3339 date-time");
    return std::nullopt;
  }
  auto ms = schemas::clock::ParseRfc3339(it->second);
  if (!ms.ok()) {
    *problem = BadRequest("query." + name, ms.status().message());
    return std::nullopt;
  }
  if (*ms < kMinDateTimeMs || *ms > kMaxDateTimeMs) {
    *problem = BadRequest("query." + name, "out of range: date-times from " +
                                               schemas::clock::Iso8601(kMinDateTimeMs) + " to " +
                                               schemas::clock::Iso8601(kMaxDateTimeMs));
    return std::nullopt;
  }
  return *ms;
}

ProblemOr<BusCommand> ReviewQueue(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"manager", kAdmin})) return *p;
  QueryReader q(in.request);
  auto limit = q.Limit();
  auto after = q.Id("after");
  if (q.problem()) return *q.problem();
  BusCommand c = Command("quality.list_queue");
  c.field_names = {{"body.after", "query.after"}, {"body.limit", "query.limit"}};
  if (limit) c.body["limit"] = *limit;
  if (after) c.body["after"] = *after;
  return c;
}

ProblemOr<BusCommand> RandomReview(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"manager", kAdmin})) return *p;
  return Command("quality.pick_random");
}

ProblemOr<BusCommand> SubmitReview(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"manager", kAdmin})) return *p;
  std::string task_id;
  if (auto p = PathParam(in.request, "task_id", &task_id)) return *p;
  JsonReader r(BodyOf(in.request));
  const std::string findings = r.String("findings", kMaxFindingsBytes, 1, TextLines::kMulti);
  auto note = r.OptString("client_call_note", kMaxClientCallNoteBytes, 0, TextLines::kMulti);
  std::vector<std::string> hypotheses;
  if (!r.problem() && BodyOf(in.request).contains("hypotheses"))
    hypotheses = r.TextList("hypotheses", kMaxHypotheses, 1, kMaxHypothesisBytes);
  if (r.problem()) return *r.problem();
  for (size_t i = 0; i < hypotheses.size(); ++i) {
    if (hypotheses[i].size() > kMaxHypothesisBytes)
      return BadRequest("body.hypotheses[" + std::to_string(i) + "]",
                        "longer than " + std::to_string(kMaxHypothesisBytes) + " bytes");
  }
  BusCommand c = Command("quality.submit_review", true);
  c.field_names = {{"body.task_id", "path.task_id"}};
  c.body["task_id"] = task_id;
  c.body["findings"] = findings;
  if (note) c.body["client_call_note"] = *note;
  c.body["hypotheses"] = hypotheses;
  return c;
}

ProblemOr<BusCommand> ListReviews(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"manager", kAdmin})) return *p;
  QueryReader q(in.request);
  auto worker = q.Id("worker");
  auto outcome = q.OneOf("outcome", {"completed", "failed", "canceled"});
  auto limit = q.Limit();
  auto after = q.Id("after");
  if (q.problem()) return *q.problem();
  std::optional<Problem> problem;
  auto from = QueryDateTime(in.request, "from", &problem);
  if (problem) return *problem;
  auto to = QueryDateTime(in.request, "to", &problem);
  if (problem) return *problem;
  if (from && to && *to <= *from) return BadRequest("query.to", "must be after from");
  BusCommand c = Command("quality.list_reviews");
  c.field_names = {{"body.after", "query.after"}, {"body.limit", "query.limit"},
                   {"body.to", "query.to"},       {"body.from", "query.from"},
                   {"body.worker_id", "query.worker"}};
  if (worker) c.body["worker_id"] = *worker;
  if (outcome) c.body["outcome"] = *outcome;
  if (from) c.body["from"] = *from;
  if (to) c.body["to"] = *to;
  if (limit) c.body["limit"] = *limit;
  if (after) c.body["after"] = *after;
  return c;
}

// --- betting --------------------------------------------------------------------------------

// schemas/betting.h kMaxStake: far above any betting balance.
constexpr int64_t kMaxStakeMinor = 1'000'000'000'000;

// Betting is with a manager's own money: managers only, not admins (decision 032).
ProblemOr<BusCommand> PlaceBet(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"manager"})) return *p;
  JsonReader r(BodyOf(in.request));
  const std::string task_id = r.String("task_id", kMaxIdBytes, 1);
  const std::string outcome = r.String("outcome", 16);
  if (!r.problem() && outcome != "completed" && outcome != "failed" && outcome != "canceled")
    return BadRequest("body.outcome", "must be one of completed|failed|canceled");
  const int64_t stake = r.Int("stake_minor", 1, kMaxStakeMinor);
  if (r.problem()) return *r.problem();
  BusCommand c = Command("betting.place_bet", true);
  c.body["task_id"] = task_id;
  c.body["outcome"] = outcome;
  c.body["stake_minor"] = stake;
  return c;
}

ProblemOr<BusCommand> MyBets(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"manager"})) return *p;
  QueryReader q(in.request);
  auto limit = q.Limit();
  auto after = q.Id("after");
  if (q.problem()) return *q.problem();
  BusCommand c = Command("betting.my_bets");
  c.field_names = {{"body.after", "query.after"}, {"body.limit", "query.limit"}};
  if (limit) c.body["limit"] = *limit;
  if (after) c.body["after"] = *after;
  return c;
}

ProblemOr<BusCommand> GetPot(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"manager", kAdmin})) return *p;
  std::string task_id;
  if (auto p = PathParam(in.request, "task_id", &task_id)) return *p;
  BusCommand c = Command("betting.get_pot");
  c.field_names = {{"body.task_id", "path.task_id"}};
  c.body["task_id"] = task_id;
  return c;
}

// --- billing --------------------------------------------------------------------------------

// Whose money a read is about: a client or a worker reads their own (billing forces it too);
// a manager or admin names exactly one with ?client_id= or ?worker_id=. Sets *client to say
// which kind it is.
std::optional<Problem> MoneyOwner(const RouteInput& in, bool* client, std::string* owner) {
  if (auto p = Roles(in.principal, {"client", "worker", "manager", kAdmin})) return *p;
  QueryReader q(in.request);
  auto client_id = q.Id("client_id");
  auto worker_id = q.Id("worker_id");
  if (q.problem()) return *q.problem();
  if (in.principal.role == "client" || in.principal.role == "worker") {
    *client = in.principal.role == "client";
    const auto& asked = *client ? client_id : worker_id;
    if ((*client ? worker_id : client_id) || (asked && *asked != in.principal.id))
      return MakeProblem(kHttpForbidden, "a " + in.principal.role + " sees only their own money");
    *owner = in.principal.id;
    return std::nullopt;
  }
  if (client_id.has_value() == worker_id.has_value())
    return BadRequest("query.client_id", "staff name exactly one of client_id or worker_id");
  *client = client_id.has_value();
  *owner = client_id ? *client_id : *worker_id;
  return std::nullopt;
}

ProblemOr<BusCommand> Statement(const RouteInput& in) {
  bool client = false;
  std::string owner;
  if (auto p = MoneyOwner(in, &client, &owner)) return *p;
  BusCommand c = Command(client ? "billing.client_statement" : "billing.worker_statement");
  c.field_names = {{"body.client_id", "query.client_id"}, {"body.worker_id", "query.worker_id"}};
  c.body[client ? "client_id" : "worker_id"] = owner;
  return c;
}

ProblemOr<BusCommand> ListInvoices(const RouteInput& in) {
  bool client = false;
  std::string owner;
  if (auto p = MoneyOwner(in, &client, &owner)) return *p;
  BusCommand c = Command("billing.list_invoices");
  c.field_names = {{"body.owner_id", client ? "query.client_id" : "query.worker_id"}};
  c.body["kind"] = client ? "client" : "worker";
  c.body["owner_id"] = owner;
  return c;
}

ProblemOr<BusCommand> CreditWorker(const RouteInput& in) {
  if (auto p = Roles(in.principal, {"manager", kAdmin})) return *p;
  std::string worker_id;
  if (auto p = PathParam(in.request, "id", &worker_id)) return *p;
  JsonReader r(BodyOf(in.request));
  const int64_t amount = r.Int("amount_minor", 1, schemas::billing::kMaxCreditMinor);
  const std::string reason =
      r.String("reason", schemas::billing::kMaxCreditReasonBytes, 1, TextLines::kMulti);
  if (r.problem()) return *r.problem();
  BusCommand c = Command("billing.credit_worker", true);
  c.field_names = {{"body.worker_id", "path.id"}};
  c.body["worker_id"] = worker_id;
  c.body["amount_minor"] = amount;
  c.body["reason"] = reason;
  return c;
}

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

const std::vector<BusinessRoute>& BusinessRoutes() {
  static const std::vector<BusinessRoute> kBusiness = {
      {kSession, /*is_public=*/true, /*mints_token=*/true, SignIn},
      {kStaff, false, true, ProvisionStaff},
      {kWorkers, false, true, ImportWorker, ReplyShape::kAsIs, WorkerGrant::kIsTheAnswer},
      {kListServiceTypes, false, false, ListServiceTypes},
      {kCreateServiceType, false, false, CreateServiceType},
      {kUpdateServiceType, false, false, UpdateServiceType},
      {kCreateOrder, false, false, CreateOrder},
      {kListOrders, false, false, ListOrders},
      {kGetOrder, false, false, GetOrder},
      {kCopyOrder, false, false, CopyOrder, ReplyShape::kAsIs, WorkerGrant::kNone, true},
      {kListJobs, false, false, ListJobs, ReplyShape::kJobs},
      {kCheckIn, false, false, CheckIn},
      {kComplete, false, false, Complete},
      {kFail, false, false, Fail},
      {kListSupplyOrders, false, false, ListSupplyOrders},
      {kGetSupplyOrder, false, false, GetSupplyOrder},
      {kIssueSupplyOrder, false, false, IssueSupplyOrder},
      {kSubmitApplication, true, false, SubmitApplication, ReplyShape::kApplicationReceipt},
      {kApplicationStatus, true, false, ApplicationStatus},
      {kListApplications, false, false, ListApplications},
      {kGetApplication, false, false, GetApplication},
      {kAssignTests, false, false, AssignTests},
      {kRecordResult, false, false, RecordResult},
      {kProposeDecision, false, false, ProposeDecision},
      {kDecide, false, true, Decide, ReplyShape::kAsIs, WorkerGrant::kAddedToReply},
      {kGetScreeningRules, false, false, GetScreeningRules},
      {kPublishScreeningRules, false, false, PublishScreeningRules},
      {kActivateScreeningRules, false, false, ActivateScreeningRules},
      {kDryRunScreeningRules, false, false, DryRunScreeningRules},
      {kReviewQueue, false, false, ReviewQueue},
      {kRandomReview, false, false, RandomReview},
      {kSubmitReview, false, false, SubmitReview},
      {kListReviews, false, false, ListReviews},
      {kPlaceBet, false, false, PlaceBet},
      {kMyBets, false, false, MyBets},
      {kGetPot, false, false, GetPot},
      {kStatement, false, false, Statement},
      {kListInvoices, false, false, ListInvoices},
      {kCreditWorker, false, false, CreditWorker},
  };
  return kBusiness;
}

const BusinessRoute* FindBusinessRoute(const RouteSpec& spec) {
  for (const BusinessRoute& route : BusinessRoutes()) {
    if (route.spec == spec) return &route;
  }
  return nullptr;
}

BusCommand GrantWorkerTokenCommand(std::string_view worker_id, std::string_view token) {
  BusCommand c = Command("portal.grant_worker_token");
  c.body["worker_id"] = std::string(worker_id);
  c.body["token"] = std::string(token);
  c.body["just_hired"] = true;  // hiring.worker_hired may not be at the portal yet (decision 009)
  return c;
}

Json ShapeReply(ReplyShape shape, Json body) {
  RenderTimes(body);
  if (shape == ReplyShape::kJobs && body.is_object() && body.contains("tasks")) {
    Json out = Json::object();
    for (auto& [key, value] : body.items()) out[key == "tasks" ? "jobs" : key] = std::move(value);
    return out;
  }
  if (shape == ReplyShape::kApplicationReceipt && body.is_object() &&
      body.contains("application_id") && body["application_id"].is_string()) {
    body["status_url"] =
        "/v1/applications/" + body["application_id"].get<std::string>() + "/status";
  }
  return body;
}

std::string DeriveCommandId(std::string_view scope, std::string_view method, std::string_view path,
                            std::string_view key) {
  // Length-prefixed parts, so ("a:b", "c") and ("a", "b:c") differ.
  std::string canon;
  for (std::string_view part : {scope, method, path, key}) {
    canon += std::to_string(part.size());
    canon += ':';
    canon += part;
  }
  return "idem-" + Hex64(StableHash(0x69646531, canon)) + Hex64(StableHash(0x69646532, canon));
}

std::string FollowUpCommandId(std::string_view first_id, std::string_view step) {
  return std::string(first_id) + "." + std::string(step);
}

std::optional<Problem> CheckIdempotencyKey(const std::optional<std::string>& key) {
  if (!key) return std::nullopt;
  if (key->empty() || key->size() > kMaxIdempotencyKeyBytes) {
    return BadRequest("header.Idempotency-Key",
                      "must be 1.." + std::to_string(kMaxIdempotencyKeyBytes) + " bytes");
  }
  if (auto bad = FindControlCharacter(*key, TextLines::kSingle)) {
    return BadRequest("header.Idempotency-Key", std::move(*bad));
  }
  return std::nullopt;
}

void RenameField(const std::vector<std::pair<std::string, std::string>>& field_names,
                 Json& problem) {
  if (!problem.is_object()) return;
  std::string bus_field;
  if (problem.contains("field") && problem["field"].is_string()) {
    bus_field = problem["field"].get<std::string>();
  } else if (problem.contains("detail") && problem["detail"].is_string()) {
    // A not_found names no field, but its detail may start with the one it could not find.
    const std::string detail = problem["detail"].get<std::string>();
    bus_field = detail.substr(0, detail.find(':'));
  }
  for (const auto& [from, to] : field_names) {
    if (bus_field != from) continue;
    problem["field"] = to;
    if (problem.contains("detail") && problem["detail"].is_string()) {
      std::string detail = problem["detail"].get<std::string>();
      if (detail.rfind(from, 0) == 0) detail = to + detail.substr(from.size());
      problem["detail"] = detail;
    }
    return;
  }
}

std::string NewToken() { return NewSecretToken(); }

}  // namespace mcf::gateway
