// mcf-contractor-sim: the fortune-cookie contractor's adapter with the simulated contractor
// behind it (service and producer "contractor", a bus peer of role outside; docs/outside-systems.md).
// Wiring only: the runtime's flags plus the simulator's --delay (10m), --failure-rate (0..1,
// default 0), --fail-first N (tries 1..N of every order fail), --world DIR (the contractor's own store, default <data>/world) and, test only,
// --crash-after-calls N. The simulator is seeded by the runtime's --seed.
#include <CLI/CLI.hpp>

#include <string>

#include "adapters/contractor/adapter.h"
#include "lib/worker/worker_main.h"
#include "schemas/clock.h"

int main(int argc, char** argv) {
  mcf::contractor::SimOptions sim;
  mcf::contractor::AdapterOptions adapter;
  std::string delay = "10m", world;
  return mcf::worker::RunWorkerMain(
      argc, argv, "contractor",
      [&](CLI::App& app) {
        app.add_option("--delay", delay, "an accepted cookie reaches the warehouse this long "
                                         "after the order (bus time; default 10m; 0s = at once)");
        app.add_option("--failure-rate", sim.failure_rate,
                       "the share of cookie orders the contractor fails (0..1, default 0)")
            ->check(CLI::Range(0.0, 1.0));
        app.add_option("--fail-first", sim.fail_first_tries,
                       "fail tries 1..N of every order (a scripted outage; default 0)")
            ->check(CLI::Range(int64_t{0}, int64_t{1000}));
        app.add_option("--world", world, "the simulated contractor's own store (default <data>/world)");
        app.add_option("--crash-after-calls", adapter.crash_after_calls,
                       "test only: exit after this many contractor calls, before recording");
      },
      [&](mcf::worker::Worker& w) -> mcf::Status {
        const auto delay_ms = mcf::schemas::clock::ParseDuration(delay);
        if (!delay_ms || *delay_ms < 0)
          return mcf::Status::Invalid("--delay: expected a duration like 10m or 0s, got \"" +
                                      delay + "\"");
        sim.delay_ms = *delay_ms;
        sim.seed = w.options().seed;
        if (world.empty()) world = w.options().data_dir + "/world";
        ASSIGN_OR_RETURN(auto contractor, mcf::contractor::SimulatedContractor::Open(world, sim));
        return mcf::contractor::ContractorAdapter::Install(w, std::move(contractor), adapter);
      });
}
