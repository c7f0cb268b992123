// The mcfctl subcommands: each is a Run function over its own options struct, wired to CLI11
// in main.cc. Every Run prints to stdout (errors to stderr) and returns the process exit code.
//
// Exit codes (also in --help and README.md): 0 ok; 1 a local failure (cannot reach/open
// something, bad data); 2 a usage error; 10..16 a command reply that was not ok, one per status
// (see ExitCodeFor). Single-threaded; each Run owns its sockets.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lib/base/clock.h"
#include "lib/base/status.h"
#include "schemas/envelope.h"

namespace CLI {
class App;
}  // namespace CLI

namespace mcf::mcfctl {

inline constexpr int kExitLocalError = 1;
inline constexpr int kExitUsage = 2;

// 0 for ok; invalid 10, not_found 11, conflict 12, forbidden 13, unavailable 14, timeout 15,
// internal 16.
int ExitCodeFor(Code code);
// The help text listing those codes.
std::string ExitCodeHelp();

// Sends one command of `type` with an encoded `body` and waits for its reply (never longer
// than `timeout` plus a little grace; a silent broker yields a `timeout` reply).
schemas::Reply CallOnce(const std::string& endpoint, const std::string& type, std::string body,
                        Millis timeout, const std::optional<schemas::Principal>& principal = {});

// The bus identity of this mcfctl run: `key_file`, else $MCF_KEY, else the operator key of
// $MCF_VAR/keys (var/keys) if there is one, else none (only an --insecure broker answers).
Status UseOperatorKey(const std::string& key_file, const std::string& broker_key_file);

// Parses "5s", "1500ms", "2m" (schemas::clock::ParseDuration); nullopt when malformed.
std::optional<Millis> ParseTimeout(const std::string& text);

struct TailOptions {
  std::string broker;
  std::vector<std::string> topics;   // prefixes; empty = everything
  std::optional<uint64_t> from_seq;  // first sequence
  std::optional<uint64_t> last;      // the last N events (default 10 when neither is given)
  bool follow = false;               // keep printing live events until Ctrl-C
};
int RunTail(const TailOptions& options);

struct SendOptions {
  std::string broker;
  std::string service;
  std::string type;  // with or without the "<service>." prefix
  std::string json;  // the body, a JSON object
  std::string timeout = "5s";
  std::string as;  // "role:id", empty = no principal
};
int RunSend(const SendOptions& options);

struct ClockOptions {
  std::string broker;
  std::string duration;  // advance by
  std::string to;        // advance to (ISO-8601)
  std::string timeout = "60s";
};
int RunClockNow(const ClockOptions& options);
int RunClockAdvance(const ClockOptions& options);

// broker.stats / broker.health, printed as pretty JSON. health exits 0 only when the broker
// answered ok with status "ok".
int RunBrokerService(const std::string& broker, const std::string& type, Millis timeout);

struct StoresOptions {
  std::string data = "var";
  bool json = false;
  // Where to ask the running system for each store's ceiling (<context>.store_status,
  // broker.stats); without an answer the ceiling is shown as unknown.
  std::string broker;
  Millis timeout{1000};
};
int RunStores(const StoresOptions& options);

// `capture FILE [--for D]` and `capture dump FILE [--follow]` (capture.cc). The returned
// function runs whichever was chosen after parsing (the exit code), nullopt when neither.
// `broker` is read when it runs, so it may be filled by the parse.
std::function<std::optional<int>()> AddCaptureCommands(CLI::App& app, const std::string& broker);

// `scenario run FILE [--capture OUT] [--bin-dir DIR] [--keep]` and `scenario check FILE...`
// (scenario_driver.cc), `simulate --days N --orders-per-day M --seed S ...` (simulate.cc); same
// shape as AddCaptureCommands.
std::function<std::optional<int>()> AddScenarioCommands(CLI::App& app);
std::function<std::optional<int>()> AddSimulateCommand(CLI::App& app, const std::string& broker);

// `staff add ROLE NAME` and `staff worker-token WORKER_ID` (staff.cc): credentials through the
// portal, as the operator. Same contract as AddCaptureCommands.
std::function<std::optional<int>()> AddStaffCommands(CLI::App& app, const std::string& broker);

// `replay FILE [--stop-at-first] [--only CONTEXT] [--json] [--output FILE]` (replay.cc); exit 0
// identical, 1 different, 2 unusable capture or failed system. Same contract as
// AddCaptureCommands.
std::function<std::optional<int>()> AddReplayCommands(CLI::App& app);

// `keys init|add|list|revoke|rotate` (keys.cc): the key directory and peer registry. Same
// contract as AddCaptureCommands.
std::function<std::optional<int>()> AddKeysCommands(CLI::App& app);

// `ledger check|dump [--data DIR]` (ledger.cc): billing's ledger read from its store; check
// exits 1 with a report when an invariant is broken. Same contract as AddCaptureCommands.
std::function<std::optional<int>()> AddLedgerCommands(CLI::App& app);

}  // namespace mcf::mcfctl
