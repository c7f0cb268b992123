// ContextHarness: one context's handlers on a real worker::Dispatcher over an LMDB env in its
// own TempDir, driven one message at a time the way the worker loop would (each Event/Command
// is one Apply batch, committed before it returns). For handler tests of any context:
//   ContextHarness h("portal");
//   ASSERT_TRUE(h.Open([](worker::Dispatcher& d) { return PortalHandlers::Install(d); }).ok());
//   schemas::Reply r = h.Command("portal.sign_in", body, Principal{"system", "gateway"}, now);
// Open() again re-opens the same store (a restart). Not thread-safe; one per test.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/base/status.h"
#include "lib/worker/dispatcher.h"
#include "schemas/envelope.h"
#include "tests/support/temp_dir.h"

namespace mcf::testing {

// An event the context published (read back from its outbox).
struct PublishedEvent {
  std::string topic;
  std::string body;  // encoded map
};

class ContextHarness {
 public:
  explicit ContextHarness(std::string service, uint64_t seed = 7);
  ContextHarness(const ContextHarness&) = delete;
  ContextHarness& operator=(const ContextHarness&) = delete;

  // (Re)opens the dispatcher on this harness's store and runs `install` on it (the context's
  // Install). A non-ok Status says what failed. Events already returned by NewEvents() stay
  // returned.
  Status Open(std::function<Status(worker::Dispatcher&)> install);

  // Applies one event of `type` with `body` at `bus_time_ms` (its global seq counts from 1).
  // Returns the Apply error, if any; a failing handler is not an error here (see stats()).
  Status Event(std::string_view type, std::string body, int64_t bus_time_ms);

  // Applies one command as `who` at `bus_time_ms` and returns its reply (an `internal` reply
  // made here when Apply itself failed). `id` is the command id (idempotency key); "" = a
  // fresh "cmd-<n>".
  schemas::Reply Command(std::string_view type, std::string body,
                         std::optional<schemas::Principal> who, int64_t bus_time_ms,
                         std::string id = "");

  // Events published since the last call, in order.
  std::vector<PublishedEvent> NewEvents();

  // REQUIRES: Open() succeeded.
  worker::Dispatcher& dispatcher() { return *dispatcher_; }
  const worker::DispatcherStats& stats() const { return dispatcher_->stats(); }
  const std::string& dir() const { return dir_.path(); }

 private:
  std::string service_;
  uint64_t seed_;
  TempDir dir_;
  std::unique_ptr<worker::Dispatcher> dispatcher_;
  uint64_t event_seq_ = 0, commands_ = 0, outbox_seen_ = 0;
};

}  // namespace mcf::testing
