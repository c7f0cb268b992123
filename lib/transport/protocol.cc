#include "lib/transport/protocol.h"

#include <spdlog/spdlog.h>

#include "lib/base/bytes.h"

namespace mcf::proto {
namespace {

constexpr size_t kMaxRequestKey = 255;
constexpr size_t kMaxName = 255;  // service, producer, topic, prefix, worker name
constexpr size_t kEventFrameHeader = 8 + 8 + 2;

zmq::message_t Str(std::string_view s) { return zmq::message_t(s.data(), s.size()); }
zmq::message_t U64(uint64_t v) {
  zmq::message_t m(8);
  PutU64Le(static_cast<char*>(m.data()), v);
  return m;
}
zmq::message_t U32(uint32_t v) {
  zmq::message_t m(4);
  PutU32Le(static_cast<char*>(m.data()), v);
  return m;
}
Frames Header(Kind kind, size_t reserve) {
  Frames f;
  f.reserve(reserve + 2);
  f.push_back(Str(kProtocol));
  uint8_t k = static_cast<uint8_t>(kind);
  f.emplace_back(&k, 1);
  return f;
}

Status Bad(Kind kind, std::string_view what) {
  return Status::Invalid(std::string(KindName(kind)) + ": " + std::string(what));
}

// Frame accessors that check sizes; `name` is used in the error.
Result<uint64_t> GetU64(const Frames& f, size_t i, Kind kind, std::string_view name) {
  if (i >= f.size() || f[i].size() != 8) return Bad(kind, std::string(name) + " must be 8 bytes");
  return GetU64Le(static_cast<const char*>(f[i].data()));
}
Result<uint32_t> GetU32(const Frames& f, size_t i, Kind kind, std::string_view name) {
  if (i >= f.size() || f[i].size() != 4) return Bad(kind, std::string(name) + " must be 4 bytes");
  return GetU32Le(static_cast<const char*>(f[i].data()));
}
Result<std::string> GetName(const Frames& f, size_t i, Kind kind, std::string_view name,
                            size_t max = kMaxName, bool allow_empty = false) {
  if (i >= f.size()) return Bad(kind, std::string(name) + " frame missing");
  if (f[i].size() > max) return Bad(kind, std::string(name) + " longer than " + std::to_string(max));
  if (!allow_empty && f[i].size() == 0) return Bad(kind, std::string(name) + " is empty");
  return std::string(View(f[i]));
}
Status NeedFrames(const Frames& f, size_t n, Kind kind) {
  if (f.size() < n) return Bad(kind, "expected " + std::to_string(n) + " frames");
  if (f.size() > n) return Bad(kind, "unexpected extra frames");
  return Status::Ok();
}

}  // namespace

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kReady: return "READY";
    case Kind::kRequest: return "REQUEST";
    case Kind::kReply: return "REPLY";
    case Kind::kPublish: return "PUBLISH";
    case Kind::kSubscribe: return "SUBSCRIBE";
    case Kind::kCredit: return "CREDIT";
    case Kind::kHeartbeat: return "HEARTBEAT";
    case Kind::kDisconnect: return "DISCONNECT";
    case Kind::kPubAck: return "PUB_ACK";
    case Kind::kEvent: return "EVENT";
    case Kind::kReconnect: return "RECONNECT";
  }
  return "UNKNOWN";
}

