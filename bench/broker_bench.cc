#include "bench/broker_bench.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "lib/client/bus_client.h"
#include "lib/client/subscriber.h"
#include "lib/security/bus_identity.h"
#include "lib/transport/protocol.h"
#include "schemas/body.h"
#include "schemas/envelope.h"

namespace mcf::bench {
namespace {

using SteadyTime = std::chrono::steady_clock;

constexpr std::string_view kService = "test";
constexpr uint32_t kRequestTimeoutMs = 5000;
const Millis kAckWait(5000);

void Tune(zmq::socket_t& socket) {
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::sndhwm, 100000);
  socket.set(zmq::sockopt::rcvhwm, 100000);
  // A peer the broker never lets in (a CURVE handshake refused) leaves a DEALER no pipe to send
  // on: the send would block for good. Bounded, it fails and the measurement reports an error.
  socket.set(zmq::sockopt::sndtimeo, 5000);
}

// A DEALER to the broker, tuned, with the process bus identity as every bus peer has it (the
// bench's CURVE key, or plain while it measures an --insecure broker), connected.
zmq::socket_t Dial(zmq::context_t& context, const std::string& endpoint) {
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  Tune(socket);  // before connect: the high-water marks apply to pipes made after
  if (auto curve = security::ProcessCurve()) security::ApplyClientCurve(socket, *curve);
  socket.connect(endpoint);
  return socket;
}

std::string CommandBytes() {
  schemas::Envelope e;
  e.id = "bench-command";
  e.type = "test.get";
  e.producer = "mcf-bench";
  e.body = schemas::BodyWriter().String("name", "bench").Finish();
  return schemas::Encode(e);
}

std::string ReplyBytes() {
  schemas::Reply r;
  r.id = "bench-reply";
  r.type = "test.get";
  r.producer = "bench-worker";
  r.causation_id = "bench-command";
  r.body = schemas::BodyWriter().Int("total", 0).Finish();
  return schemas::Encode(r);
}

// A ~150-byte event envelope; `t_ns` (steady clock) lets the latency subscriber time it.
std::string EventBytes(uint64_t n, int64_t t_ns) {
  schemas::Envelope e;
  e.id = "bench:" + std::to_string(n);
  e.type = "bench.event";
  e.producer = "mcf-bench";
  e.correlation_id = "bench-run";
  e.body = schemas::BodyWriter().Int("n", static_cast<int64_t>(n)).Int("t", t_ns).Finish();
  return schemas::Encode(e);
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyTime::now().time_since_epoch())
      .count();
}

// The in-process worker: READY for "test", then answers every REQUEST with `reply` at once.
// Heartbeats when idle so the broker keeps it; re-registers on RECONNECT.
void WorkerLoop(zmq::context_t& context, const std::string& endpoint, const std::string& reply,
                const std::atomic<bool>& stop) {
  zmq::socket_t socket = Dial(context, endpoint);
  proto::Ready ready{"bench-worker", 4096, {std::string(kService)}};
  proto::Frames out = proto::Encode(ready);
  proto::SendFrames(socket, out);
  auto last_sent = SteadyTime::now();
  proto::Frames in;
  zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
  while (!stop.load(std::memory_order_relaxed)) {
    zmq::poll(&item, 1, Millis(50));
    while (proto::RecvFrames(socket, in, /*dontwait=*/true)) {
      auto kind = proto::ParseKind(in, 0);
      if (!kind.ok()) continue;
      if (*kind == proto::Kind::kRequest) {
        auto request = proto::ParseWorkerRequest(in, 0);
        if (!request.ok()) continue;
        out = proto::Encode(
            proto::WorkerReply{request->request_id, zmq::message_t(reply.data(), reply.size())});
        proto::SendFrames(socket, out);
        last_sent = SteadyTime::now();
      } else if (*kind == proto::Kind::kReconnect) {
        out = proto::Encode(ready);
        proto::SendFrames(socket, out);
      }
    }
    if (SteadyTime::now() - last_sent > Millis(300)) {
      out = proto::EncodeHeartbeat();
      proto::SendFrames(socket, out);
      last_sent = SteadyTime::now();
    }
  }
  out = proto::EncodeDisconnect();
  proto::SendFrames(socket, out, /*dontwait=*/true);
}

