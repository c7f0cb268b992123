// The ZAP handler with real CURVE sockets on 127.0.0.1: a registered key talks and is named, an
// unknown key, a plain (no CURVE) peer and a revoked key never get a message through.
#include "broker/zap_handler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>

#include "lib/security/curve_keys.h"

namespace mcf::broker {
namespace {

using security::CurveKeyPair;
using std::chrono::milliseconds;

class ZapHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto zap = ZapHandler::Start(context_);
    ASSERT_TRUE(zap.ok()) << zap.status().ToString();
    zap_ = std::move(*zap);
    server_keys_ = *security::GenerateCurveKeyPair();
    router_ = zmq::socket_t(context_, zmq::socket_type::router);
    router_.set(zmq::sockopt::linger, 0);
    router_.set(zmq::sockopt::curve_server, 1);
    router_.set(zmq::sockopt::curve_secretkey, server_keys_.secret_key);
    router_.set(zmq::sockopt::zap_domain, "mcf");
    router_.bind("tcp://127.0.0.1:*");
    endpoint_ = router_.get(zmq::sockopt::last_endpoint);
  }

  // A DEALER that speaks CURVE with `keys`, or plain text without.
  zmq::socket_t Peer(const std::optional<CurveKeyPair>& keys) {
    zmq::socket_t s(context_, zmq::socket_type::dealer);
    s.set(zmq::sockopt::linger, 0);
    if (keys) {
      s.set(zmq::sockopt::curve_serverkey, server_keys_.public_key);
      s.set(zmq::sockopt::curve_publickey, keys->public_key);
      s.set(zmq::sockopt::curve_secretkey, keys->secret_key);
    }
    s.connect(endpoint_);
    return s;
  }

  // Serves ZAP while waiting up to `wait` for one message at the router: the sender's User-Id
  // and the payload, or nullopt.
  std::optional<std::pair<std::string, std::string>> Receive(milliseconds wait) {
    const auto end = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < end) {
      zmq::pollitem_t items[] = {{zap_->poll_handle(), 0, ZMQ_POLLIN, 0},
                                 {router_.handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 2, milliseconds(20));
      zap_->HandlePending();
      zmq::message_t rid, payload;
      if (router_.recv(rid, zmq::recv_flags::dontwait)) {
        (void)router_.recv(payload, zmq::recv_flags::none);
        const char* user = payload.gets("User-Id");
        return std::pair{std::string(user ? user : ""), payload.to_string()};
      }
    }
    return std::nullopt;
  }

  zmq::context_t context_;
  std::unique_ptr<ZapHandler> zap_;
  CurveKeyPair server_keys_;
  zmq::socket_t router_;
  std::string endpoint_;
};

TEST_F(ZapHandlerTest, ARegisteredKeyTalksAndIsNamed) {
  const CurveKeyPair portal = *security::GenerateCurveKeyPair();
  ASSERT_TRUE(zap_->Allow(portal.public_key, "portal").ok());
  zmq::socket_t peer = Peer(portal);
  peer.send(zmq::str_buffer("hello"), zmq::send_flags::none);
  auto got = Receive(milliseconds(5000));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->first, "portal");
  EXPECT_EQ(got->second, "hello");
  EXPECT_EQ(zap_->accepted(), 1u);
}

TEST_F(ZapHandlerTest, UnknownKeysPlainPeersAndRevokedKeysGetNothingThrough) {
  const CurveKeyPair stranger = *security::GenerateCurveKeyPair();
  zmq::socket_t unknown = Peer(stranger);
  unknown.send(zmq::str_buffer("let me in"), zmq::send_flags::none);
  zmq::socket_t plain = Peer(std::nullopt);
  plain.send(zmq::str_buffer("no key at all"), zmq::send_flags::none);
  EXPECT_FALSE(Receive(milliseconds(600)).has_value());
  EXPECT_GE(zap_->refused(), 1u);  // the plain peer fails the handshake before ZAP is asked
  EXPECT_EQ(zap_->accepted(), 0u);

  const CurveKeyPair tasks = *security::GenerateCurveKeyPair();
  ASSERT_TRUE(zap_->Allow(tasks.public_key, "tasks").ok());
  EXPECT_TRUE(zap_->Revoke(tasks.public_key));
  EXPECT_FALSE(zap_->Revoke(tasks.public_key));
  zmq::socket_t revoked = Peer(tasks);
  revoked.send(zmq::str_buffer("still me"), zmq::send_flags::none);
  EXPECT_FALSE(Receive(milliseconds(600)).has_value());
  EXPECT_FALSE(zap_->Allow("not a key", "x").ok());
}

}  // namespace
}  // namespace mcf::broker
