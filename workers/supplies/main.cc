// mcf-supplies: the supplies context worker (service "supplies"). Wiring only: the runtime's
// flags, then SuppliesHandlers::Install.
#include "lib/worker/worker_main.h"
#include "workers/supplies/handlers.h"

int main(int argc, char** argv) {
  return mcf::worker::RunWorkerMain(argc, argv, "supplies", [](mcf::worker::Worker& w) {
    return mcf::supplies::SuppliesHandlers::Install(w);
  });
}
