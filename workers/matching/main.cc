// mcf-matching: the matching context worker (service "matching"). Wiring only: the runtime's
// flags plus --pipeline (comma-separated step names, default drop_booked,pick_random; an
// unknown step fails start-up with exit code 2), then MatchingHandlers::Install.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "lib/worker/worker_main.h"
#include "workers/matching/handlers.h"
#include "workers/matching/pipeline.h"
#include "workers/matching/step_registry.h"

namespace {

// The runtime parses --seed into WorkerOptions but does not hand it to setup; matching needs
// the same value to seed its pipeline (see README), so it reads the flag from argv itself.
// RunWorkerMain still validates it; a malformed value here just falls back to the default 1.
uint64_t SeedFromArgs(int argc, char** argv) {
  std::string value;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--seed" && i + 1 < argc) value = argv[i + 1];
    if (arg.starts_with("--seed=")) value = arg.substr(7);
  }
  if (value.empty()) return 1;
  char* end = nullptr;
  uint64_t seed = std::strtoull(value.c_str(), &end, 10);
  return end != nullptr && *end == '\0' ? seed : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string pipeline_config(mcf::matching::kDefaultPipeline);
  const uint64_t seed = SeedFromArgs(argc, argv);
  return mcf::worker::RunWorkerMain(
      argc, argv, "matching",
      [&](CLI::App& app) {
        app.add_option(
            "--pipeline", pipeline_config,
            "matching steps in order, comma-separated (default drop_booked,pick_random)");
      },
      [&](mcf::worker::Worker& w) -> mcf::Status {
        auto pipeline = mcf::matching::Pipeline::Parse(
            pipeline_config, mcf::matching::StepRegistry::WithBuiltinSteps());
        if (!pipeline.ok()) return pipeline.status();
        return mcf::matching::MatchingHandlers::Install(
            w, std::make_shared<mcf::matching::Pipeline>(std::move(*pipeline)), seed);
      });
}
