// mcf-goldhat-sim: Gold Hat's adapter with a simulated Gold Hat behind it (service and producer
// "goldhat", a bus peer of role outside; docs/outside-systems.md). Wiring only: the flags are
// RunMoneyAdapterMain's (adapters/money/money_main.h).
#include "adapters/goldhat/family.h"
#include "adapters/money/money_main.h"

int main(int argc, char** argv) {
  return mcf::money::RunMoneyAdapterMain<mcf::goldhat::GoldHatFamily>(argc, argv, "goldhat");
}
