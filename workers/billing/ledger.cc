#include "workers/billing/ledger.h"

#include <spdlog/spdlog.h>

#include <map>
#include <set>
#include <utility>

#include "lib/base/bytes.h"
#include "lib/base/log.h"
#include "schemas/codec.h"

namespace mcf::billing {
namespace {

constexpr std::string_view kNextSeq = "next_seq";
constexpr std::string_view kConflicts = "conflicts";
constexpr std::string_view kSecondAnswers = "second_answers";

Status Corrupt(std::string_view db, std::string_view key, const Status& s) {
  return Status::Internal("ledger: bad value in " + std::string(db) + " under \"" +
                          std::string(key) + "\": " + s.message());
}

template <class T>
Result<std::optional<T>> GetRecord(const store::Txn& txn, store::Db db, std::string_view db_name,
                                   std::string_view key) {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(db, key));
  if (!v) return std::optional<T>();
  auto decoded = schemas::Decode<T>(*v);
  if (!decoded.ok()) return Corrupt(db_name, key, decoded.status());
  return std::optional<T>(std::move(*decoded));
}

Result<uint64_t> GetCounter(const store::Txn& txn, store::Db meta, std::string_view name) {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(meta, name));
  return v ? FromU64Key(*v) : uint64_t{0};
}

std::string HistoryKey(std::string_view account, uint64_t seq) {
  std::string key(account);
  key.push_back('\0');
  return key + U64Key(seq);
}

bool Resolves(Phase p) { return p == Phase::kPost || p == Phase::kVoid; }

// A malformed transfer is the caller's bug: said in words, nothing written.
Status Validate(const Transfer& t) {
  const std::string who = "transfer \"" + t.id + "\"";
  if (t.id.empty()) return Status::Invalid("transfer: empty id");
  if (t.debit_account.empty() || t.credit_account.empty())
    return Status::Invalid(who + ": empty account");
  if (t.debit_account == t.credit_account)
    return Status::Invalid(who + ": debit and credit are the same account");
  if (t.amount_minor < 1) return Status::Invalid(who + ": amount must be at least 1 minor unit");
  if (Resolves(t.phase) == t.pending_id.empty())
    return Status::Invalid(who + ": pending_id is for a post or void only, and required there");
  return Status::Ok();
}

}  // namespace

std::string_view ApplyOutcomeName(ApplyOutcome outcome) {
  switch (outcome) {
    case ApplyOutcome::kApplied: return "applied";
    case ApplyOutcome::kAlreadyApplied: return "already_applied";
    case ApplyOutcome::kConflict: return "conflict";
    case ApplyOutcome::kAlreadyResolved: return "already_resolved";
  }
  return "?";
}

Result<std::optional<Account>> Ledger::GetAccount(const store::Txn& txn,
                                                  std::string_view id) const {
  return GetRecord<Account>(txn, dbs_.accounts, "ledger_accounts", id);
}

Result<std::optional<Transfer>> Ledger::GetTransfer(const store::Txn& txn,
                                                    std::string_view id) const {
  return GetRecord<Transfer>(txn, dbs_.transfers, "ledger_transfers", id);
}

Result<std::optional<std::string>> Ledger::ResolvedBy(const store::Txn& txn,
                                                      std::string_view id) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(dbs_.resolved, id));
  if (!v) return std::optional<std::string>();
  return std::optional<std::string>(std::string(*v));
}

Status Ledger::Count(store::Txn& txn, std::string_view counter) {
  ASSIGN_OR_RETURN(const uint64_t n, GetCounter(txn, dbs_.meta, counter));
  return txn.Put(dbs_.meta, counter, U64Key(n + 1));
}

Result<LedgerCounters> Ledger::Counters(const store::Txn& txn) const {
  LedgerCounters c;
  ASSIGN_OR_RETURN(c.conflicts, GetCounter(txn, dbs_.meta, kConflicts));
  ASSIGN_OR_RETURN(c.second_answers, GetCounter(txn, dbs_.meta, kSecondAnswers));
  return c;
}

