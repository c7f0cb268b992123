// The bus's door and rules (issue 11, docs/security.md) against a real mcf-broker started with
// its own key directory: who gets a message through at all, what the supplies context's key may
// do, principals, revocation without a restart, and mcfctl with and without the operator key.
// Every peer is a raw MCF/1 DEALER with an explicit key (or none).
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <thread>

#include "lib/security/curve_keys.h"
#include "lib/security/key_directory.h"
#include "schemas/bus.h"
#include "schemas/msgpack.h"
#include "tests/integration/broker_harness.h"

namespace mcf::testing {
namespace {

namespace sec = security;
using std::chrono::steady_clock;

constexpr milliseconds kNothing{1500};  // how long a refused peer is given to get an answer

class BrokerSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keys_ = dir_.Sub("keys");
    ASSERT_TRUE(sec::EnsureKeys(keys_, {{"operator", sec::PeerRole::kOperator},
                                        {"gateway", sec::PeerRole::kGateway},
                                        {"supplies", sec::PeerRole::kContext},
                                        {"test", sec::PeerRole::kTrusted}})
                    .ok());
    // Raw peers do not heartbeat: a long liveness keeps them registered for a whole test, so
    // that only revocation (never a purge) takes a worker away. The simulated clock: a wall
    // clock's minute tick would grow the log in the middle of a "nothing was appended" check.
    broker_ = std::make_unique<BrokerProcess>(
        dir_, dir_.Sub("log"),
        std::vector<std::string>{"--keys", keys_, "--liveness", "100", "--clock", "sim"});
    ASSERT_TRUE(broker_->ok()) << broker_->Log();
    op_ = Connect("operator");
  }

  sec::ClientCurve CurveOf(const std::string& name) {
    auto curve = sec::LoadClientCurve(sec::KeyFileOf(keys_, name));
    EXPECT_TRUE(curve.ok() && curve->has_value()) << curve.status().ToString();
    return curve.ok() && *curve ? **curve : sec::ClientCurve{};
  }
  std::unique_ptr<Peer> Connect(const std::string& name) {
    return std::make_unique<Peer>(context_, broker_->endpoint(), CurveOf(name));
  }

  schemas::bus::StatsReply BrokerStats() {
    auto reply = Call(*op_, "broker.stats");
    EXPECT_TRUE(reply && reply->status == Code::kOk);
    if (!reply || reply->status != Code::kOk) return {};
    auto stats = schemas::Decode<schemas::bus::StatsReply>(reply->body);
    EXPECT_TRUE(stats.ok()) << stats.status().ToString();
    return stats.ok() ? *stats : schemas::bus::StatsReply{};
  }
  // Workers broker.stats lists for `service` (0 when it is not listed).
  int64_t WorkersOf(const std::string& service) {
    for (const auto& s : BrokerStats().services)
      if (s.name == service) return s.workers;
    return 0;
  }

