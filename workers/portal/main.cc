// mcf-portal: the portal context worker (service "portal"). Wiring only: the runtime's flags,
// then PortalHandlers::Install (which seeds the "chores" service type into an empty store).
#include "lib/worker/worker_main.h"
#include "workers/portal/handlers.h"

int main(int argc, char** argv) {
  return mcf::worker::RunWorkerMain(argc, argv, "portal", [](mcf::worker::Worker& w) {
    return mcf::portal::PortalHandlers::Install(w);
  });
}
