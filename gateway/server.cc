#include "gateway/server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <zmq.hpp>

#include "gateway/business_routes.h"
#include "gateway/concurrency_limit.h"
#include "lib/base/log.h"
#include "lib/client/bus_client.h"
#include "schemas/body.h"

namespace mcf::gateway {
namespace {

using Handler = std::function<HttpResponse(const HttpRequest&)>;

// Distinguishes servers in the per-thread BusClient cache, even when one is allocated where a
// destroyed one was.
std::atomic<uint64_t> next_server_generation{1};

struct ThreadClientCache {
  uint64_t generation = 0;
  client::BusClient* client = nullptr;
};
thread_local ThreadClientCache thread_client;

void SetSocketOptions(socket_t sock) {
  int yes = 1;
  ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  // Without TCP_NODELAY keep-alive requests stall on delayed ACKs (~40 ms each).
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
}

// The names of the "{name}" segments of an OpenAPI path, in order.
std::vector<std::string> PathParamNames(std::string_view path) {
  std::vector<std::string> names;
  size_t pos = 0;
  while ((pos = path.find('{', pos)) != std::string_view::npos) {
    const size_t end = path.find('}', pos);
    if (end == std::string_view::npos) break;
    names.emplace_back(path.substr(pos + 1, end - pos - 1));
    pos = end + 1;
  }
  return names;
}

HttpResponse Unauthorized(const Problem& problem) {
  HttpResponse r = ProblemResponse(problem);
  if (r.status == kHttpUnauthorized) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  if (r.status == kHttpUnavailable) r.headers.emplace_back("Retry-After", "1");
  return r;
}

void Write(const HttpResponse& out, httplib::Response& res) {
  res.status = out.status;
  for (const auto& [name, value] : out.headers) res.set_header(name, value);
  res.set_content(out.body, out.content_type);
}

}  // namespace

struct Server::Impl {
  Impl(ServerConfig c, const TokenStore& t)
      : config(std::move(c)),
        tokens(t),
        limit(std::max<size_t>(config.max_concurrent, 1)),
        session_limiter(config.session_rate, SteadyClock::Instance()),
        generation(next_server_generation.fetch_add(1)) {}

  // Declaration order is destruction order in reverse: the HTTP server (and its threads) goes
  // first, then the BusClients, then the zmq context they use.
  ServerConfig config;
  const TokenStore& tokens;
  ConcurrencyLimit limit;
  RateLimiter session_limiter;
  Metrics metrics;
  const uint64_t generation;
  zmq::context_t context{1};
  std::mutex clients_mu;
  std::map<std::thread::id, std::unique_ptr<client::BusClient>> clients;
  std::vector<RouteSpec> routes;
  httplib::Server http;
  int port = -1;

  client::BusClient& Client() {
    if (thread_client.generation == generation && thread_client.client != nullptr) {
      return *thread_client.client;
    }
    std::lock_guard lock(clients_mu);
    auto& slot = clients[std::this_thread::get_id()];
    if (!slot) {
      slot = std::make_unique<client::BusClient>(context, config.broker_endpoint, "gateway");
    }
    thread_client = {generation, slot.get()};
    return *slot;
  }

  schemas::Reply Call(schemas::Envelope command, Millis timeout) {
    schemas::Reply reply = Client().Call(command, timeout);
    if (reply.status != Code::kOk) {
      metrics.CountBusError(reply.status);
      spdlog::warn("event=bus_error type={} status={} message={}", command.type,
                   CodeName(reply.status), Quoted(reply.message));
    }
    return reply;
  }

  schemas::Envelope MakeEnvelope(std::string_view type, const Principal& principal,
                                 std::string body, std::string id) {
    schemas::Envelope command = Client().MakeCommand(type, std::move(body));
    if (!id.empty()) command.id = std::move(id);
    command.principal = principal;
    command.correlation_id = command.id;
    return command;
  }

