// Broker: the MCF/1 broker — one ROUTER socket and one single-threaded poll loop that routes
// commands to workers (ServiceTable), appends published events through the group-commit writer
// (LogWriter over EventLog), feeds subscribers from the log (Subscriptions), keeps the bus clock
// (BusClock) and serves the internal services broker.health, broker.stats, clock.now and
// clock.advance. docs/protocol.md is the contract.
//
// Threading: Create() and Run() on one thread (the routing thread), which owns the ROUTER; the
// writer thread lives inside. Run() returns when `stop` becomes true (checked at least every
// 100 ms; signals also interrupt the poll). The zmq context must outlive the Broker.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <zmq.hpp>

#include "broker/options.h"
#include "lib/base/clock.h"
#include "lib/base/status.h"

namespace mcf::broker {

class Broker {
 public:
  // Opens the log and binds the endpoint; an error names what failed (cannot bind, cannot open
  // the store). `clock` (transport time: deadlines, heartbeats) must outlive the broker.
  static Result<std::unique_ptr<Broker>> Create(const BrokerOptions& options,
                                                zmq::context_t& context,
                                                const Clock& clock = SteadyClock::Instance());
  ~Broker();

  // The bound endpoint with the port resolved ("tcp://127.0.0.1:41234").
  const std::string& endpoint() const;

  // Runs the poll loop until `stop` is true; then waits for pending log writes.
  Status Run(const std::atomic<bool>& stop);

  struct Impl;

 private:
  explicit Broker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcf::broker
