// mcf-test-worker: the runtime's test context (service "test"). Counters in one db:
//   test.add {name, amount} -> counter += amount, publishes test.added {name, amount, total},
//                              replies {total}
//   test.get {name}         -> {total} (0 if none)
//   test.fail {status}      -> writes a marker first, then returns that status (proves aborts)
//   on test.fed {name, amount} -> counter "fed:"+name += amount
// --handler-delay-ms N sleeps inside every handler, to widen crash windows in tests.
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

void Delay() {
  if (g_delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(g_delay_ms));
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
        return Status::Ok();
      });
}
