// mcfctl: the ops CLI of the MCF bus (tail the event log, send a command, drive the bus clock,
// broker stats/health, LMDB store statistics). Wiring only: each subcommand lives in its own
// .cc (see commands.h). `./mcf <subcommand>` runs this binary from the build.
#include <CLI/CLI.hpp>
#include <iostream>

#include "lib/base/log.h"
#include "lib/client/bus_client.h"
#include "schemas/reference.h"
#include "tools/mcfctl/commands.h"
#include "tools/mcfctl/scenario_driver.h"
#include "tools/mcfctl/soak.h"

int main(int argc, char** argv) {
  using namespace mcf::mcfctl;
  using mcf::Status;
  mcf::InitLogging("mcfctl");

  CLI::App app{"mcfctl: ops tool for the MCF bus"};
  app.footer(ExitCodeHelp());
  app.require_subcommand(1);
  std::string broker = mcf::client::DefaultBrokerEndpoint();
  app.add_option("--broker", broker,
                 "broker endpoint (default: $MCF_BROKER or tcp://127.0.0.1:5555)")
      ->capture_default_str();
  std::string key_file, broker_key_file;
  app.add_option("--key", key_file,
                 "the operator's bus key (default: $MCF_KEY, else $MCF_VAR/keys/operator.key)");
  app.add_option("--broker-key", broker_key_file,
                 "the broker's public key (default: broker.pub beside the key)");

  TailOptions tail;
  auto* tail_cmd = app.add_subcommand("tail", "print events from the log as JSON lines");
  tail_cmd->add_option("--topic", tail.topics, "topic prefix (repeatable; default: all)");
  auto* from = tail_cmd->add_option("--from", tail.from_seq, "first sequence number");
  tail_cmd->add_option("--last", tail.last, "the last N events (default 10)")->excludes(from);
  tail_cmd->add_flag("--follow,-f", tail.follow, "keep printing new events until Ctrl-C");

  SendOptions send;
  auto* send_cmd = app.add_subcommand(
      "send", "send one command and print its reply as JSON (exit code = reply status)");
  send_cmd->add_option("service", send.service, "service, e.g. tasks")->required();
  send_cmd->add_option("type", send.type, "type: \"check_in\" or \"tasks.check_in\"")->required();
  send_cmd->add_option("json", send.json, "body, a JSON object, e.g. '{\"name\":\"a\"}'")
      ->required();
  send_cmd->add_option("--timeout", send.timeout, "reply deadline, e.g. 5s")->capture_default_str();
  send_cmd->add_option("--as", send.as, "principal ROLE:ID, e.g. admin:ops");
  send_cmd->footer(ExitCodeHelp());

  ClockOptions clock;
  auto* clock_cmd = app.add_subcommand("clock", "read or (simulated mode) move the bus clock");
  clock_cmd->require_subcommand(1);
  auto* now_cmd = clock_cmd->add_subcommand("now", "print the bus time");
  auto* advance_cmd = clock_cmd->add_subcommand(
      "advance", "advance the simulated clock; replies once its events are in the log");
  advance_cmd->add_option("duration", clock.duration, "e.g. 90m, 2h, 7d");
  advance_cmd->add_option("--to", clock.to, "target time, e.g. 2026-01-06T00:00:00Z");
  advance_cmd->add_option("--timeout", clock.timeout, "reply deadline")->capture_default_str();

  std::string service_timeout = "3s";
  auto* stats_cmd = app.add_subcommand("stats", "broker counters as JSON");
  stats_cmd->add_option("--timeout", service_timeout, "reply deadline")->capture_default_str();
  auto* health_cmd = app.add_subcommand("health", "broker health as JSON; exit 0 when ok");
  health_cmd->add_option("--timeout", service_timeout, "reply deadline")->capture_default_str();

  StoresOptions stores;
  auto* stores_cmd = app.add_subcommand("stores", "LMDB statistics of every store under --data");
  stores_cmd->add_option("--data", stores.data, "data directory")->capture_default_str();
  stores_cmd->add_flag("--json", stores.json, "print JSON instead of a table");

  std::string schema_type;
  auto* schema_cmd = app.add_subcommand(
      "schema", "print the message reference (docs/messages.md), or one type's: fields, rules");
  schema_cmd->add_option("type", schema_type, "a message type, e.g. tasks.task_finalized");

  auto run_capture = AddCaptureCommands(app, broker);
  auto run_scenario = AddScenarioCommands(app);
  auto run_simulate = AddSimulateCommand(app, broker);
  auto run_staff = AddStaffCommands(app, broker);
  auto run_replay = AddReplayCommands(app);
  auto run_keys = AddKeysCommands(app);
  auto run_ledger = AddLedgerCommands(app);

  mcf::soak::SoakOptions soak;
  auto* soak_cmd = app.add_subcommand(
      "soak",
      "start a fresh system (real clock, small stores, short reply retention), run mixed reads "
      "and writes at full speed for N minutes, print a JSON line every ~10 s and a summary; exit "
      "0 with zero errors and every store on a plateau, 1 otherwise (docs/soak.md)");
  soak_cmd->add_option("--minutes", soak.minutes, "how long the traffic runs")
      ->capture_default_str();
  soak_cmd->add_option("--data", soak.data,
                       "scratch dir for the system's stores and logs, empty or new; kept "
                       "(default: a temp dir, removed after a passing run)");
  soak_cmd->add_option("--store-max-mb", soak.store_max_mb, "every context's store ceiling, MiB")
      ->capture_default_str();
  soak_cmd
      ->add_option("--reply-retention", soak.reply_retention,
                   "how long recorded replies are kept, e.g. 10s, 5m")
      ->capture_default_str();
  soak_cmd->add_option("--clients", soak.clients, "closed-loop HTTP client threads")
      ->capture_default_str();
  soak_cmd->add_option(
      "--bin-dir", soak.bin_dir,
      "where mcf-broker, mcf-<context>, mcf-gateway are (default: next to mcfctl)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }

  if (auto rc = run_keys()) return *rc;
  if (auto rc = run_ledger()) return *rc;  // reads a store: no bus, no key
  if (Status s = UseOperatorKey(key_file, broker_key_file); !s.ok()) {
    std::cerr << "mcfctl: " << s.message() << "\n";
    return kExitLocalError;
  }
  tail.broker = send.broker = clock.broker = broker;
  if (*tail_cmd) return RunTail(tail);
  if (*send_cmd) return RunSend(send);
  if (*now_cmd) return RunClockNow(clock);
  if (*advance_cmd) return RunClockAdvance(clock);
  if (*stats_cmd || *health_cmd) {
    auto timeout = ParseTimeout(service_timeout);
    if (!timeout) {
      std::cerr << "mcfctl: bad --timeout \"" << service_timeout << "\"\n";
      return kExitUsage;
    }
    return RunBrokerService(broker, *stats_cmd ? "broker.stats" : "broker.health", *timeout);
  }
  if (*stores_cmd) {
    stores.broker = broker;
    return RunStores(stores);
  }
  if (*schema_cmd) {
    const std::string text = schema_type.empty() ? mcf::schemas::RenderReference()
                                                 : mcf::schemas::RenderReference(schema_type);
    if (text.empty()) {
      std::cerr << "mcfctl: no message type \"" << schema_type << "\" (see mcfctl schema)\n";
      return kExitUsage;
    }
    std::cout << text;
    return 0;
  }
  if (auto rc = run_capture()) return *rc;
  if (auto rc = run_scenario()) return *rc;
  if (auto rc = run_simulate()) return *rc;
  if (auto rc = run_staff()) return *rc;
  if (auto rc = run_replay()) return *rc;
  if (*soak_cmd) {
    if (soak.bin_dir.empty()) soak.bin_dir = SelfDirectory();
    return mcf::soak::RunSoak(soak);
  }
  return kExitUsage;
}
