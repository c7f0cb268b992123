// Handlers: what each route answers, as plain functions of plain values, so they are unit-tested
// without sockets; gateway/server.cc only adapts httplib requests to HttpRequest and back.
//
// Also ReplyToHttp: the one translation of a bus Reply into an HTTP status and JSON body, used
// by ForwardCommand for every route that sends a command. Pure functions; thread-safe.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gateway/auth.h"
#include "gateway/json_body.h"
#include "gateway/problem.h"
#include "schemas/envelope.h"

namespace mcf::gateway {

struct HttpRequest {
  std::string method;
  std::string path;
  std::optional<std::string> authorization;  // the Authorization header, if sent
  std::string remote_addr;
  std::optional<Json> body;  // the parsed JSON object, when the request had a body
  std::map<std::string, std::string> path_params;  // {"id": "order-1"} for "/v1/orders/{id}"
  std::map<std::string, std::string> query;        // first value of each query parameter
  std::optional<std::string> idempotency_key;      // the Idempotency-Key header, if sent
  std::optional<std::string> last_event_id;        // the Last-Event-ID header (GET /v1/stream)
  std::optional<Principal> principal;              // set by the pipeline once authenticated
  // The console's headers (gateway/auth.h Credentials), and If-None-Match for static files.
  std::optional<std::string> cookie, origin, host, console, if_none_match;
};

// The request's credentials for Authenticate (views into `request`, which must outlive them).
Credentials CredentialsOf(const HttpRequest& request);

struct HttpResponse {
  int status = kHttpOk;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4";

HttpResponse JsonResponse(int status, const Json& body);
HttpResponse ProblemResponse(const Problem& problem);

// The outcome of a bus command as HTTP: `status` and `body` (a problem object when !ok()).
struct ForwardResult {
  int status = kHttpOk;
  Json body;
  bool ok() const { return status < 400; }
  HttpResponse ToResponse() const;
};

// ok -> 200 (201 when `created`) with the reply body as JSON; otherwise the status table's
// problem, detail = the reply's message, field = details.field when the worker named one.
// A reply body that is not valid MessagePack becomes a 500 problem.
ForwardResult ReplyToHttp(const schemas::Reply& reply, bool created = false);

// Every context of the platform, each a bus service of that name: the ones /healthz reports on
// unless the gateway is given the deployment's own list (ServerConfig::health_contexts).
inline constexpr std::array<std::string_view, 8> kAllContexts = {
    "portal", "tasks", "matching", "hiring", "supplies", "quality", "betting", "billing"};

// Each health context's answer to `<context>.store_status` (lib/worker/dispatcher.h), in the
// order of the list; a context that did not answer has a non-ok reply.
using StoreStatusReplies = std::vector<std::pair<std::string_view, schemas::Reply>>;

// GET /healthz of `contexts` from the broker.stats reply and their store status: {status, gateway:
// "ok", broker: "ok"|<bus status>, contexts: {portal: "ok"|"unavailable"|"store_full", ...},
// stores: {portal: {used_bytes, ceiling_bytes, full}, ...}, log_head?, log_full?}. A context is
// "ok" when the broker lists its service with a worker and its store is not full. 200 when the
// broker answered and every context is ok ("status":"ok"); otherwise 503 with the same body
// ("status":"unavailable", or "degraded" when only stores are full: reads still work).
HttpResponse HandleHealthz(const std::vector<std::string>& contexts,
                           const schemas::Reply& broker_stats, const StoreStatusReplies& stores);

// Prometheus lines for the stores (labels: the fixed context list): mcf_store_used_bytes,
// mcf_store_ceiling_bytes, mcf_store_full; contexts that did not answer are left out.
std::string RenderStoreMetrics(const StoreStatusReplies& stores);

// GET /v1/me: the principal {role, id} of the bearer token or the console's cookie; 401 problem
// otherwise.
HttpResponse HandleMe(const TokenStore& tokens, const HttpRequest& request);

// Any request no route matched: a 404 problem naming the method and path.
HttpResponse HandleNotFound(const HttpRequest& request);

}  // namespace mcf::gateway