  void Ready(Peer& peer, const std::string& service) {
    peer.Send(proto::Encode(proto::Ready{"w-" + service, 4, {service}, 0}));
  }
  // Sends REQUEST for `envelope` under `key`; the reply is read with ReplyTo.
  void SendCommand(Peer& peer, const std::string& key, const schemas::Envelope& envelope,
                   uint32_t timeout_ms = 30000) {
    std::string bytes = schemas::Encode(envelope);
    peer.Send(proto::Encode(proto::ClientRequest{key, std::string(schemas::ServiceOf(envelope.type)), timeout_ms,
                                                 zmq::message_t(bytes.data(), bytes.size())}));
  }
  std::optional<schemas::Reply> ReplyTo(Peer& peer, const std::string& key, milliseconds wait) {
    const auto end = steady_clock::now() + wait;
    while (steady_clock::now() < end) {
      auto frames = peer.RecvKind(proto::Kind::kReply, milliseconds(100));
      if (!frames) continue;
      auto reply = proto::ParseClientReply(*frames, 0);
      if (!reply.ok() || reply->request_key != key) continue;
      auto decoded = schemas::DecodeReply(proto::View(reply->envelope));
      if (decoded.ok()) return *decoded;
    }
    return std::nullopt;
  }
  // The next command dispatched to worker `peer`, within `wait`.
  std::optional<proto::WorkerRequest> Dispatched(Peer& peer, milliseconds wait) {
    auto frames = peer.RecvKind(proto::Kind::kRequest, wait);
    if (!frames) return std::nullopt;
    auto request = proto::ParseWorkerRequest(*frames, 0);
    if (!request.ok()) return std::nullopt;
    return std::move(*request);
  }
  void Revoke(const std::string& who) {
    auto registry = sec::PeerRegistry::Load(sec::RegistryFileOf(keys_));
    ASSERT_TRUE(registry.ok());
    ASSERT_TRUE(registry->Revoke(who).ok());
    ASSERT_TRUE(registry->Save(sec::RegistryFileOf(keys_)).ok());
  }

  TempDir dir_;
  std::string keys_;
  zmq::context_t context_{1};
  std::unique_ptr<BrokerProcess> broker_;
  std::unique_ptr<Peer> op_;
};

TEST_F(BrokerSecurityTest, APeerWithoutAKeyOrWithAnUnknownKeyGetsNoMessageThrough) {
  ASSERT_TRUE(BrokerStats().secure);
  const int64_t head = BrokerStats().log_head;
  Peer plain(context_, broker_->endpoint(), std::nullopt);
  auto rogue_pair = sec::GenerateCurveKeyPair();
  ASSERT_TRUE(rogue_pair.ok());
  Peer rogue(context_, broker_->endpoint(),
             sec::ClientCurve{CurveOf("operator").broker_public_key, *rogue_pair});
  // Sends never block (the refused handshake may leave the socket with no pipe to queue on).
  auto try_send = [](Peer& peer, proto::Frames frames) {
    (void)proto::SendFrames(peer.socket(), frames, /*dontwait=*/true);
  };
  for (Peer* peer : {&plain, &rogue}) {
    try_send(*peer, proto::Encode(proto::ClientRequest{"h", "broker", 500,
                                                       zmq::message_t(EncodeCommand("broker.health"))}));
    try_send(*peer, PublishFrames("supplies", {{1, "supplies.kit_issued"}}));
    try_send(*peer, proto::Encode(proto::Ready{"w-portal", 4, {"portal"}, 0}));
    EXPECT_FALSE(peer->Recv(kNothing).has_value());
  }
  EXPECT_EQ(BrokerStats().log_head, head);
  EXPECT_EQ(WorkersOf("portal"), 0);
  EXPECT_GE(BrokerStats().peers_refused, 1);  // the unknown key's handshake; plain never gets that far
  const std::string log = broker_->Log();
  EXPECT_NE(log.find("event=peer_refused"), std::string::npos) << log;
  EXPECT_NE(log.find(sec::KeyId(rogue_pair->public_key)), std::string::npos)
      << "the refusal names the key id: " << log;
  EXPECT_EQ(log.find(rogue_pair->secret_key), std::string::npos);
}