Frames Encode(const Ready& m) {
  Frames f = Header(Kind::kReady, 2 + m.services.size());
  f.push_back(Str(m.worker_name));
  f.push_back(U32(m.capacity));
  for (const auto& s : m.services) f.push_back(Str(s));
  return f;
}
Frames Encode(ClientRequest&& m) {
  Frames f = Header(Kind::kRequest, 4);
  f.push_back(Str(m.request_key));
  f.push_back(Str(m.service));
  f.push_back(U32(m.timeout_ms));
  f.push_back(std::move(m.envelope));
  return f;
}
Frames Encode(WorkerReply&& m) {
  Frames f = Header(Kind::kReply, 2);
  f.push_back(U64(m.request_id));
  f.push_back(std::move(m.envelope));
  return f;
}
Frames Encode(Publish&& m) {
  Frames f = Header(Kind::kPublish, 1 + 3 * m.events.size());
  f.push_back(Str(m.producer));
  for (auto& e : m.events) {
    f.push_back(U64(e.producer_seq));
    f.push_back(Str(e.topic));
    f.push_back(std::move(e.envelope));
  }
  return f;
}
Frames Encode(const Subscribe& m) {
  Frames f = Header(Kind::kSubscribe, 2 + m.prefixes.size());
  f.push_back(U64(m.from_seq));
  f.push_back(U32(m.credit));
  for (const auto& p : m.prefixes) f.push_back(Str(p));
  return f;
}
Frames EncodeCredit(uint32_t credit) {
  Frames f = Header(Kind::kCredit, 1);
  f.push_back(U32(credit));
  return f;
}
Frames EncodeHeartbeat() { return Header(Kind::kHeartbeat, 0); }
Frames EncodeDisconnect() { return Header(Kind::kDisconnect, 0); }
Frames EncodeReconnect() { return Header(Kind::kReconnect, 0); }
Frames Encode(WorkerRequest&& m) {
  Frames f = Header(Kind::kRequest, 4);
  f.push_back(U64(m.request_id));
  f.push_back(U32(m.timeout_ms));
  f.push_back(U64(static_cast<uint64_t>(m.bus_time_ms)));
  f.push_back(std::move(m.envelope));
  return f;
}
Frames Encode(ClientReply&& m) {
  Frames f = Header(Kind::kReply, 2);
  f.push_back(Str(m.request_key));
  f.push_back(std::move(m.envelope));
  return f;
}
Frames Encode(const PubAck& m) {
  Frames f = Header(Kind::kPubAck, 2);
  f.push_back(Str(m.producer));
  f.push_back(U64(m.upto_seq));
  return f;
}
Frames StartEventBatch() { return Header(Kind::kEvent, 16); }
void AppendEventFrame(Frames& batch, uint64_t seq, int64_t time_ms, std::string_view topic,
                      std::string_view envelope) {
  zmq::message_t m(kEventFrameHeader + topic.size() + envelope.size());
  char* p = static_cast<char*>(m.data());
  PutU64Le(p, seq);
  PutU64Le(p + 8, static_cast<uint64_t>(time_ms));
  PutU16Le(p + 16, static_cast<uint16_t>(topic.size()));
  std::memcpy(p + kEventFrameHeader, topic.data(), topic.size());
  std::memcpy(p + kEventFrameHeader + topic.size(), envelope.data(), envelope.size());
  batch.push_back(std::move(m));
}

Result<Kind> ParseKind(const Frames& frames, size_t first) {
  if (frames.size() < first + 2) return Status::Invalid("message shorter than its header");
  if (View(frames[first]) != kProtocol) return Status::Invalid("not an MCF1 message");
  if (frames[first + 1].size() != 1) return Status::Invalid("kind frame must be one byte");
  auto k = *static_cast<const uint8_t*>(frames[first + 1].data());
  if (k < 1 || k > static_cast<uint8_t>(Kind::kReconnect))
    return Status::Invalid("unknown kind " + std::to_string(k));
  return static_cast<Kind>(k);
}

Result<Ready> ParseReady(Frames& f, size_t first) {
  const Kind k = Kind::kReady;
  size_t i = first + 2;
  if (f.size() < i + 3) return Bad(k, "needs worker name, capacity and at least one service");
  Ready r;
  auto name = GetName(f, i, k, "worker name");
  if (!name.ok()) return name.status();
  r.worker_name = std::move(*name);
  auto cap = GetU32(f, i + 1, k, "capacity");
  if (!cap.ok()) return cap.status();
  if (*cap == 0) return Bad(k, "capacity must be at least 1");
  r.capacity = *cap;
  for (size_t j = i + 2; j < f.size(); ++j) {
    auto s = GetName(f, j, k, "service");
    if (!s.ok()) return s.status();
    r.services.push_back(std::move(*s));
  }
  return r;
}

