// mcf-matching: the matching context worker (service "matching"). Wiring only: the runtime's
// flags plus --pipeline (comma-separated step names, default drop_booked,pick_random; an
// unknown step fails start-up with exit code 2), then MatchingHandlers::Install.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "lib/worker/worker_main.h"
#include "workers/matching/handlers.h"
#include "workers/matching/pipeline.h"
#include "workers/matching/step_registry.h"

int main(int argc, char** argv) {
  std::string pipeline_config(mcf::matching::kDefaultPipeline);
  return mcf::worker::RunWorkerMain(
      argc, argv, "matching",
      [&](CLI::App& app) {
        app.add_option(
            "--pipeline", pipeline_config,
            "matching steps in order, comma-separated (default drop_booked,pick_random)");
      },
      [&](mcf::worker::Worker& w) -> mcf::Status {
        ASSIGN_OR_RETURN(auto pipeline,
                         mcf::matching::Pipeline::Parse(
                             pipeline_config, mcf::matching::StepRegistry::WithBuiltinSteps()));
        return mcf::matching::MatchingHandlers::Install(
            w, std::make_shared<mcf::matching::Pipeline>(std::move(pipeline)), w.options().seed);
      });
}
