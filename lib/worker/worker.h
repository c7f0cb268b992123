// Worker: the shared runtime every context worker runs. A context only registers handlers;
// the Worker does the rest — READY and heartbeats, reconnects, a subscription resuming from the
// stored offsets, batching messages into one LMDB transaction with exactly-once effects
// (lib/worker/dispatcher.h), replies after the commit, and the outbox sender.
//
// Usage (a context's main.cc, usually through RunWorkerMain in worker_main.h):
//   Worker w(options); w.Open(); db = w.OpenDb("counters");
//   w.On<wire::Add>([](HandlerContext& ctx, const wire::Add& r) -> Result<wire::Add::Reply> {...});
//   w.Run();
// Handlers take the declared message (schemas/<family>.h), never a body read by field name.
// Threading: everything but Stop() runs on the thread that calls Run().
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lib/base/clock.h"
#include "lib/base/status.h"
#include "lib/worker/dispatcher.h"
#include "lib/worker/handler_context.h"

namespace mcf::worker {

struct WorkerOptions {
  // The service this worker serves; its commands are "<service>.*". Required.
  std::string service;
  // Broker ROUTER endpoint. Default tcp://127.0.0.1:5555.
  std::string broker_endpoint = "tcp://127.0.0.1:5555";
  // LMDB directory of this worker's store. Required.
  std::string data_dir;
  // Seeds HandlerContext::random() and NewId() (with the message id). Default 1.
  uint64_t seed = 1;
  // Requests the broker may have in flight here (READY capacity). Default 64.
  uint32_t capacity = 64;
  // Most commands, and most events, taken into one transaction. Default 64 each.
  uint32_t max_batch = 64;
  // Heartbeat interval; the broker is considered gone after `liveness` silent intervals.
  Millis heartbeat{1000};
  int liveness = 3;
  // Event credit kept at the broker for our subscription. Default 1024.
  uint32_t event_window = 1024;
  // Outbox events in flight (published, not yet acknowledged). Default 1024.
  uint32_t outbox_window = 1024;
  // LMDB map size to start with (virtual); it doubles as the store fills. Default 64 MiB.
  size_t map_size = size_t{64} << 20;
  // The store's capacity: the map grows up to this, and near it mutating commands get
  // `unavailable` (Dispatcher). Raising it and restarting recovers a full store. Default 4 GiB.
  size_t max_map_size = size_t{4} << 30;
  // How long (bus time) a mutating command's reply is kept for retries. Default 7 days.
  Millis reply_retention{7LL * 24 * 3600 * 1000};
  // Send a batch's replies, and give back the event credit of its events, only once the broker
  // has acknowledged (PUB_ACK: durable in the log) the events the batch published. A reply then
  // means its effects are in the log, so a command the caller sends next sees them (read your
  // writes, docs/protocol.md), and a subscriber's credit being all back at the broker means the
  // same: the quiescence barrier of `mcfctl replay` (docs/capture-format.md, "Replay"). Costs a
  // publishing command one broker commit of latency. On by default (--no-durable-replies).
  bool durable_replies = true;
  // Bench and tests only: run commands without waiting for the events dispatched before them
  // (read your writes off; reads may be stale). What the guarantee costs is measured against it
  // (mcf-bench, "read your writes"). Default on; flag --no-read-your-writes.
  bool read_your_writes = true;
  // Test-only: a pause between a batch's commit and sending its replies, widening the crash
  // window that the inbox must cover (tests/integration/worker_crash_test.cc). Default 0.
  Millis reply_delay{0};
  // Test-only, off by default: the process logs `event=crash_point` and _exit()s (code
  // kCrashExitCode) at a fixed point of its N-th batch (N from 1, counted per process among the
  // batches of that kind), so a crash test hits the window it is named for instead of hoping a
  // kill lands there (tests/integration/worker_crash_test.cc). Flag --crash-point WHERE:N.
  enum class CrashAt {
    kNone,
    kBeforeCommit,      // a batch holding a command, taken off the socket, nothing applied
    kAfterCommit,       // a batch holding a command, committed, no reply sent, outbox not pumped
    kAfterEventCommit,  // a batch holding an event, committed, its credit not given back
  };
  CrashAt crash_at = CrashAt::kNone;
  uint64_t crash_batch = 0;
};

// The exit code of a --crash-point exit (a test tells it from a real failure).
inline constexpr int kCrashExitCode = 42;
// Parses "before-commit:N", "after-commit:N" or "after-event-commit:N" (N >= 1) into `options`;
// false on anything else.
bool ParseCrashPoint(std::string_view spec, WorkerOptions& options);

class Worker {
 public:
  explicit Worker(WorkerOptions options);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Opens the store and the runtime's internal databases; fails with a message naming the
  // directory or LMDB error.
  Status Open();
  // A context database. REQUIRES: Open() succeeded; before Run().
  Result<store::Db> OpenDb(const std::string& name);
  // The store, for a context's one-off set-up transaction (seeding an empty store) before
  // Run(); like Dispatcher::env(). REQUIRES: Open() succeeded; never while Run() runs.
  store::Env& env() { return dispatcher_.env(); }
  // Registers a handler of a declared command or event (lib/worker/typed_handler.h); an event
  // handler subscribes to exactly that event type. invalid when the type is not ours
  // (commands) or already handled; Run() then refuses to start (exit code 2).
  template <class Message, class Handler>
  Status On(Handler handler) {
    return KeepSetupError(dispatcher_.On<Message>(std::move(handler)));
  }

  // Serves until Stop(), SIGTERM or SIGINT: the current batch is finished and DISCONNECT sent.
  // Returns the process exit code: 0 after a stop, 1 on a store failure, 2 on bad set-up, 4 when
  // the broker refused our events as conflicting with another store's (OutboxSender).
  int Run();
  // Async-signal-safe and thread-safe.
  void Stop() { stop_.store(true, std::memory_order_relaxed); }

  const DispatcherStats& stats() const { return dispatcher_.stats(); }
  // The options it runs with (a context's setup reads e.g. `seed` for its own seeded choices).
  const WorkerOptions& options() const { return options_; }

 private:
  struct Loop;
  WorkerOptions options_;
  Dispatcher dispatcher_;
  Status setup_error_;
  // Remembers the first registration error (Run() refuses to start on it); returns `s`.
  Status KeepSetupError(Status s);
  std::atomic<bool> stop_{false};
};

}  // namespace mcf::worker
