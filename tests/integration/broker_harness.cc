#include "tests/integration/broker_harness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>

#include "tests/support/test_keys.h"

namespace mcf::testing {

InProcessBroker::InProcessBroker(zmq::context_t& context, broker::BrokerOptions options) {
  options.endpoint = "tcp://127.0.0.1:*";
  options.endpoint_file.clear();
  options.heartbeat = Millis(100);
  if (options.keys_dir.empty() && !options.insecure) options.keys_dir = TestKeysDir();
  auto created = broker::Broker::Create(options, context);
  if (!created.ok()) {
    error_ = created.status().ToString();
    return;
  }
  broker_ = std::move(*created);
  endpoint_ = broker_->endpoint();
  thread_ = std::thread([this] {
    Status s = broker_->Run(stop_);
    EXPECT_TRUE(s.ok()) << s.ToString();
  });
}

InProcessBroker::~InProcessBroker() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  broker_.reset();
}

BrokerProcess::BrokerProcess(const TempDir& dir, std::string data_dir,
                             std::vector<std::string> extra) {
  static std::atomic<int> counter{0};
  const std::string tag = std::to_string(counter.fetch_add(1));
  const std::string endpoint_file = dir.Sub("broker-" + tag + ".endpoint");
  log_path_ = dir.Sub("broker-" + tag + ".log");
  std::vector<std::string> argv = {BinDir() + "/mcf-broker",
                                   "--endpoint",
                                   "tcp://127.0.0.1:*",
                                   "--endpoint-file",
                                   endpoint_file,
                                   "--data",
                                   data_dir,
                                   "--heartbeat-ms",
                                   "100"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  AddTestKeys(argv);
  process_ = ChildProcess::Start(argv, log_path_);
  if (auto line = WaitForFileLine(endpoint_file, milliseconds(10000))) endpoint_ = *line;
}

Peer::Peer(zmq::context_t& context, const std::string& endpoint)
    : socket_(security::ConnectToBroker(context, endpoint)) {}

Peer::Peer(zmq::context_t& context, const std::string& endpoint,
           const std::optional<security::ClientCurve>& curve)
    : socket_(context, zmq::socket_type::dealer) {
  socket_.set(zmq::sockopt::linger, 0);
  if (curve) security::ApplyClientCurve(socket_, *curve);
  socket_.connect(endpoint);
}

void Peer::Send(proto::Frames frames) { proto::SendFrames(socket_, frames); }

std::optional<proto::Frames> Peer::Recv(milliseconds wait) {
  zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, wait) <= 0) return std::nullopt;
  proto::Frames frames;
  if (!proto::RecvFrames(socket_, frames)) return std::nullopt;
  return frames;
}

std::optional<proto::Frames> Peer::RecvKind(proto::Kind kind, milliseconds wait) {
  auto end = std::chrono::steady_clock::now() + wait;
  while (true) {
    auto left = std::chrono::duration_cast<milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto frames = Recv(left);
    if (!frames) return std::nullopt;
    auto k = proto::ParseKind(*frames, 0);
    if (k.ok() && *k == kind) return frames;
  }
}

schemas::Envelope MakeCommand(std::string type, std::string body) {
  static std::atomic<int> counter{0};
  schemas::Envelope e;
  e.id = "cmd-" + std::to_string(counter.fetch_add(1));
  e.type = std::move(type);
  e.producer = "test";
  e.time_ms = 1;
  e.body = std::move(body);
  return e;
}

std::string EncodeCommand(std::string type, std::string body) {
  return schemas::Encode(MakeCommand(std::move(type), std::move(body)));
}