proto::Frames MakeRequest(uint64_t n, const std::string& command) {
  std::string key(8, '\0');
  std::memcpy(key.data(), &n, 8);
  return proto::Encode(proto::ClientRequest{std::move(key), std::string(kService),
                                            kRequestTimeoutMs,
                                            zmq::message_t(command.data(), command.size())});
}

// Sends one request at a time until the worker's reply (status ok) comes back: the worker is
// registered and the path is warm. Bounded: false after `limit`.
bool WaitForWorker(zmq::socket_t& client, const std::string& command, Millis limit) {
  const auto end = SteadyTime::now() + limit;
  proto::Frames frames;
  uint64_t n = 0;
  while (SteadyTime::now() < end) {
    proto::Frames request = MakeRequest(++n, command);
    if (!proto::SendFrames(client, request)) return false;
    if (!proto::RecvFrames(client, frames)) continue;
    auto kind = proto::ParseKind(frames, 0);
    if (!kind.ok() || *kind != proto::Kind::kReply) continue;
    auto reply = proto::ParseClientReply(frames, 0);
    if (!reply.ok()) continue;
    auto decoded = schemas::DecodeReply(proto::View(reply->envelope));
    if (decoded.ok() && decoded->status == Code::kOk && decoded->producer == "bench-worker") {
      return true;
    }
    std::this_thread::sleep_for(Millis(50));  // not registered yet: the broker said unavailable
  }
  return false;
}

// A raw MCF/1 producer: PUBLISH batches, PUB_ACK tracking.
class RawPublisher {
 public:
  RawPublisher(zmq::context_t& context, const std::string& endpoint, std::string producer)
      : socket_(Dial(context, endpoint)), producer_(std::move(producer)) {}
  // Sends events next_seq.. in one PUBLISH; returns the last seq sent.
  uint64_t Send(const std::vector<std::string>& envelopes, std::string_view topic) {
    proto::Publish p{producer_, {}};
    p.events.reserve(envelopes.size());
    for (const std::string& e : envelopes) {
      p.events.push_back(proto::OutgoingEvent{next_seq_++, std::string(topic),
                                              zmq::message_t(e.data(), e.size())});
    }
    proto::Frames frames = proto::Encode(std::move(p));
    proto::SendFrames(socket_, frames);
    return next_seq_ - 1;
  }
  // Waits up to `wait` for a PUB_ACK that moves the acked seq forward (the broker may repeat
  // an ack); returns the highest acked seq (unchanged on timeout).
  uint64_t WaitAck(Millis wait) {
    const uint64_t before = acked_;
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    const auto end = SteadyTime::now() + wait;
    while (true) {
      while (proto::RecvFrames(socket_, frames_, /*dontwait=*/true)) {
        auto kind = proto::ParseKind(frames_, 0);
        if (!kind.ok() || *kind != proto::Kind::kPubAck) continue;
        auto ack = proto::ParsePubAck(frames_, 0);
        if (ack.ok() && ack->producer == producer_) acked_ = std::max(acked_, ack->upto_seq);
      }
      if (acked_ > before) return acked_;
      auto left = std::chrono::duration_cast<Millis>(end - SteadyTime::now());
      if (left <= Millis(0)) return acked_;
      zmq::poll(&item, 1, left);
    }
  }
  uint64_t acked() const { return acked_; }

 private:
  zmq::socket_t socket_;
  std::string producer_;
  uint64_t next_seq_ = 1;
  uint64_t acked_ = 0;
  proto::Frames frames_;
};

}  // namespace

