#include "lib/worker/worker_main.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "lib/base/log.h"
#include "lib/client/bus_client.h"
#include "lib/security/bus_identity.h"
#include "schemas/clock.h"

namespace mcf::worker {

int RunWorkerMain(int argc, char** argv, std::string service,
                  std::function<Status(Worker&)> setup) {
  return RunWorkerMain(argc, argv, std::move(service), nullptr, std::move(setup));
}

int RunWorkerMain(int argc, char** argv, std::string service,
                  std::function<void(CLI::App&)> add_flags, std::function<Status(Worker&)> setup) {
  WorkerOptions options;
  options.service = service;
  options.broker_endpoint = client::DefaultBrokerEndpoint();
  options.data_dir = "var/" + service;
  int64_t heartbeat_ms = options.heartbeat.count();

  CLI::App app("mcf " + service + " worker");
  app.add_option("--broker", options.broker_endpoint, "broker endpoint (env MCF_BROKER)");
  std::string key_file, broker_key_file;
  app.add_option("--key", key_file, "this worker's bus key file (env MCF_KEY; docs/security.md)");
  app.add_option("--broker-key", broker_key_file,
                 "the broker's public key file (env MCF_BROKER_KEY; default broker.pub beside "
                 "--key)");
  app.add_option("--data", options.data_dir, "LMDB directory of this worker's store");
  app.add_option("--seed", options.seed, "seed for handler randomness");
  app.add_option("--heartbeat-ms", heartbeat_ms, "heartbeat interval")->check(CLI::PositiveNumber);
  app.add_option("--liveness", options.liveness, "silent intervals before reconnecting")
      ->check(CLI::PositiveNumber);
  app.add_option("--capacity", options.capacity, "requests in flight at this worker")
      ->check(CLI::PositiveNumber);
  app.add_flag("--durable-replies,!--no-durable-replies", options.durable_replies,
               "reply (and return event credit) only once the batch's events are durable in the "
               "log (default on: read your writes, and mcfctl replay's barrier)");
  app.add_flag("--read-your-writes,!--no-read-your-writes", options.read_your_writes,
               "wait, before a command, for the events dispatched before it (default on; off only "
               "to measure what that costs)");
  size_t map_mb = options.map_size >> 20, max_store_mb = options.max_map_size >> 20;
  app.add_option("--store-map-mb", map_mb, "LMDB map size to start with, MiB (it grows)")
      ->check(CLI::PositiveNumber);
  app.add_option("--store-max-mb", max_store_mb,
                 "the store's capacity, MiB: near it writes are refused (raise and restart)")
      ->check(CLI::PositiveNumber);
  std::string retention = "7d";
  app.add_option("--reply-retention", retention,
                 "how long (bus time) a command's recorded reply answers retries, e.g. 7d, 90m");
  int64_t reply_delay_ms = 0;
  app.add_option("--reply-delay-ms", reply_delay_ms,
                 "test only: pause between commit and replies (widens a crash window)");
  std::string crash_point;
  app.add_option("--crash-point", crash_point,
                 "test only: _exit at WHERE:N, WHERE one of before-commit, after-commit, "
                 "after-event-commit, N the batch of that kind (from 1)");
  if (add_flags) add_flags(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  options.heartbeat = Millis(heartbeat_ms);
  options.map_size = map_mb << 20;
  options.max_map_size = max_store_mb << 20;
  auto retention_ms = schemas::clock::ParseDuration(retention);
  if (!retention_ms || *retention_ms <= 0) {
    std::fprintf(stderr, "mcf-%s: --reply-retention: expected a duration like 7d or 90m, got %s\n",
                 service.c_str(), retention.c_str());
    return 2;
  }
  options.reply_retention = Millis(*retention_ms);
  options.reply_delay = Millis(reply_delay_ms);
  if (!crash_point.empty() && !ParseCrashPoint(crash_point, options)) {
    std::fprintf(stderr, "mcf-%s: --crash-point: expected WHERE:N, got %s\n", service.c_str(),
                 crash_point.c_str());
    return 2;
  }

  InitLogging(service);
  if (Status s = security::UseKeyFiles(key_file, broker_key_file); !s.ok()) {
    spdlog::error("event=bus_key_unreadable service={} error={}", service, Quoted(s.message()));
    std::fprintf(stderr, "mcf-%s: %s\n", service.c_str(), s.message().c_str());
    return 2;
  }
  Worker worker(options);
  if (Status s = worker.Open(); !s.ok()) {
    if (s.code() == Code::kUnavailable) {  // another live process owns the store
      spdlog::error("event=store_in_use service={} data={} error={}", service, options.data_dir,
                    Quoted(s.message()));
      std::fprintf(stderr, "mcf-%s: %s\n", service.c_str(), s.message().c_str());
      return 3;
    }
    spdlog::error("event=worker_open_failed service={} data={} error={}", service, options.data_dir,
                  Quoted(s.ToString()));
    std::fprintf(stderr, "mcf-%s: cannot open store %s: %s\n", service.c_str(),
                 options.data_dir.c_str(), s.ToString().c_str());
    return 2;
  }
  if (setup) {
    if (Status s = setup(worker); !s.ok()) {
      spdlog::error("event=worker_setup_failed service={} error={}", service, Quoted(s.ToString()));
      std::fprintf(stderr, "mcf-%s: set-up failed: %s\n", service.c_str(), s.ToString().c_str());
      return 2;
    }
  }
  return worker.Run();
}

}  // namespace mcf::worker
