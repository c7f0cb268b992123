// mcf-broker: flags (common process conventions) -> BrokerOptions -> Broker::Run.
// SIGINT/SIGTERM stop the loop cleanly (exit 0); a store or endpoint that cannot be opened
// exits 1 with a clear message.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <zmq.hpp>

#include "broker/broker.h"
#include "broker/options.h"
#include "lib/base/log.h"
#include "schemas/clock.h"

namespace {
std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }
}  // namespace

int main(int argc, char** argv) {
  using mcf::broker::BrokerOptions;
  using mcf::broker::ClockMode;
  BrokerOptions options;
  std::string clock_mode = "real";
  std::string start = "2026-01-05T08:00:00Z";
  long long heartbeat_ms = options.heartbeat.count();

  CLI::App app{"mcf-broker: routes MCF/1 commands, stores and fans out events"};
  app.add_option("--endpoint", options.endpoint, "ROUTER endpoint to bind")->capture_default_str();
  app.add_option("--endpoint-file", options.endpoint_file,
                 "write the bound endpoint and a newline here");
  app.add_option("--data", options.data_dir, "LMDB directory of the event log")
      ->capture_default_str();
  app.add_option("--clock", clock_mode, "bus clock: real or sim")
      ->check(CLI::IsMember({"real", "sim"}))
      ->capture_default_str();
  app.add_option("--start", start, "sim clock start (ISO 8601, UTC)")->capture_default_str();
  app.add_option("--heartbeat-ms", heartbeat_ms, "heartbeat interval in ms")
      ->check(CLI::Range(10LL, 600000LL))
      ->capture_default_str();
  app.add_option("--liveness", options.liveness, "missed heartbeats before a peer is purged")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  app.add_option("--capture", options.capture_path,
                 "record every command, reply and event into this capture file until exit");
  app.add_option("--keys", options.keys_dir,
                 "keys directory: broker.key (this broker's pair) and peers (the registry)");
  app.add_flag("--insecure", options.insecure,
               "no keys: every peer is let in, unauthenticated and unencrypted (tests only)");
  app.add_option("--seed", options.seed, "the run's random seed, recorded in captures");
  size_t max_log_mb = options.map_size >> 20;
  app.add_option("--max-log-mb", max_log_mb, "the event log's capacity in MiB (raise and restart)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  mcf::InitLogging("broker");
  options.clock_mode = clock_mode == "sim" ? ClockMode::kSim : ClockMode::kReal;
  options.heartbeat = mcf::Millis(heartbeat_ms);
  options.map_size = max_log_mb << 20;
  auto start_ms = mcf::schemas::clock::ParseIso8601(start);
  if (!start_ms) {
    std::fprintf(stderr, "mcf-broker: --start: not an ISO 8601 UTC time: %s\n", start.c_str());
    return 1;
  }
  options.sim_start_ms = *start_ms;

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  zmq::context_t context(1);
  auto broker = mcf::broker::Broker::Create(options, context);
  if (!broker.ok()) {
    spdlog::error("event=broker_start_failed error={}", mcf::Quoted(broker.status().message()));
    std::fprintf(stderr, "mcf-broker: %s\n", broker.status().message().c_str());
    return 1;
  }
  spdlog::info("event=broker_started endpoint={} data={} clock={}", (*broker)->endpoint(),
               mcf::Quoted(options.data_dir), clock_mode);
  mcf::Status status = (*broker)->Run(g_stop);
  broker->reset();
  if (!status.ok()) {
    spdlog::error("event=broker_failed error={}", mcf::Quoted(status.message()));
    return 1;
  }
  spdlog::info("event=broker_stopped");
  return 0;
}
