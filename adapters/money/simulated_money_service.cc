#include "adapters/money/simulated_money_service.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "lib/base/stable_hash.h"
#include "lib/store/ordered_key.h"
#include "schemas/codec.h"

namespace mcf::money {
namespace {

using store::Be64;
using store::FromBe64;

// What the service says when it refuses a transfer (one per key, seeded).
constexpr std::array<std::string_view, 3> kErrors = {
    "insufficient funds", "account frozen", "the bank declined the transfer"};

}  // namespace

Result<std::unique_ptr<SimulatedMoneyService>> SimulatedMoneyService::Open(const std::string& dir,
                                                                           SimOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Unavailable(options.name + " sim: cannot create " + dir + ": " + ec.message());
  store::EnvOptions env_options;
  env_options.map_size = size_t{64} << 20;
  ASSIGN_OR_RETURN(store::Env env, store::Env::Open(dir, env_options));
  std::unique_ptr<SimulatedMoneyService> sim(
      new SimulatedMoneyService(std::move(env), std::move(options)));
  ASSIGN_OR_RETURN(sim->transfers_, sim->env_.OpenDb("transfers"));
  ASSIGN_OR_RETURN(sim->invoices_, sim->env_.OpenDb("invoices"));
  ASSIGN_OR_RETURN(sim->counters_, sim->env_.OpenDb("counters"));
  return sim;
}

Result<int64_t> SimulatedMoneyService::Counter(const store::Txn& txn,
                                               std::string_view counter) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(counters_, counter));
  return v ? FromBe64(*v) : 0;
}

Status SimulatedMoneyService::Bump(store::Txn& txn, std::string_view counter, int64_t by) {
  ASSIGN_OR_RETURN(const int64_t n, Counter(txn, counter));
  return txn.Put(counters_, counter, Be64(n + by));
}

double SimulatedMoneyService::Draw(std::string_view text) const {
  const uint64_t h = StableHash(options_.seed, text);
  return static_cast<double>(h >> 11) / static_cast<double>(uint64_t{1} << 53);
}

Status SimulatedMoneyService::Decide(store::Txn& txn, Transfer& transfer, int64_t now_ms) {
  // The scripted outage counts the keys each invoice has been tried under (billing's attempts).
  ASSIGN_OR_RETURN(const std::optional<std::string_view> seen,
                   txn.Get(invoices_, transfer.invoice_id));
  const int64_t invoice_tries = (seen ? FromBe64(*seen) : 0) + 1;
  RETURN_IF_ERROR(txn.Put(invoices_, transfer.invoice_id, Be64(invoice_tries)));
  const uint64_t h = StableHash(options_.seed, transfer.key);
  transfer.answer_at_ms = now_ms + options_.delay_ms;
  if (invoice_tries <= options_.fail_first || Draw(transfer.key) < options_.failure_rate) {
    transfer.state = Transfer::State::kRefused;
    transfer.error = std::string(kErrors[(h >> 3) % kErrors.size()]);
    return Bump(txn, "failures");
  }
  transfer.state = Transfer::State::kMoved;
  char reference[17];
  std::snprintf(reference, sizeof reference, "%016llx", static_cast<unsigned long long>(h));
  transfer.reference = options_.name + "-" + reference;
  RETURN_IF_ERROR(Bump(txn, "moved"));
  return Bump(txn, "amount_moved_minor", transfer.amount_minor);
}

Result<CallResult> SimulatedMoneyService::Call(const std::string& key,
                                               const std::string& invoice_id,
                                               const std::string& party_id, int64_t amount_minor,
                                               int64_t now_ms) {
  if (key.empty() || key.size() > 500) return Status::Invalid("transfer_id: 1..500 bytes");
  ASSIGN_OR_RETURN(store::Txn txn, env_.BeginWrite());
  RETURN_IF_ERROR(Bump(txn, "calls"));
  ASSIGN_OR_RETURN(const std::optional<std::string_view> known, txn.Get(transfers_, key));
  CallResult result;
  Transfer& transfer = result.transfer;
  if (known) {
    ASSIGN_OR_RETURN(transfer, schemas::Decode<Transfer>(*known));
    RETURN_IF_ERROR(Bump(txn, "repeated_calls"));
  } else {
    transfer.key = key;
    transfer.invoice_id = invoice_id;
    transfer.party_id = party_id;
    transfer.amount_minor = amount_minor;
  }
  ++transfer.calls;
  const std::string call = key + "#" + std::to_string(transfer.calls);
  const bool timed_out =
      options_.timeout_rate > 0 && Draw(call) < options_.timeout_rate;
  // A timed-out call may have been done before the line went quiet: half of them were.
  const bool acts = !timed_out || Draw(call + "#done") < 0.5;
  if (transfer.state == Transfer::State::kNotDone && acts) RETURN_IF_ERROR(Decide(txn, transfer, now_ms));
  if (timed_out) {
    result.kind = CallResult::Kind::kTimedOut;
    RETURN_IF_ERROR(Bump(txn, "timeouts"));
  } else if (now_ms < transfer.answer_at_ms) {
    result.kind = CallResult::Kind::kProcessing;
  } else {
    result.kind = CallResult::Kind::kAnswered;
    result.answers = options_.answer_twice ? 2 : 1;
  }
  RETURN_IF_ERROR(txn.Put(transfers_, key, schemas::Encode(transfer)));
  RETURN_IF_ERROR(txn.Commit());
  return result;
}

Result<Counters> SimulatedMoneyService::Stats() {
  ASSIGN_OR_RETURN(store::Txn txn, env_.BeginRead());
  Counters c;
  ASSIGN_OR_RETURN(c.calls, Counter(txn, "calls"));
  ASSIGN_OR_RETURN(c.moved, Counter(txn, "moved"));
  ASSIGN_OR_RETURN(c.amount_moved_minor, Counter(txn, "amount_moved_minor"));
  ASSIGN_OR_RETURN(c.repeated_calls, Counter(txn, "repeated_calls"));
  ASSIGN_OR_RETURN(c.failures, Counter(txn, "failures"));
  ASSIGN_OR_RETURN(c.timeouts, Counter(txn, "timeouts"));
  return c;
}

}  // namespace mcf::money
