// The goldhat family: what Gold Hat's adapter (adapters/goldhat, `mcf-goldhat-sim` by default;
// Gold Hat is the money-transfer service that pays workers) publishes after paying a worker's
// month out, each message declared once (schemas/declare.h). The adapter is a bus peer of role
// `outside` (docs/outside-systems.md). Every answer names the payout by the transfer id billing
// gave it (schemas/billing.h, PayoutRequested) and is definite: a timeout is the adapter's to
// resolve (asking again with the same key), never billing's. An outside party may answer one
// payout twice; billing resolves a pending transfer at most once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>

#include "lib/base/status.h"
#include "schemas/codec.h"
#include "schemas/declare.h"
#include "schemas/money_sim_stats.h"

namespace mcf::schemas::goldhat {

using schemas::Decode;
using schemas::Encode;

struct PayoutSent {
  static constexpr MessageInfo kInfo =
      Event("goldhat.payout_sent", "Gold Hat paid a worker's month out");
  std::string transfer_id;
  std::string invoice_id;
  int64_t amount_minor = 0;
  std::string reference;  // Gold Hat's own id for the transfer
  bool operator==(const PayoutSent&) const = default;
  static constexpr auto Fields() {
    using T = PayoutSent;
    return std::tuple{Field("transfer_id", &T::transfer_id).NonEmpty(),
                      Field("invoice_id", &T::invoice_id).NonEmpty(),
                      Field("amount_minor", &T::amount_minor).Min(1),
                      Field("reference", &T::reference).MaxLength(200).Doc("Gold Hat's id")};
  }
};

struct PayoutFailed {
  static constexpr MessageInfo kInfo =
      Event("goldhat.payout_failed", "Gold Hat refused a payout");
  std::string transfer_id;
  std::string invoice_id;
  std::string error;
  bool operator==(const PayoutFailed&) const = default;
  static constexpr auto Fields() {
    using T = PayoutFailed;
    return std::tuple{Field("transfer_id", &T::transfer_id).NonEmpty(),
                      Field("invoice_id", &T::invoice_id).NonEmpty(),
                      Field("error", &T::error).NonEmpty().MaxLength(500).Doc(
                          "what Gold Hat said")};
  }
};

using SimStats = MoneySimStats;  // schemas/money_sim_stats.h

struct Stats {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("goldhat.stats", "the simulated Gold Hat's counters");
  using Reply = SimStats;
  static constexpr auto Fields() { return std::tuple{}; }
};

inline constexpr std::string_view kPayoutSent = PayoutSent::kInfo.type;
inline constexpr std::string_view kPayoutFailed = PayoutFailed::kInfo.type;
inline constexpr std::string_view kStats = Stats::kInfo.type;

// The declared messages of this family, for the registry.
using Messages = std::tuple<PayoutSent, PayoutFailed, Stats>;

}  // namespace mcf::schemas::goldhat
