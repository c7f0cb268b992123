// mcf-quality: the quality context worker (service "quality"). Wiring only: the runtime's
// flags, then QualityHandlers::Install.
#include "lib/worker/worker_main.h"
#include "workers/quality/handlers.h"

int main(int argc, char** argv) {
  return mcf::worker::RunWorkerMain(argc, argv, "quality", [](mcf::worker::Worker& w) {
    return mcf::quality::QualityHandlers::Install(w);
  });
}
