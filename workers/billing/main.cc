// mcf-billing: the billing context worker (service "billing"). Wiring only: the runtime's
// flags, then BillingHandlers::Install.
#include "lib/worker/worker_main.h"
#include "workers/billing/handlers.h"

int main(int argc, char** argv) {
  return mcf::worker::RunWorkerMain(argc, argv, "billing", [](mcf::worker::Worker& w) {
    return mcf::billing::BillingHandlers::Install(w);
  });
}