// Writes one new transfer and moves its amount on both accounts.
Status Ledger::Book(store::Txn& txn, const Transfer& t, const std::optional<Transfer>& pending) {
  for (const std::string* side : {&t.debit_account, &t.credit_account}) {
    ASSIGN_OR_RETURN(std::optional<Account> found, GetAccount(txn, *side));
    Account a = found ? std::move(*found) : Account{.id = *side};
    const bool debit = side == &t.debit_account;
    int64_t& pending_total = debit ? a.debits_pending : a.credits_pending;
    int64_t& posted_total = debit ? a.debits_posted : a.credits_posted;
    switch (t.phase) {
      case Phase::kPosted: posted_total += t.amount_minor; break;
      case Phase::kPending: pending_total += t.amount_minor; break;
      case Phase::kPost:
        pending_total -= pending->amount_minor;
        posted_total += t.amount_minor;
        break;
      case Phase::kVoid: pending_total -= pending->amount_minor; break;
    }
    a.last_at_ms = t.at_ms;
    RETURN_IF_ERROR(txn.Put(dbs_.accounts, a.id, schemas::Encode(a)));
    RETURN_IF_ERROR(txn.Put(dbs_.by_account, HistoryKey(a.id, static_cast<uint64_t>(t.seq)), t.id));
  }
  RETURN_IF_ERROR(txn.Put(dbs_.transfers, t.id, schemas::Encode(t)));
  if (pending) RETURN_IF_ERROR(txn.Put(dbs_.resolved, pending->id, t.id));
  return Status::Ok();
}

Result<ApplyResult> Ledger::Apply(store::Txn& txn, std::span<const Transfer> group,
                                  int64_t now_ms) {
  for (const Transfer& t : group) RETURN_IF_ERROR(Validate(t));
  // The group's writes go into a child txn: a refusal midway leaves nothing of it behind.
  ASSIGN_OR_RETURN(store::Txn child, txn.BeginNested());
  ASSIGN_OR_RETURN(uint64_t next_seq, GetCounter(child, dbs_.meta, kNextSeq));
  if (next_seq == 0) next_seq = 1;
  std::optional<ApplyResult> refused;
  std::string_view refusal_counter;
  bool applied_any = false;
  bool repeated_answer = false;
  for (const Transfer& proposed : group) {
    ASSIGN_OR_RETURN(std::optional<Transfer> existing, GetTransfer(child, proposed.id));
    if (existing) {
      if (existing->SameContent(proposed)) {
        // A redelivery: nothing to do. The same answer to a pending transfer twice is still
        // a second answer (an outside party answering again), so it is counted.
        if (Resolves(proposed.phase)) repeated_answer = true;
        continue;
      }
      refused = ApplyResult{ApplyOutcome::kConflict,
                            "transfer \"" + proposed.id + "\" exists with other content"};
      refusal_counter = kConflicts;
      break;
    }
    std::optional<Transfer> pending;
    if (Resolves(proposed.phase)) {
      ASSIGN_OR_RETURN(pending, GetTransfer(child, proposed.pending_id));
      if (!pending || pending->phase != Phase::kPending)
        return Status::Invalid("transfer \"" + proposed.id + "\": \"" + proposed.pending_id +
                               "\" is not a pending transfer");
      if (pending->debit_account != proposed.debit_account ||
          pending->credit_account != proposed.credit_account ||
          pending->amount_minor != proposed.amount_minor)
        return Status::Invalid("transfer \"" + proposed.id +
                               "\": accounts and amount must be those of \"" + pending->id + "\"");
      ASSIGN_OR_RETURN(std::optional<std::string> by, ResolvedBy(child, pending->id));
      if (by) {
        refused = ApplyResult{ApplyOutcome::kAlreadyResolved,
                              "\"" + pending->id + "\" was already resolved by \"" + *by + "\""};
        refusal_counter = kSecondAnswers;
        break;
      }
    }
    Transfer t = proposed;
    t.at_ms = now_ms;
    t.seq = static_cast<int64_t>(next_seq++);
    RETURN_IF_ERROR(Book(child, t, pending));
    applied_any = true;
  }
  if (refused) {
    child.Abort();
    RETURN_IF_ERROR(Count(txn, refusal_counter));
    spdlog::warn("event=ledger_refused outcome={} detail={}", ApplyOutcomeName(refused->outcome),
                 Quoted(refused->detail));
    return *refused;
  }
  if (!applied_any) {
    child.Abort();
    if (repeated_answer) RETURN_IF_ERROR(Count(txn, kSecondAnswers));
    return ApplyResult{ApplyOutcome::kAlreadyApplied};
  }
  RETURN_IF_ERROR(child.Put(dbs_.meta, kNextSeq, U64Key(next_seq)));
  RETURN_IF_ERROR(child.Commit());
  return ApplyResult{ApplyOutcome::kApplied};
}

