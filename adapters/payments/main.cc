// mcf-payments-sim: the payment service's adapter with the simulated payment service behind it
// (service and producer "payments", a bus peer of role outside; docs/outside-systems.md). Wiring
// only: the flags are RunMoneyAdapterMain's (adapters/money/money_main.h).
#include "adapters/money/money_main.h"
#include "adapters/payments/family.h"

int main(int argc, char** argv) {
  return mcf::money::RunMoneyAdapterMain<mcf::payments::PaymentsFamily>(argc, argv, "payments");
}
