// mcf-supplies: the supplies context worker (service "supplies"). Wiring only: the runtime's
// flags plus how the fortune cookie is chased (workers/supplies/supply_order.h, CookiePolicy):
// --cookie-retry-base (1m) and --cookie-retry-cap (30m), the back-off between failed tries;
// --cookie-late-after (20m), how long past its expected time a cookie is late (a failed try);
// --cookie-attention-after (5), the tries after which the order is flagged for staff.
#include <CLI/CLI.hpp>

#include <string>

#include "lib/worker/worker_main.h"
#include "schemas/clock.h"
#include "workers/supplies/handlers.h"

namespace {

// A positive duration flag ("90s", "2m") into ms.
mcf::Status ParsePositiveDuration(const std::string& flag, const std::string& text, int64_t* ms) {
  const auto parsed = mcf::schemas::clock::ParseDuration(text);
  if (!parsed || *parsed <= 0)
    return mcf::Status::Invalid(flag + ": expected a positive duration like 90s or 2m, got \"" +
                                text + "\"");
  *ms = *parsed;
  return mcf::Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  mcf::supplies::CookiePolicy policy;
  std::string retry_base = "1m", retry_cap = "30m", late_after = "20m";
  return mcf::worker::RunWorkerMain(
      argc, argv, "supplies",
      [&](CLI::App& app) {
        app.add_option("--cookie-retry-base", retry_base,
                       "wait after the first failed cookie try, doubled after each (default 1m)");
        app.add_option("--cookie-retry-cap", retry_cap, "longest wait between tries (default 30m)");
        app.add_option("--cookie-late-after", late_after,
                       "a cookie this long past its expected time is late: tried again (20m)");
        app.add_option("--cookie-attention-after", policy.attention_after,
                       "flag the order for staff after this many tries (default 5)")
            ->check(CLI::Range(int64_t{1}, int64_t{1000}));
      },
      [&](mcf::worker::Worker& w) -> mcf::Status {
        RETURN_IF_ERROR(ParsePositiveDuration("--cookie-retry-base", retry_base, &policy.retry_base_ms));
        RETURN_IF_ERROR(ParsePositiveDuration("--cookie-retry-cap", retry_cap, &policy.retry_cap_ms));
        RETURN_IF_ERROR(ParsePositiveDuration("--cookie-late-after", late_after, &policy.late_after_ms));
        return mcf::supplies::SuppliesHandlers::Install(w, policy);
      });
}