  // Body limits of `route` (the small ones when no route matched).
  JsonLimits LimitsFor(const RouteSpec* route) const {
    JsonLimits limits = config.json_limits;
    if (route != nullptr && route->large_body) {
      limits.max_body_bytes = config.large_body_bytes;
      limits.max_string_bytes = config.large_body_bytes;
    }
    return limits;
  }

  size_t PayloadLimit() const {
    return std::max(config.json_limits.max_body_bytes, config.large_body_bytes);
  }

  // The shared pipeline around every handler: concurrency limit, body size, (business routes)
  // rate limit and bearer token, JSON body, handler. `route` is null for the catch-all.
  HttpResponse Serve(const httplib::Request& req, const RouteSpec* route, const Handler& handler) {
    auto permit = limit.TryAcquire();
    if (!permit) {
      HttpResponse r =
          ProblemResponse(MakeProblem(kHttpUnavailable, "too many concurrent requests"));
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    HttpRequest request;
    request.method = req.method;
    request.path = req.path;
    request.remote_addr = req.remote_addr;
    if (req.has_header("Authorization")) {
      request.authorization = req.get_header_value("Authorization");
    }
    if (req.has_header("Idempotency-Key")) {
      request.idempotency_key = req.get_header_value("Idempotency-Key");
    }
    for (const auto& [name, value] : req.params) request.query.emplace(name, value);
    if (route != nullptr) {
      const auto names = PathParamNames(route->path);
      for (size_t i = 0; i < names.size() && i + 1 < req.matches.size(); ++i) {
        request.path_params[names[i]] = req.matches[i + 1].str();
      }
    }
    const JsonLimits limits = LimitsFor(route);
    if (req.body.size() > limits.max_body_bytes) {
      return ProblemResponse(
          MakeProblem(kHttpPayloadTooLarge,
                      "body is larger than " + std::to_string(limits.max_body_bytes) + " bytes"));
    }
    const BusinessRoute* business = route != nullptr ? FindBusinessRoute(*route) : nullptr;
    if (business != nullptr && business->rate_limited) {
      RateDecision decision = session_limiter.Allow(req.remote_addr);
      if (!decision.allowed) {
        HttpResponse r = ProblemResponse(
            MakeProblem(kHttpTooManyRequests, "too many requests from this address"));
        const auto seconds = (decision.retry_after.count() + 999) / 1000;
        r.headers.emplace_back("Retry-After", std::to_string(std::max<long long>(seconds, 1)));
        return r;
      }
    }
    if (business != nullptr && !business->is_public) {
      std::optional<std::string_view> header;
      if (request.authorization) header = *request.authorization;
      auto principal = Authenticate(tokens, header);
      if (!principal.ok()) return Unauthorized(principal.problem());
      request.principal = std::move(principal).value();
    }
    if (!req.body.empty()) {
      auto body = ParseJsonBody(req.body, limits);
      if (!body.ok()) return ProblemResponse(body.problem());
      request.body = std::move(body).value();
    }
    try {
      return handler(request);
    } catch (const std::exception& e) {
      spdlog::error("event=handler_exception method={} path={} error={}", req.method,
                    Quoted(req.path), Quoted(e.what()));
      return ProblemResponse(MakeProblem(kHttpInternal, "internal error"));
    }
  }

  // A business route after the pipeline: build the command, send it, shape the reply.
  HttpResponse HandleBusiness(const BusinessRoute& route, const HttpRequest& request) {
    if (auto p = CheckIdempotencyKey(request.idempotency_key)) return ProblemResponse(*p);
    const Principal caller =
        route.is_public || !request.principal ? Principal{"anonymous", ""} : *request.principal;
    const std::string token = route.mints_token ? NewToken() : std::string();
    auto built = route.build(RouteInput{caller, request, token, config.max_photo_bytes});
    if (!built.ok()) return ProblemResponse(built.problem());
    const BusCommand& command = built.value();
    const Principal bus_principal = route.is_public ? Principal{"system", "gateway"} : caller;
    std::string id;
    if (request.idempotency_key) {
      const std::string scope =
          route.is_public ? "public:" + command.idempotency_scope : caller.role + ":" + caller.id;
      id = DeriveCommandId(scope, request.method, request.path, *request.idempotency_key);
    }
    schemas::Envelope envelope =
        MakeEnvelope(command.type, bus_principal, JsonToMsgpack(command.body), std::move(id));
    schemas::Reply reply = Call(envelope, config.command_timeout);
    if (route.spec == kWorkers && reply.status == Code::kOk) {
      // Second step: a sign-in token for the worker just imported. Its id derives from the
      // first command's, so a retried request (same Idempotency-Key) repeats neither step.
      auto imported = MsgpackToJson(reply.body);
      if (!imported.ok() || !imported->is_object() || !imported->contains("worker_id") ||
          !(*imported)["worker_id"].is_string()) {
        return ProblemResponse(
            MakeProblem(kHttpInternal, "hiring.import_worker replied without a worker_id"));
      }
      const BusCommand grant =
          GrantWorkerTokenCommand((*imported)["worker_id"].get<std::string>(), token);
      reply = Call(MakeEnvelope(grant.type, bus_principal, JsonToMsgpack(grant.body),
                                FollowUpCommandId(envelope.id, "grant")),
                   config.command_timeout);
    }
    ForwardResult result = ReplyToHttp(reply, command.created);
    if (result.ok()) result.body = ShapeReply(route.shape, std::move(result.body));
    return result.ToResponse();
  }

  httplib::Server::Handler Wrap(std::string route_label, std::optional<RouteSpec> route,
                                Handler handler) {
    return [this, route_label = std::move(route_label), route, handler = std::move(handler)](
               const httplib::Request& req, httplib::Response& res) {
      const auto start = std::chrono::steady_clock::now();
      HttpResponse out = Serve(req, route ? &*route : nullptr, handler);
      Write(out, res);
      metrics.ObserveRequest(req.method, route_label, out.status,
                             std::chrono::steady_clock::now() - start);
    };
  }

  void Register(const RouteSpec& route, Handler handler) {
    auto wrapped = Wrap(std::string(route.path), route, std::move(handler));
    const std::string pattern = PathPattern(route.path);
    if (route.method == "GET") {
      http.Get(pattern, wrapped);
    } else if (route.method == "POST") {
      http.Post(pattern, wrapped);
    } else if (route.method == "PUT") {
      http.Put(pattern, wrapped);
    } else if (route.method == "PATCH") {
      http.Patch(pattern, wrapped);
    } else if (route.method == "DELETE") {
      http.Delete(pattern, wrapped);
    }
    routes.push_back(route);
  }

  void RegisterRoutes() {
    Register(kHealthz, [this](const HttpRequest&) {
      schemas::Envelope cmd = Client().MakeCommand("broker.stats", schemas::EmptyBody());
      return HandleHealthz(Call(std::move(cmd), config.health_timeout));
    });
    Register(kMetrics, [this](const HttpRequest&) {
      HttpResponse r;
      r.content_type = std::string(kPrometheusContentType);
      r.body = metrics.Render();
      return r;
    });
    Register(kOpenApi, [](const HttpRequest&) {
      HttpResponse r;
      r.body = std::string(OpenApiDocument());
      return r;
    });
    Register(kMe, [this](const HttpRequest& request) { return HandleMe(tokens, request); });
    for (const RouteSpec& spec : kRoutes) {
      const BusinessRoute* business = FindBusinessRoute(spec);
      if (business == nullptr) continue;
      Register(spec, [this, business](const HttpRequest& request) {
        return HandleBusiness(*business, request);
      });
    }

    // Catch-all, registered last: a 404 problem, counted under one label.
    auto not_found = Wrap(std::string(kUnmatchedRoute), std::nullopt, HandleNotFound);
    http.Get(".*", not_found);
    http.Post(".*", not_found);
    http.Put(".*", not_found);
    http.Patch(".*", not_found);
    http.Delete(".*", not_found);
    http.Options(".*", not_found);

    // Errors httplib answers itself (413 before routing, malformed requests): problem bodies.
    http.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req,
                                                                       httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      // httplib refuses a POST/PUT/PATCH that announces no body length at all (curl -X POST
      // without -d sends none); say how to send an empty body instead.
      const bool no_length = (req.method == "POST" || req.method == "PUT" || req.method == "PATCH") &&
                             !req.has_header("Content-Length") &&
                             !req.has_header("Transfer-Encoding");
      std::string detail =
          res.status == kHttpPayloadTooLarge
              ? "body is larger than " + std::to_string(PayloadLimit()) + " bytes"
          : no_length && res.status == kHttpBadRequest
              ? req.method + " needs a Content-Length; send an empty body as Content-Length: 0 "
                             "(curl -d '')"
              : "request rejected by the HTTP layer";
      res.set_content(ProblemJson(MakeProblem(res.status, std::move(detail))),
                      std::string(kProblemContentType));
      metrics.ObserveRequest(req.method.empty() ? "-" : req.method, kUnmatchedRoute, res.status,
                             std::chrono::nanoseconds(0));
      return httplib::Server::HandlerResponse::Handled;
    }));
    http.set_exception_handler(
        [](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
          spdlog::error("event=http_exception method={} path={}", req.method, Quoted(req.path));
          res.status = kHttpInternal;
          res.set_content(ProblemJson(MakeProblem(kHttpInternal, "internal error")),
                          std::string(kProblemContentType));
        });
  }
};

