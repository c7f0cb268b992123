// Seeded order history for mcf-bench's "cost as history grows" rows: writes N completed past
// orders straight into the stores of portal, tasks, matching and supplies under one data dir
// (<data>/<context>, the layout process::LocalSystem uses), before the system starts.
//
// Each store is opened the way the worker runtime opens it (worker::Dispatcher::Open, then the
// context's own store class) and the records are written through that class's public methods,
// as the contexts would have written them for orders that were requested, assigned, issued a
// kit, checked in and completed. The broker's event log is not seeded (the events that made
// this history are not in it). Call from one thread, while no worker has the stores open.
#pragma once

#include <cstdint>
#include <string>

#include "lib/base/status.h"

namespace mcf::bench {

struct SeedResult {
  uint64_t orders = 0;
  uint64_t clients = 0;
  uint64_t workers = 0;
  double seconds = 0;  // wall time of the whole seeding, all four stores
};

// Writes `orders` completed orders of max(1, orders / 100) clients served by 4 past workers,
// appointments one per minute ending before `before_ms`, in write transactions of up to 50,000
// orders each. Creates the context directories if needed.
Result<SeedResult> SeedHistory(const std::string& data_dir, uint64_t orders, int64_t before_ms);

// The id of the `i`-th seeded order (0 = the oldest): the same in every context's records.
std::string PastOrderId(uint64_t i);

// The store's own figure of its size: LMDB pages in use (high water minus free pages), in bytes,
// of the env in `dir`; opened read-only-ish (no exclusive lock), so call while nothing writes.
Result<uint64_t> StoreUsedBytes(const std::string& dir);

}  // namespace mcf::bench
