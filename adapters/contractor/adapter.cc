#include "adapters/contractor/adapter.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "lib/base/log.h"
#include "lib/store/ordered_key.h"
#include "lib/worker/worker.h"

namespace mcf::contractor {
namespace {

namespace wire = schemas::contractor;
using store::Be64;
using store::FromBe64;
using worker::HandlerContext;

constexpr std::string_view kCursor = "cursor";
constexpr std::string_view kDeliveries = "deliveries";
constexpr size_t kAnnouncePage = 256;

// How many cookies the adapter has announced delivered (its own store).
Result<int64_t> Deliveries(const store::Txn& txn, store::Db state) {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> count, txn.Get(state, kDeliveries));
  return count ? FromBe64(*count) : 0;
}

}  // namespace

Status ContractorAdapter::OnCookieRequested(HandlerContext& ctx,
                                            const schemas::supplies::CookieRequested& request) {
  ASSIGN_OR_RETURN(const ContractorOrder order,
                   contractor_->Order(request.idempotency_key, request.supply_order_id,
                                      request.attempt, request.client_id, ctx.now_ms()));
  if (options_.crash_after_calls > 0 && ++calls_in_process_ >= options_.crash_after_calls) {
    // The window this adapter must survive: the contractor has the order, the bus does not.
    spdlog::warn("event=crash_point where=after_contractor_call key={}",
                 Quoted(request.idempotency_key));
    spdlog::shutdown();
    _exit(worker::kCrashExitCode);
  }
  if (order.failed) {
    RETURN_IF_ERROR(ctx.Publish(wire::CookieFailed{order.key, order.supply_order_id, order.attempt,
                                                   order.error}));
    spdlog::info("event=contractor_failed key={} error={}", Quoted(order.key), Quoted(order.error));
  } else {
    RETURN_IF_ERROR(ctx.Publish(
        wire::CookieAccepted{order.key, order.supply_order_id, order.attempt, order.ready_at_ms}));
    spdlog::info("event=contractor_accepted key={} ready_at={}", Quoted(order.key),
                 schemas::clock::Iso8601(order.ready_at_ms));
  }
  // With no delay the cookie is ready at once; announce it without waiting for a tick.
  return AnnounceReady(ctx, ctx.now_ms());
}

Status ContractorAdapter::OnCookieRequestCanceled(
    HandlerContext&, const schemas::supplies::CookieRequestCanceled& canceled) {
  RETURN_IF_ERROR(contractor_->Cancel(canceled.idempotency_key));
  spdlog::info("event=contractor_canceled key={}", Quoted(canceled.idempotency_key));
  return Status::Ok();
}

Status ContractorAdapter::OnClockTick(HandlerContext& ctx, const schemas::clock::Tick& tick) {
  return AnnounceReady(ctx, tick.at_ms);
}

Status ContractorAdapter::AnnounceReady(HandlerContext& ctx, int64_t now_ms) {
  ReadyCursor cursor;
  ASSIGN_OR_RETURN(const std::optional<std::string_view> stored, ctx.txn().Get(state_, kCursor));
  if (stored && stored->size() == 16) {
    cursor.ready_at_ms = FromBe64(stored->substr(0, 8));
    cursor.seq = static_cast<uint64_t>(FromBe64(stored->substr(8)));
  }
  ASSIGN_OR_RETURN(int64_t deliveries, Deliveries(ctx.txn(), state_));
  bool moved = false;
  for (;;) {
    ASSIGN_OR_RETURN(const std::vector<ContractorOrder> ready,
                     contractor_->ReadyAfter(cursor, now_ms, kAnnouncePage));
    for (const ContractorOrder& order : ready) {
      cursor = {order.ready_at_ms, order.seq};
      moved = true;
      if (order.canceled) continue;
      RETURN_IF_ERROR(ctx.Publish(wire::CookieDelivered{order.key, order.supply_order_id,
                                                        order.attempt, order.ready_at_ms}));
      spdlog::info("event=contractor_delivered key={} at={}", Quoted(order.key),
                   schemas::clock::Iso8601(order.ready_at_ms));
      ++deliveries;
    }
    if (ready.size() < kAnnouncePage) break;
  }
  if (!moved) return Status::Ok();
  RETURN_IF_ERROR(ctx.txn().Put(state_, kCursor,
                                Be64(cursor.ready_at_ms) + Be64(static_cast<int64_t>(cursor.seq))));
  return ctx.txn().Put(state_, kDeliveries, Be64(deliveries));
}

Result<wire::SimStats> ContractorAdapter::Stats(HandlerContext& ctx, const wire::Stats&) {
  ASSIGN_OR_RETURN(wire::SimStats stats, contractor_->Stats());
  ASSIGN_OR_RETURN(stats.deliveries, Deliveries(ctx.txn(), state_));
  return stats;
}

}  // namespace mcf::contractor
