// BettingStore: betting's own books and what it knows of tasks, in LMDB databases of the
// worker's env:
//   tasks         task id -> "open" | the final outcome's name ("completed", ...)
//   pots          task id -> encoded schemas::betting::Pot (only tasks someone bet on)
//   open_pots     Be64(first bet's number) + task id -> "" (pots not yet settled)
//   bets          bet id -> encoded schemas::betting::Bet
//   manager_bets  manager id + "\0" + Be64(bet number) -> bet id (a manager's bets in order)
//   entries       entry id -> encoded Entry (immutable: every movement of money)
//   balances      account -> Be64(balance): "source" (minus everything granted),
//                 "manager:<id>", "pot:<task id>", "developers_fund"
//   meta          "accounts" -> Be64(managers holding an account), "bets" -> Be64(bets taken)
// Money moves only through Post(), which writes the entry and both balances; an entry id is
// derived from the business fact, so posting the same fact twice is a no-op. Every call works
// inside a transaction the caller owns (a handler's nested txn). Cheap to copy; worker thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "lib/base/status.h"
#include "lib/store/lmdb.h"
#include "schemas/betting.h"
#include "schemas/declare.h"

namespace mcf::betting {

// Account names.
inline constexpr std::string_view kSource = "source";
inline constexpr std::string_view kDevelopersFund = "developers_fund";
std::string ManagerAccount(std::string_view manager_id);
std::string PotAccount(std::string_view task_id);

// One movement of money from `debit` to `credit` (amount > 0). Ids (decision 032):
// "open/<manager>" the opening grant, "bet/<command id>" a stake into a pot,
// "win/<task>/<manager>" a winner's payout, "fund/<task>" a pot nobody won.
struct Entry {
  std::string id;
  std::string debit;
  std::string credit;
  int64_t amount_minor = 0;
  int64_t at_ms = 0;
  bool operator==(const Entry&) const = default;
  static constexpr auto Fields() {
    using T = Entry;
    return std::tuple{schemas::Field("id", &T::id), schemas::Field("debit", &T::debit),
                      schemas::Field("credit", &T::credit),
                      schemas::Field("amount_minor", &T::amount_minor),
                      schemas::Field("at", &T::at_ms)};
  }
};

// What betting knows of a task: absent (never heard of), open, or final with its outcome.
struct TaskState {
  std::optional<schemas::betting::Outcome> final_outcome;
};

class BettingStore {
 public:
  template <typename Runtime>
  static Result<BettingStore> Open(Runtime& runtime) {
    ASSIGN_OR_RETURN(auto tasks, runtime.OpenDb("tasks"));
    ASSIGN_OR_RETURN(auto pots, runtime.OpenDb("pots"));
    ASSIGN_OR_RETURN(auto open_pots, runtime.OpenDb("open_pots"));
    ASSIGN_OR_RETURN(auto bets, runtime.OpenDb("bets"));
    ASSIGN_OR_RETURN(auto manager_bets, runtime.OpenDb("manager_bets"));
    ASSIGN_OR_RETURN(auto entries, runtime.OpenDb("entries"));
    ASSIGN_OR_RETURN(auto balances, runtime.OpenDb("balances"));
    ASSIGN_OR_RETURN(auto meta, runtime.OpenDb("meta"));
    return BettingStore(Dbs{tasks, pots, open_pots, bets, manager_bets, entries, balances, meta});
  }
  struct Dbs {
    store::Db tasks, pots, open_pots, bets, manager_bets, entries, balances, meta;
  };
  explicit BettingStore(Dbs dbs) : dbs_(dbs) {}

  Result<std::optional<TaskState>> GetTask(const store::Txn& txn, const std::string& id) const;
  Status PutTask(store::Txn& txn, const std::string& id, const TaskState& state);

  Result<std::optional<schemas::betting::Pot>> GetPot(const store::Txn& txn,
                                                      const std::string& task_id) const;
  // Stores the pot and keeps the open_pots index (in it while not settled). REQUIRES: the pot
  // has at least one bet.
  Status PutPot(store::Txn& txn, const schemas::betting::Pot& pot);
  // Up to `limit` open pots, newest first.
  Result<std::vector<schemas::betting::OpenPot>> OpenPots(const store::Txn& txn,
                                                          size_t limit) const;

  Result<std::optional<schemas::betting::Bet>> GetBet(const store::Txn& txn,
                                                      const std::string& bet_id) const;
  // The number the next new bet gets (1, 2, ...); counts it.
  Result<int64_t> NextBetNumber(store::Txn& txn);
  // Stores the bet and its manager_bets index key (its number never changes).
  Status PutBet(store::Txn& txn, const schemas::betting::Bet& bet);
  // Up to `limit` of the manager's bets, newest first, after the bet `after` ("" = from the
  // newest); invalid naming body.after when that is not one of the manager's bets.
  Result<std::vector<schemas::betting::Bet>> ManagerBets(const store::Txn& txn,
                                                         const std::string& manager_id,
                                                         size_t limit, const std::string& after,
                                                         std::optional<std::string>* next) const;

  // An account's balance (0 for one never posted to).
  Result<int64_t> Balance(const store::Txn& txn, std::string_view account) const;
  // Managers holding an account; CountAccount adds one (the caller checks the limit).
  Result<int64_t> AccountCount(const store::Txn& txn) const;
  Result<bool> HasAccount(const store::Txn& txn, const std::string& manager_id) const;
  Status CountAccount(store::Txn& txn);

  // Writes `entry` and moves its amount between the two balances. Posting an entry whose id is
  // already there changes nothing: ok when identical (a retried fact), internal when it
  // differs (two facts claiming one id: a bug). invalid for a non-positive amount.
  Status Post(store::Txn& txn, const Entry& entry);

  // The books: the stored balances summed by kind, and whether sum of manager balances + open
  // pots + developers' fund equals everything granted, with each open pot's balance equal to
  // its recorded total. Reads at most kMaxManagers accounts plus the open pots.
  Result<schemas::betting::Audit> Audit(const store::Txn& txn) const;
  // For the auditor in tests: every account's balance recomputed from the entries alone.
  Result<std::map<std::string, int64_t>> RecomputeFromEntries(const store::Txn& txn) const;

 private:
  Dbs dbs_;
};

}  // namespace mcf::betting
