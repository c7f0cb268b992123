// The betting family, each message declared once (schemas/declare.h): managers' bets on how a
// task ends, the pots they form and their settlement (docs/decisions/032). Betting is isolated:
// it consumes tasks events, publishes only betting.pot_settled, and nothing else in the system
// consumes it, so the rest behaves the same with mcf-betting stopped. Money is int64 minor
// units; times are ms since the Unix epoch (bus time).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "lib/base/status.h"
#include "schemas/codec.h"
#include "schemas/declare.h"
#include "schemas/tasks.h"

namespace mcf::schemas::betting {

using schemas::Decode;
using schemas::Encode;
using tasks::Outcome;

// At most this many managers hold a betting account; the next one's first bet is a conflict.
inline constexpr int64_t kMaxManagers = 15;
// A stake's upper bound, far above any balance (the opening grant is capped at kMaxOpening),
// so pot * stake fits in 128 bits with room to spare.
inline constexpr int64_t kMaxStake = 1'000'000'000'000;
inline constexpr int64_t kMaxOpening = 1'000'000'000;
inline constexpr size_t kMaxTaskId = 128;
inline constexpr int64_t kMaxPage = 100;

enum class BetStatus { kOpen, kWon, kLost };
inline constexpr std::array<EnumName<BetStatus>, 3> kBetStatusNames = {
    {{BetStatus::kOpen, "open"}, {BetStatus::kWon, "won"}, {BetStatus::kLost, "lost"}}};
constexpr std::span<const EnumName<BetStatus>> EnumNames(BetStatus) { return kBetStatusNames; }

// One bet: the reply of betting.place_bet, an item of betting.my_bets, and the store's record.
struct Bet {
  std::string bet_id;  // "bet-" + the placing command's id (its idempotency key)
  std::string task_id;
  std::string manager_id;
  Outcome outcome = Outcome::kCompleted;
  int64_t stake_minor = 0;
  int64_t placed_at_ms = 0;
  BetStatus status = BetStatus::kOpen;
  int64_t payout_minor = 0;
  int64_t number = 0;
  bool operator==(const Bet&) const = default;
  static constexpr auto Fields() {
    using T = Bet;
    return std::tuple{Field("bet_id", &T::bet_id),
                      Field("task_id", &T::task_id),
                      Field("manager_id", &T::manager_id),
                      Field("outcome", &T::outcome).Doc("the predicted outcome"),
                      Field("stake_minor", &T::stake_minor),
                      Field("placed_at", &T::placed_at_ms),
                      Field("status", &T::status).Doc("open | won | lost"),
                      Field("payout_minor", &T::payout_minor)
                          .Doc("what the bet won (its share of the pot); 0 unless won"),
                      Field("number", &T::number)
                          .Doc("the n-th bet betting took: orders bets placed at one bus time")};
  }
};

// A winner's share of a settled pot.
struct Share {
  std::string manager_id;
  int64_t stake_minor = 0;
  int64_t payout_minor = 0;
  bool operator==(const Share&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("manager_id", &Share::manager_id),
                      Field("stake_minor", &Share::stake_minor),
                      Field("payout_minor", &Share::payout_minor)
                          .Doc("floor(pot*stake/winning stakes), plus 1 for the largest "
                               "remainders until the pot is used up")};
  }
};

// A task's pot: every bet on it (at most one per manager, so at most kMaxManagers), in the
// order they were placed; once the task is final, how it was shared.
struct Pot {
  std::string task_id;
  int64_t total_minor = 0;
  std::vector<Bet> bets;
  bool settled = false;
  std::optional<Outcome> outcome;
  std::vector<Share> shares = {};
  int64_t developers_fund_minor = 0;
  int64_t settled_at_ms = 0;
  bool operator==(const Pot&) const = default;
  static constexpr auto Fields() {
    using T = Pot;
    return std::tuple{
        Field("task_id", &T::task_id),
        Field("total_minor", &T::total_minor).Doc("the sum of the stakes"),
        Field("bets", &T::bets).Doc("oldest first"),
        Field("settled", &T::settled),
        Field("outcome", &T::outcome).Doc("absent until the task is final"),
        Field("shares", &T::shares).Optional().Doc("the winners' payouts, once settled"),
        Field("developers_fund_minor", &T::developers_fund_minor)
            .Optional()
            .Doc("the whole pot when nobody won, else 0"),
        Field("settled_at", &T::settled_at_ms).Optional().Doc("0 while open")};
  }
};

// An open pot's headline, for betting.my_bets.
struct OpenPot {
  std::string task_id;
  int64_t total_minor = 0;
  int64_t bets = 0;
  bool operator==(const OpenPot&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("task_id", &OpenPot::task_id),
                      Field("total_minor", &OpenPot::total_minor),
                      Field("bets", &OpenPot::bets).Doc("how many managers bet on it")};
  }
};

