// Ledger: billing's double-entry book, modelled on TigerBeetle, in LMDB databases of one env.
// Independent of the bus: it takes a write transaction from its caller (a handler's nested
// txn, or a test's), so a caller decides what commits together with it.
//
//   Account  — named by a string ("client:c1:unbilled", "mcf:revenue"), created by its first
//              transfer; holds pending and posted debit/credit totals in minor units. A
//              balance is derived from them, never stored.
//   Transfer — immutable: one debit and one credit account, one positive amount, keyed by an id
//              derived from the business fact that caused it ("charge:<task>"). Its phase is
//              posted (money moved), pending (reserved until an outside party answers), or the
//              post / void of an earlier pending transfer (each pending one resolved at most
//              once). Corrections are new transfers, never edits.
//
// Apply() takes the transfers of ONE business fact and commits all of them or none. Applying a
// transfer whose id exists with the same content changes nothing (a redelivered event, a
// retried command); the same id with other content refuses the whole group, is logged and
// counted (`conflicts`), and changes nothing else. A second post/void of a resolved pending
// transfer is refused the same way (`second_answers`; the same post or void again changes
// nothing and is counted there too). Apply never fails the caller's txn for
// these: the counters are written into it, so the caller should commit.
//
// Databases (names prefixed "ledger_"):
//   ledger_accounts   account id -> encoded Account
//   ledger_transfers  transfer id -> encoded Transfer
//   ledger_by_account account id + '\0' + U64Key(seq) -> transfer id (an account's history)
//   ledger_resolved   pending transfer id -> id of the post/void that resolved it
//   ledger_meta       "next_seq", "conflicts", "second_answers" -> U64Key
// Cheap to copy; single-threaded like its caller.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "lib/base/status.h"
#include "lib/store/lmdb.h"
#include "schemas/declare.h"

namespace mcf::billing {

using schemas::EnumName;
using schemas::Field;

struct Account {
  std::string id;
  int64_t debits_pending = 0;
  int64_t debits_posted = 0;
  int64_t credits_pending = 0;
  int64_t credits_posted = 0;
  int64_t last_at_ms = 0;  // bus time of its latest transfer
  // Debit-normal view (what the account's owner owes MCF, for a receivable).
  int64_t debit_balance() const { return debits_posted - credits_posted; }
  // Credit-normal view (what MCF owes, for a payable).
  int64_t credit_balance() const { return credits_posted - debits_posted; }
  bool operator==(const Account&) const = default;
  static constexpr auto Fields() {
    using T = Account;
    return std::tuple{Field("id", &T::id),
                      Field("debits_pending", &T::debits_pending),
                      Field("debits_posted", &T::debits_posted),
                      Field("credits_pending", &T::credits_pending),
                      Field("credits_posted", &T::credits_posted),
                      Field("last_at", &T::last_at_ms)};
  }
};

// posted: moves the money now. pending: reserves it (pending totals) until a post (moves it)
// or a void (releases it) names it in pending_id.
enum class Phase { kPosted, kPending, kPost, kVoid };
inline constexpr std::array<EnumName<Phase>, 4> kPhaseNames = {{{Phase::kPosted, "posted"},
                                                                {Phase::kPending, "pending"},
                                                                {Phase::kPost, "post"},
                                                                {Phase::kVoid, "void"}}};
constexpr std::span<const EnumName<Phase>> EnumNames(Phase) { return kPhaseNames; }

struct Transfer {
  std::string id;
  std::string debit_account;
  std::string credit_account;
  int64_t amount_minor = 0;
  Phase phase = Phase::kPosted;
  std::string pending_id = {};  // post/void: the pending transfer they resolve
  std::string code = {};        // what kind of fact: "charge", "earning", "invoice", ...
  std::string fact = {};        // the business key it came from (task id, invoice id, ...)
  std::string memo = {};        // free text (a credit's who and why)
  int64_t basis_minor = 0;      // what the amount was computed from (a charge's list price)
  int64_t at_ms = 0;            // bus time; not part of the content compared for an id
  int64_t seq = 0;              // order of application, set by Apply; not compared either
  // The content an id stands for: a retry with other content is a conflict.
  bool SameContent(const Transfer& o) const {
    return std::tie(debit_account, credit_account, amount_minor, phase, pending_id, code, fact,
                    memo, basis_minor) == std::tie(o.debit_account, o.credit_account,
                                                   o.amount_minor, o.phase, o.pending_id, o.code,
                                                   o.fact, o.memo, o.basis_minor);
  }
  bool operator==(const Transfer&) const = default;
  static constexpr auto Fields() {
    using T = Transfer;
    return std::tuple{Field("id", &T::id),
                      Field("debit", &T::debit_account),
                      Field("credit", &T::credit_account),
                      Field("amount_minor", &T::amount_minor),
                      Field("phase", &T::phase),
                      Field("pending_id", &T::pending_id).Optional(),
                      Field("code", &T::code).Optional(),
                      Field("fact", &T::fact).Optional(),
                      Field("memo", &T::memo).Optional(),
                      Field("basis_minor", &T::basis_minor).Optional(),
                      Field("at", &T::at_ms),
                      Field("seq", &T::seq)};
  }
};

// What Apply did with a group.
enum class ApplyOutcome {
  kApplied,          // at least one transfer was new; all of them are now in the ledger
  kAlreadyApplied,   // every transfer was there with the same content: nothing changed
  kConflict,         // an id exists with other content: nothing applied, counted
  kAlreadyResolved,  // a post/void of a pending transfer resolved by another: nothing, counted
};
std::string_view ApplyOutcomeName(ApplyOutcome outcome);

struct ApplyResult {
  ApplyOutcome outcome = ApplyOutcome::kApplied;
  std::string detail = {};  // for the refusals: which transfer and why
};

struct LedgerCounters {
  uint64_t conflicts = 0;
  uint64_t second_answers = 0;
};

// One broken invariant, in words.
struct CheckReport {
  uint64_t accounts = 0, transfers = 0;
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

class Ledger {
 public:
  // Opens (creating) the databases through `runtime` (a worker::Worker, worker::Dispatcher or
  // store::Env — anything with OpenDb(name)).
  template <typename Runtime>
  static Result<Ledger> Open(Runtime& runtime) {
    Dbs dbs;
    ASSIGN_OR_RETURN(dbs.accounts, runtime.OpenDb("ledger_accounts"));
    ASSIGN_OR_RETURN(dbs.transfers, runtime.OpenDb("ledger_transfers"));
    ASSIGN_OR_RETURN(dbs.by_account, runtime.OpenDb("ledger_by_account"));
    ASSIGN_OR_RETURN(dbs.resolved, runtime.OpenDb("ledger_resolved"));
    ASSIGN_OR_RETURN(dbs.meta, runtime.OpenDb("ledger_meta"));
    return Ledger(dbs);
  }
  struct Dbs {
    store::Db accounts, transfers, by_account, resolved, meta;
  };
  explicit Ledger(Dbs dbs) : dbs_(dbs) {}