Result<ClientRequest> ParseClientRequest(Frames& f, size_t first) {
  const Kind k = Kind::kRequest;
  size_t i = first + 2;
  if (Status s = NeedFrames(f, i + 4, k); !s.ok()) return s;
  ClientRequest r;
  auto key = GetName(f, i, k, "request key", kMaxRequestKey, /*allow_empty=*/true);
  if (!key.ok()) return key.status();
  r.request_key = std::move(*key);
  auto service = GetName(f, i + 1, k, "service");
  if (!service.ok()) return service.status();
  r.service = std::move(*service);
  auto timeout = GetU32(f, i + 2, k, "timeout");
  if (!timeout.ok()) return timeout.status();
  r.timeout_ms = *timeout;
  r.envelope = std::move(f[i + 3]);
  return r;
}

Result<WorkerReply> ParseWorkerReply(Frames& f, size_t first) {
  const Kind k = Kind::kReply;
  size_t i = first + 2;
  if (Status s = NeedFrames(f, i + 2, k); !s.ok()) return s;
  auto id = GetU64(f, i, k, "request id");
  if (!id.ok()) return id.status();
  return WorkerReply{*id, std::move(f[i + 1])};
}

Result<Publish> ParsePublish(Frames& f, size_t first) {
  const Kind k = Kind::kPublish;
  size_t i = first + 2;
  if (f.size() < i + 4 || (f.size() - i - 1) % 3 != 0)
    return Bad(k, "needs a producer then (seq, topic, envelope) triples");
  Publish p;
  auto producer = GetName(f, i, k, "producer");
  if (!producer.ok()) return producer.status();
  p.producer = std::move(*producer);
  p.events.reserve((f.size() - i - 1) / 3);
  for (size_t j = i + 1; j < f.size(); j += 3) {
    auto seq = GetU64(f, j, k, "producer seq");
    if (!seq.ok()) return seq.status();
    auto topic = GetName(f, j + 1, k, "topic");
    if (!topic.ok()) return topic.status();
    p.events.push_back(OutgoingEvent{*seq, std::move(*topic), std::move(f[j + 2])});
  }
  return p;
}

Result<Subscribe> ParseSubscribe(const Frames& f, size_t first) {
  const Kind k = Kind::kSubscribe;
  size_t i = first + 2;
  if (f.size() < i + 3) return Bad(k, "needs from seq, credit and at least one prefix");
  Subscribe s;
  auto from = GetU64(f, i, k, "from seq");
  if (!from.ok()) return from.status();
  s.from_seq = *from;
  auto credit = GetU32(f, i + 1, k, "credit");
  if (!credit.ok()) return credit.status();
  s.credit = *credit;
  for (size_t j = i + 2; j < f.size(); ++j) {
    auto p = GetName(f, j, k, "prefix", kMaxName, /*allow_empty=*/true);
    if (!p.ok()) return p.status();
    s.prefixes.push_back(std::move(*p));
  }
  return s;
}

Result<uint32_t> ParseCredit(const Frames& f, size_t first) {
  if (Status s = NeedFrames(f, first + 3, Kind::kCredit); !s.ok()) return s;
  return GetU32(f, first + 2, Kind::kCredit, "credit");
}

Result<WorkerRequest> ParseWorkerRequest(Frames& f, size_t first) {
  const Kind k = Kind::kRequest;
  size_t i = first + 2;
  if (Status s = NeedFrames(f, i + 4, k); !s.ok()) return s;
  WorkerRequest r;
  auto id = GetU64(f, i, k, "request id");
  if (!id.ok()) return id.status();
  r.request_id = *id;
  auto timeout = GetU32(f, i + 1, k, "timeout");
  if (!timeout.ok()) return timeout.status();
  r.timeout_ms = *timeout;
  auto time = GetU64(f, i + 2, k, "bus time");
  if (!time.ok()) return time.status();
  r.bus_time_ms = static_cast<int64_t>(*time);
  r.envelope = std::move(f[i + 3]);
  return r;
}