std::optional<schemas::Reply> Call(Peer& peer, const std::string& type, std::string body,
                                   uint32_t timeout_ms) {
  static std::atomic<int> counter{0};
  const std::string key = "key-" + std::to_string(counter.fetch_add(1));
  std::string env = EncodeCommand(type, std::move(body));
  peer.Send(proto::Encode(proto::ClientRequest{key, type.substr(0, type.find('.')), timeout_ms,
                                               zmq::message_t(env.data(), env.size())}));
  auto end = std::chrono::steady_clock::now() + milliseconds(timeout_ms + 2000);
  while (std::chrono::steady_clock::now() < end) {
    auto frames = peer.RecvKind(proto::Kind::kReply, milliseconds(timeout_ms + 2000));
    if (!frames) return std::nullopt;
    auto reply = proto::ParseClientReply(*frames, 0);
    if (!reply.ok() || reply->request_key != key) continue;
    auto decoded = schemas::DecodeReply(proto::View(reply->envelope));
    if (!decoded.ok()) return std::nullopt;
    return *decoded;
  }
  return std::nullopt;
}

std::optional<schemas::Body> Stats(Peer& peer, std::string& storage) {
  auto reply = Call(peer, "broker.stats");
  if (!reply || reply->status != Code::kOk) return std::nullopt;
  storage = reply->body;
  auto body = schemas::Body::Parse(storage);
  if (!body.ok()) return std::nullopt;
  return *body;
}

}  // namespace mcf::testing

namespace mcf::testing {

std::string EventEnvelope(const std::string& topic, uint64_t pseq) {
  schemas::Envelope e;
  e.id = "ev-" + std::to_string(pseq);
  e.type = topic;
  e.producer = "p";
  e.time_ms = 1;
  e.body = schemas::BodyWriter().Int("pseq", static_cast<int64_t>(pseq)).Finish();
  return schemas::Encode(e);
}

proto::Frames PublishFrames(const std::string& producer,
                            const std::vector<std::pair<uint64_t, std::string>>& events) {
  proto::Publish p;
  p.producer = producer;
  for (const auto& [pseq, topic] : events) {
    std::string env = EventEnvelope(topic, pseq);
    p.events.push_back(proto::OutgoingEvent{pseq, topic, zmq::message_t(env.data(), env.size())});
  }
  return proto::Encode(std::move(p));
}

uint64_t AwaitAck(Peer& peer, uint64_t upto, milliseconds wait) {
  uint64_t best = 0;
  auto end = std::chrono::steady_clock::now() + wait;
  while (best < upto && std::chrono::steady_clock::now() < end) {
    auto frames = peer.RecvKind(proto::Kind::kPubAck, milliseconds(100));
    if (!frames) continue;
    auto ack = proto::ParsePubAck(*frames, 0);
    if (ack.ok()) best = std::max(best, ack->upto_seq);
  }
  return best;
}

std::vector<ReceivedEvent> Collect(Peer& sub, size_t n, milliseconds wait, bool credit) {
  std::vector<ReceivedEvent> out;
  auto end = std::chrono::steady_clock::now() + wait;
  auto next_hb = std::chrono::steady_clock::now();
  while (out.size() < n && std::chrono::steady_clock::now() < end) {
    if (std::chrono::steady_clock::now() >= next_hb) {
      sub.Send(proto::EncodeHeartbeat());
      next_hb = std::chrono::steady_clock::now() + milliseconds(50);
    }
    auto left = std::chrono::duration_cast<milliseconds>(end - std::chrono::steady_clock::now());
    auto frames =
        sub.RecvKind(proto::Kind::kEvent, std::clamp(left, milliseconds(1), milliseconds(50)));
    if (!frames) continue;
    for (size_t i = proto::kEventFramesOffset; i < frames->size(); ++i) {
      auto e = proto::ParseEventFrame((*frames)[i]);
      EXPECT_TRUE(e.ok());
      if (!e.ok()) continue;
      auto env = schemas::DecodeEnvelope(e->envelope);
      EXPECT_TRUE(env.ok());
      if (!env.ok()) continue;
      auto body = schemas::Body::Parse(env->body);
      auto pseq = body.ok() ? body->Int("pseq") : Result<int64_t>(body.status());
      out.push_back(ReceivedEvent{e->seq, std::string(e->topic), pseq.ok() ? *pseq : -1});
    }
    if (credit)
      sub.Send(
          proto::EncodeCredit(static_cast<uint32_t>(frames->size() - proto::kEventFramesOffset)));
  }
  return out;
}

}  // namespace mcf::testing
