// mcf-hiring: the hiring context worker (service "hiring"). Wiring only: the runtime's flags,
// then HiringHandlers::Install.
#include "lib/worker/worker_main.h"
#include "workers/hiring/handlers.h"

int main(int argc, char** argv) {
  return mcf::worker::RunWorkerMain(argc, argv, "hiring", [](mcf::worker::Worker& w) {
    return mcf::hiring::HiringHandlers::Install(w);
  });
}