Result<ClientReply> ParseClientReply(Frames& f, size_t first) {
  const Kind k = Kind::kReply;
  size_t i = first + 2;
  if (Status s = NeedFrames(f, i + 2, k); !s.ok()) return s;
  auto key = GetName(f, i, k, "request key", kMaxRequestKey, /*allow_empty=*/true);
  if (!key.ok()) return key.status();
  return ClientReply{std::move(*key), std::move(f[i + 1])};
}

Result<PubAck> ParsePubAck(const Frames& f, size_t first) {
  const Kind k = Kind::kPubAck;
  size_t i = first + 2;
  if (Status s = NeedFrames(f, i + 2, k); !s.ok()) return s;
  auto producer = GetName(f, i, k, "producer");
  if (!producer.ok()) return producer.status();
  auto upto = GetU64(f, i + 1, k, "upto seq");
  if (!upto.ok()) return upto.status();
  return PubAck{std::move(*producer), *upto};
}

Result<EventView> ParseEventFrame(const zmq::message_t& frame) {
  if (frame.size() < kEventFrameHeader) return Bad(Kind::kEvent, "event frame too short");
  const char* p = static_cast<const char*>(frame.data());
  EventView e;
  e.seq = GetU64Le(p);
  e.time_ms = static_cast<int64_t>(GetU64Le(p + 8));
  size_t topic_len = GetU16Le(p + 16);
  if (frame.size() < kEventFrameHeader + topic_len) return Bad(Kind::kEvent, "topic overruns frame");
  e.topic = std::string_view(p + kEventFrameHeader, topic_len);
  e.envelope = std::string_view(p + kEventFrameHeader + topic_len,
                                frame.size() - kEventFrameHeader - topic_len);
  return e;
}

bool SendFrames(zmq::socket_t& socket, Frames& frames, bool dontwait) {
  try {
    for (size_t i = 0; i < frames.size(); ++i) {
      auto flags = zmq::send_flags::none;
      if (i + 1 < frames.size()) flags = flags | zmq::send_flags::sndmore;
      if (dontwait) flags = flags | zmq::send_flags::dontwait;
      if (!socket.send(frames[i], flags)) return false;  // only the first frame can would-block
    }
    return true;
  } catch (const zmq::error_t& e) {
    spdlog::warn("event=zmq_send_failed error={}", e.what());
    return false;
  }
}

bool SendFramesTo(zmq::socket_t& socket, std::string_view routing_id, Frames& frames,
                  bool dontwait) {
  try {
    auto flags = zmq::send_flags::sndmore;
    if (dontwait) flags = flags | zmq::send_flags::dontwait;
    if (!socket.send(zmq::buffer(routing_id.data(), routing_id.size()), flags)) return false;
  } catch (const zmq::error_t& e) {
    // EHOSTUNREACH with ZMQ_ROUTER_MANDATORY: the peer is gone.
    spdlog::debug("event=zmq_send_failed error={}", e.what());
    return false;
  }
  return SendFrames(socket, frames, false);
}

bool RecvFrames(zmq::socket_t& socket, Frames& frames, bool dontwait) {
  frames.clear();
  try {
    while (true) {
      zmq::message_t m;
      auto flags = (dontwait && frames.empty()) ? zmq::recv_flags::dontwait : zmq::recv_flags::none;
      if (!socket.recv(m, flags)) return false;
      bool more = m.more();
      frames.push_back(std::move(m));
      if (!more) return true;
    }
  } catch (const zmq::error_t& e) {
    if (e.num() != ETERM) spdlog::warn("event=zmq_recv_failed error={}", e.what());
    return false;
  }
}

}  // namespace mcf::proto
