// Test-only harness for the broker integration tests: a real mcf-broker child process on an
// ephemeral port and a temp data dir, and raw DEALER peers speaking MCF/1 through
// lib/transport/protocol.h. Every wait is a bounded polling loop. One test thread owns all.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

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

// A raw DEALER connected to the broker.
class Peer {
 public:
  Peer(zmq::context_t& context, const std::string& endpoint);
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

}  // namespace mcf::testing
