// Soak: mixed reads and writes at full speed through the gateway of a real system (lib/process
// LocalSystem, real clock), every context's store sampled on the bus (`<context>.store_status`)
// while it runs, and the verdict over those samples: no HTTP error, no store full, nothing about
// a full map in any log, and a plateau — each store's size flat over the last third of the run
// while that third served many requests (docs/soak.md). Shared by tests/integration/soak_test.cc
// and `mcfctl soak` (RunSoak).
//
// RunTraffic starts and joins its own threads (one keep-alive HTTP connection each) and samples
// from the calling thread; the rest are pure functions. Nothing here is thread-safe across calls
// on the same objects. Everything speaks to 127.0.0.1 only; every wait is bounded.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "lib/base/clock.h"
#include "lib/base/status.h"
#include "lib/process/local_system.h"

namespace mcf::soak {

inline constexpr int64_t kMiB = int64_t{1} << 20;

// The contexts a soak starts and samples: the ones the gateway's routes reach.
const std::vector<std::string>& SoakContexts();

struct SystemSpec {
  std::string bin_dir;                  // mcf-broker, mcf-<context>, mcf-gateway
  std::string data_dir;                 // the system's stores and logs (LocalSystem)
  int store_max_mb = 64;                // every context's --store-max-mb (its ceiling)
  std::string reply_retention = "10s";  // every context's --reply-retention
};

// Broker on the real clock, SoakContexts() with the spec's store flags, and a gateway whose bus
// waits are generous (30 s per command, 10 s for /healthz), so a loaded machine is slow, not
// wrong.
process::SystemOptions SoakSystem(const SystemSpec& spec);

// One context's `<context>.store_status` reply (lib/worker/dispatcher.h StoreStatus + counters).
struct StoreSample {
  bool answered = false;  // false: no ok reply in time (the fields below are 0)
  int64_t used_bytes = 0;
  int64_t map_bytes = 0;
  int64_t ceiling_bytes = 0;
  bool full = false;
  int64_t replies_pruned = 0;  // recorded replies dropped after the retention, since start
  int64_t refused_full = 0;    // mutating commands refused because the store was full
  // Not the store's answer but the soak's own count: the mutating commands its writes had sent
  // to this context by then (set-up included). Only these record a reply.
  uint64_t recorded_commands = 0;
};

struct Sample {
  double elapsed_s = 0;   // since the traffic started (0: after set-up, before traffic)
  uint64_t requests = 0;  // HTTP requests answered as expected so far (set-up excluded)
  uint64_t errors = 0;    // anything else: no response, another status, a wrong body
  std::map<std::string, StoreSample> stores;  // by context
  int64_t log_used_bytes = -1;  // the broker's event log (the audit trail; informational)
};

struct TrafficOptions {
  std::chrono::seconds duration{60};
  int clients = 4;            // closed-loop client threads, one keep-alive connection each
  Millis sample_every{2000};  // store_status of every context, broker.stats
  // One POST /v1/session for one of kEmployees in turn: below the gateway's per-address limit
  // (5/s). Each one stores a new token at the portal, so this rate is known data growth.
  Millis sign_in_every{500};
  Millis order_every{5000};  // one real order (matched, assigned, a supply order); 0 = none
  int max_orders = 120;      // orders the traffic places at most (set-up's one per client apart)
  // Called with every sample, from the sampling (calling) thread.
  std::function<void(const Sample&)> on_sample;
};

struct TrafficReport {
  std::vector<Sample> samples;  // the first at 0 s, the last after every client stopped
  double seconds = 0;           // traffic time, measured
  uint64_t requests = 0;        // answered as expected
  uint64_t errors = 0;
  std::vector<std::string> error_examples;   // the first few, "METHOD /path: what came back"
  std::map<std::string, uint64_t> by_route;  // "GET /v1/orders" -> requests answered as expected
  uint64_t writes = 0;  // HTTP writes, set-up included (per context: StoreSample)
  uint64_t sign_ins = 0;
  uint64_t orders = 0;
  uint64_t patches = 0;
};

// Sets up (a manager, kWorkers imported workers, kEmployees signed-in clients with one order each,
// a service type to edit) and then runs the traffic for options.duration: each client thread
// loops over GET /v1/orders, GET /v1/orders/{id}, GET /v1/service-types, GET /v1/me,
// GET /healthz and PATCH /v1/service-types/{id} (a new description each time); one pacing thread
// signs in and orders at the options' rates. A failed set-up is the error; what happened during
// the traffic is in the report. REQUIRES: `system` has a gateway and SoakContexts().
Result<TrafficReport> RunTraffic(process::LocalSystem& system, const TrafficOptions& options);

// Lines of the system's logs (<data>/<name>.log) that mention MDB_MAP_FULL or store_full.
std::vector<std::string> FindStoreFullInLogs(const std::string& data_dir);

// Entries per LMDB database of one store (e.g. "tokens", "_inbox"), read after the system
// stopped. Empty when the store cannot be opened.
std::map<std::string, uint64_t> StoreEntries(const std::string& store_dir);

// docs/soak.md, "The verdict".
struct PlateauOptions {
  // A store passes when it grew over the last third by at most max(min_growth_bytes,
  // growth_fraction x its size at the start of that third), plus the allowance below.
  int64_t min_growth_bytes = kMiB;
  double growth_fraction = 0.10;
  // The contexts' --reply-retention: a store holds the replies recorded within one window.
  Millis reply_retention{10000};
  // What one reply held in that window may cost (the reply, its time-index key, B-tree slack;
  // about 1 KiB measured). A store may grow by this much for each reply that the busiest window
  // of the last third held beyond the busiest window before it: a machine that speeds up holds
  // more replies at once, which is no leak.
  int64_t bytes_per_held_reply = 2048;
  // ... and the third carried at least this many requests (a plateau without traffic is no news).
  uint64_t min_requests_last_third = 1000;
};

struct StoreVerdict {
  std::string context;
  int64_t first = 0, last = 0, max = 0;  // used_bytes over the samples
  int64_t at_last_third = 0;             // at the start of the last third
  int64_t growth = 0;                    // last - at_last_third
  // The most mutating commands sent to it within one retention window ending at a sample of
  // the first two thirds / of the last third.
  uint64_t held_peak_before = 0, held_peak_last = 0;
  int64_t allowance = 0;  // bytes_per_held_reply x how far held_peak_last exceeds the other
  int64_t bound = 0;      // what growth may be
  bool plateau = false;
  bool ever_full = false;  // a sample said full, or refused_full > 0
  bool always_answered = true;
  // At the end. A read records nothing, so replies_pruned <= recorded_commands.
  int64_t replies_pruned = 0;
  uint64_t recorded_commands = 0;
};

struct Verdict {
  bool ok = false;
  std::vector<StoreVerdict> stores;
  uint64_t requests_last_third = 0;
  double last_third_from_s = 0;
  std::vector<std::string> failures;  // one readable line per broken rule; empty when ok
};

// The verdict over `report` and the log lines FindStoreFullInLogs found. Pure.
Verdict Judge(const TrafficReport& report, const PlateauOptions& options,
              const std::vector<std::string>& store_full_log_lines);

// The samples as a table (seconds, requests, errors, KiB per store), then per-route counts.
std::string FormatSamples(const TrafficReport& report);
// The verdict as text, one line per store and one per failure.
std::string FormatVerdict(const Verdict& verdict);

// `mcfctl soak`.
struct SoakOptions {
  double minutes = 1;
  std::string data;  // the scratch dir (must be empty or absent; kept); "" = a temp dir
  int store_max_mb = 64;
  std::string reply_retention = "10s";
  int clients = 4;
  std::string bin_dir;  // "" = the caller fills it (mcfctl: its own directory)
};

// Starts a fresh system under options.data (or a temp dir, removed after a passing run), runs
// the traffic, prints one JSON line about every 10 s (elapsed, requests, errors, req/s, each
// store's used_bytes) and a final JSON summary to stdout; progress and failures to stderr.
// Exit 0: zero errors and a plateau (Judge ok); 1: otherwise, or the system did not start;
// 2: bad options.
int RunSoak(const SoakOptions& options);

}  // namespace mcf::soak
