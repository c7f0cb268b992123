#include "tests/support/fake_broker.h"

#include <chrono>

namespace mcf::testing {

FakeBroker::FakeBroker(zmq::context_t& context) : socket_(context, zmq::socket_type::router) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind("tcp://127.0.0.1:*");
  endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
}

bool FakeBroker::Recv(proto::Frames& frames, Millis wait) {
  zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, wait) <= 0) return false;
  return proto::RecvFrames(socket_, frames);
}

bool FakeBroker::RecvKind(proto::Kind kind, proto::Frames& frames, Millis wait) {
  const auto end = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < end) {
    if (!Recv(frames, Millis(20))) continue;
    auto k = proto::ParseKind(frames, 1);
    if (k.ok() && *k == kind) return true;
  }
  return false;
}

void FakeBroker::SendTo(std::string_view peer, proto::Frames frames) {
  proto::SendFramesTo(socket_, peer, frames);
}

}  // namespace mcf::testing