TEST_F(BrokerSecurityTest, TheSuppliesKeyServesAndPublishesOnlyAsSupplies) {
  auto supplies = Connect("supplies");
  const int64_t forbidden = BrokerStats().forbidden;
  Ready(*supplies, "portal");
  Ready(*supplies, "supplies");
  const auto end = steady_clock::now() + milliseconds(5000);
  while (WorkersOf("supplies") != 1 && steady_clock::now() < end)
    std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(WorkersOf("supplies"), 1);
  EXPECT_EQ(WorkersOf("portal"), 0) << "the supplies key registered as portal";
  EXPECT_EQ(BrokerStats().forbidden, forbidden + 1);

  const int64_t head = BrokerStats().log_head;
  for (const auto& [producer, topic] :
       std::vector<std::pair<std::string, std::string>>{{"supplies", "tasks.task_finalized"},
                                                        {"supplies", "billing.charged"},
                                                        {"tasks", "tasks.task_finalized"},
                                                        {"tasks", "supplies.kit_issued"}}) {
    supplies->Send(PublishFrames(producer, {{1, topic}}));
    auto frames = supplies->RecvKind(proto::Kind::kPubRefused, milliseconds(3000));
    ASSERT_TRUE(frames.has_value()) << producer << " " << topic;
    auto refused = proto::ParsePubRefused(*frames, 0);
    ASSERT_TRUE(refused.ok());
    EXPECT_EQ(refused->reason, proto::PubRefused::Reason::kForbidden) << producer << " " << topic;
  }
  EXPECT_EQ(BrokerStats().log_head, head) << "a refused event was appended";
  // Its own events, under its own name or its store's "supplies@N", are stored.
  supplies->Send(PublishFrames("supplies@0", {{1, "supplies.kit_issued"}}));
  EXPECT_EQ(AwaitAck(*supplies, 1, milliseconds(5000)), 1u);
  EXPECT_EQ(BrokerStats().log_head, head + 1);
}

TEST_F(BrokerSecurityTest, AContextActsAsItselfAndOnlyTheGatewayAndOperatorsSetPrincipals) {
  auto worker = Connect("test");  // trusted: may serve any service
  Ready(*worker, "echo");
  auto supplies = Connect("supplies");
  auto gateway = Connect("gateway");
  const auto end = steady_clock::now() + milliseconds(5000);
  while (WorkersOf("echo") != 1 && steady_clock::now() < end)
    std::this_thread::sleep_for(milliseconds(20));
  ASSERT_EQ(WorkersOf("echo"), 1);

  schemas::Envelope as_admin = MakeCommand("echo.ping");
  as_admin.principal = schemas::Principal{"admin", "root"};
  SendCommand(*supplies, "k1", as_admin);
  auto refused = ReplyTo(*supplies, "k1", milliseconds(3000));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, Code::kForbidden);
  EXPECT_NE(refused->message.find("principal"), std::string::npos) << refused->message;
  schemas::Envelope advance = MakeCommand("clock.advance");
  SendCommand(*supplies, "k2", advance);
  auto advance_reply = ReplyTo(*supplies, "k2", milliseconds(3000));
  ASSERT_TRUE(advance_reply.has_value());
  EXPECT_EQ(advance_reply->status, Code::kForbidden);
  EXPECT_FALSE(Dispatched(*worker, milliseconds(300)).has_value()) << "a refused command ran";

  // Without a principal, the command arrives as {system, supplies}.
  SendCommand(*supplies, "k3", MakeCommand("echo.ping"));
  auto from_supplies = Dispatched(*worker, milliseconds(3000));
  ASSERT_TRUE(from_supplies.has_value());
  auto envelope = schemas::DecodeEnvelope(proto::View(from_supplies->envelope));
  ASSERT_TRUE(envelope.ok());
  ASSERT_TRUE(envelope->principal.has_value());
  EXPECT_EQ(*envelope->principal, (schemas::Principal{"system", "supplies"}));
  // The gateway's caller travels unchanged.
  schemas::Envelope as_client = MakeCommand("echo.ping");
  as_client.principal = schemas::Principal{"client", "c-1"};
  SendCommand(*gateway, "k4", as_client);
  auto from_gateway = Dispatched(*worker, milliseconds(3000));
  ASSERT_TRUE(from_gateway.has_value());
  envelope = schemas::DecodeEnvelope(proto::View(from_gateway->envelope));
  ASSERT_TRUE(envelope.ok() && envelope->principal.has_value());
  EXPECT_EQ(*envelope->principal, (schemas::Principal{"client", "c-1"}));
}

