// LocalSystem: a whole MCF system as real processes on this machine — mcf-broker, the named
// context workers and optionally mcf-gateway — each with its store and log under one data dir.
// Used by end-to-end tests, `mcfctl replay` and the HTTP benchmark, so that all three start a
// system the same way `./mcf up` does (same executables, same flags). Outside processes
// (adapters for outside parties, docs/outside-systems.md) get a key with role outside and, unless
// told not to (replay only wants their keys), are started like contexts.
//
// Keys, as ./mcf up makes them: <data>/keys holds the broker's pair, one key per process (each
// context's with role context, each outside process's with role outside, the gateway's, and the
// operator's) and the registry; the broker
// runs with --keys and each process with its own --key. Start() makes the operator key this
// process's bus identity (security::SetProcessCurve), so the caller's BusClients — a test, mcfctl
// replay, the bench — talk to the system as its operator.
//
// Start() returns once the broker has bound, every context and every started outside process has
// registered with it (broker.stats lists it with a worker) and the gateway, if any, listens. Stop() (also the destructor) sends
// SIGTERM in reverse start order. Owned by one thread; not thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/status.h"
#include "lib/process/child_process.h"

namespace mcf::process {

// An adapter process for an outside party: a bus peer named `name` with role outside, serving
// service `name` and publishing `name.*` events (lib/security/permissions.h).
struct OutsideProcess {
  std::string name;                // e.g. "contractor"
  std::string executable;          // in bin_dir, e.g. "mcf-contractor-sim"
  std::vector<std::string> flags;  // after the runtime flags every context gets
  bool start = true;               // false: only its key is made (replay publishes as it)
};

struct SystemOptions {
  std::string bin_dir;                    // where mcf-broker, mcf-<context>, mcf-gateway are
  std::string data_dir;                   // <data>/<name> stores, <data>/<name>.log logs
  std::vector<std::string> contexts;      // e.g. {"portal", "tasks", "matching"}
  // Started after the contexts, with the contexts' flags (broker, --data <data>/<name>, its key,
  // worker_flags) plus its own; an executable missing from bin_dir fails Start().
  std::vector<OutsideProcess> outside;
  bool gateway = false;                   // also start mcf-gateway on a free 127.0.0.1 port
  std::vector<std::string> broker_flags;  // e.g. {"--clock", "sim", "--start", "..."}
  std::vector<std::string> worker_flags;  // passed to every context, e.g. {"--seed", "1"}
  std::vector<std::string> gateway_flags;
  std::chrono::milliseconds ready_timeout{15000};
  bool insecure = false;                  // no keys: mcf-broker --insecure (the bench's baseline)
};

class LocalSystem {
 public:
  static Result<std::unique_ptr<LocalSystem>> Start(SystemOptions options);
  ~LocalSystem();
  LocalSystem(const LocalSystem&) = delete;
  LocalSystem& operator=(const LocalSystem&) = delete;

  const std::string& broker_endpoint() const { return broker_endpoint_; }
  // The gateway's port; -1 without a gateway.
  int gateway_port() const { return gateway_port_; }
  // The gateway's bootstrap admin token (<data>/admin.token); "" without a gateway.
  const std::string& admin_token() const { return admin_token_; }
  const std::string& data_dir() const { return options_.data_dir; }
  // <data>/keys: the key directory (lib/security/key_directory.h); "" when insecure.
  std::string keys_dir() const;

  // The process started under `name` ("broker", a context, an outside process, "gateway"); null
  // when unknown (an outside process with start = false included).
  ChildProcess* Find(std::string_view name);
  // Starts `name` again (after a test killed it) with its original command line, or with the
  // `--flag value` pairs of `flags` replacing (or added to) those it had.
  Status Restart(std::string_view name, const std::vector<std::string>& flags = {});
  // Every log, each under a "--- name.log" line: what a failing test prints.
  std::string Logs() const;
  // SIGTERM (then SIGKILL after a grace period) to every process, last started first.
  void Stop();

 private:
  struct Child {
    std::string name;
    std::vector<std::string> argv;
    ChildProcess process;
  };
  explicit LocalSystem(SystemOptions options) : options_(std::move(options)) {}
  Status StartAll();
  Status WaitUntilRegistered();
  void Launch(Child& child);

  SystemOptions options_;
  std::vector<Child> children_;
  std::string broker_endpoint_;
  int gateway_port_ = -1;
  std::string admin_token_;
};

}  // namespace mcf::process
