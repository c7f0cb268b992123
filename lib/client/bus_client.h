// BusClient: sends commands to the broker and receives their replies (request/reply side of
// MCF/1), for the gateway, mcfctl, tests and benchmarks.
//
// One DEALER socket, owned by the thread that uses the client (not thread-safe; give each
// thread its own BusClient over a shared zmq::context_t). Call() is the simple blocking form;
// Send()/Receive() let a caller keep many requests in flight. A request never waits past its
// timeout: if the broker has not answered by then (plus a small grace for the broker's own
// timeout reply), the client itself produces a `timeout` Reply. Transport problems never throw.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <zmq.hpp>

#include "lib/base/clock.h"
#include "schemas/envelope.h"

namespace mcf::client {

class BusClient {
 public:
  // Connects to `endpoint` (e.g. "tcp://127.0.0.1:5555"); `producer` names this client in the
  // envelopes it makes (MakeCommand). The context must outlive the client.
  BusClient(zmq::context_t& context, std::string endpoint, std::string producer);
  ~BusClient();
  BusClient(const BusClient&) = delete;
  BusClient& operator=(const BusClient&) = delete;

  // A command envelope of `type` with `body` (an encoded map), a fresh unique id, this client's
  // producer name and the wall time; callers may adjust any field before sending.
  schemas::Envelope MakeCommand(std::string_view type, std::string body) const;

  // Sends `command` to the service named by its type and waits for the reply. Always returns a
  // Reply: the worker's, the broker's (unavailable, timeout, invalid), or one made here
  // (timeout when nothing came back in time; internal when the reply could not be decoded).
  schemas::Reply Call(const schemas::Envelope& command, Millis timeout);

  // Pipelined form. Send returns the request key that Receive reports with the reply.
  std::string Send(const schemas::Envelope& command, Millis timeout);
  // Waits up to `wait` for one reply; nullopt if none arrived. Requests whose timeout (plus
  // grace) has passed come back as client-made `timeout` replies.
  std::optional<std::pair<std::string, schemas::Reply>> Receive(Millis wait);
  size_t in_flight() const;

  // Sends a raw, already-encoded envelope (tests of malformed input; benchmarks).
  std::string SendRaw(std::string_view service, std::string envelope_bytes, Millis timeout,
                      std::string_view command_type = "", std::string_view command_id = "");

 private:
  struct Impl;
  Impl* impl_;
};

// The broker endpoint from the MCF_BROKER environment variable, default tcp://127.0.0.1:5555.
std::string DefaultBrokerEndpoint();

}  // namespace mcf::client
