#include "workers/betting/handlers.h"

#include <spdlog/spdlog.h>

#include <string>
#include <utility>

#include "lib/base/log.h"
#include "workers/betting/settlement.h"

namespace mcf::betting {
namespace {

namespace wire = schemas::betting;
namespace tasks = schemas::tasks;
using worker::HandlerContext;

// Betting is with the managers' own money: an admin (who may stand in for staff elsewhere,
// decision 006) does not bet and has no bets to list.
Status RequireRole(const HandlerContext& ctx, std::string_view command, bool admin_too) {
  const std::string role = ctx.role();
  if (role == "manager" || (admin_too && role == "admin")) return Status::Ok();
  spdlog::warn("event=betting_forbidden command={} role={}", command, Quoted(role));
  return Status::Forbidden(std::string(command) +
                           (admin_too ? ": managers (or an admin) only" : ": managers only"));
}

std::string PrincipalId(const HandlerContext& ctx) {
  const auto& p = ctx.message().principal;
  return p ? p->id : std::string();
}

}  // namespace

Status BettingHandlers::KnowTask(HandlerContext& ctx, const std::string& task_id) {
  ASSIGN_OR_RETURN(std::optional<TaskState> known, store_.GetTask(ctx.txn(), task_id));
  if (known) return Status::Ok();
  return store_.PutTask(ctx.txn(), task_id, TaskState{});
}

Status BettingHandlers::OnTaskRequested(HandlerContext& ctx, const tasks::TaskRequested& e) {
  return KnowTask(ctx, e.task_id);
}

Status BettingHandlers::OnTaskAssigned(HandlerContext& ctx, const tasks::TaskAssigned& e) {
  return KnowTask(ctx, e.task_id);
}

Status BettingHandlers::OnTaskFinalized(HandlerContext& ctx, const tasks::TaskFinalized& e) {
  ASSIGN_OR_RETURN(std::optional<TaskState> known, store_.GetTask(ctx.txn(), e.task_id));
  if (known && known->final_outcome) {
    spdlog::warn("event=betting_finalized_again task={} outcome={}", Quoted(e.task_id),
                 tasks::OutcomeName(*known->final_outcome));
    return Status::Ok();
  }
  RETURN_IF_ERROR(store_.PutTask(ctx.txn(), e.task_id, TaskState{e.outcome}));
  ASSIGN_OR_RETURN(std::optional<wire::Pot> pot, store_.GetPot(ctx.txn(), e.task_id));
  if (!pot || pot->settled) return Status::Ok();  // nobody bet: nothing to share

  const Settlement s = Settle(pot->bets, e.outcome);
  const std::string pot_account = PotAccount(e.task_id);
  for (const wire::Share& share : s.shares) {
    RETURN_IF_ERROR(store_.Post(ctx.txn(), Entry{"win/" + e.task_id + "/" + share.manager_id,
                                                 pot_account, ManagerAccount(share.manager_id),
                                                 share.payout_minor, ctx.now_ms()}));
  }
  if (s.developers_fund_minor > 0) {
    RETURN_IF_ERROR(store_.Post(ctx.txn(),
                                Entry{"fund/" + e.task_id, pot_account, std::string(kDevelopersFund),
                                      s.developers_fund_minor, ctx.now_ms()}));
  }
  for (wire::Bet& bet : pot->bets) {
    bet.status = bet.outcome == e.outcome ? wire::BetStatus::kWon : wire::BetStatus::kLost;
    for (const wire::Share& share : s.shares)
      if (share.manager_id == bet.manager_id) bet.payout_minor = share.payout_minor;
    RETURN_IF_ERROR(store_.PutBet(ctx.txn(), bet));
  }
  pot->settled = true;
  pot->outcome = e.outcome;
  pot->shares = s.shares;
  pot->developers_fund_minor = s.developers_fund_minor;
  pot->settled_at_ms = ctx.now_ms();
  RETURN_IF_ERROR(store_.PutPot(ctx.txn(), *pot));
  RETURN_IF_ERROR(ctx.Publish(wire::PotSettled{e.task_id, e.outcome, s.pot_minor,
                                               s.winning_stakes_minor, s.shares,
                                               s.developers_fund_minor}));
  spdlog::info("event=betting_pot_settled task={} outcome={} pot={} winners={} to_fund={}",
               Quoted(e.task_id), tasks::OutcomeName(e.outcome), s.pot_minor, s.shares.size(),
               s.developers_fund_minor);
  return Status::Ok();
}

Result<wire::Bet> BettingHandlers::PlaceBet(HandlerContext& ctx, const wire::PlaceBet& request) {
  RETURN_IF_ERROR(RequireRole(ctx, wire::kPlaceBet, /*admin_too=*/false));
  const std::string manager = PrincipalId(ctx);
  const std::string& task_id = request.task_id;
  ASSIGN_OR_RETURN(std::optional<TaskState> task, store_.GetTask(ctx.txn(), task_id));
  if (!task) return Status::NotFound("betting knows no task \"" + task_id + "\" (body.task_id)");
  if (task->final_outcome)
    return Status::Conflict("body.task_id: task \"" + task_id + "\" is already final (" +
                            std::string(tasks::OutcomeName(*task->final_outcome)) +
                            "); bets close when a task ends");
  ASSIGN_OR_RETURN(std::optional<wire::Pot> pot, store_.GetPot(ctx.txn(), task_id));
  if (!pot) {
    pot.emplace();
    pot->task_id = task_id;
  }
  for (const wire::Bet& b : pot->bets)
    if (b.manager_id == manager)
      return Status::Conflict("body.task_id: you already bet on task \"" + task_id + "\" (bet " +
                              b.bet_id + "); one bet per manager and task");

  ASSIGN_OR_RETURN(const bool has_account, store_.HasAccount(ctx.txn(), manager));
  if (!has_account) {
    ASSIGN_OR_RETURN(const int64_t accounts, store_.AccountCount(ctx.txn()));
    if (accounts >= wire::kMaxManagers)
      return Status::Conflict("betting is limited to " + std::to_string(wire::kMaxManagers) +
                              " managers and every account is taken");
    RETURN_IF_ERROR(store_.Post(ctx.txn(), Entry{"open/" + manager, std::string(kSource),
                                                 ManagerAccount(manager),
                                                 policy_.opening_balance_minor, ctx.now_ms()}));
    RETURN_IF_ERROR(store_.CountAccount(ctx.txn()));
    spdlog::info("event=betting_account_opened manager={} balance={} accounts={}",
                 Quoted(manager), policy_.opening_balance_minor, accounts + 1);
  }
  ASSIGN_OR_RETURN(const int64_t balance, store_.Balance(ctx.txn(), ManagerAccount(manager)));
  if (request.stake_minor > balance)
    return Status::Conflict("body.stake_minor: " + std::to_string(request.stake_minor) +
                            " is more than your betting balance of " + std::to_string(balance));

  const std::string& command_id = ctx.message().id;
  ASSIGN_OR_RETURN(const int64_t number, store_.NextBetNumber(ctx.txn()));
  wire::Bet bet{"bet-" + command_id,    task_id, manager, request.outcome, request.stake_minor,
                ctx.now_ms(),           wire::BetStatus::kOpen, 0, number};
  RETURN_IF_ERROR(store_.Post(ctx.txn(), Entry{"bet/" + command_id, ManagerAccount(manager),
                                               PotAccount(task_id), request.stake_minor,
                                               ctx.now_ms()}));
  RETURN_IF_ERROR(store_.PutBet(ctx.txn(), bet));
  pot->bets.push_back(bet);
  pot->total_minor += bet.stake_minor;
  RETURN_IF_ERROR(store_.PutPot(ctx.txn(), *pot));
  spdlog::info("event=betting_bet_placed bet={} task={} manager={} outcome={} stake={} pot={}",
               Quoted(bet.bet_id), Quoted(task_id), Quoted(manager),
               tasks::OutcomeName(bet.outcome), bet.stake_minor, pot->total_minor);
  return bet;
}

Result<wire::BetsView> BettingHandlers::MyBets(HandlerContext& ctx, const wire::MyBets& request) {
  RETURN_IF_ERROR(RequireRole(ctx, wire::kMyBets, /*admin_too=*/false));
  wire::BetsView view;
  view.manager_id = PrincipalId(ctx);
  ASSIGN_OR_RETURN(view.has_account, store_.HasAccount(ctx.txn(), view.manager_id));
  if (view.has_account) {
    ASSIGN_OR_RETURN(view.balance_minor,
                     store_.Balance(ctx.txn(), ManagerAccount(view.manager_id)));
  } else {
    view.balance_minor = policy_.opening_balance_minor;
  }
  ASSIGN_OR_RETURN(view.bets, store_.ManagerBets(ctx.txn(), view.manager_id,
                                                 static_cast<size_t>(request.limit),
                                                 request.after, &view.next_after));
  ASSIGN_OR_RETURN(view.open_pots,
                   store_.OpenPots(ctx.txn(), static_cast<size_t>(wire::kMaxPage)));
  return view;
}

Result<wire::Pot> BettingHandlers::GetPot(HandlerContext& ctx, const wire::GetPot& request) {
  RETURN_IF_ERROR(RequireRole(ctx, wire::kGetPot, /*admin_too=*/true));
  ASSIGN_OR_RETURN(std::optional<wire::Pot> pot, store_.GetPot(ctx.txn(), request.task_id));
  if (!pot)
    return Status::NotFound("betting has no pot for task \"" + request.task_id +
                            "\" (nobody bet on it)");
  return std::move(*pot);
}

Result<wire::Audit> BettingHandlers::GetAudit(HandlerContext& ctx, const wire::GetAudit&) {
  // A bus peer speaking as itself (no principal, or the broker's system stamp: the operator's
  // CLI, a test) or an admin; never a manager, who sees only their own money.
  const std::string role = ctx.role();
  if (ctx.message().principal && role != "admin" && role != "system") {
    spdlog::warn("event=betting_forbidden command={} role={}", wire::kAudit, Quoted(role));
    return Status::Forbidden(std::string(wire::kAudit) + ": admins only");
  }
  return store_.Audit(ctx.txn());
}

}  // namespace mcf::betting
