#include "workers/betting/betting_store.h"

#include <utility>

#include "lib/store/ordered_key.h"

namespace mcf::betting {

namespace wire = schemas::betting;

namespace {

constexpr std::string_view kOpenTask = "open";
constexpr std::string_view kAccountsKey = "accounts";
constexpr std::string_view kBetsKey = "bets";
constexpr std::string_view kManagerPrefix = "manager:";

// Stored values are our own writes; a malformed one means a corrupt store.
Status Corrupt(std::string_view db, std::string_view key, const Status& s) {
  return Status::Internal("betting store: bad value in " + std::string(db) + " under \"" +
                          std::string(key) + "\": " + s.message());
}

template <class T>
Result<std::optional<T>> GetDecoded(const store::Txn& txn, store::Db db, std::string_view name,
                                    const std::string& key) {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(db, key));
  if (!v) return std::optional<T>();
  auto decoded = schemas::Decode<T>(*v);
  if (!decoded.ok()) return Corrupt(name, key, decoded.status());
  return std::optional<T>(std::move(*decoded));
}

std::string OpenPotKey(const wire::Pot& pot) {
  return store::Be64(pot.bets.front().number) + pot.task_id;
}

std::string ManagerBetKey(const wire::Bet& bet) {
  std::string key = bet.manager_id;
  key.push_back('\0');
  store::PutBe64(key, bet.number);
  return key;
}

Result<int64_t> ReadInt(const store::Txn& txn, store::Db db, std::string_view key) {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(db, key));
  if (!v) return int64_t{0};
  if (v->size() != 8) return Corrupt("balances", key, Status::Invalid("not 8 bytes"));
  return store::FromBe64(*v);
}

}  // namespace

std::string ManagerAccount(std::string_view manager_id) {
  return std::string(kManagerPrefix) + std::string(manager_id);
}
std::string PotAccount(std::string_view task_id) { return "pot:" + std::string(task_id); }

Result<std::optional<TaskState>> BettingStore::GetTask(const store::Txn& txn,
                                                       const std::string& id) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(dbs_.tasks, id));
  if (!v) return std::optional<TaskState>();
  if (*v == kOpenTask) return std::optional<TaskState>(TaskState{});
  for (const auto& [outcome, name] : schemas::tasks::kOutcomeNames)
    if (*v == name) return std::optional<TaskState>(TaskState{outcome});
  return Corrupt("tasks", id, Status::Invalid("unknown state"));
}

Status BettingStore::PutTask(store::Txn& txn, const std::string& id, const TaskState& state) {
  return txn.Put(dbs_.tasks, id,
                 state.final_outcome ? schemas::tasks::OutcomeName(*state.final_outcome)
                                     : kOpenTask);
}

Result<std::optional<wire::Pot>> BettingStore::GetPot(const store::Txn& txn,
                                                      const std::string& task_id) const {
  return GetDecoded<wire::Pot>(txn, dbs_.pots, "pots", task_id);
}

Status BettingStore::PutPot(store::Txn& txn, const wire::Pot& pot) {
  if (pot.bets.empty()) return Status::Internal("betting store: a pot without bets");
  RETURN_IF_ERROR(txn.Put(dbs_.pots, pot.task_id, schemas::Encode(pot)));
  if (pot.settled) return txn.Del(dbs_.open_pots, OpenPotKey(pot));
  return txn.Put(dbs_.open_pots, OpenPotKey(pot), "");
}

Result<std::vector<wire::OpenPot>> BettingStore::OpenPots(const store::Txn& txn,
                                                          size_t limit) const {
  std::vector<wire::OpenPot> out;
  ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, dbs_.open_pots));
  for (bool ok = cursor.Last(); ok && out.size() < limit; ok = cursor.Prev()) {
    const std::string task_id(cursor.key().substr(8));
    ASSIGN_OR_RETURN(std::optional<wire::Pot> pot, GetPot(txn, task_id));
    if (!pot) return Corrupt("open_pots", task_id, Status::NotFound("no pot record"));
    out.push_back(wire::OpenPot{pot->task_id, pot->total_minor,
                                static_cast<int64_t>(pot->bets.size())});
  }
  return out;
}

Result<std::optional<wire::Bet>> BettingStore::GetBet(const store::Txn& txn,
                                                      const std::string& bet_id) const {
  return GetDecoded<wire::Bet>(txn, dbs_.bets, "bets", bet_id);
}

Result<int64_t> BettingStore::NextBetNumber(store::Txn& txn) {
  ASSIGN_OR_RETURN(const int64_t taken, ReadInt(txn, dbs_.meta, kBetsKey));
  RETURN_IF_ERROR(txn.Put(dbs_.meta, kBetsKey, store::Be64(taken + 1)));
  return taken + 1;
}

Status BettingStore::PutBet(store::Txn& txn, const wire::Bet& bet) {
  RETURN_IF_ERROR(txn.Put(dbs_.bets, bet.bet_id, schemas::Encode(bet)));
  return txn.Put(dbs_.manager_bets, ManagerBetKey(bet), bet.bet_id);
}

