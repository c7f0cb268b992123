// FakeBroker: a raw ROUTER socket on tcp://127.0.0.1:* that a unit test drives by hand, to test
// a peer (BusClient, Subscriber, Publisher, the worker loop) against exact MCF/1 frames without
// a real broker. Received frames start with the peer's routing id. One owning test thread.
#pragma once

#include <string>
#include <string_view>
#include <zmq.hpp>

#include "lib/base/clock.h"
#include "lib/transport/protocol.h"

namespace mcf::testing {

class FakeBroker {
 public:
  explicit FakeBroker(zmq::context_t& context);
  const std::string& endpoint() const { return endpoint_; }

  // One message within `wait`; false if none came.
  bool Recv(proto::Frames& frames, Millis wait = Millis(2000));
  // The next message of `kind` within `wait`, skipping others (heartbeats...).
  bool RecvKind(proto::Kind kind, proto::Frames& frames, Millis wait = Millis(3000));
  void SendTo(std::string_view peer, proto::Frames frames);
  void SendTo(const zmq::message_t& peer, proto::Frames frames) {
    SendTo(proto::View(peer), std::move(frames));
  }

 private:
  zmq::socket_t socket_;
  std::string endpoint_;
};

}  // namespace mcf::testing
