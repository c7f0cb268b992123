// BettingHandlers: adapts the bus to betting's books (docs/decisions/032). The tasks events
// tell it which tasks exist and which are final; managers place bets with betting.place_bet
// and read their balance, bets and pots; tasks.task_finalized settles the task's pot once
// (settlement.h) and publishes betting.pot_settled. Every event handler is idempotent on its
// own (a redelivered finalization changes nothing), not only through the runtime's offsets.
// Nothing outside betting consumes it. Runs on the runtime's thread.
#pragma once

#include <cstdint>
#include <memory>

#include "lib/base/status.h"
#include "lib/worker/handler_context.h"
#include "lib/worker/typed_handler.h"
#include "schemas/betting.h"
#include "schemas/tasks.h"
#include "workers/betting/betting_store.h"

namespace mcf::betting {

// Where a manager's betting money comes from (decision 032).
struct BettingPolicy {
  // Granted once, when a manager's first bet opens their account (mcf-betting
  // --opening-balance-minor; default 10,000 minor = 100 cat-units; 1..kMaxOpening).
  int64_t opening_balance_minor = 10'000;
};

class BettingHandlers {
 public:
  BettingHandlers(BettingStore store, BettingPolicy policy) : store_(store), policy_(policy) {}

  // Opens betting's databases on `runtime` (a worker::Worker, or a worker::Dispatcher in
  // tests) and registers every handler. A non-ok Status says what failed.
  template <typename Runtime>
  static Status Install(Runtime& runtime, BettingPolicy policy = {}) {
    if (policy.opening_balance_minor < 1 ||
        policy.opening_balance_minor > schemas::betting::kMaxOpening)
      return Status::Invalid("betting: the opening balance must be 1.." +
                             std::to_string(schemas::betting::kMaxOpening) + " minor units");
    ASSIGN_OR_RETURN(BettingStore store, BettingStore::Open(runtime));
    auto self = std::make_shared<BettingHandlers>(store, policy);
    for (Status s : {worker::Bind(runtime, self, &BettingHandlers::OnTaskRequested),
                     worker::Bind(runtime, self, &BettingHandlers::OnTaskAssigned),
                     worker::Bind(runtime, self, &BettingHandlers::OnTaskFinalized),
                     worker::Bind(runtime, self, &BettingHandlers::PlaceBet),
                     worker::Bind(runtime, self, &BettingHandlers::MyBets),
                     worker::Bind(runtime, self, &BettingHandlers::GetPot),
                     worker::Bind(runtime, self, &BettingHandlers::GetAudit)})
      RETURN_IF_ERROR(s);
    return Status::Ok();
  }

  // A task betting had not heard of becomes open (bets may be placed); a known one is kept.
  Status OnTaskRequested(worker::HandlerContext& ctx, const schemas::tasks::TaskRequested& e);
  Status OnTaskAssigned(worker::HandlerContext& ctx, const schemas::tasks::TaskAssigned& e);
  // The first finalization of a task closes it to bets and settles its pot; a repeated one
  // only logs.
  Status OnTaskFinalized(worker::HandlerContext& ctx, const schemas::tasks::TaskFinalized& e);

  // betting.place_bet (managers only): see schemas/betting.h for the refusals.
  Result<schemas::betting::Bet> PlaceBet(worker::HandlerContext& ctx,
                                         const schemas::betting::PlaceBet& request);
  Result<schemas::betting::BetsView> MyBets(worker::HandlerContext& ctx,
                                            const schemas::betting::MyBets& request);
  Result<schemas::betting::Pot> GetPot(worker::HandlerContext& ctx,
                                       const schemas::betting::GetPot& request);
  Result<schemas::betting::Audit> GetAudit(worker::HandlerContext& ctx,
                                           const schemas::betting::GetAudit& request);

 private:
  Status KnowTask(worker::HandlerContext& ctx, const std::string& task_id);

  BettingStore store_;
  BettingPolicy policy_;
};

}  // namespace mcf::betting