Result<std::vector<Transfer>> Ledger::History(const store::Txn& txn, std::string_view account,
                                              size_t limit) const {
  std::string prefix(account);
  prefix.push_back('\0');
  std::vector<Transfer> out;
  ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, dbs_.by_account));
  for (bool ok = cursor.Seek(prefix); ok && out.size() < limit; ok = cursor.Next()) {
    if (cursor.key().substr(0, prefix.size()) != prefix) break;
    const std::string id(cursor.value());
    ASSIGN_OR_RETURN(std::optional<Transfer> t, GetTransfer(txn, id));
    if (!t) return Corrupt("ledger_by_account", id, Status::NotFound("no such transfer"));
    out.push_back(std::move(*t));
  }
  return out;
}

Status Ledger::ForEachAccount(const store::Txn& txn, std::string_view prefix,
                              const std::function<bool(const Account&)>& visit) const {
  ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, dbs_.accounts));
  for (bool ok = prefix.empty() ? cursor.First() : cursor.Seek(prefix); ok; ok = cursor.Next()) {
    if (cursor.key().substr(0, prefix.size()) != prefix) break;
    auto a = schemas::Decode<Account>(cursor.value());
    if (!a.ok()) return Corrupt("ledger_accounts", cursor.key(), a.status());
    if (!visit(*a)) break;
  }
  return Status::Ok();
}

