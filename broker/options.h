// BrokerOptions: everything mcf-broker can be told at start-up, with the defaults of
// docs/protocol.md and the common process conventions. Filled by broker/main.cc from flags;
// tests fill it directly. A plain value; thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "lib/base/clock.h"

namespace mcf::store {
class FaultPlan;
}  // namespace mcf::store

namespace mcf::broker {

enum class ClockMode { kReal, kSim };

struct BrokerOptions {
  // ROUTER endpoint to bind. "tcp://127.0.0.1:*" picks a free port. Default tcp://127.0.0.1:5555.
  std::string endpoint = "tcp://127.0.0.1:5555";
  // If set, the resolved endpoint plus "\n" is written here once bound. Default: none.
  std::string endpoint_file;
  // LMDB directory of the event log. Default var/broker.
  std::string data_dir = "var/broker";
  // real: bus time is the wall clock; sim: bus time moves only on clock.advance. Default real.
  ClockMode clock_mode = ClockMode::kReal;
  // Sim mode start, ms since the epoch (the persisted clock wins if later).
  // Default 2026-01-05T08:00:00Z.
  int64_t sim_start_ms = 1767600000000;
  // Heartbeat interval both ways. Default 1 s.
  Millis heartbeat{1000};
  // A peer silent for this many intervals is purged. Default 3.
  int liveness = 3;
  // Requests waiting per service before new ones are refused `unavailable`. Default 10000.
  size_t max_queued_per_service = 10000;
  // Most events in one EVENT message. Default 256.
  uint32_t max_event_batch = 256;
  // The event log's capacity: its LMDB map size (virtual address space; the file grows with the
  // log). Set at open, never grown at run time (the routing thread reads while the writer
  // writes, and a resize needs no transaction open). Near it broker.stats says log_full; a full
  // log acknowledges nothing, so producers keep their events. Default 16 GiB (--max-log-mb).
  size_t map_size = size_t{16} << 30;
  // If set, a capture of everything crossing the broker is written here from start-up until
  // exit (docs/capture-format.md). Default: none.
  std::string capture_path;
  // Keys directory (--keys): the broker's own key pair in broker.key and the peer registry in
  // peers (docs/security.md). Empty: no keys, which is refused unless `insecure`.
  std::string keys_dir;
  // Let every peer in with every permission, unencrypted (--insecure): tests that ask for it,
  // never ./mcf up. Default false.
  bool insecure = false;
  // The run's seed (--seed), recorded in capture headers as {"*": seed}. Default: none.
  std::optional<int64_t> seed;
  // Test-only: fault injection on the event log's writes (lib/store/fault_injection.h), for a
  // broker run in-process. Not owned; must outlive the broker. Null (no faults) in mcf-broker.
  store::FaultPlan* log_faults = nullptr;

  // How long a silent peer lives: liveness * heartbeat.
  Millis Expiry() const { return heartbeat * liveness; }
  // After start-up, requests for services nobody registered yet are queued for this long
  // (workers are re-registering after a broker restart). liveness * heartbeat.
  Millis StartupGrace() const { return Expiry(); }
};

}  // namespace mcf::broker