// What a manager sees: their balance, their own bets and the open pots.
struct BetsView {
  std::string manager_id;
  bool has_account = false;
  int64_t balance_minor = 0;
  std::vector<Bet> bets;
  std::optional<std::string> next_after;
  std::vector<OpenPot> open_pots;
  bool operator==(const BetsView&) const = default;
  static constexpr auto Fields() {
    using T = BetsView;
    return std::tuple{
        Field("manager_id", &T::manager_id),
        Field("has_account", &T::has_account)
            .Doc("false until the first bet opens the account (decision 032)"),
        Field("balance_minor", &T::balance_minor)
            .Doc("the betting balance; without an account, the opening grant a first bet gets"),
        Field("bets", &T::bets).Doc("the manager's own bets, newest first"),
        Field("next_after", &T::next_after).Doc("pass as `after` for the next page of bets"),
        Field("open_pots", &T::open_pots)
            .Doc("pots of tasks not yet final, newest task first, at most 100")};
  }
};

// Betting's books in one view: sum of balances + open pots + developers' fund = total funded.
struct Audit {
  int64_t total_funded_minor = 0;
  int64_t balances_minor = 0;
  int64_t open_pots_minor = 0;
  int64_t developers_fund_minor = 0;
  int64_t accounts = 0;
  bool balanced = false;
  bool operator==(const Audit&) const = default;
  static constexpr auto Fields() {
    using T = Audit;
    return std::tuple{Field("total_funded_minor", &T::total_funded_minor)
                          .Doc("every opening grant made so far"),
                      Field("balances_minor", &T::balances_minor),
                      Field("open_pots_minor", &T::open_pots_minor),
                      Field("developers_fund_minor", &T::developers_fund_minor),
                      Field("accounts", &T::accounts).Doc("managers holding an account"),
                      Field("balanced", &T::balanced).Doc("the invariant holds")};
  }
};

// ---- commands ----

// Managers only. invalid naming the field (unknown outcome, stake < 1); not_found for a task
// betting never heard of; conflict for a final task, a stake above the balance, a second bet on
// the same task, or a 16th manager's first bet. A manager's first bet opens their account with
// the opening grant (mcf-betting --opening-balance-minor).
struct PlaceBet {
  static constexpr MessageInfo kInfo =
      Command("betting.place_bet", "managers: stake part of the betting balance on a task's outcome");
  using Reply = Bet;
  std::string task_id;
  Outcome outcome = Outcome::kCompleted;
  int64_t stake_minor = 0;
  bool operator==(const PlaceBet&) const = default;
  static constexpr auto Fields() {
    using T = PlaceBet;
    return std::tuple{Field("task_id", &T::task_id).NonEmpty().MaxLength(kMaxTaskId),
                      Field("outcome", &T::outcome).Doc("completed | failed | canceled"),
                      Field("stake_minor", &T::stake_minor).Min(1).Max(kMaxStake)};
  }
};

struct MyBets {
  static constexpr MessageInfo kInfo = ReadOnlyCommand(
      "betting.my_bets", "managers: own balance and bets (newest first), and the open pots");
  using Reply = BetsView;
  int64_t limit = 50;
  std::string after;
  bool operator==(const MyBets&) const = default;
  static constexpr auto Fields() {
    return std::tuple{
        Field("limit", &MyBets::limit).Optional().Min(1).Max(kMaxPage).Doc("default 50"),
        Field("after", &MyBets::after).Optional().Doc("the bet id to page after")};
  }
};

// not_found when nobody bet on the task.
struct GetPot {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("betting.get_pot", "managers and admins: one task's pot and its bets");
  using Reply = Pot;
  std::string task_id;
  bool operator==(const GetPot&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("task_id", &GetPot::task_id).NonEmpty().MaxLength(kMaxTaskId)};
  }
};

struct GetAudit {
  static constexpr MessageInfo kInfo = ReadOnlyCommand(
      "betting.audit", "admins and the operator: betting's totals and whether its invariant holds");
  using Reply = Audit;
  bool operator==(const GetAudit&) const = default;
  static constexpr auto Fields() { return std::tuple{}; }
};

// ---- events ----

// Published once per pot, when its task becomes final (a task nobody bet on has no pot).
struct PotSettled {
  static constexpr MessageInfo kInfo =
      Event("betting.pot_settled", "a final task's pot was shared among its winners");
  std::string task_id;
  Outcome outcome = Outcome::kCompleted;
  int64_t pot_minor = 0;
  int64_t winning_stakes_minor = 0;
  std::vector<Share> shares;
  int64_t developers_fund_minor = 0;
  bool operator==(const PotSettled&) const = default;
  static constexpr auto Fields() {
    using T = PotSettled;
    return std::tuple{Field("task_id", &T::task_id).NonEmpty(),
                      Field("outcome", &T::outcome),
                      Field("pot_minor", &T::pot_minor),
                      Field("winning_stakes_minor", &T::winning_stakes_minor),
                      Field("shares", &T::shares).Doc("winners, in the order they bet"),
                      Field("developers_fund_minor", &T::developers_fund_minor)
                          .Doc("the whole pot when nobody won, else 0")};
  }
};

inline constexpr std::string_view kPlaceBet = PlaceBet::kInfo.type;
inline constexpr std::string_view kMyBets = MyBets::kInfo.type;
inline constexpr std::string_view kGetPot = GetPot::kInfo.type;
inline constexpr std::string_view kAudit = GetAudit::kInfo.type;
inline constexpr std::string_view kPotSettled = PotSettled::kInfo.type;

using Messages = std::tuple<PlaceBet, MyBets, GetPot, GetAudit, PotSettled>;

}  // namespace mcf::schemas::betting
