#include "lib/transport/protocol.h"

#include <spdlog/spdlog.h>

#include <random>

#include "lib/base/bytes.h"

namespace mcf::proto {
namespace {

constexpr size_t kMaxRequestKey = 255;
constexpr size_t kMaxName = 255;  // service, producer, topic, prefix, worker name
constexpr size_t kHeader = 5;     // "MCF1" + kind
constexpr size_t kEventFrameHeader = 8 + 8 + 2;

zmq::message_t Str(std::string_view s) { return zmq::message_t(s.data(), s.size()); }

// Builds the header frame: "MCF1", the kind, then the kind's fixed fields.
class HeaderWriter {
 public:
  explicit HeaderWriter(Kind kind) {
    bytes_.reserve(32);
    bytes_.append(kProtocol);
    bytes_.push_back(static_cast<char>(kind));
  }
  HeaderWriter& U64(uint64_t v) {
    char b[8];
    PutU64Le(b, v);
    bytes_.append(b, 8);
    return *this;
  }
  HeaderWriter& U32(uint32_t v) {
    char b[4];
    PutU32Le(b, v);
    bytes_.append(b, 4);
    return *this;
  }
  HeaderWriter& ShortString(std::string_view s) {  // u8 length + bytes
    bytes_.push_back(static_cast<char>(s.size()));
    bytes_.append(s);
    return *this;
  }
  HeaderWriter& Rest(std::string_view s) {  // the remaining bytes of the header
    bytes_.append(s);
    return *this;
  }
  Frames Start(size_t more_frames) {
    Frames f;
    f.reserve(1 + more_frames);
    f.push_back(Str(bytes_));
    return f;
  }

 private:
  std::string bytes_;
};

Status Bad(Kind kind, std::string_view what) {
  return Status::Invalid(std::string(KindName(kind)) + ": " + std::string(what));
}

// Reads the fixed fields of a header frame, checking sizes; `kind` names errors.
class HeaderReader {
 public:
  HeaderReader(const zmq::message_t& frame, Kind kind)
      : data_(View(frame).substr(kHeader)), kind_(kind) {}
  Result<uint64_t> U64(std::string_view name) {
    if (data_.size() < 8) return Bad(kind_, std::string(name) + " truncated");
    uint64_t v = GetU64Le(data_.data());
    data_.remove_prefix(8);
    return v;
  }
  Result<uint32_t> U32(std::string_view name) {
    if (data_.size() < 4) return Bad(kind_, std::string(name) + " truncated");
    uint32_t v = GetU32Le(data_.data());
    data_.remove_prefix(4);
    return v;
  }
  Result<std::string> ShortString(std::string_view name) {
    if (data_.empty()) return Bad(kind_, std::string(name) + " truncated");
    size_t n = static_cast<unsigned char>(data_[0]);
    if (data_.size() < 1 + n) return Bad(kind_, std::string(name) + " truncated");
    std::string s(data_.substr(1, n));
    data_.remove_prefix(1 + n);
    return s;
  }
  Result<std::string> Rest(std::string_view name, bool allow_empty = false) {
    if (data_.size() > kMaxName)
      return Bad(kind_, std::string(name) + " longer than " + std::to_string(kMaxName));
    if (!allow_empty && data_.empty()) return Bad(kind_, std::string(name) + " is empty");
    std::string s(data_);
    data_ = {};
    return s;
  }
  Status End() {
    return data_.empty() ? Status::Ok() : Bad(kind_, "unexpected bytes after the header fields");
  }

