// RunMoneyAdapterMain: the whole main of a money adapter with its simulator (mcf-payments-sim,
// mcf-goldhat-sim; docs/outside-systems.md): the runtime's flags (RunWorkerMain) plus the
// simulator's --failure-rate R, --fail-first N, --timeout-rate R, --answer-twice, --delay D
// (bus time, default 0s), --world DIR (the service's own store, default <data>/world) and, test
// only, --crash-after-calls N. The simulator is seeded by the runtime's --seed. Include from a
// main.cc only (it pulls in CLI11).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "adapters/money/adapter.h"
#include "lib/worker/worker_main.h"
#include "schemas/clock.h"

namespace mcf::money {

template <MoneyFamily Family>
int RunMoneyAdapterMain(int argc, char** argv, const std::string& name) {
  SimOptions sim;
  sim.name = name;
  AdapterOptions adapter;
  std::string delay = "0s", world;
  return worker::RunWorkerMain(
      argc, argv, name,
      [&](CLI::App& app) {
        app.add_option("--failure-rate", sim.failure_rate,
                       "the share of transfers the service refuses (0..1, default 0)")
            ->check(CLI::Range(0.0, 1.0));
        app.add_option("--fail-first", sim.fail_first,
                       "refuse the first N transfer ids of every invoice (a scripted outage)")
            ->check(CLI::Range(int64_t{0}, int64_t{1000}));
        app.add_option("--timeout-rate", sim.timeout_rate,
                       "the share of calls that time out, done or not (0..1, default 0); the "
                       "adapter asks again on a later clock tick")
            ->check(CLI::Range(0.0, 1.0));
        app.add_flag("--answer-twice", sim.answer_twice,
                     "the service sends every answer twice (the adapter publishes both)");
        app.add_option("--delay", delay,
                       "the service answers this long after the first call (bus time; default 0s)");
        app.add_option("--world", world, "the simulated service's own store (default <data>/world)");
        app.add_option("--crash-after-calls", adapter.crash_after_calls,
                       "test only: exit after this many service calls, before recording");
      },
      [&](worker::Worker& w) -> Status {
        const auto delay_ms = schemas::clock::ParseDuration(delay);
        if (!delay_ms || *delay_ms < 0)
          return Status::Invalid("--delay: expected a duration like 10m or 0s, got \"" + delay +
                                 "\"");
        sim.delay_ms = *delay_ms;
        sim.seed = w.options().seed;
        if (world.empty()) world = w.options().data_dir + "/world";
        ASSIGN_OR_RETURN(auto service, SimulatedMoneyService::Open(world, sim));
        return MoneyAdapter::Install<Family>(w, std::move(service), adapter);
      });
}

}  // namespace mcf::money