Result<std::vector<wire::Bet>> BettingStore::ManagerBets(const store::Txn& txn,
                                                         const std::string& manager_id,
                                                         size_t limit, const std::string& after,
                                                         std::optional<std::string>* next) const {
  std::string prefix = manager_id;
  prefix.push_back('\0');
  std::string start = prefix + std::string(8, '\xff');  // past this manager's newest
  if (!after.empty()) {
    ASSIGN_OR_RETURN(std::optional<wire::Bet> last, GetBet(txn, after));
    if (!last || last->manager_id != manager_id)
      return Status::Invalid("body.after: \"" + after + "\" is not one of your bets");
    start = ManagerBetKey(*last);
  }
  std::vector<wire::Bet> out;
  ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, dbs_.manager_bets));
  // Seek lands on the first key >= start; everything older is before it.
  for (bool ok = cursor.Seek(start) ? cursor.Prev() : cursor.Last(); ok; ok = cursor.Prev()) {
    const std::string_view key = cursor.key();
    if (key.substr(0, prefix.size()) != prefix) break;
    if (out.size() == limit) {
      *next = out.back().bet_id;
      break;
    }
    const std::string bet_id(cursor.value());
    ASSIGN_OR_RETURN(std::optional<wire::Bet> bet, GetBet(txn, bet_id));
    if (!bet) return Corrupt("manager_bets", bet_id, Status::NotFound("no bet record"));
    out.push_back(std::move(*bet));
  }
  return out;
}

Result<int64_t> BettingStore::Balance(const store::Txn& txn, std::string_view account) const {
  return ReadInt(txn, dbs_.balances, account);
}

Result<int64_t> BettingStore::AccountCount(const store::Txn& txn) const {
  return ReadInt(txn, dbs_.meta, kAccountsKey);
}

Result<bool> BettingStore::HasAccount(const store::Txn& txn, const std::string& manager_id) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v,
                   txn.Get(dbs_.entries, "open/" + manager_id));
  return v.has_value();
}

Status BettingStore::CountAccount(store::Txn& txn) {
  ASSIGN_OR_RETURN(const int64_t n, AccountCount(txn));
  return txn.Put(dbs_.meta, kAccountsKey, store::Be64(n + 1));
}

Status BettingStore::Post(store::Txn& txn, const Entry& entry) {
  if (entry.amount_minor <= 0)
    return Status::Invalid("betting entry \"" + entry.id + "\": amount must be positive");
  ASSIGN_OR_RETURN(std::optional<Entry> have,
                   GetDecoded<Entry>(txn, dbs_.entries, "entries", entry.id));
  if (have) {
    if (*have == entry) return Status::Ok();
    return Status::Internal("betting entry \"" + entry.id + "\" exists with other terms");
  }
  RETURN_IF_ERROR(txn.Put(dbs_.entries, entry.id, schemas::Encode(entry)));
  ASSIGN_OR_RETURN(const int64_t from, Balance(txn, entry.debit));
  RETURN_IF_ERROR(txn.Put(dbs_.balances, entry.debit, store::Be64(from - entry.amount_minor)));
  ASSIGN_OR_RETURN(const int64_t to, Balance(txn, entry.credit));
  return txn.Put(dbs_.balances, entry.credit, store::Be64(to + entry.amount_minor));
}

Result<wire::Audit> BettingStore::Audit(const store::Txn& txn) const {
  wire::Audit audit;
  ASSIGN_OR_RETURN(const int64_t source, Balance(txn, kSource));
  audit.total_funded_minor = -source;
  ASSIGN_OR_RETURN(audit.developers_fund_minor, Balance(txn, kDevelopersFund));
  ASSIGN_OR_RETURN(audit.accounts, AccountCount(txn));
  bool pots_match = true;
  {
    ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, dbs_.balances));
    for (bool ok = cursor.Seek(kManagerPrefix);
         ok && cursor.key().substr(0, kManagerPrefix.size()) == kManagerPrefix; ok = cursor.Next())
      audit.balances_minor += store::FromBe64(cursor.value());
  }
  ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, dbs_.open_pots));
  for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
    const std::string task_id(cursor.key().substr(8));
    ASSIGN_OR_RETURN(const int64_t held, Balance(txn, PotAccount(task_id)));
    ASSIGN_OR_RETURN(std::optional<wire::Pot> pot, GetPot(txn, task_id));
    if (!pot || pot->total_minor != held) pots_match = false;
    audit.open_pots_minor += held;
  }
  audit.balanced = pots_match && audit.balances_minor + audit.open_pots_minor +
                                         audit.developers_fund_minor ==
                                     audit.total_funded_minor;
  return audit;
}

Result<std::map<std::string, int64_t>> BettingStore::RecomputeFromEntries(
    const store::Txn& txn) const {
  std::map<std::string, int64_t> balances;
  ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, dbs_.entries));
  for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
    auto entry = schemas::Decode<Entry>(cursor.value());
    if (!entry.ok()) return Corrupt("entries", cursor.key(), entry.status());
    balances[entry->debit] -= entry->amount_minor;
    balances[entry->credit] += entry->amount_minor;
  }
  return balances;
}

}  // namespace mcf::betting