 private:
  std::string_view data_;
  Kind kind_;
};

Result<std::string> GetName(const Frames& f, size_t i, Kind kind, std::string_view name,
                            bool allow_empty = false) {
  if (i >= f.size()) return Bad(kind, std::string(name) + " frame missing");
  if (f[i].size() > kMaxName)
    return Bad(kind, std::string(name) + " longer than " + std::to_string(kMaxName));
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
    case Kind::kReady:
      return "READY";
    case Kind::kRequest:
      return "REQUEST";
    case Kind::kReply:
      return "REPLY";
    case Kind::kPublish:
      return "PUBLISH";
    case Kind::kSubscribe:
      return "SUBSCRIBE";
    case Kind::kCredit:
      return "CREDIT";
    case Kind::kHeartbeat:
      return "HEARTBEAT";
    case Kind::kDisconnect:
      return "DISCONNECT";
    case Kind::kPubAck:
      return "PUB_ACK";
    case Kind::kEvent:
      return "EVENT";
    case Kind::kReconnect:
      return "RECONNECT";
    case Kind::kPubRefused:
      return "PUB_REFUSED";
  }
  return "UNKNOWN";
}

Frames Encode(const Ready& m) {
  Frames f =
      HeaderWriter(Kind::kReady).U32(m.capacity).U64(m.incarnation).Rest(m.worker_name).Start(
          m.services.size());
  for (const auto& s : m.services) f.push_back(Str(s));
  return f;
}
Frames Encode(ClientRequest&& m) {
  Frames f = HeaderWriter(Kind::kRequest)
                 .U32(m.timeout_ms)
                 .ShortString(m.request_key)
                 .Rest(m.service)
                 .Start(1);
  f.push_back(std::move(m.envelope));
  return f;
}
Frames Encode(WorkerReply&& m) {
  Frames f = HeaderWriter(Kind::kReply).U64(m.request_id).Start(1);
  f.push_back(std::move(m.envelope));
  return f;
}
uint64_t NewIncarnation() {
  std::random_device rd;
  uint64_t v = 0;
  while (v == 0) v = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  return v;
}

Frames Encode(Publish&& m) {
  Frames f =
      HeaderWriter(Kind::kPublish).U64(m.incarnation).Rest(m.producer).Start(2 * m.events.size());
  for (auto& e : m.events) {
    zmq::message_t id(8 + e.topic.size());
    PutU64Le(static_cast<char*>(id.data()), e.producer_seq);
    std::memcpy(static_cast<char*>(id.data()) + 8, e.topic.data(), e.topic.size());
    f.push_back(std::move(id));
    f.push_back(std::move(e.envelope));
  }
  return f;
}
Frames Encode(const Subscribe& m) {
  Frames f = HeaderWriter(Kind::kSubscribe)
                 .U64(m.from_seq)
                 .U32(m.credit)
                 .U64(m.incarnation)
                 .Start(m.prefixes.size());
  for (const auto& p : m.prefixes) f.push_back(Str(p));
  return f;
}
Frames EncodeCredit(uint32_t credit) { return HeaderWriter(Kind::kCredit).U32(credit).Start(0); }
Frames EncodeHeartbeat() { return HeaderWriter(Kind::kHeartbeat).Start(0); }
Frames EncodeDisconnect() { return HeaderWriter(Kind::kDisconnect).Start(0); }
Frames EncodeReconnect() { return HeaderWriter(Kind::kReconnect).Start(0); }
Frames Encode(WorkerRequest&& m) {
  Frames f = HeaderWriter(Kind::kRequest)
                 .U64(m.request_id)
                 .U32(m.timeout_ms)
                 .U64(static_cast<uint64_t>(m.bus_time_ms))
                 .U64(m.wait_for_seq)
                 .Start(1);
  f.push_back(std::move(m.envelope));
  return f;
}
Frames Encode(ClientReply&& m) {
  Frames f = HeaderWriter(Kind::kReply).Rest(m.request_key).Start(1);
  f.push_back(std::move(m.envelope));
  return f;
}
Frames Encode(const PubAck& m) {
  return HeaderWriter(Kind::kPubAck).U64(m.upto_seq).Rest(m.producer).Start(0);
}
std::string_view ReasonName(PubRefused::Reason reason) {
  switch (reason) {
    case PubRefused::Reason::kConflict:
      return "conflict";
    case PubRefused::Reason::kBusy:
      return "busy";
    case PubRefused::Reason::kForbidden:
      return "forbidden";
  }
  return "unknown";
}
Frames Encode(const PubRefused& m) {
  return HeaderWriter(Kind::kPubRefused)
      .U64(m.producer_seq)
      .ShortString(std::string(1, static_cast<char>(m.reason)))
      .Rest(m.producer)
      .Start(0);
}
Frames StartEventBatch(uint64_t scanned_through) {
  return HeaderWriter(Kind::kEvent).U64(scanned_through).Start(16);
}
void SetScannedThrough(Frames& batch, uint64_t scanned_through) {
  PutU64Le(static_cast<char*>(batch[0].data()) + kHeader, scanned_through);
}
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
  if (frames.size() <= first || frames[first].size() < kHeader)
    return Status::Invalid("message shorter than its header");
  std::string_view header = View(frames[first]);
  if (header.substr(0, 4) != kProtocol) return Status::Invalid("not an MCF1 message");
  auto k = static_cast<uint8_t>(header[4]);
  if (k < 1 || k > static_cast<uint8_t>(Kind::kPubRefused))
    return Status::Invalid("unknown kind " + std::to_string(k));
  return static_cast<Kind>(k);
}