  // Applies `group` (one business fact) atomically inside `txn`; see the top comment. invalid
  // (nothing written) for a malformed transfer: empty id or account, the same account on both
  // sides, an amount < 1, a post/void without a pending transfer to resolve or whose accounts
  // and amount differ from it. A transfer's at_ms is `now_ms`.
  Result<ApplyResult> Apply(store::Txn& txn, std::span<const Transfer> group, int64_t now_ms);

  Result<std::optional<Account>> GetAccount(const store::Txn& txn, std::string_view id) const;
  Result<std::optional<Transfer>> GetTransfer(const store::Txn& txn, std::string_view id) const;
  // The post/void that resolved pending transfer `id`, if any.
  Result<std::optional<std::string>> ResolvedBy(const store::Txn& txn, std::string_view id) const;
  // The account's transfers oldest first (at most `limit`).
  Result<std::vector<Transfer>> History(const store::Txn& txn, std::string_view account,
                                        size_t limit) const;
  // Every account whose id starts with `prefix`, in id order (`visit` returns false to stop).
  Status ForEachAccount(const store::Txn& txn, std::string_view prefix,
                        const std::function<bool(const Account&)>& visit) const;
  Result<LedgerCounters> Counters(const store::Txn& txn) const;

  // Recomputes everything from the transfers: posted debits = posted credits over all
  // accounts, each account's four totals = the sums of its transfers, each pending transfer
  // resolved at most once (and by a transfer that names it), one charge per task.
  Result<CheckReport> Check(const store::Txn& txn) const;
  // Every account and transfer in id order, one line each, without `seq`: two ledgers that
  // hold the same book dump the same bytes.
  Result<std::string> Dump(const store::Txn& txn) const;

 private:
  Status Count(store::Txn& txn, std::string_view counter);
  Status Book(store::Txn& txn, const Transfer& t, const std::optional<Transfer>& pending);

  Dbs dbs_;
};

}  // namespace mcf::billing
