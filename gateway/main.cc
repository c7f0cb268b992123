// mcf-gateway: the HTTP edge. Wiring only: flags -> ServerConfig, the bootstrap admin token,
// signals -> Server::Stop.
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "lib/security/bus_identity.h"
#include "gateway/auth.h"
#include "gateway/portal_token_store.h"
#include "gateway/server.h"
#include "lib/base/log.h"
#include "lib/client/bus_client.h"

namespace {

// "HOST:PORT" -> host, port; false when malformed.
bool ParseListen(const std::string& listen, std::string* host, int* port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  try {
    size_t used = 0;
    const std::string port_text = listen.substr(colon + 1);
    const int p = std::stoi(port_text, &used);
    if (used != port_text.size() || p < 0 || p > 65535) return false;
    *host = listen.substr(0, colon);
    *port = p;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// Written whole (temp file + rename) so a reader never sees a partial line.
bool WritePortFile(const std::string& path, int port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << port << "\n";
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

int main(int argc, char** argv) {
  mcf::gateway::ServerConfig config;
  config.broker_endpoint = mcf::client::DefaultBrokerEndpoint();
  std::string listen = "127.0.0.1:8080";
  std::string port_file;
  std::string admin_token_file = "var/admin.token";
  long long health_timeout_ms = config.health_timeout.count();
  long long command_timeout_ms = config.command_timeout.count();
  long long auth_timeout_ms = 2000;
  mcf::gateway::TokenCacheConfig token_cache;
  long long token_ttl_ms = token_cache.ttl.count();

  CLI::App app{"mcf-gateway: HTTP/JSON edge of the MCF bus"};
  app.add_option("--listen", listen, "HOST:PORT to listen on (port 0 picks a free one)")
      ->capture_default_str();
  app.add_option("--port-file", port_file, "after binding, write the port + newline here");
  app.add_option("--broker", config.broker_endpoint, "broker endpoint (default $MCF_BROKER)")
      ->capture_default_str();
  std::string key_file, broker_key_file;
  app.add_option("--key", key_file, "the gateway's bus key file (env MCF_KEY; docs/security.md)");
  app.add_option("--broker-key", broker_key_file,
                 "the broker's public key file (default broker.pub beside --key)");
  app.add_option("--admin-token-file", admin_token_file,
                 "bootstrap admin token (created, mode 0600, when missing)")
      ->capture_default_str();
  app.add_option("--max-body-bytes", config.json_limits.max_body_bytes, "largest request body")
      ->capture_default_str();
  app.add_option("--large-body-bytes", config.large_body_bytes,
                 "largest request body on the photo routes")
      ->capture_default_str();
  app.add_option("--web-root", config.web_root,
                 "the web console's folder (web/ with its node_modules); none = no console");
  app.add_option("--max-photo-bytes", config.max_photo_bytes, "largest decoded photo")
      ->capture_default_str();
  app.add_option("--command-timeout-ms", command_timeout_ms, "bus command wait per route")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--auth-timeout-ms", auth_timeout_ms, "portal.authenticate wait")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--token-cache-ttl-ms", token_ttl_ms, "how long a known token is cached")
      ->capture_default_str();
  // The public routes (POST /v1/session, ...): gateway/public_gate.h. The --session-* names are
  // the flags' earlier names, kept for existing command lines.
  mcf::gateway::PublicLimits& pub = config.public_limits;
  app.add_option("--public-burst,--session-burst", pub.per_address.capacity,
                 "public routes: burst per client address")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--public-per-second,--session-per-second", pub.per_address.refill_per_second,
                 "public routes: sustained rate per client address")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--public-route-burst", pub.per_route.capacity,
                 "public routes: burst per route, all addresses together")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--public-route-per-second", pub.per_route.refill_per_second,
                 "public routes: sustained rate per route, all addresses together")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-public-in-flight", pub.max_in_flight,
                 "public requests in progress at once (apart from --max-concurrent)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-public-in-flight-per-address", pub.max_in_flight_per_address,
                 "public requests in progress at once from one client address")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-connections-per-address", config.max_connections_per_address,
                 "connections in service at once from one client address")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  long long head_timeout_ms = config.head_timeout.count();
  long long public_body_timeout_ms = config.public_body_timeout.count();
  app.add_option("--head-timeout-ms", head_timeout_ms,
                 "a request head must arrive whole within this long of its first byte")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--public-body-timeout-ms", public_body_timeout_ms,
                 "a public route's body must arrive whole within this long")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-string-bytes", config.json_limits.max_string_bytes,
                 "longest JSON string in a body")
      ->capture_default_str();
  app.add_option("--max-depth", config.json_limits.max_depth, "deepest JSON nesting")
      ->capture_default_str();
  app.add_option("--max-concurrent", config.max_concurrent,
                 "requests in progress at once on the non-public routes")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--threads", config.threads, "HTTP worker threads")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--health-timeout-ms", health_timeout_ms, "broker.health wait for /healthz")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--contexts", config.health_contexts,
                 "the contexts this deployment runs, comma-separated: /healthz is 200 only while "
                 "each has a worker (default: all eight)")
      ->delimiter(',')
      ->check(CLI::Validator(
          [](std::string& name) {
            const bool ok = !name.empty() && name.size() <= 32 &&
                            name.find_first_not_of("abcdefghijklmnopqrstuvwxyz") == std::string::npos;
            return ok ? std::string() : "a context name is lowercase letters, got \"" + name + "\"";
          },
          "NAME", "context name"));
  // GET /v1/stream (gateway/event_stream.h).
  mcf::gateway::StreamConfig& streams = config.streams;
  long long stream_heartbeat_ms = streams.heartbeat.count();
  app.add_option("--max-streams", streams.max_streams, "live update streams open at once (503)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-streams-per-principal", streams.max_streams_per_principal,
                 "live update streams one principal may have open (429)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--stream-queue-bytes", streams.queue_bytes,
                 "bytes queued for one stream's reader; a reader further behind is dropped")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--stream-replay-events", streams.replay_events,
                 "events kept for Last-Event-ID (older: event reset)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--stream-send-buffer-bytes", streams.send_buffer_bytes,
                 "SO_SNDBUF of a stream's socket")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--stream-heartbeat-ms", stream_heartbeat_ms, "keep-alive comment interval")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  streams.heartbeat = mcf::Millis(stream_heartbeat_ms);
  config.health_timeout = mcf::Millis(health_timeout_ms);
  config.command_timeout = mcf::Millis(command_timeout_ms);
  config.head_timeout = mcf::Millis(head_timeout_ms);
  config.public_body_timeout = mcf::Millis(public_body_timeout_ms);
  token_cache.ttl = mcf::Millis(token_ttl_ms);

  mcf::InitLogging("gateway");
  if (mcf::Status s = mcf::security::UseKeyFiles(key_file, broker_key_file); !s.ok()) {
    spdlog::error("event=bus_key_unreadable error={}", mcf::Quoted(s.message()));
    return 2;
  }
  if (!ParseListen(listen, &config.host, &config.port)) {
    spdlog::error("event=bad_flag flag=--listen value={}", mcf::Quoted(listen));
    return 2;
  }

  auto admin = mcf::gateway::BootstrapAdminToken::LoadOrCreate(admin_token_file);
  if (!admin.ok()) {
    spdlog::error("event=admin_token_failed error={}", mcf::Quoted(admin.status().message()));
    return 1;
  }
  // Tokens: the bootstrap admin first, then the portal (cached). The portal is asked through
  // the server's per-thread bus clients, so the store reaches the server through a pointer set
  // once it exists (no request is served before that).
  mcf::gateway::Server* bus = nullptr;
  const mcf::Millis auth_timeout(auth_timeout_ms);
  mcf::gateway::PortalTokenStore portal_tokens(
      [&bus, auth_timeout](std::string_view token) {
        std::string body =
            mcf::gateway::JsonToMsgpack(mcf::gateway::Json{{"token", std::string(token)}});
        return bus->Call("portal.authenticate", mcf::schemas::Principal{"system", "gateway"},
                         std::move(body), auth_timeout);
      },
      mcf::SteadyClock::Instance(), token_cache);
  mcf::gateway::ChainedTokenStore tokens({admin.value().get(), &portal_tokens});

  // Block the stop signals before any thread starts, so only the waiter below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  mcf::gateway::Server server(config, tokens);
  bus = &server;
  auto port = server.Bind();
  if (!port.ok()) {
    spdlog::error("event=listen_failed error={}", mcf::Quoted(port.status().message()));
    return 1;
  }
  if (!port_file.empty() && !WritePortFile(port_file, port.value())) {
    spdlog::error("event=port_file_failed path={}", mcf::Quoted(port_file));
    return 1;
  }

  std::atomic<bool> run_returned{false};
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (run_returned) return;
    spdlog::info("event=gateway_stopping signal={}", sig);
    // Stop is a no-op until Run is listening; repeat until Run returns.
    while (!run_returned) {
      server.Stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });

  server.Run();
  run_returned = true;
  pthread_kill(waiter.native_handle(), SIGTERM);  // wakes the waiter if no signal came
  waiter.join();
  spdlog::info("event=gateway_stopped");
  return 0;
}
