// mcf-test-worker: the runtime's test context (service "test"). Counters in one db:
//   test.add {name, amount} -> counter += amount, publishes test.added {name, amount, total},
//                              replies {total}
//   test.get {name}         -> {total} (0 if none)
//   test.fail {status}      -> writes a marker first, then returns that status (proves aborts)
//   on test.fed {name, amount} -> counter "fed:"+name += amount
//   on test.added {amount} (only with --count-added) -> counter "added" += amount: a handler
//                              added to a store that already has offsets (docs: it starts from
//                              the beginning of the log, the other types' events are skipped)
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
#include "schemas/body.h"

namespace {

using mcf::Result;
using mcf::Status;
using mcf::schemas::Body;
using mcf::schemas::BodyWriter;
using mcf::worker::HandlerContext;

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
  auto v = ctx.txn().Get(db, name);
  if (!v.ok()) return v.status();
  if (!*v) return int64_t{0};
  return static_cast<int64_t>(mcf::FromU64Key(**v));
}

Result<int64_t> AddToCounter(HandlerContext& ctx, mcf::store::Db db, const std::string& name,
                             int64_t amount) {
  auto total = ReadCounter(ctx, db, name);
  if (!total.ok()) return total;
  int64_t next = *total + amount;
  if (Status s = ctx.txn().Put(db, name, mcf::U64Key(static_cast<uint64_t>(next))); !s.ok())
    return s;
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
        auto db = w.OpenDb("counters");
        if (!db.ok()) return db.status();
        mcf::store::Db counters = *db;

        w.OnCommand("test.add",
                    [counters](HandlerContext& ctx, const Body& body) -> Result<std::string> {
                      Delay();
                      auto name = body.String("name");
                      if (!name.ok()) return name.status();
                      auto amount = body.Int("amount");
                      if (!amount.ok()) return amount.status();
                      auto total = AddToCounter(ctx, counters, *name, *amount);
                      MaybeCrashInHandler();  // after a write: it must vanish
                      if (!total.ok()) return total.status();
                      Status s = ctx.Publish("test.added", BodyWriter()
                                                               .String("name", *name)
                                                               .Int("amount", *amount)
                                                               .Int("total", *total)
                                                               .Finish());
                      if (!s.ok()) return s;
                      return BodyWriter().Int("total", *total).Finish();
                    });
        w.OnCommand("test.get",
                    [counters](HandlerContext& ctx, const Body& body) -> Result<std::string> {
                      Delay();
                      auto name = body.String("name");
                      if (!name.ok()) return name.status();
                      auto total = ReadCounter(ctx, counters, *name);
                      if (!total.ok()) return total.status();
                      return BodyWriter().Int("total", *total).Finish();
                    });
        w.OnCommand("test.fail",
                    [counters](HandlerContext& ctx, const Body& body) -> Result<std::string> {
                      Delay();
                      auto status = body.String("status");
                      if (!status.ok()) return status.status();
                      auto code = mcf::CodeFromName(*status);
                      if (!code) return Status::Invalid("body.status: unknown status " + *status);
                      // A write that must vanish with the abort.
                      if (auto t = AddToCounter(ctx, counters, "fail:" + *status, 1); !t.ok())
                        return t.status();
                      if (*code == mcf::Code::kOk) return BodyWriter().Finish();
                      return Status(*code, "asked to fail with " + *status);
                    });
        w.OnEvent("test.fed", [counters](HandlerContext& ctx, const Body& body) -> Status {
          Delay();
          auto name = body.String("name");
          if (!name.ok()) return name.status();
          auto amount = body.Int("amount");
          if (!amount.ok()) return amount.status();
          return AddToCounter(ctx, counters, "fed:" + *name, *amount).status();
        });
        if (g_count_added) {
          w.OnEvent("test.added", [counters](HandlerContext& ctx, const Body& body) -> Status {
            auto amount = body.Int("amount");
            if (!amount.ok()) return amount.status();
            return AddToCounter(ctx, counters, "added", *amount).status();
          });
        }
        return Status::Ok();
      });
}