Server::Server(ServerConfig config, const TokenStore& tokens)
    : impl_(std::make_unique<Impl>(std::move(config), tokens)) {
  auto& http = impl_->http;
  const size_t threads = std::max<size_t>(impl_->config.threads, 1);
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_socket_options(SetSocketOptions);
  http.set_tcp_nodelay(true);
  http.set_keep_alive_max_count(1000);  // httplib's default of 5 reconnects every 5 requests
  http.set_payload_max_length(impl_->PayloadLimit());
  http.set_read_timeout(impl_->config.read_timeout);
  http.set_write_timeout(impl_->config.write_timeout);
  impl_->RegisterRoutes();
}

Server::~Server() {
  Stop();
  // httplib's threads have been joined when Run returned; drop the clients before the context.
  std::lock_guard lock(impl_->clients_mu);
  impl_->clients.clear();
}

Result<int> Server::Bind() {
  const auto& c = impl_->config;
  int port = c.port == 0 ? impl_->http.bind_to_any_port(c.host)
                         : (impl_->http.bind_to_port(c.host, c.port) ? c.port : -1);
  if (port <= 0) {
    return Status::Unavailable("cannot listen on " + c.host + ":" + std::to_string(c.port));
  }
  impl_->port = port;
  return port;
}

void Server::Run() {
  spdlog::info("event=gateway_listening host={} port={} broker={}", impl_->config.host, impl_->port,
               impl_->config.broker_endpoint);
  impl_->http.listen_after_bind();
}

void Server::Stop() {
  if (impl_->http.is_running()) impl_->http.stop();
}

ForwardResult Server::ForwardCommand(std::string_view type, const Principal& principal,
                                     const Json& body, Millis timeout, bool created) {
  if (!body.is_object()) {
    Problem p = MakeProblem(kHttpBadRequest, "body must be a JSON object", "body");
    return {p.status, Json::parse(ProblemJson(p))};
  }
  return ReplyToHttp(Call(type, principal, JsonToMsgpack(body), timeout), created);
}

schemas::Reply Server::Call(std::string_view type, const Principal& principal, std::string body,
                            Millis timeout, std::string id) {
  return impl_->Call(impl_->MakeEnvelope(type, principal, std::move(body), std::move(id)), timeout);
}

const std::vector<RouteSpec>& Server::registered_routes() const { return impl_->routes; }

Metrics& Server::metrics() { return impl_->metrics; }

}  // namespace mcf::gateway
