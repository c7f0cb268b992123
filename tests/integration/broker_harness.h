// Test-only harness for the broker tests: a real mcf-broker child process on an ephemeral port
// and a temp data dir, or a broker::Broker run in this process (InProcessBroker, for fault
// injection into its log), and raw DEALER peers speaking MCF/1 through
// lib/transport/protocol.h. Every wait is a bounded polling loop. One test thread owns all.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "broker/broker.h"
#include "broker/options.h"
#include "lib/security/bus_identity.h"
#include "lib/transport/protocol.h"
#include "schemas/body.h"
#include "schemas/envelope.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace mcf::testing {

using std::chrono::milliseconds;

class BrokerProcess {
 public:
  // Starts mcf-broker with --heartbeat-ms 100, data in `data_dir`, plus `extra` flags, and
  // waits for its endpoint file. Check ok() afterwards.
  BrokerProcess(const TempDir& dir, std::string data_dir, std::vector<std::string> extra = {});
  bool ok() const { return !endpoint_.empty(); }
  const std::string& endpoint() const { return endpoint_; }
  ChildProcess& process() { return process_; }
  std::string Log() const { return ReadFile(log_path_); }

 private:
  ChildProcess process_;
  std::string endpoint_, log_path_;
};

// A broker::Broker on its own thread in this process, on tcp://127.0.0.1:* (options.endpoint is
// overridden) with --heartbeat-ms 100. The options' log_faults plan must outlive this object.
// Check ok() afterwards. The destructor stops the loop and joins (a commit blocked at the plan's
// gate delays that until the gate opens or times out: clear the plan first).
class InProcessBroker {
 public:
  InProcessBroker(zmq::context_t& context, broker::BrokerOptions options);
  ~InProcessBroker();
  InProcessBroker(const InProcessBroker&) = delete;
  InProcessBroker& operator=(const InProcessBroker&) = delete;
  bool ok() const { return broker_ != nullptr; }
  const std::string& endpoint() const { return endpoint_; }
  // Why Create failed, if it did.
  const std::string& error() const { return error_; }

 private:
  std::unique_ptr<broker::Broker> broker_;
  std::string endpoint_, error_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A raw DEALER connected to the broker.
class Peer {
 public:
  // With this process's bus identity (tests/support/test_keys.h).
  Peer(zmq::context_t& context, const std::string& endpoint);
  // With `curve`'s key, or plain (no CURVE at all) when it is nullopt.
  Peer(zmq::context_t& context, const std::string& endpoint,
       const std::optional<security::ClientCurve>& curve);
  void Send(proto::Frames frames);
  // The next message, waiting up to `wait`.
  std::optional<proto::Frames> Recv(milliseconds wait);
  // The next message of `kind` (others, e.g. HEARTBEAT, are skipped), waiting up to `wait`.
  std::optional<proto::Frames> RecvKind(proto::Kind kind, milliseconds wait);
  zmq::socket_t& socket() { return socket_; }

 private:
  zmq::socket_t socket_;
};

schemas::Envelope MakeCommand(std::string type, std::string body = schemas::EmptyBody());
std::string EncodeCommand(std::string type, std::string body = schemas::EmptyBody());

// Sends REQUEST(key, service of the type, timeout) and waits for its REPLY.
std::optional<schemas::Reply> Call(Peer& peer, const std::string& type,
                                   std::string body = schemas::EmptyBody(),
                                   uint32_t timeout_ms = 3000);
// broker.stats body (fails the test when missing).
std::optional<schemas::Body> Stats(Peer& peer, std::string& storage);

// --- events: what the tests publish and read back ---
// An event envelope of producer "p" whose body carries {"pseq": pseq}.
std::string EventEnvelope(const std::string& topic, uint64_t pseq);
// PUBLISH of `producer` with events (producer_seq, topic), envelopes from EventEnvelope.
proto::Frames PublishFrames(const std::string& producer,
                            const std::vector<std::pair<uint64_t, std::string>>& events);
// Waits for a PUB_ACK covering `upto`; returns the highest ack seen (0: none) within `wait`.
// Other messages reaching `peer` meanwhile are dropped.
uint64_t AwaitAck(Peer& peer, uint64_t upto, milliseconds wait);

struct ReceivedEvent {
  uint64_t seq;
  std::string topic;
  int64_t pseq;  // the producer seq the test put in the envelope body
};
// Receives EVENT messages on a subscribed `sub` until `n` events arrived or `wait` passed,
// granting credit as it goes when `credit` is true, and heartbeating.
std::vector<ReceivedEvent> Collect(Peer& sub, size_t n, milliseconds wait, bool credit = true);

}  // namespace mcf::testing
