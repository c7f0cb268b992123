// MoneyAdapter: the bus side of an outside service that moves money, shared by the payment
// service's adapter (adapters/payments) and Gold Hat's (adapters/goldhat): a bus peer of role
// `outside` (docs/outside-systems.md) that consumes what billing publishes for the service —
// never a call from inside billing's handlers — calls the service with billing's transfer id as
// the idempotency key, and publishes only definite answers:
//   <request event>  -> Call(transfer_id) -> answered: the family's moved / refused event
//                                          -> timed out or still processing: kept as pending
//   clock.tick       -> every pending transfer asked before this tick is asked again (same key)
// The service here is SimulatedMoneyService (its own store, committed when a call returns); the
// adapter's pending list is in the runtime's store and commits with the events it publishes, so
// a crash between a call and the commit repeats the call under the same key and the service
// answers as before: money moves once per key. An answer the party sends twice is published
// twice (billing resolves a transfer once).
// A family (MoneyFamily below) says which events and stats command; Install registers it all on
// a worker::Worker (or Dispatcher in tests). Runs on the runtime's thread.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "adapters/money/simulated_money_service.h"
#include "lib/base/status.h"
#include "lib/store/lmdb.h"
#include "lib/worker/handler_context.h"
#include "schemas/clock.h"
#include "schemas/declare.h"

namespace mcf::money {

// One transfer as billing asked for it (and as the adapter keeps it while pending).
struct TransferRequest {
  std::string transfer_id;
  std::string invoice_id;
  std::string party_id;
  int64_t amount_minor = 0;
  int64_t asked_at_ms = 0;  // pending: the bus time of the last call
  static constexpr auto Fields() {
    using T = TransferRequest;
    using schemas::Field;
    return std::tuple{Field("transfer_id", &T::transfer_id), Field("invoice_id", &T::invoice_id),
                      Field("party_id", &T::party_id), Field("amount_minor", &T::amount_minor),
                      Field("asked_at", &T::asked_at_ms)};
  }
};

// A definite answer to publish.
struct Answer {
  bool moved = false;
  std::string transfer_id;
  std::string invoice_id;
  int64_t amount_minor = 0;
  std::string reference;  // moved
  std::string error;      // refused
};

struct AdapterOptions {
  // Test only: after this many service calls in this process, _exit(worker::kCrashExitCode)
  // between the service's answer and the commit of its event. 0 = never.
  int64_t crash_after_calls = 0;
};

// What a family gives the shared adapter: billing's request event, the two answers, the stats
// command (reply: the family's SimStats with the Counters' fields plus `pending`).
template <typename F>
concept MoneyFamily = requires(const typename F::Request& r, const Answer& a) {
  { F::ToTransfer(r) } -> std::same_as<TransferRequest>;
  { F::Moved(a) } -> std::same_as<typename F::MovedEvent>;
  { F::Refused(a) } -> std::same_as<typename F::RefusedEvent>;
  typename F::Stats;
};

class MoneyAdapter {
 public:
  MoneyAdapter(std::unique_ptr<SimulatedMoneyService> service, store::Db pending, store::Db due,
               AdapterOptions options)
      : service_(std::move(service)), pending_(pending), due_(due), options_(options) {}

  // The answers to publish, in order, after asking the service for `request` (none while it
  // is pending).
  Result<std::vector<Answer>> OnRequest(worker::HandlerContext& ctx,
                                        const TransferRequest& request);
  // Asks again every transfer pending since before `at_ms` (a page per tick, oldest first).
  Result<std::vector<Answer>> OnTick(worker::HandlerContext& ctx, int64_t at_ms);
  // The service's counters and the adapter's pending count.
  Result<Counters> ServiceStats() { return service_->Stats(); }
  Result<int64_t> Pending(worker::HandlerContext& ctx);

  template <MoneyFamily Family, typename Runtime>
  static Status Install(Runtime& runtime, std::unique_ptr<SimulatedMoneyService> service,
                        AdapterOptions options = {}) {
    ASSIGN_OR_RETURN(store::Db pending, runtime.OpenDb("pending"));
    ASSIGN_OR_RETURN(store::Db due, runtime.OpenDb("due"));
    auto self = std::make_shared<MoneyAdapter>(std::move(service), pending, due, options);
    auto publish = [](worker::HandlerContext& ctx, const std::vector<Answer>& answers) -> Status {
      for (const Answer& a : answers)
        RETURN_IF_ERROR(a.moved ? ctx.Publish(Family::Moved(a)) : ctx.Publish(Family::Refused(a)));
      return Status::Ok();
    };
    RETURN_IF_ERROR(runtime.template On<typename Family::Request>(
        [self, publish](worker::HandlerContext& ctx, const typename Family::Request& r) -> Status {
          ASSIGN_OR_RETURN(const std::vector<Answer> answers,
                           self->OnRequest(ctx, Family::ToTransfer(r)));
          return publish(ctx, answers);
        }));
    RETURN_IF_ERROR(runtime.template On<schemas::clock::Tick>(
        [self, publish](worker::HandlerContext& ctx, const schemas::clock::Tick& tick) -> Status {
          ASSIGN_OR_RETURN(const std::vector<Answer> answers, self->OnTick(ctx, tick.at_ms));
          return publish(ctx, answers);
        }));
    return runtime.template On<typename Family::Stats>(
        [self](worker::HandlerContext& ctx,
               const typename Family::Stats&) -> Result<typename Family::Stats::Reply> {
          ASSIGN_OR_RETURN(const Counters c, self->ServiceStats());
          ASSIGN_OR_RETURN(const int64_t pending, self->Pending(ctx));
          return typename Family::Stats::Reply{c.calls,    c.moved,    c.amount_moved_minor,
                                               c.repeated_calls, c.failures, c.timeouts,
                                               pending};
        });
  }

 private:
  // Calls the service for `request` and settles the pending list: an answer removes it (and
  // is appended to `answers`, twice when the party sent it twice), anything else keeps it with
  // asked_at = now.
  Status Ask(worker::HandlerContext& ctx, TransferRequest request, int64_t now_ms,
             std::vector<Answer>& answers);

  std::unique_ptr<SimulatedMoneyService> service_;
  store::Db pending_;  // transfer_id -> TransferRequest
  store::Db due_;      // Be64(asked_at) transfer_id -> "" (the tick's order: oldest first)
  AdapterOptions options_;
  int64_t calls_in_process_ = 0;
};

}  // namespace mcf::money
