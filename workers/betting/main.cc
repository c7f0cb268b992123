// mcf-betting: the betting context worker (service "betting"). Wiring only: the runtime's
// flags plus --opening-balance-minor (10000), what a manager's first bet opens their betting
// account with (decision 032).
#include <CLI/CLI.hpp>

#include "lib/worker/worker_main.h"
#include "workers/betting/handlers.h"

int main(int argc, char** argv) {
  mcf::betting::BettingPolicy policy;
  return mcf::worker::RunWorkerMain(
      argc, argv, "betting",
      [&](CLI::App& app) {
        app.add_option("--opening-balance-minor", policy.opening_balance_minor,
                       "a manager's betting balance when their first bet opens the account, in "
                       "minor units (default 10000)")
            ->check(CLI::Range(int64_t{1}, mcf::schemas::betting::kMaxOpening));
      },
      [&](mcf::worker::Worker& w) { return mcf::betting::BettingHandlers::Install(w, policy); });
}