Result<Ready> ParseReady(Frames& f, size_t first) {
  const Kind k = Kind::kReady;
  HeaderReader h(f[first], k);
  Ready r;
  ASSIGN_OR_RETURN(auto cap, h.U32("capacity"));
  if (cap == 0) return Bad(k, "capacity must be at least 1");
  r.capacity = cap;
  ASSIGN_OR_RETURN(r.incarnation, h.U64("incarnation"));
  ASSIGN_OR_RETURN(auto name, h.Rest("worker name"));
  r.worker_name = std::move(name);
  if (f.size() < first + 2) return Bad(k, "needs at least one service");
  for (size_t j = first + 1; j < f.size(); ++j) {
    ASSIGN_OR_RETURN(auto s, GetName(f, j, k, "service"));
    r.services.push_back(std::move(s));
  }
  return r;
}

Result<ClientRequest> ParseClientRequest(Frames& f, size_t first) {
  const Kind k = Kind::kRequest;
  HeaderReader h(f[first], k);
  ClientRequest r;
  ASSIGN_OR_RETURN(auto timeout, h.U32("timeout"));
  r.timeout_ms = timeout;
  ASSIGN_OR_RETURN(auto key, h.ShortString("request key"));
  r.request_key = std::move(key);
  ASSIGN_OR_RETURN(auto service, h.Rest("service"));
  r.service = std::move(service);
  RETURN_IF_ERROR(NeedFrames(f, first + 2, k));
  r.envelope = std::move(f[first + 1]);
  return r;
}

std::optional<std::string> RequestKeyOf(const Frames& f, size_t first) {
  auto kind = ParseKind(f, first);
  if (!kind.ok() || *kind != Kind::kRequest) return std::nullopt;
  HeaderReader h(f[first], Kind::kRequest);
  if (!h.U32("timeout").ok()) return std::nullopt;
  auto key = h.ShortString("request key");
  if (!key.ok()) return std::nullopt;
  return std::move(*key);
}

Result<WorkerReply> ParseWorkerReply(Frames& f, size_t first) {
  const Kind k = Kind::kReply;
  HeaderReader h(f[first], k);
  ASSIGN_OR_RETURN(auto id, h.U64("request id"));
  RETURN_IF_ERROR(h.End());
  RETURN_IF_ERROR(NeedFrames(f, first + 2, k));
  return WorkerReply{id, std::move(f[first + 1])};
}

Result<Publish> ParsePublish(Frames& f, size_t first) {
  const Kind k = Kind::kPublish;
  HeaderReader h(f[first], k);
  Publish p;
  ASSIGN_OR_RETURN(auto incarnation, h.U64("incarnation"));
  p.incarnation = incarnation;
  ASSIGN_OR_RETURN(auto producer, h.Rest("producer"));
  p.producer = std::move(producer);
  if (f.size() < first + 3 || (f.size() - first - 1) % 2 != 0)
    return Bad(k, "needs (seq+topic, envelope) frame pairs after the header");
  p.events.reserve((f.size() - first - 1) / 2);
  for (size_t j = first + 1; j < f.size(); j += 2) {
    std::string_view id = View(f[j]);
    if (id.size() < 9 || id.size() > 8 + kMaxName)
      return Bad(k, "event id frame must be an 8-byte seq and a 1..255-byte topic");
    p.events.push_back(
        OutgoingEvent{GetU64Le(id.data()), std::string(id.substr(8)), std::move(f[j + 1])});
  }
  return p;
}