TEST_F(BrokerSecurityTest, ARevokedKeyIsCutOffWithoutARestartAndItsRequestsFailFast) {
  auto worker = Connect("test");
  Ready(*worker, "echo");
  auto supplies = Connect("supplies");
  Ready(*supplies, "supplies");
  const auto end = steady_clock::now() + milliseconds(5000);
  while ((WorkersOf("echo") != 1 || WorkersOf("supplies") != 1) && steady_clock::now() < end)
    std::this_thread::sleep_for(milliseconds(20));
  ASSERT_EQ(WorkersOf("supplies"), 1);
  const int broker_pid = broker_->process().pid();
  // In flight: a command supplies sent (the echo worker holds it) and one sent to supplies.
  SendCommand(*supplies, "mine", MakeCommand("echo.slow"), 30000);
  ASSERT_TRUE(Dispatched(*worker, milliseconds(3000)).has_value());
  auto gateway = Connect("gateway");
  SendCommand(*gateway, "theirs", MakeCommand("supplies.issue_kit"), 30000);
  ASSERT_TRUE(Dispatched(*supplies, milliseconds(3000)).has_value());

  const auto revoked_at = steady_clock::now();
  Revoke("supplies");
  auto mine = ReplyTo(*supplies, "mine", milliseconds(5000));
  ASSERT_TRUE(mine.has_value()) << "the revoked peer's own request was left to time out";
  EXPECT_EQ(mine->status, Code::kForbidden);
  EXPECT_LT(steady_clock::now() - revoked_at, milliseconds(5000));
  EXPECT_EQ(WorkersOf("supplies"), 0);
  // The open connection gets nothing more done; a new one does not get through the handshake.
  auto after = Call(*supplies, "broker.health", schemas::EmptyBody(), 1000);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->status, Code::kForbidden);
  auto again = Connect("supplies");
  EXPECT_FALSE(Call(*again, "broker.health", schemas::EmptyBody(), 500).has_value());
  // The same broker process all along, still serving the keys that are not revoked.
  EXPECT_EQ(broker_->process().pid(), broker_pid);
  EXPECT_EQ(::kill(broker_pid, 0), 0);
  auto health = Call(*gateway, "broker.health");
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->status, Code::kOk);
  EXPECT_NE(broker_->Log().find("event=peer_cut_off"), std::string::npos);
}

TEST_F(BrokerSecurityTest, McfctlWorksWithTheOperatorKeyAndGetsNothingWithoutIt) {
  auto run = [&](const std::vector<std::string>& key_args, const std::string& tag) {
    std::vector<std::string> argv = {BinDir() + "/mcfctl", "--broker", broker_->endpoint()};
    argv.insert(argv.end(), key_args.begin(), key_args.end());
    for (const char* a : {"health", "--timeout", "1s"}) argv.push_back(a);
    ChildProcess mcfctl = ChildProcess::Start(argv, dir_.Sub(tag + ".out"));
    return mcfctl.Wait(milliseconds(10000));
  };
  EXPECT_EQ(run({"--key", sec::KeyFileOf(keys_, "operator")}, "operator"), 0)
      << ReadFile(dir_.Sub("operator.out"));
  auto rogue = sec::GenerateCurveKeyPair();
  ASSERT_TRUE(rogue.ok());
  ASSERT_TRUE(sec::WriteKeyFile(dir_.Sub("rogue.key"), *rogue).ok());
  // 15: timeout (mcfctl's exit code for a `timeout` reply): the broker never answered.
  EXPECT_EQ(run({"--key", dir_.Sub("rogue.key"), "--broker-key", keys_ + "/broker.pub"}, "rogue"),
            15)
      << ReadFile(dir_.Sub("rogue.out"));
  EXPECT_EQ(run({"--key", "/nonexistent/operator.key"}, "missing"), 1)
      << ReadFile(dir_.Sub("missing.out"));
}

}  // namespace
}  // namespace mcf::testing
