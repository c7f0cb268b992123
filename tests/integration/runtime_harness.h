// Test-only harness for the runtime integration tests: a real mcf-broker and mcf-test-worker
// (heartbeat 100 ms) in one TempDir, restartable in place (same data dirs, same broker port),
// plus helpers over lib/client. Every wait is a bounded polling loop. One test thread owns it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "lib/client/bus_client.h"
#include "lib/client/publisher.h"
#include "lib/client/subscriber.h"
#include "schemas/body.h"
#include "schemas/envelope.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace mcf::testing {

using std::chrono::milliseconds;

class RuntimeCluster {
 public:
  RuntimeCluster() = default;
  RuntimeCluster(const RuntimeCluster&) = delete;
  RuntimeCluster& operator=(const RuntimeCluster&) = delete;

  // Starts mcf-broker (first time on a free port; later on the same endpoint and data dir) and
  // waits until it wrote its endpoint file. False if it did not come up.
  // `extra` flags go to every start (e.g. "--liveness", "30" for tests whose worker blocks in a
  // handler longer than 3 heartbeats).
  bool StartBroker(std::vector<std::string> extra = {});
  void KillBroker() { broker_.Kill(); }
  // Starts mcf-test-worker on the broker with `extra` flags (same data dir every time).
  void StartWorker(std::vector<std::string> extra = {});
  void KillWorker() { worker_.Kill(); }
  ChildProcess& worker() { return worker_; }
  ChildProcess& broker() { return broker_; }

  const std::string& endpoint() const { return endpoint_; }
  const TempDir& dir() const { return dir_; }
  // Both logs, for failure messages.
  std::string Logs() const;

 private:
  TempDir dir_;
  std::string endpoint_;
  ChildProcess broker_, worker_;
  int broker_starts_ = 0, worker_starts_ = 0;
  std::vector<std::string> broker_extra_;
};

// A test.* command envelope with a fixed id.
schemas::Envelope TestCommand(client::BusClient& client, const std::string& type, std::string body,
                              std::string id = "");
// test.get {name} until it answers ok within `wait`; the total, or nullopt.
std::optional<int64_t> GetCounter(client::BusClient& client, const std::string& name,
                                  milliseconds wait = milliseconds(10000));
// Polls test.get {name} until it equals `want` or `wait` passes; returns the last value seen.
std::optional<int64_t> WaitForCounter(client::BusClient& client, const std::string& name,
                                      int64_t want, milliseconds wait);
// Reads the log from seq 1 (prefix `prefix`) until `quiet` passes with nothing new, or `wait`
// in all; returns how many events each causation_id caused.
std::map<std::string, int> CountByCausation(zmq::context_t& context, const std::string& endpoint,
                                            const std::string& prefix, size_t expect_at_least,
                                            milliseconds wait);
// Adds a test failure (the first few named) for every command id without exactly one event in
// `counts` (from CountByCausation); returns the total number of events counted.
size_t ExpectOneEventPerCommand(const std::map<std::string, int>& counts,
                                const std::vector<std::string>& command_ids);
// A test.fed event envelope (producer `producer`, id unique per call).
std::string FedEvent(const std::string& producer, uint64_t n, const std::string& name,
                     int64_t amount);

// Drives a stream of test.add commands with unique ids through `client`, `window` in flight,
// re-sending each with the SAME envelope (same id) until it gets `ok`; every `fed_every`
// commands sent, one test.fed event goes out through `publisher`. `on_progress(done)` runs
// after each ok (the test kills/restarts processes there); `on_tick`, when given, on every turn
// of the loop (about every 20 ms while nothing arrives: a test restarts a worker that died
// there). Returns false on overall timeout or on a reply that is not ok and not transient (a bug).
struct LoadResult {
  int64_t add_sum = 0, fed_sum = 0;
  int retries = 0;
  std::vector<std::string> command_ids;
  std::string error;
};
LoadResult RunAddLoad(client::BusClient& client, client::Publisher& publisher, int commands,
                      int fed_every, uint64_t seed, const std::function<void(int)>& on_progress,
                      milliseconds wait, const std::function<void()>& on_tick = nullptr);

}  // namespace mcf::testing