Result<Subscribe> ParseSubscribe(const Frames& f, size_t first) {
  const Kind k = Kind::kSubscribe;
  HeaderReader h(f[first], k);
  Subscribe s;
  ASSIGN_OR_RETURN(auto from, h.U64("from seq"));
  s.from_seq = from;
  ASSIGN_OR_RETURN(auto credit, h.U32("credit"));
  s.credit = credit;
  ASSIGN_OR_RETURN(s.incarnation, h.U64("incarnation"));
  RETURN_IF_ERROR(h.End());
  if (f.size() < first + 2) return Bad(k, "needs at least one prefix");
  for (size_t j = first + 1; j < f.size(); ++j) {
    ASSIGN_OR_RETURN(auto p, GetName(f, j, k, "prefix", /*allow_empty=*/true));
    s.prefixes.push_back(std::move(p));
  }
  return s;
}

Result<uint32_t> ParseCredit(const Frames& f, size_t first) {
  RETURN_IF_ERROR(NeedFrames(f, first + 1, Kind::kCredit));
  HeaderReader h(f[first], Kind::kCredit);
  ASSIGN_OR_RETURN(auto credit, h.U32("credit"));
  RETURN_IF_ERROR(h.End());
  return credit;
}

Result<WorkerRequest> ParseWorkerRequest(Frames& f, size_t first) {
  const Kind k = Kind::kRequest;
  HeaderReader h(f[first], k);
  WorkerRequest r;
  ASSIGN_OR_RETURN(auto id, h.U64("request id"));
  r.request_id = id;
  ASSIGN_OR_RETURN(auto timeout, h.U32("timeout"));
  r.timeout_ms = timeout;
  ASSIGN_OR_RETURN(auto time, h.U64("bus time"));
  r.bus_time_ms = static_cast<int64_t>(time);
  ASSIGN_OR_RETURN(r.wait_for_seq, h.U64("wait for seq"));
  RETURN_IF_ERROR(h.End());
  RETURN_IF_ERROR(NeedFrames(f, first + 2, k));
  r.envelope = std::move(f[first + 1]);
  return r;
}

Result<ClientReply> ParseClientReply(Frames& f, size_t first) {
  const Kind k = Kind::kReply;
  HeaderReader h(f[first], k);
  ASSIGN_OR_RETURN(auto key, h.Rest("request key", /*allow_empty=*/true));
  RETURN_IF_ERROR(NeedFrames(f, first + 2, k));
  return ClientReply{std::move(key), std::move(f[first + 1])};
}

Result<PubRefused> ParsePubRefused(const Frames& f, size_t first) {
  const Kind k = Kind::kPubRefused;
  RETURN_IF_ERROR(NeedFrames(f, first + 1, k));
  HeaderReader h(f[first], k);
  ASSIGN_OR_RETURN(auto seq, h.U64("producer seq"));
  ASSIGN_OR_RETURN(auto reason, h.ShortString("reason"));
  if (reason.size() != 1 || reason[0] < 1 || reason[0] > 3)
    return Status::Invalid("PUB_REFUSED: unknown reason");
  ASSIGN_OR_RETURN(auto producer, h.Rest("producer"));
  return PubRefused{std::move(producer), seq, static_cast<PubRefused::Reason>(reason[0])};
}

Result<PubAck> ParsePubAck(const Frames& f, size_t first) {
  const Kind k = Kind::kPubAck;
  RETURN_IF_ERROR(NeedFrames(f, first + 1, k));
  HeaderReader h(f[first], k);
  ASSIGN_OR_RETURN(auto upto, h.U64("upto seq"));
  ASSIGN_OR_RETURN(auto producer, h.Rest("producer"));
  return PubAck{std::move(producer), upto};
}

Result<uint64_t> ParseEventBatch(const Frames& f, size_t first) {
  HeaderReader h(f[first], Kind::kEvent);
  ASSIGN_OR_RETURN(auto scanned, h.U64("scanned through"));
  RETURN_IF_ERROR(h.End());
  return scanned;
}

Result<EventView> ParseEventFrame(const zmq::message_t& frame) {
  if (frame.size() < kEventFrameHeader) return Bad(Kind::kEvent, "event frame too short");
  const char* p = static_cast<const char*>(frame.data());
  EventView e;
  e.seq = GetU64Le(p);
  e.time_ms = static_cast<int64_t>(GetU64Le(p + 8));
  size_t topic_len = GetU16Le(p + 16);
  if (frame.size() < kEventFrameHeader + topic_len)
    return Bad(Kind::kEvent, "topic overruns frame");
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
