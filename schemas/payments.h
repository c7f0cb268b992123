// The payments family: what the payment service's adapter (adapters/payments,
// `mcf-payments-sim` by default) publishes after writing a client's invoice off, each message
// declared once (schemas/declare.h). The adapter is a bus peer of role `outside`
// (docs/outside-systems.md). Every answer names the try by the transfer id billing gave it
// (schemas/billing.h, WriteOffRequested) and is definite: a timeout is the adapter's to resolve
// (asking again with the same key), never billing's. An outside party may answer one try twice;
// billing resolves a pending transfer at most once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>

#include "lib/base/status.h"
#include "schemas/codec.h"
#include "schemas/declare.h"
#include "schemas/money_sim_stats.h"

namespace mcf::schemas::payments {

using schemas::Decode;
using schemas::Encode;

struct WriteOffSucceeded {
  static constexpr MessageInfo kInfo =
      Event("payments.writeoff_succeeded", "the payment service took a client's invoice amount");
  std::string transfer_id;
  std::string invoice_id;
  int64_t amount_minor = 0;
  std::string reference;  // the payment service's own id for the write-off
  bool operator==(const WriteOffSucceeded&) const = default;
  static constexpr auto Fields() {
    using T = WriteOffSucceeded;
    return std::tuple{Field("transfer_id", &T::transfer_id).NonEmpty(),
                      Field("invoice_id", &T::invoice_id).NonEmpty(),
                      Field("amount_minor", &T::amount_minor).Min(1),
                      Field("reference", &T::reference).MaxLength(200).Doc("the service's id")};
  }
};

struct WriteOffFailed {
  static constexpr MessageInfo kInfo =
      Event("payments.writeoff_failed", "the payment service refused a write-off");
  std::string transfer_id;
  std::string invoice_id;
  std::string error;
  bool operator==(const WriteOffFailed&) const = default;
  static constexpr auto Fields() {
    using T = WriteOffFailed;
    return std::tuple{Field("transfer_id", &T::transfer_id).NonEmpty(),
                      Field("invoice_id", &T::invoice_id).NonEmpty(),
                      Field("error", &T::error).NonEmpty().MaxLength(500).Doc(
                          "what the service said")};
  }
};

using SimStats = MoneySimStats;  // schemas/money_sim_stats.h

struct Stats {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("payments.stats", "the simulated payment service's counters");
  using Reply = SimStats;
  static constexpr auto Fields() { return std::tuple{}; }
};

inline constexpr std::string_view kWriteOffSucceeded = WriteOffSucceeded::kInfo.type;
inline constexpr std::string_view kWriteOffFailed = WriteOffFailed::kInfo.type;
inline constexpr std::string_view kStats = Stats::kInfo.type;

// The declared messages of this family, for the registry.
using Messages = std::tuple<WriteOffSucceeded, WriteOffFailed, Stats>;

}  // namespace mcf::schemas::payments
