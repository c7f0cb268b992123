// mcfctl ledger check|dump [--data DIR]: billing's ledger (workers/billing/ledger.h) read from
// its store, live or stopped. `check` recomputes the invariants from the transfers and exits 1
// with one line per broken one; `dump` prints the canonical text form (two stores holding the
// same book print the same bytes). Opens the store without the owner lock and writes nothing
// (opening the ledger's databases, which exist already, changes no page).
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>

#include "lib/store/lmdb.h"
#include "tools/mcfctl/commands.h"
#include "workers/billing/ledger.h"

namespace mcf::mcfctl {
namespace {

struct LedgerOptions {
  std::string data = "var/billing";
};

int RunLedger(const LedgerOptions& options, bool dump) {
  if (!std::filesystem::exists(std::filesystem::path(options.data) / "data.mdb")) {
    std::cerr << "mcfctl ledger: no store in " << options.data
              << " (give billing's data directory, e.g. var/billing)\n";
    return kExitUsage;
  }
  auto env = store::Env::Open(options.data, store::EnvOptions{.max_dbs = 64});
  if (!env.ok()) {
    std::cerr << "mcfctl ledger: " << env.status().message() << "\n";
    return kExitLocalError;
  }
  auto ledger = billing::Ledger::Open(*env);
  auto txn = ledger.ok() ? env->BeginRead() : Result<store::Txn>(ledger.status());
  if (!txn.ok()) {
    std::cerr << "mcfctl ledger: " << txn.status().message() << "\n";
    return kExitLocalError;
  }
  if (dump) {
    auto text = ledger->Dump(*txn);
    if (!text.ok()) {
      std::cerr << "mcfctl ledger: " << text.status().message() << "\n";
      return kExitLocalError;
    }
    std::cout << *text;
    return 0;
  }
  auto report = ledger->Check(*txn);
  if (!report.ok()) {
    std::cerr << "mcfctl ledger: " << report.status().message() << "\n";
    return kExitLocalError;
  }
  auto counters = ledger->Counters(*txn);
  std::cout << "ledger " << options.data << ": " << report->accounts << " accounts, "
            << report->transfers << " transfers";
  if (counters.ok())
    std::cout << ", " << counters->conflicts << " conflicting ids refused, "
              << counters->second_answers << " second answers ignored";
  std::cout << "\n";
  if (report->ok()) {
    std::cout << "ok: posted debits = posted credits; every account equals its transfers; "
                 "each pending transfer resolved at most once; one charge per task\n";
    return 0;
  }
  std::cout << report->problems.size() << " broken invariant(s):\n";
  for (const std::string& p : report->problems) std::cout << "  " << p << "\n";
  return kExitLocalError;
}

}  // namespace

std::function<std::optional<int>()> AddLedgerCommands(CLI::App& app) {
  auto options = std::make_shared<LedgerOptions>();
  auto* ledger = app.add_subcommand("ledger", "billing's ledger: check the invariants, dump it");
  ledger->require_subcommand(1);
  auto* check = ledger->add_subcommand(
      "check", "verify the ledger's invariants; exit 1 with a report when one is broken");
  auto* dump = ledger->add_subcommand("dump", "print every account and transfer, canonically");
  for (CLI::App* sub : {check, dump})
    sub->add_option("--data", options->data, "billing's store directory")->capture_default_str();
  return [=]() -> std::optional<int> {
    if (*check) return RunLedger(*options, false);
    if (*dump) return RunLedger(*options, true);
    return std::nullopt;
  };
}

}  // namespace mcf::mcfctl
