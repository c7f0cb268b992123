// Helpers for the gateway's end-to-end tests (gateway_routes_test, gateway_edge_test,
// gateway_load_test): an httplib client with the headers a test chooses, a raw HTTP/1.1
// exchange over one socket (for what httplib's client cannot send: NUL bytes, duplicate or
// missing headers, chunked or lying bodies), the system they run against (lib/process
// LocalSystem) and a snapshot of what a refused request must not change.
// Everything speaks to 127.0.0.1 only, with bounded timeouts. Not thread-safe (one per thread).
#pragma once

#include <httplib.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/process/local_system.h"

namespace mcf::testing::gateway {

using Json = nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

inline constexpr char kStart[] = "2026-01-05T08:00:00Z";      // the simulated clock's start
inline constexpr char kDesiredAt[] = "2026-01-06T10:00:00Z";  // a day after it

struct Response {
  int status = -1;  // -1: no response (error says why)
  Json body;        // parsed JSON, discarded when the body is not JSON
  std::string raw_body;
  std::string content_type;
  std::string retry_after;
  std::string connection;  // the Connection header
  std::string error;       // httplib's error or the raw exchange's failure
};

std::string Describe(const Response& r);

// An httplib client on one gateway (keep-alive).
class Http {
 public:
  explicit Http(int port);

  // `body` is sent as is (it may be malformed on purpose) with Content-Type application/json
  // unless `headers` names a Content-Type; empty = no body.
  Response Send(const std::string& method, const std::string& path, const std::string& token,
                const std::string& body = "", const std::string& idempotency_key = "",
                const Headers& headers = {});
  Response Send(const std::string& method, const std::string& path, const std::string& token,
                const Json& body, const std::string& idempotency_key = "");

 private:
  httplib::Client client_;
};

// Writes `request` (the exact bytes) on a fresh connection to 127.0.0.1:`port`, then reads one
// response (status line, headers, a Content-Length body or until the server closes).
Response RawExchange(int port, std::string_view request,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20));

// `POST path` with a bearer token and no body, as `curl -X POST` sends it: neither
// Content-Length nor Transfer-Encoding (an empty body, RFC 9112 section 6.3), keep-alive. The
// response and how long it took to arrive.
struct TimedResponse {
  Response response;
  std::chrono::milliseconds took{0};
};
TimedResponse PostWithoutLength(int port, const std::string& path, const std::string& token);
// "At once" for such a request: half of the gateway's default 5 s read timeout, which a gateway
// that waited for a body would sit out; a loaded machine answers in milliseconds.
inline constexpr std::chrono::milliseconds kAnsweredAtOnce{2500};

// Broker on the simulated clock at kStart, portal, tasks, matching, hiring, supplies and a
// gateway with `gateway_flags`, data under `data_dir`. Liveness and authentication bounds are
// generous (3 s, 10 s): the tests assert outcomes, not speed.
process::SystemOptions FullSystem(const std::string& data_dir,
                                  std::vector<std::string> gateway_flags = {});

// Broker on the simulated clock at kStart, the portal only and a gateway with `gateway_flags`,
// data under `data_dir`: for the tests of the edge itself (sign-ins, tokens, limits).
process::SystemOptions PortalSystem(const std::string& data_dir,
                                    std::vector<std::string> gateway_flags = {});

// True when the build has mcf-portal (the business-route tests skip without it).
bool HavePortal();

// A token per role: admin (bootstrap), client and client2 (sessions), manager, supplies (staff)
// and worker (an imported worker). Fails the calling test on any unexpected reply.
std::map<std::string, std::string> SignInEveryone(Http& http, const std::string& admin_token);

// A worker profile for POST /v1/workers.
Json WorkerProfile(const std::string& name);

// What a refused request must not change: the broker's log head (every event ever written),
// the portal's orders, the service types (inactive included) and the supplies board, as the
// gateway lists them.
struct Written {
  int64_t log_head = -1;
  Json orders;
  Json service_types;
  Json supply_orders;
  bool operator==(const Written&) const = default;
};
Written Snapshot(Http& http, const std::map<std::string, std::string>& tokens);
std::string Describe(const Written& w);

}  // namespace mcf::testing::gateway
