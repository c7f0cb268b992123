#include "gateway/handlers.h"

namespace mcf::gateway {

HttpResponse JsonResponse(int status, const Json& body) {
  HttpResponse r;
  r.status = status;
  r.body = DumpJson(body);
  return r;
}

HttpResponse ProblemResponse(const Problem& problem) {
  HttpResponse r;
  r.status = problem.status;
  r.content_type = std::string(kProblemContentType);
  r.body = ProblemJson(problem);
  return r;
}

HttpResponse ForwardResult::ToResponse() const {
  HttpResponse r = JsonResponse(status, body);
  if (!ok()) r.content_type = std::string(kProblemContentType);
  return r;
}

namespace {

Json ProblemObject(const Problem& p) { return Json::parse(ProblemJson(p)); }

}  // namespace

ForwardResult ReplyToHttp(const schemas::Reply& reply, bool created) {
  if (reply.status == Code::kOk) {
    auto body = MsgpackToJson(reply.body);
    if (!body.ok() || !body->is_object()) {
      Problem p = MakeProblem(kHttpInternal, "the service sent a reply body that is not a map");
      return {p.status, ProblemObject(p)};
    }
    return {HttpStatusFor(Code::kOk, created), std::move(body).value()};
  }
  std::optional<std::string> field;
  if (!reply.details.empty()) {
    auto details = MsgpackToJson(reply.details);
    if (details.ok() && details->is_object() && details->contains("field") &&
        (*details)["field"].is_string()) {
      field = (*details)["field"].get<std::string>();
    }
  }
  std::string detail = reply.message.empty() ? std::string(CodeName(reply.status)) : reply.message;
  Problem p = ProblemFromStatus(Status(reply.status, std::move(detail)), std::move(field));
  return {p.status, ProblemObject(p)};
}

HttpResponse HandleHealthz(const std::vector<std::string>& health_contexts,
                           const schemas::Reply& broker_stats, const StoreStatusReplies& stores) {
  Json out;
  out["status"] = "ok";
  out["gateway"] = "ok";
  Json contexts = Json::object();
  for (const std::string& name : health_contexts) contexts[name] = "unavailable";
  bool healthy = broker_stats.status == Code::kOk;
  if (healthy) {
    out["broker"] = "ok";
    auto body = MsgpackToJson(broker_stats.body);
    if (body.ok() && body->is_object()) {
      const Json& stats = *body;
      if (stats.contains("log_head")) out["log_head"] = stats["log_head"];
      if (stats.contains("clock")) out["clock"] = stats["clock"];
      if (stats.contains("services") && stats["services"].is_array()) {
        for (const Json& service : stats["services"]) {
          if (!service.is_object() || !service.contains("name") || !service["name"].is_string() ||
              !contexts.contains(service["name"].get<std::string>())) {
            continue;
          }
          const bool up = service.contains("workers") && service["workers"].is_number() &&
                          service["workers"].get<double>() > 0;
          if (up) contexts[service["name"].get<std::string>()] = "ok";
        }
      }
    }
  } else {
    out["broker"] = std::string(CodeName(broker_stats.status));
    if (!broker_stats.message.empty()) out["detail"] = broker_stats.message;
  }
  Json store_json = Json::object();
  bool any_full = false;
  for (const auto& [name, reply] : stores) {
    if (reply.status != Code::kOk) continue;
    auto body = MsgpackToJson(reply.body);
    if (!body.ok() || !body->is_object()) continue;
    const bool full = body->value("full", false);
    store_json[std::string(name)] =
        Json{{"used_bytes", body->value("used_bytes", int64_t{0})},
             {"ceiling_bytes", body->value("ceiling_bytes", int64_t{0})},
             {"full", full}};
    if (full && contexts.value(std::string(name), "") == "ok") {
      contexts[std::string(name)] = "store_full";
      any_full = true;
    }
  }
  bool only_full = healthy;
  for (const auto& [name, state] : contexts.items()) {
    healthy = healthy && state == "ok";
    only_full = only_full && (state == "ok" || state == "store_full");
  }
  out["contexts"] = std::move(contexts);
  out["stores"] = std::move(store_json);
  if (!healthy) out["status"] = any_full && only_full ? "degraded" : "unavailable";
  return JsonResponse(healthy ? kHttpOk : kHttpUnavailable, out);
}

std::string RenderStoreMetrics(const StoreStatusReplies& stores) {
  std::string out =
      "# HELP mcf_store_used_bytes Bytes in use in the context's LMDB store.\n"
      "# TYPE mcf_store_used_bytes gauge\n"
      "# HELP mcf_store_ceiling_bytes The store's capacity (writes are refused near it).\n"
      "# TYPE mcf_store_ceiling_bytes gauge\n"
      "# HELP mcf_store_full 1 while the store refuses writes.\n"
      "# TYPE mcf_store_full gauge\n";
  for (const auto& [name, reply] : stores) {
    if (reply.status != Code::kOk) continue;
    auto body = MsgpackToJson(reply.body);
    if (!body.ok() || !body->is_object()) continue;
    const std::string label = "{context=\"" + std::string(name) + "\"} ";
    out += "mcf_store_used_bytes" + label + std::to_string(body->value("used_bytes", 0LL)) + "\n";
    out += "mcf_store_ceiling_bytes" + label + std::to_string(body->value("ceiling_bytes", 0LL)) +
           "\n";
    out += "mcf_store_full" + label + (body->value("full", false) ? "1" : "0") + "\n";
  }
  return out;
}

Credentials CredentialsOf(const HttpRequest& request) {
  const auto view = [](const std::optional<std::string>& s) {
    return s ? std::optional<std::string_view>(*s) : std::nullopt;
  };
  return Credentials{.method = request.method,
                     .authorization = view(request.authorization),
                     .cookie = view(request.cookie),
                     .origin = view(request.origin),
                     .host = view(request.host),
                     .console = view(request.console)};
}

HttpResponse HandleMe(const TokenStore& tokens, const HttpRequest& request) {
  auto principal = Authenticate(tokens, CredentialsOf(request));
  if (!principal.ok()) {
    HttpResponse r = ProblemResponse(principal.problem());
    if (r.status == kHttpUnauthorized) r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  return JsonResponse(kHttpOk,
                      Json{{"role", principal.value().role}, {"id", principal.value().id}});
}

HttpResponse HandleNotFound(const HttpRequest& request) {
  return ProblemResponse(
      MakeProblem(kHttpNotFound, "no route for " + request.method + " " + request.path));
}

}  // namespace mcf::gateway
