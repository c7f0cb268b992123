#include "adapters/money/adapter.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "lib/base/log.h"
#include "lib/store/ordered_key.h"
#include "lib/worker/worker.h"
#include "schemas/codec.h"

namespace mcf::money {
namespace {

using store::Be64;
using store::FromBe64;
using worker::HandlerContext;

// Pending transfers asked again per tick: bounded work per message; the rest (oldest first)
// wait for the next tick.
constexpr size_t kAskPage = 256;

std::string DueKey(const TransferRequest& r) { return Be64(r.asked_at_ms) + r.transfer_id; }

}  // namespace

Status MoneyAdapter::Ask(HandlerContext& ctx, TransferRequest request, int64_t now_ms,
                         std::vector<Answer>& answers) {
  const std::string& name = service_->options().name;
  ASSIGN_OR_RETURN(const CallResult result,
                   service_->Call(request.transfer_id, request.invoice_id, request.party_id,
                                  request.amount_minor, now_ms));
  if (options_.crash_after_calls > 0 && ++calls_in_process_ >= options_.crash_after_calls) {
    // The window this adapter must survive: the service has the transfer, the bus does not.
    spdlog::warn("event=crash_point where=after_{}_call key={}", name, Quoted(request.transfer_id));
    spdlog::shutdown();
    _exit(worker::kCrashExitCode);
  }
  ASSIGN_OR_RETURN(const std::optional<std::string_view> stored,
                   ctx.txn().Get(pending_, request.transfer_id));
  if (stored) {
    ASSIGN_OR_RETURN(const TransferRequest before, schemas::Decode<TransferRequest>(*stored));
    RETURN_IF_ERROR(ctx.txn().Del(due_, DueKey(before)));
  }
  if (result.kind != CallResult::Kind::kAnswered) {
    request.asked_at_ms = now_ms;
    RETURN_IF_ERROR(ctx.txn().Put(pending_, request.transfer_id, schemas::Encode(request)));
    RETURN_IF_ERROR(ctx.txn().Put(due_, DueKey(request), ""));
    spdlog::info("event={}_pending key={} why={} calls={}", name, Quoted(request.transfer_id),
                 result.kind == CallResult::Kind::kTimedOut ? "timeout" : "processing",
                 result.transfer.calls);
    return Status::Ok();
  }
  if (stored) RETURN_IF_ERROR(ctx.txn().Del(pending_, request.transfer_id));
  const Transfer& t = result.transfer;
  const Answer answer{.moved = t.state == Transfer::State::kMoved,
                      .transfer_id = t.key,
                      .invoice_id = t.invoice_id,
                      .amount_minor = t.amount_minor,
                      .reference = t.reference,
                      .error = t.error};
  for (int i = 0; i < result.answers; ++i) answers.push_back(answer);
  spdlog::info("event={}_answered key={} moved={} amount_minor={} answers={} detail={}", name,
               Quoted(t.key), answer.moved, t.amount_minor, result.answers,
               Quoted(answer.moved ? t.reference : t.error));
  return Status::Ok();
}

Result<std::vector<Answer>> MoneyAdapter::OnRequest(HandlerContext& ctx,
                                                    const TransferRequest& request) {
  std::vector<Answer> answers;
  RETURN_IF_ERROR(Ask(ctx, request, ctx.now_ms(), answers));
  return answers;
}

Result<std::vector<Answer>> MoneyAdapter::OnTick(HandlerContext& ctx, int64_t at_ms) {
  // Collected first: Ask rewrites both databases.
  std::vector<TransferRequest> due;
  {
    ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(ctx.txn(), due_));
    for (bool ok = cursor.First(); ok && due.size() < kAskPage; ok = cursor.Next()) {
      if (cursor.key().size() < 8 || FromBe64(cursor.key().substr(0, 8)) >= at_ms) break;
      const std::string id(cursor.key().substr(8));
      ASSIGN_OR_RETURN(const std::optional<std::string_view> v, ctx.txn().Get(pending_, id));
      if (!v) return Status::Internal("money adapter: due names a missing pending transfer");
      ASSIGN_OR_RETURN(TransferRequest request, schemas::Decode<TransferRequest>(*v));
      due.push_back(std::move(request));
    }
  }
  std::vector<Answer> answers;
  for (TransferRequest& request : due) RETURN_IF_ERROR(Ask(ctx, std::move(request), at_ms, answers));
  return answers;
}

Result<int64_t> MoneyAdapter::Pending(HandlerContext& ctx) {
  ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(ctx.txn(), pending_));
  int64_t n = 0;
  for (bool ok = cursor.First(); ok; ok = cursor.Next()) ++n;
  return n;
}

}  // namespace mcf::money
