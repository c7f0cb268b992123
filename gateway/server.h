// Server: the gateway's HTTP server (cpp-httplib), adapting requests to the handlers in
// gateway/handlers.h and commands to the bus.
//
// Every request passes the same pipeline (gateway/README.md): for public routes the public gate
// (gateway/public_gate.h: 429/503), for the others the concurrency limit (503), the body's
// framing (400) and announced size against the route's limit (413) and media type (415) before
// any of the body is read, for authenticated business routes the bearer token (401/503), then the body read under the route's limit (413) and parsed (400), the
// route's handler (gateway/business_routes.h for the business routes), metrics. Connections are
// served by the gateway's own keep-alive loop (header values byte for byte, as sent; a response
// given before its request's body was read closes the connection after a lingering drain).
// Each server thread gets its own BusClient over one shared
// zmq context (a BusClient is single-threaded). Bind, then Run blocks until Stop (callable from
// any thread). The token store must outlive the server; destroy the server only after Run has
// returned. httplib stays out of this header (pimpl).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/auth.h"
#include "gateway/event_stream.h"
#include "gateway/handlers.h"
#include "gateway/json_body.h"
#include "gateway/metrics.h"
#include "gateway/public_gate.h"
#include "gateway/routes.h"
#include "lib/base/clock.h"
#include "lib/base/status.h"

namespace mcf::gateway {

struct ServerConfig {
  std::string host = "127.0.0.1";  // address to listen on
  int port = 8080;                 // 0 = pick a free port (Bind returns it)
  std::string broker_endpoint = "tcp://127.0.0.1:5555";
  // Every route but the photo routes: body size, strings, depth.
  JsonLimits json_limits{64u << 10, 64u << 10, 16};
  // Photo routes (RouteSpec::large_body): a 5 MiB photo as base64 is ~6.7 MiB. The larger of the
  // two limits is also httplib's payload limit.
  size_t large_body_bytes = 8u << 20;
  size_t max_photo_bytes = 5u << 20;  // decoded photo; larger -> 413 naming body.photo
  // Requests in progress at once on every route but the public ones; more get 503. Public
  // routes have their own cap (public_limits.max_in_flight), so they cannot use this up.
  size_t max_concurrent = 256;
  // HTTP worker threads (each with its own BusClient). httplib holds a thread per keep-alive
  // connection, so this bounds the concurrent clients served without queueing.
  size_t threads = 64;
  Millis health_timeout{1000};                   // broker.stats wait for /healthz
  // The contexts /healthz requires (and /metrics reports stores of): the deployment's own set.
  std::vector<std::string> health_contexts{kAllContexts.begin(), kAllContexts.end()};
  Millis command_timeout{5000};                  // a business route's bus command
  PublicLimits public_limits;             // the public routes (POST /v1/session, ...)
  std::chrono::seconds read_timeout{5};  // per socket read
  // A request head (request line and headers) must arrive whole within this long of its first
  // byte, and a public route's body within public_body_timeout of its admission: a client that
  // trickles bytes (slowloris) cannot hold a server thread for longer. A head still incomplete
  // after slow_head_after while an accepted connection waits for a thread is dropped at once.
  Millis head_timeout{3000};
  Millis public_body_timeout{2000};
  Millis slow_head_after{500};
  // Connections one client address may have in service at once while other connections wait
  // for a thread; past it a connection is served one request, then closed.
  size_t max_connections_per_address = 32;
  std::chrono::seconds write_timeout{5};         // per socket write
  // An idle keep-alive connection is closed after this long (its thread goes back to the pool).
  std::chrono::seconds keep_alive_timeout{5};
  // Requests per connection before the server answers one with Connection: close.
  size_t keep_alive_max_requests = 1'000'000;
  // listen(2) backlog; 0 = the system's maximum (/proc/sys/net/core/somaxconn, else SOMAXCONN).
  int listen_backlog = 0;
  // The web console's folder (web/: index.html, src/, node_modules/htm); empty = no console.
  std::string web_root;
  // GET /v1/stream: caps, queues, replay (gateway/event_stream.h). Streams hold no thread.
  StreamConfig streams;
};

class Server {
 public:
  Server(ServerConfig config, const TokenStore& tokens);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket (backlog: ServerConfig::listen_backlog); the bound port, or
  // unavailable when it cannot bind.
  Result<int> Bind();
  // Serves until Stop(). REQUIRES: Bind() succeeded.
  void Run();
  // Makes Run return (in-flight requests finish first). Thread-safe; idempotent.
  void Stop();

  // Sends command `type` with `body` (a JSON object) on behalf of `principal` and waits up to
  // `timeout`; the reply as HTTP (see ReplyToHttp). Non-ok replies are counted in metrics.
  // Callable from any thread (each thread uses its own BusClient).
  ForwardResult ForwardCommand(std::string_view type, const Principal& principal, const Json& body,
                               Millis timeout, bool created = false);

  // Sends command `type` with an encoded `body` on behalf of `principal`, with command id `id`
  // (a fresh one when empty); the raw reply. Callable from any thread (the portal token store
  // asks portal.authenticate through it).
  schemas::Reply Call(std::string_view type, const Principal& principal, std::string body,
                      Millis timeout, std::string id = "");

  // The routes registered with httplib, in registration order (the catch-all excluded).
  const std::vector<RouteSpec>& registered_routes() const;
  Metrics& metrics();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcf::gateway