RoundTrips CommandRoundTrips(zmq::context_t& context, const std::string& endpoint, size_t in_flight,
                             std::chrono::milliseconds duration) {
  const std::string command = CommandBytes();
  const std::string reply = ReplyBytes();
  std::atomic<bool> stop{false};
  std::thread worker([&] { WorkerLoop(context, endpoint, reply, stop); });
  RoundTrips result;
  {
    zmq::socket_t client = Dial(context, endpoint);
    client.set(zmq::sockopt::rcvtimeo, 1000);
    if (!WaitForWorker(client, command, Millis(10000))) {
      result.errors = 1;
    } else {
      uint64_t n = 1000;
      result = ClosedLoop(
          client, in_flight, duration, [&] { return MakeRequest(++n, command); },
          [&](proto::Frames& f) {
            // The worker's reply comes back byte for byte; anything else (a broker-made
            // unavailable or timeout) is an error, so errors cannot pass for speed.
            auto kind = proto::ParseKind(f, 0);
            return kind.ok() && *kind == proto::Kind::kReply && f.size() == 2 &&
                   f[1].size() == reply.size();
          });
    }
  }
  stop = true;
  worker.join();
  return result;
}

PublishResult PublishOneAtATime(zmq::context_t& context, const std::string& endpoint,
                                const std::string& producer, std::chrono::milliseconds duration) {
  RawPublisher publisher(context, endpoint, producer);
  PublishResult result;
  const auto start = SteadyTime::now();
  std::vector<std::string> one(1);
  while (SteadyTime::now() - start < duration) {
    one[0] = EventBytes(result.events, 0);
    uint64_t seq = publisher.Send(one, "bench.single");
    if (publisher.WaitAck(kAckWait) < seq) {
      ++result.errors;
      break;
    }
    ++result.events;
  }
  double seconds = std::chrono::duration<double>(SteadyTime::now() - start).count();
  result.per_second = result.events / seconds;
  return result;
}

PublishResult PublishPipelined(zmq::context_t& context, const std::string& endpoint,
                               const std::string& producer, uint64_t total, size_t batch,
                               size_t window) {
  RawPublisher publisher(context, endpoint, producer);
  PublishResult result;
  std::vector<std::string> envelopes;
  uint64_t sent = 0;
  const auto start = SteadyTime::now();
  while (publisher.acked() < total) {
    while (sent < total && sent - publisher.acked() + batch <= window) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(batch, total - sent));
      envelopes.resize(n);
      for (size_t i = 0; i < n; ++i) envelopes[i] = EventBytes(sent + i + 1, 0);
      sent = publisher.Send(envelopes, "bench.events");
    }
    uint64_t before = publisher.acked();
    if (publisher.WaitAck(kAckWait) == before) {
      ++result.errors;  // no progress for 5 s
      break;
    }
  }
  double seconds = std::chrono::duration<double>(SteadyTime::now() - start).count();
  result.events = publisher.acked();
  result.per_second = result.events / seconds;
  return result;
}

Latency PublishDeliverLatency(zmq::context_t& context, const std::string& endpoint,
                              size_t samples) {
  Latency result;
  std::atomic<bool> stop{false};
  std::atomic<size_t> received{0};
  std::vector<double> latencies_us;
  latencies_us.reserve(samples);
  std::thread subscriber_thread([&] {
    client::SubscriberOptions options;
    options.prefixes = {"bench.lat"};
    options.from_seq = 0;  // only what is published from now on
    client::Subscriber subscriber(context, endpoint, options);
    while (!stop.load()) {
      auto event = subscriber.Next(Millis(20));
      if (!event) continue;
      int64_t now = NowNs();
      auto envelope = schemas::DecodeEnvelope(event->envelope);
      if (envelope.ok()) {
        auto body = schemas::Body::Parse(envelope->body);
        auto t = body.ok() ? body->Int("t") : Result<int64_t>(body.status());
        if (t.ok() && *t > 0) latencies_us.push_back((now - *t) / 1000.0);
      }
      received.fetch_add(1);
    }
  });

  RawPublisher publisher(context, endpoint, "bench-latency");
  std::vector<std::string> one(1);
  // Warm-up: the subscription is live once the subscriber has seen one of these (t = 0).
  uint64_t n = 0;
  const auto warm_end = SteadyTime::now() + Millis(10000);
  while (received.load() == 0 && SteadyTime::now() < warm_end) {
    one[0] = EventBytes(++n, 0);
    publisher.Send(one, "bench.lat");
    publisher.WaitAck(kAckWait);
    std::this_thread::sleep_for(Millis(20));
  }
  const size_t warm = received.load();
  if (warm == 0) result.errors = 1;
  for (size_t i = 0; i < samples && result.errors == 0; ++i) {
    size_t before = received.load();
    one[0] = EventBytes(++n, NowNs());
    uint64_t seq = publisher.Send(one, "bench.lat");
    if (publisher.WaitAck(kAckWait) < seq) ++result.errors;
    // One at a time: the next event goes out once this one has been delivered.
    const auto deadline = SteadyTime::now() + Millis(2000);
    while (received.load() == before && SteadyTime::now() < deadline) std::this_thread::yield();
    if (received.load() == before) ++result.errors;
  }
  stop = true;
  subscriber_thread.join();
  // Events of the warm-up that arrived late carry t = 0 and were not timed.
  const size_t errors = result.errors;
  result = Summarize(std::move(latencies_us));
  result.errors = errors;
  return result;
}

