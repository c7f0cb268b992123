// ContractorAdapter: the fortune-cookie contractor's adapter, a bus peer of role `outside`
// (docs/outside-systems.md). It consumes what supplies publishes for the contractor — never a
// call from inside supplies' handlers — calls the contractor, and publishes what came back:
//   supplies.cookie_requested        -> call Order(idempotency key) -> contractor.cookie_accepted
//                                       or contractor.cookie_failed
//   supplies.cookie_request_canceled -> call Cancel(key)
//   clock.tick (and after each order) -> the cookies ready by now, in the contractor's order
//                                       -> contractor.cookie_delivered, once each
// The contractor here is SimulatedContractor (its own store, committed when a call returns); the
// adapter's own state — which ready cookies it has announced — is in the runtime's store and
// commits with the events it publishes, so a crash between the call and the commit repeats the
// call under the same key and the contractor answers as before: one cookie per key.
// Registered on a worker::Worker (or Dispatcher in tests); runs on the runtime's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "adapters/contractor/simulated_contractor.h"
#include "lib/base/status.h"
#include "lib/worker/handler_context.h"
#include "lib/worker/typed_handler.h"
#include "schemas/clock.h"
#include "schemas/contractor.h"
#include "schemas/supplies.h"

namespace mcf::contractor {

struct AdapterOptions {
  // Test only: after this many order calls in this process, _exit(worker::kCrashExitCode)
  // between the contractor's answer and the commit of its event. 0 = never.
  int64_t crash_after_calls = 0;
};

class ContractorAdapter {
 public:
  ContractorAdapter(std::unique_ptr<SimulatedContractor> contractor, store::Db state,
                    AdapterOptions options)
      : contractor_(std::move(contractor)), state_(state), options_(options) {}

  template <typename Runtime>
  static Status Install(Runtime& runtime, std::unique_ptr<SimulatedContractor> contractor,
                        AdapterOptions options = {}) {
    ASSIGN_OR_RETURN(store::Db state, runtime.OpenDb("adapter"));
    auto self = std::make_shared<ContractorAdapter>(std::move(contractor), state, options);
    for (Status s : {worker::Bind(runtime, self, &ContractorAdapter::OnCookieRequested),
                     worker::Bind(runtime, self, &ContractorAdapter::OnCookieRequestCanceled),
                     worker::Bind(runtime, self, &ContractorAdapter::OnClockTick),
                     worker::Bind(runtime, self, &ContractorAdapter::Stats)})
      RETURN_IF_ERROR(s);
    return Status::Ok();
  }

  Status OnCookieRequested(worker::HandlerContext& ctx,
                           const schemas::supplies::CookieRequested& request);
  Status OnCookieRequestCanceled(worker::HandlerContext& ctx,
                                 const schemas::supplies::CookieRequestCanceled& canceled);
  Status OnClockTick(worker::HandlerContext& ctx, const schemas::clock::Tick& tick);
  // contractor.stats: the contractor's counters and the deliveries announced; any caller.
  Result<schemas::contractor::SimStats> Stats(worker::HandlerContext& ctx,
                                              const schemas::contractor::Stats& request);

 private:
  // Publishes contractor.cookie_delivered for every cookie ready by `now_ms` not yet announced.
  Status AnnounceReady(worker::HandlerContext& ctx, int64_t now_ms);

  std::unique_ptr<SimulatedContractor> contractor_;
  store::Db state_;  // "cursor" -> where the announcements stand; "deliveries" -> how many
  AdapterOptions options_;
  int64_t calls_in_process_ = 0;
};

}  // namespace mcf::contractor