Result<CheckReport> Ledger::Check(const store::Txn& txn) const {
  CheckReport report;
  std::map<std::string, Account, std::less<>> expected;
  std::map<std::string, std::vector<std::string>, std::less<>> resolutions;  // pending -> by
  std::map<std::string, Transfer, std::less<>> pendings;
  std::map<std::string, std::string, std::less<>> charge_of_task;
  std::vector<Transfer> resolving;
  {
    ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, dbs_.transfers));
    for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
      auto t = schemas::Decode<Transfer>(cursor.value());
      if (!t.ok()) {
        report.problems.push_back("transfer \"" + std::string(cursor.key()) +
                                  "\" does not decode: " + t.status().message());
        continue;
      }
      ++report.transfers;
      if (t->id != cursor.key())
        report.problems.push_back("transfer stored under \"" + std::string(cursor.key()) +
                                  "\" names itself \"" + t->id + "\"");
      if (t->phase == Phase::kPending) pendings.emplace(t->id, *t);
      if (Resolves(t->phase)) {
        resolutions[t->pending_id].push_back(t->id);
        resolving.push_back(*t);
      }
      if (t->code == "charge") {
        auto [it, fresh] = charge_of_task.emplace(t->fact, t->id);
        if (!fresh)
          report.problems.push_back("task \"" + t->fact + "\" is charged twice: \"" +
                                    it->second + "\" and \"" + t->id + "\"");
      }
      for (const std::string* side : {&t->debit_account, &t->credit_account}) {
        Account& a = expected[*side];
        a.id = *side;
        const bool debit = side == &t->debit_account;
        int64_t& pending_total = debit ? a.debits_pending : a.credits_pending;
        int64_t& posted_total = debit ? a.debits_posted : a.credits_posted;
        if (t->phase == Phase::kPosted || t->phase == Phase::kPost)
          posted_total += t->amount_minor;
        if (t->phase == Phase::kPending) pending_total += t->amount_minor;
        // A post or void takes the pending amount back off (same amount: Apply checks it).
        if (Resolves(t->phase)) pending_total -= t->amount_minor;
      }
    }
  }
  for (const Transfer& r : resolving) {
    if (!pendings.contains(r.pending_id))
      report.problems.push_back("\"" + r.id + "\" resolves \"" + r.pending_id +
                                "\", which is not a pending transfer");
  }
  for (const auto& [pending, by] : resolutions) {
    if (by.size() > 1)
      report.problems.push_back("pending \"" + pending + "\" resolved " +
                                std::to_string(by.size()) + " times");
    ASSIGN_OR_RETURN(std::optional<std::string> recorded, ResolvedBy(txn, pending));
    if (!recorded || *recorded != by.front())
      report.problems.push_back("pending \"" + pending + "\" resolution record disagrees");
  }
  int64_t all_debits = 0, all_credits = 0;
  std::set<std::string, std::less<>> seen;
  RETURN_IF_ERROR(ForEachAccount(txn, "", [&](const Account& a) {
    ++report.accounts;
    seen.insert(a.id);
    all_debits += a.debits_posted;
    all_credits += a.credits_posted;
    auto it = expected.find(a.id);
    Account want = it == expected.end() ? Account{.id = a.id} : it->second;
    want.last_at_ms = a.last_at_ms;
    if (!(want == a))
      report.problems.push_back(
          "account \"" + a.id + "\" holds debits " + std::to_string(a.debits_posted) + "+" +
          std::to_string(a.debits_pending) + " pending, credits " +
          std::to_string(a.credits_posted) + "+" + std::to_string(a.credits_pending) +
          " pending; its transfers sum to debits " + std::to_string(want.debits_posted) + "+" +
          std::to_string(want.debits_pending) + ", credits " +
          std::to_string(want.credits_posted) + "+" + std::to_string(want.credits_pending));
    return true;
  }));
  for (const auto& [id, a] : expected)
    if (!seen.contains(id)) report.problems.push_back("account \"" + id + "\" is missing");
  if (all_debits != all_credits)
    report.problems.push_back("posted debits " + std::to_string(all_debits) +
                              " != posted credits " + std::to_string(all_credits));
  return report;
}

Result<std::string> Ledger::Dump(const store::Txn& txn) const {
  std::string out;
  RETURN_IF_ERROR(ForEachAccount(txn, "", [&](const Account& a) {
    out += "account " + a.id + " debits " + std::to_string(a.debits_posted) + " pending " +
           std::to_string(a.debits_pending) + " credits " + std::to_string(a.credits_posted) +
           " pending " + std::to_string(a.credits_pending) + " last " +
           std::to_string(a.last_at_ms) + "\n";
    return true;
  }));
  ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, dbs_.transfers));
  for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
    auto t = schemas::Decode<Transfer>(cursor.value());
    if (!t.ok()) return Corrupt("ledger_transfers", cursor.key(), t.status());
    out += "transfer " + t->id + " " + std::string(schemas::NameOf(t->phase)) + " " +
           t->debit_account + " -> " + t->credit_account + " " + std::to_string(t->amount_minor) +
           " pending_id=" + t->pending_id + " code=" + t->code + " fact=" + t->fact +
 " memo=" + Quoted(t->memo) + " basis=" + std::to_string(t->basis_minor) + " at " + std::to_string(t->at_ms) + "\n";
  }
  return out;
}

}  // namespace mcf::billing
