// Billing's money rules (SPEC section 3, decisions 029 and 030) as pure functions of integers,
// and the ledger's account and transfer names: what a charge, an earning, an invoice costs, and
// which accounts they move between. Header-only; thread-safe. Amounts are minor units.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mcf::billing {

inline constexpr int64_t kDiscountStepMinor = 1'000'000;  // 10,000.00 cat-units
inline constexpr int64_t kMaxDiscountPercent = 12;
inline constexpr int64_t kWorkerSharePercent = 60;
inline constexpr int64_t kFailurePenaltyMinor = 4'000;  // 40 cat-units
// A client's write-off: the first try at the week's end, then one retry per day, three times.
inline constexpr int64_t kWriteOffRetries = 3;
// A worker's payout: the same rule (decision 030).
inline constexpr int64_t kPayoutRetries = 3;

// The loyalty discount for a lifetime paid total T: T <= 10,000.00 -> 0 %; above it 5 %, above
// 20,000.00 6 %, one more per further 10,000.00, at most 12 %.
constexpr int64_t DiscountPercent(int64_t lifetime_paid_minor) {
  if (lifetime_paid_minor <= kDiscountStepMinor) return 0;
  const int64_t steps = (lifetime_paid_minor - 1) / kDiscountStepMinor;  // 1 for (10k, 20k]
  return std::min<int64_t>(kMaxDiscountPercent, 4 + steps);
}

// A task's charge at `percent` off its price: the discount is rounded down to the minor unit,
// so a client never pays less than the stated percentage takes off (decision 030).
constexpr int64_t ChargeMinor(int64_t price_minor, int64_t percent) {
  return price_minor - price_minor * percent / 100;
}

// A completed task's earning: 60 % of its LIST price (not of the discounted charge: a client's
// loyalty does not cut the worker's pay; decision 030), rounded down.
constexpr int64_t EarningMinor(int64_t price_minor) {
  return price_minor * kWorkerSharePercent / 100;
}

// ---- account names ----
// A client's charges not yet invoiced; the week's invoice moves them to `due`; a write-off
// moves `due` to the payment service's clearing account.
inline std::string ClientUnbilled(std::string_view client) {
  return "client:" + std::string(client) + ":unbilled";
}
inline std::string ClientDue(std::string_view client) {
  return "client:" + std::string(client) + ":due";
}
// A worker's earnings less penalties plus credits (credit-normal; negative = a debt carried);
// the month's invoice moves a positive balance to `due`, a payout moves `due` to Gold Hat.
inline std::string WorkerEarned(std::string_view worker) {
  return "worker:" + std::string(worker) + ":earned";
}
inline std::string WorkerDue(std::string_view worker) {
  return "worker:" + std::string(worker) + ":due";
}
inline constexpr std::string_view kRevenue = "mcf:revenue";        // what clients are charged
inline constexpr std::string_view kWorkerCost = "mcf:worker_cost";  // what workers earn
inline constexpr std::string_view kPenalties = "mcf:penalties";      // failed tasks' penalties
inline constexpr std::string_view kCredits = "mcf:credits";          // managers' credits
inline constexpr std::string_view kPaymentsClearing = "clearing:payments";
inline constexpr std::string_view kGoldhatClearing = "clearing:goldhat";

inline constexpr std::string_view kClientPrefix = "client:";
inline constexpr std::string_view kWorkerPrefix = "worker:";

// The owner in "client:<id>:unbilled" (or "" when `account` is not of that shape).
inline std::string OwnerOf(std::string_view account, std::string_view prefix,
                           std::string_view suffix) {
  if (account.size() < prefix.size() + suffix.size() || account.substr(0, prefix.size()) != prefix ||
      account.substr(account.size() - suffix.size()) != suffix)
    return "";
  return std::string(account.substr(prefix.size(), account.size() - prefix.size() - suffix.size()));
}

// ---- invoice and transfer ids (each derived from its business fact) ----
inline std::string ClientInvoiceId(std::string_view client, std::string_view iso_week) {
  return "inv-c-" + std::string(client) + "-" + std::string(iso_week);
}
inline std::string WorkerInvoiceId(std::string_view worker, std::string_view month) {
  return "inv-w-" + std::string(worker) + "-" + std::string(month);
}
// The pending transfer (and the outside call's idempotency key) of an invoice's n-th try.
inline std::string TryId(std::string_view invoice_id, int64_t attempt) {
  return std::string(invoice_id) + "-try" + std::to_string(attempt);
}

// "2026-W02": the ISO week of the Monday `date` ("2026-01-05"). Week 1 holds the year's first
// Thursday, so the ISO year is the year of this week's Thursday. "" for a malformed date.
std::string IsoWeekOf(std::string_view monday_date);
// Bus ms of the first instant of `month` ("2026-01"); nullopt when malformed.
std::optional<int64_t> MonthStartMs(std::string_view month);

}  // namespace mcf::billing
