// ZapHandler: the broker's ZeroMQ authentication handler (ZAP, RFC 27) for CURVE (RFC 26).
// libzmq asks it, over inproc://zeromq.zap.01 in the broker's context, whether a peer that has
// completed the CURVE handshake may talk; it answers from the public keys registered with it and
// names the peer — the "User-Id" every message from that peer then carries. A key not
// registered (or revoked) is refused, and the peer never gets a message through. Owned and
// polled by the broker's routing thread; not thread-safe. One per zmq context.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <zmq.hpp>

#include "lib/base/status.h"

namespace mcf::broker {

class ZapHandler {
 public:
  // Binds the ZAP endpoint in `context`; fails when another handler holds it.
  static Result<std::unique_ptr<ZapHandler>> Start(zmq::context_t& context);

  // Lets the peer with `public_key` (Z85) in under `name`; replaces an earlier name. invalid when
  // the key is not a Z85 key.
  Status Allow(std::string_view public_key, std::string name);
  // New handshakes with `public_key` are refused from now on; false when it was not allowed.
  bool Revoke(std::string_view public_key);

  void* poll_handle() { return socket_.handle(); }
  // Answers every request waiting on the socket.
  void HandlePending();

  uint64_t accepted() const { return accepted_; }
  uint64_t refused() const { return refused_; }

 private:
  explicit ZapHandler(zmq::socket_t socket) : socket_(std::move(socket)) {}
  zmq::socket_t socket_;
  std::unordered_map<std::string, std::string> names_;  // Z85 public key -> peer name
  uint64_t accepted_ = 0, refused_ = 0;
};

}  // namespace mcf::broker
