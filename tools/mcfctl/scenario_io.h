// How `mcfctl scenario run` and `mcfctl simulate` talk to a running system: JSON over HTTP
// through the gateway (GatewayHttp), and the idle barrier (WaitForIdle) they both pass before
// every request so that what they read does not depend on how fast the contexts happened to be
// — which is what makes their captures replayable.
//
// GatewayHttp wraps one keep-alive httplib client; BusClient is the caller's. Owned by one
// thread; not thread-safe. cpp-httplib never throws here (errors come back as status -1).
#pragma once

#include <memory>
#include <string>

#include "lib/base/clock.h"
#include "lib/base/status.h"
#include "lib/client/bus_client.h"
#include "tools/mcfctl/json.h"

namespace httplib {
class Client;
}  // namespace httplib

namespace mcf::mcfctl {

struct HttpResponse {
  int status = -1;    // -1: no response (error says why)
  Json body;          // the JSON body; null when empty, the raw text as a string when not JSON
  std::string error;  // transport error when status is -1
};

class GatewayHttp {
 public:
  // `host`, `port`: the gateway. Reads wait at most `timeout`.
  GatewayHttp(const std::string& host, int port, Millis timeout = Millis(10000));
  ~GatewayHttp();
  GatewayHttp(const GatewayHttp&) = delete;
  GatewayHttp& operator=(const GatewayHttp&) = delete;

  // One request; `token` "" sends no Authorization; `body` null sends no body. `method` is GET,
  // POST or PATCH. A non-empty `idempotency_key` is sent as the Idempotency-Key header, from
  // which the gateway derives the command id (so a run's ids are the same every time).
  HttpResponse Call(const std::string& method, const std::string& path, const std::string& token,
                    const Json& body = nullptr, const std::string& idempotency_key = "");

 private:
  std::unique_ptr<httplib::Client> client_;
};

// Parses "127.0.0.1:8080" or "http://127.0.0.1:8080[/]" into host and port; nullopt if neither.
std::optional<std::pair<std::string, int>> ParseHostPort(const std::string& text);

// Waits until the system is idle: broker.stats shows no request in flight or queued, no pending
// log write, every subscriber's cursor past the log head and its credit back (credit == window;
// workers return credit only once what they published in response is durable, so this is a
// real barrier, the one lib/replay uses). When a subscriber never gives all its credit back (a
// batch-credit subscriber such as `mcfctl tail --follow`, or a broker without windows in
// broker.stats), "settled and unchanged for 10 x `quiet`" (`quiet` without windows) is accepted.
// unavailable/timeout when the broker does not answer or the system stays busy past `timeout`.
Status WaitForIdle(client::BusClient& bus, Millis timeout = Millis(30000),
                   Millis quiet = Millis(25));

}  // namespace mcf::mcfctl