Latency Summarize(std::vector<double> us) {
  Latency out;
  std::sort(us.begin(), us.end());
  out.samples = us.size();
  if (us.empty()) return out;
  auto at = [&](double q) {
    return us[std::min(us.size() - 1, static_cast<size_t>(q * static_cast<double>(us.size())))];
  };
  out.p50_us = at(0.50);
  out.p99_us = at(0.99);
  out.max_us = us.back();
  return out;
}

CatchUp CatchUpReplay(zmq::context_t& context, const std::string& endpoint, uint64_t head,
                      uint32_t window) {
  CatchUp result;
  zmq::socket_t socket = Dial(context, endpoint);
  socket.set(zmq::sockopt::rcvtimeo, 5000);
  const auto start = SteadyTime::now();
  proto::Frames frames = proto::Encode(proto::Subscribe{1, window, {""}});
  proto::SendFrames(socket, frames);
  uint64_t last = 0;
  uint32_t consumed = 0;
  while (last < head) {
    if (!proto::RecvFrames(socket, frames)) {
      ++result.errors;  // 5 s without an event
      break;
    }
    auto kind = proto::ParseKind(frames, 0);
    if (!kind.ok()) continue;
    if (*kind == proto::Kind::kHeartbeat) {
      proto::Frames hb = proto::EncodeHeartbeat();
      proto::SendFrames(socket, hb);
      continue;
    }
    if (*kind != proto::Kind::kEvent) continue;
    for (size_t i = proto::kEventFramesOffset; i < frames.size(); ++i) {
      auto event = proto::ParseEventFrame(frames[i]);
      if (!event.ok() || event->seq != last + 1) ++result.errors;
      if (event.ok()) last = event->seq;
      ++result.events;
      ++consumed;
    }
    if (consumed >= window / 2) {
      proto::Frames credit = proto::EncodeCredit(consumed);
      proto::SendFrames(socket, credit);
      consumed = 0;
    }
  }
  double seconds = std::chrono::duration<double>(SteadyTime::now() - start).count();
  result.per_second = result.events / seconds;
  frames = proto::EncodeDisconnect();
  proto::SendFrames(socket, frames, /*dontwait=*/true);
  return result;
}

Result<uint64_t> LogHead(zmq::context_t& context, const std::string& endpoint) {
  client::BusClient bus(context, endpoint, "mcf-bench");
  schemas::Reply reply =
      bus.Call(bus.MakeCommand("broker.stats", schemas::EmptyBody()), Millis(5000));
  if (reply.status != Code::kOk) return Status(reply.status, "broker.stats: " + reply.message);
  ASSIGN_OR_RETURN(auto body, schemas::Body::Parse(reply.body));
  ASSIGN_OR_RETURN(auto head, body.Int("log_head"));
  return static_cast<uint64_t>(head);
}

std::optional<Memory> ReadMemory(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in) return std::nullopt;
  Memory m;
  std::string line;
  bool found = false;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    double kib = 0;
    fields >> key >> kib;
    if (key == "VmRSS:") m.vm_rss_mib = kib / 1024, found = true;
    if (key == "RssAnon:") m.rss_anon_mib = kib / 1024;
  }
  if (!found) return std::nullopt;
  return m;
}

std::optional<double> CpuMicros(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  auto close = line.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return 1e6 * static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace mcf::bench
