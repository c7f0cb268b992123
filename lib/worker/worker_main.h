// RunWorkerMain: the whole main() of a context worker — flags, logging, store, handlers, loop.
//
// Flags: --broker ENDPOINT (default $MCF_BROKER or tcp://127.0.0.1:5555), --data DIR (default
// var/<service>), --seed N (default 1), --heartbeat-ms N (default 1000), --liveness N
// (default 3), --capacity N (default 64), --store-map-mb N (64), --store-max-mb N (4096),
// --reply-retention DURATION (7d), --reply-delay-ms N and --crash-point WHERE:N (test only); a
// context adds its own through `add_flags`. Exit codes: 0 stopped, 1 store failure, 2 bad
// set-up, 3 the store is owned by another live process, 42 (kCrashExitCode) a --crash-point.
// `setup` opens the context's databases and registers handlers; a non-ok Status, like a store
// that cannot be opened, ends the process with a message and exit code 2.
#pragma once

#include <functional>
#include <string>

#include "lib/base/status.h"
#include "lib/worker/worker.h"

namespace CLI {
class App;
}  // namespace CLI

namespace mcf::worker {

int RunWorkerMain(int argc, char** argv, std::string service, std::function<Status(Worker&)> setup);
int RunWorkerMain(int argc, char** argv, std::string service,
                  std::function<void(CLI::App&)> add_flags, std::function<Status(Worker&)> setup);

}  // namespace mcf::worker
