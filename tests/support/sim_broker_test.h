// SimBrokerTest: the fixture of a context's integration test — a real mcf-broker on the
// simulated clock (2026-01-05T08:00:00Z, 100 ms heartbeats) in a TempDir, context workers
// started as real processes beside it, every process's log at hand for failure messages, and
// a feeder that publishes events as if another context had. Owned by the test thread.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "lib/client/publisher.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace mcf::testing {

class SimBrokerTest : public ::testing::Test {
 protected:
  static constexpr int64_t kStartMs = 1'767'600'000'000;  // 2026-01-05T08:00:00Z

  void SetUp() override;

  // build/bin/mcf-<service> on this broker, its store in <dir>/<data> and its log in
  // <dir>/<data>.log (`data` defaults to the service), with --heartbeat-ms 100 --seed 5 and
  // `extra` flags.
  ChildProcess StartContext(const std::string& service, std::string data = "",
                            const std::vector<std::string>& extra = {});

  // Every *.log in the test's directory, each under a "--- name" line.
  std::string Logs() const;

  // Publishes `body` as an event of `type` from producer "feeder" (ids feeder:1, feeder:2...),
  // at the simulated start time.
  void Publish(client::Publisher& publisher, std::string_view type, std::string body);

  // One event of the log: its topic and its envelope's body.
  struct LoggedEvent {
    std::string topic;
    std::string body;
  };
  using Events = std::vector<LoggedEvent>;

  // The broker's log head (broker.stats log_head); nullopt if the broker does not answer.
  std::optional<uint64_t> LogHead();

  // The whole log, from seq 1 up to its head, every event whose topic starts with `prefix`.
  // Asks for the head, reads every event up to it, and repeats (with the new head) until
  // `done(events)` holds or `wait` has passed; once it holds, drains once more to the then
  // head, so an event published twice is counted twice. Exact counts are only meaningful on
  // what this returns, never on a reader that stops at the first match.
  Events ReadLog(const std::string& prefix, const std::function<bool(const Events&)>& done,
                 std::chrono::milliseconds wait = std::chrono::milliseconds(20000));

  // How many events of `events` have `topic`.
  static size_t Count(const Events& events, std::string_view topic);

  TempDir dir_;
  zmq::context_t context_;
  std::string endpoint_;
  ChildProcess broker_;

 private:
  uint64_t published_ = 0;
};

}  // namespace mcf::testing
