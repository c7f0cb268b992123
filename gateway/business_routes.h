// Business routes: each route of the issue-3 contract as a pure function of (principal, request)
// -> the bus command to send (type + body) or the Problem to answer with: the role check (403),
// field validation (400 naming the field, 413 for an oversized photo) and the explicit bus body
// (ISO times -> ms, base64 photos -> bytes, path and query parameters -> fields). Also the reply
// shaping (times as ISO strings, tasks -> jobs), idempotent command ids and token minting.
// gateway/server.cc sends the commands; everything here is unit-tested without sockets.
// Pure functions and constant tables (NewToken reads std::random_device); thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/handlers.h"
#include "gateway/json_body.h"
#include "gateway/problem.h"
#include "gateway/routes.h"

namespace mcf::gateway {

// The date-times the routes accept (docs/decisions/010): 2000-01-01T00:00:00Z up to
// 9999-12-31T23:59:59.999Z, derived times (ends_at) included.
inline constexpr int64_t kMinDateTimeMs = 946'684'800'000;
inline constexpr int64_t kMaxDateTimeMs = 253'402'300'799'999;

// Largest decoded photo (5 MiB); larger -> 413 naming "body.photo".
inline constexpr size_t kMaxPhotoBytes = 5u << 20;
// Longest Idempotency-Key header.
inline constexpr size_t kMaxIdempotencyKeyBytes = 100;
// Longest id in a path parameter ({id}), body field or paging cursor (the portal's limit).
inline constexpr size_t kMaxIdBytes = 128;

struct RouteInput {
  const Principal& principal;  // the caller; {"anonymous", ""} on public routes
  const HttpRequest& request;
  std::string_view token;  // a freshly minted token, for the routes that mint one
  size_t max_photo_bytes = kMaxPhotoBytes;
};

struct BusCommand {
  std::string type;
  Json body = Json::object();  // photos are Json::binary (MessagePack bin on the bus)
  bool created = false;        // 201 on success
  // Who the Idempotency-Key belongs to when the route is public (POST /v1/session: the
  // employee_id); authenticated routes use the principal.
  std::string idempotency_scope;
  // Bus field -> the request field it came from ("body.starts_at" -> "body.desired_at"), so a
  // context's `invalid` names what the caller sent (see RenameField).
  std::vector<std::pair<std::string, std::string>> field_names;
};

enum class ReplyShape {
  kAsIs,  // the reply body, times rendered
  kJobs,  // tasks.list_for_worker: "tasks" renamed to "jobs"
  // hiring.submit_application: plus "status_url", the applicant's path to poll (no token)
  kApplicationReceipt,
};

// A second command after an ok reply that names a worker_id: portal.grant_worker_token with
// RouteInput::token (see GrantWorkerTokenCommand).
enum class WorkerGrant {
  kNone,
  kIsTheAnswer,  // POST /v1/workers: the grant's reply is the answer (no worker_id: 500)
  kAddedToReply,  // a decision: the first reply plus "worker_token", when it hired someone
};

struct BusinessRoute {
  RouteSpec spec;
  // No bearer token (POST /v1/session); the command goes as {system, gateway}, and the request
  // passes the public gate (gateway/public_gate.h: rate and in-flight limits) before anything
  // else, so a new public route is protected by being marked so.
  bool is_public = false;
  // RouteInput::token is a fresh token: the new principal's (POST /v1/session, /v1/staff), or
  // the new worker's (worker_grant).
  bool mints_token = false;
  ProblemOr<BusCommand> (*build)(const RouteInput&) = nullptr;
  ReplyShape shape = ReplyShape::kAsIs;
  WorkerGrant worker_grant = WorkerGrant::kNone;
  // Before the command, portal.check_standing as the caller: a client with an overdue invoice
  // gets its conflict (409 naming the invoice) and the command is not sent. For the routes whose
  // command goes to another context than the portal (a copy: tasks.copy; decision 031).
  bool checks_standing = false;
};

// Every business route, in kRoutes order.
const std::vector<BusinessRoute>& BusinessRoutes();
// The business route for `spec`; nullptr for the operational routes (healthz, metrics...).
const BusinessRoute* FindBusinessRoute(const RouteSpec& spec);

// The second step of POST /v1/workers and of an accepted decision:
// portal.grant_worker_token {worker_id, token, just_hired: true} (the id is the first reply's,
// so the portal need not have seen the event yet).
BusCommand GrantWorkerTokenCommand(std::string_view worker_id, std::string_view token);

// The HTTP body of an ok reply: times rendered as ISO strings (RenderTimes), then `shape`.
Json ShapeReply(ReplyShape shape, Json body);

// The command id for a request carrying an Idempotency-Key: the same (scope, method, path,
// key) always gives the same id, so a retried request is answered from the context's recorded
// reply. `scope` is "role:id" of the principal (or the route's public scope).
std::string DeriveCommandId(std::string_view scope, std::string_view method, std::string_view path,
                            std::string_view key);
// The id of a follow-up command (POST /v1/workers' grant) derived from the first one.
std::string FollowUpCommandId(std::string_view first_id, std::string_view step);

// 400 naming "header.Idempotency-Key" when the key is empty, longer than 100 bytes or holds a
// control character.
std::optional<Problem> CheckIdempotencyKey(const std::optional<std::string>& key);

// In a problem object from a context's reply, the bus field named by `field_names` (in `field`,
// or at the start of a field-less `detail` such as a not_found's) becomes the request's field, in
// `field` and at the start of `detail`; other problems are left alone.
void RenameField(const std::vector<std::pair<std::string, std::string>>& field_names,
                 Json& problem);

// A fresh bearer token: lib/base NewSecretToken (32 random bytes as 64 lowercase hex).
std::string NewToken();

}  // namespace mcf::gateway
