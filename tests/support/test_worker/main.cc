// mcf-test-worker: the runtime's test context (service "test"). Counters in one db; the
// bodies are declared in schemas/test_family.h and the handlers are typed:
//   test.add {name, amount} -> counter += amount, publishes test.added {name, amount, total},
//                              replies {total}
//   test.get {name}         -> {total} (0 if none)
//   test.fail {status}      -> writes a marker first, then returns that status (proves aborts)
//   on test.fed {name, amount} -> counter "fed:"+name += amount
//   on test.added {name, amount, total} (only with --count-added) -> counter "added" += amount:
//                              a handler added to a store that already has offsets (docs: it
//                              starts from the beginning of the log, the other types' events
//                              are skipped)
// --handler-delay-ms N sleeps inside every handler, to widen crash windows in tests.
// --crash-in-handler N: _exit(42) inside the N-th test.add handler call of this process, with
// that batch's transaction open (nothing of it may survive; worker_crash_test.cc).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "lib/base/bytes.h"
#include "lib/worker/worker_main.h"
#include "schemas/test_family.h"

namespace {

using mcf::Result;
using mcf::Status;
using mcf::worker::HandlerContext;
namespace wire = mcf::schemas::test_family;

int64_t g_delay_ms = 0;
int64_t g_crash_in_handler = 0;
bool g_count_added = false;

void Delay() {
  if (g_delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(g_delay_ms));
}

void MaybeCrashInHandler() {
  static int64_t calls = 0;
  if (g_crash_in_handler <= 0 || ++calls != g_crash_in_handler) return;
  spdlog::warn("event=crash_point point=in-handler call={} service=test", calls);
  spdlog::default_logger()->flush();
  _exit(mcf::worker::kCrashExitCode);
}

Result<int64_t> ReadCounter(HandlerContext& ctx, mcf::store::Db db, const std::string& name) {
  ASSIGN_OR_RETURN(const auto v, ctx.txn().Get(db, name));
  if (!v) return int64_t{0};
  return static_cast<int64_t>(mcf::FromU64Key(*v));
}

Result<int64_t> AddToCounter(HandlerContext& ctx, mcf::store::Db db, const std::string& name,
                             int64_t amount) {
  ASSIGN_OR_RETURN(const int64_t total, ReadCounter(ctx, db, name));
  const int64_t next = total + amount;
  RETURN_IF_ERROR(ctx.txn().Put(db, name, mcf::U64Key(static_cast<uint64_t>(next))));
  return next;
}

}  // namespace

int main(int argc, char** argv) {
  return mcf::worker::RunWorkerMain(
      argc, argv, "test",
      [](CLI::App& app) {
        app.add_option("--handler-delay-ms", g_delay_ms, "sleep inside every handler");
        app.add_option("--crash-in-handler", g_crash_in_handler,
                       "_exit inside the N-th test.add handler call (transaction open)");
        app.add_flag("--count-added", g_count_added, "also handle test.added (counter added)");
      },
      [](mcf::worker::Worker& w) -> Status {
        ASSIGN_OR_RETURN(const mcf::store::Db counters, w.OpenDb("counters"));
        RETURN_IF_ERROR(w.On<wire::Add>(
            [counters](HandlerContext& ctx, const wire::Add& r) -> Result<wire::Total> {
              Delay();
              auto total = AddToCounter(ctx, counters, r.name, r.amount);
              MaybeCrashInHandler();  // after a write: it must vanish
              if (!total.ok()) return total.status();
              RETURN_IF_ERROR(
                  ctx.Publish(wire::Added{.name = r.name, .amount = r.amount, .total = *total}));
              return wire::Total{.total = *total};
            }));
        RETURN_IF_ERROR(w.On<wire::Get>(
            [counters](HandlerContext& ctx, const wire::Get& r) -> Result<wire::Total> {
              Delay();
              ASSIGN_OR_RETURN(const int64_t total, ReadCounter(ctx, counters, r.name));
              return wire::Total{.total = total};
            }));
        RETURN_IF_ERROR(w.On<wire::Fail>(
            [counters](HandlerContext& ctx, const wire::Fail& r) -> Result<wire::NoReply> {
              Delay();
              auto code = mcf::CodeFromName(r.status);
              if (!code) return Status::Invalid("body.status: unknown status " + r.status);
              // A write that must vanish with the abort.
              RETURN_IF_ERROR(AddToCounter(ctx, counters, "fail:" + r.status, 1).status());
              if (*code == mcf::Code::kOk) return wire::NoReply{};
              return Status(*code, "asked to fail with " + r.status);
            }));
        RETURN_IF_ERROR(
            w.On<wire::Fed>([counters](HandlerContext& ctx, const wire::Fed& e) -> Status {
              Delay();
              return AddToCounter(ctx, counters, "fed:" + e.name, e.amount).status();
            }));
        if (g_count_added) {
          RETURN_IF_ERROR(
              w.On<wire::Added>([counters](HandlerContext& ctx, const wire::Added& e) -> Status {
                return AddToCounter(ctx, counters, "added", e.amount).status();
              }));
        }
        return Status::Ok();
      });
}
