#include "lib/capture/format.h"

#include <zlib.h>


#include "lib/base/bytes.h"
#include "schemas/msgpack.h"

namespace mcf::capture {
namespace {

using schemas::MsgpackReader;
using schemas::MsgpackWriter;
using schemas::MsgType;


// Minimal MessagePack encoders writing straight into `out` (the record hot path: no temporary).
void PutBe(std::string& out, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void PutUint(std::string& out, uint64_t v) {
  if (v < 0x80) {
    out.push_back(static_cast<char>(v));
  } else if (v <= 0xFF) {
    out.push_back('\xcc');
    PutBe(out, v, 1);
  } else if (v <= 0xFFFF) {
    out.push_back('\xcd');
    PutBe(out, v, 2);
  } else if (v <= 0xFFFFFFFFu) {
    out.push_back('\xce');
    PutBe(out, v, 4);
  } else {
    out.push_back('\xcf');
    PutBe(out, v, 8);
  }
}
void PutInt(std::string& out, int64_t v) {
  if (v >= 0) return PutUint(out, static_cast<uint64_t>(v));
  if (v >= -32) {
    out.push_back(static_cast<char>(v));
  } else {
    out.push_back('\xd3');
    PutBe(out, static_cast<uint64_t>(v), 8);
  }
}
void PutStr(std::string& out, std::string_view s) {
  if (s.size() < 32) {
    out.push_back(static_cast<char>(0xA0 | s.size()));
  } else if (s.size() <= 0xFF) {
    out.push_back('\xd9');
    PutBe(out, s.size(), 1);
  } else if (s.size() <= 0xFFFF) {
    out.push_back('\xda');
    PutBe(out, s.size(), 2);
  } else {
    out.push_back('\xdb');
    PutBe(out, s.size(), 4);
  }
  out.append(s);
}
void PutBin(std::string& out, std::string_view b) {
  if (b.size() <= 0xFF) {
    out.push_back('\xc4');
    PutBe(out, b.size(), 1);
  } else if (b.size() <= 0xFFFF) {
    out.push_back('\xc5');
    PutBe(out, b.size(), 2);
  } else {
    out.push_back('\xc6');
    PutBe(out, b.size(), 4);
  }
  out.append(b);
}

Status Bad(std::string what) { return Status::Invalid("capture header: " + std::move(what)); }

// `outside` (header and trailer): an array of names.
void WriteNames(MsgpackWriter& w, const std::vector<std::string>& names) {
  w.ArrayHeader(static_cast<uint32_t>(names.size()));
  for (const auto& n : names) w.String(n);
}
bool ReadNames(MsgpackReader& r, std::vector<std::string>& out) {
  auto n = r.ReadArrayHeader();
  if (!n) return false;
  out.clear();
  for (uint32_t i = 0; i < *n; ++i) {
    auto name = r.ReadString();
    if (!name) return false;
    out.emplace_back(*name);
  }
  return true;
}

}  // namespace

std::string_view KindName(RecordKind kind) {
  switch (kind) {
    case RecordKind::kCommand:
      return "command";
    case RecordKind::kReply:
      return "reply";
    case RecordKind::kEvent:
      return "event";
    case RecordKind::kClock:
      return "clock";
    case RecordKind::kDropped:
      return "dropped";
    case RecordKind::kEnd:
      return "end";
  }
  return "unknown";
}

uint32_t Crc32(std::string_view data) {
  return static_cast<uint32_t>(
      crc32_z(0, reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

std::string EncodeFileStart(const Header& header) {
  MsgpackWriter w;
  // `outside` only when there is one: a capture without outside producers keeps the bytes it had.
  w.MapHeader(header.outside.empty() ? 6 : 7);
  w.String("format_version").Uint(kFormatVersion);
  w.String("build_id").String(header.build_id);
  w.String("clock_mode").String(header.clock_mode);
  w.String("start_ms").Int(header.start_ms);
  w.String("seeds").MapHeader(static_cast<uint32_t>(header.seeds.size()));
  for (const auto& [service, seed] : header.seeds) w.String(service).Int(seed);
  w.String("started_wall_ms").Int(header.started_wall_ms);
  if (!header.outside.empty()) WriteNames(w.String("outside"), header.outside);
  const std::string& map = w.bytes();
  std::string out(kMagic);
  out.reserve(FileStartBytes(kFormatVersion, static_cast<uint32_t>(map.size())));
  char buf[6];
  PutU16Le(buf, kFormatVersion);
  PutU32Le(buf + 2, static_cast<uint32_t>(map.size()));
  out.append(buf, 6);
  out += map;
  // The header's own CRC, over everything before it: a damaged seed or start time is an error,
  // not a replay of another run.
  PutU32Le(buf, Crc32(out));
  out.append(buf, kHeaderCrcBytes);
  return out;
}

void AppendRecord(std::string& out, RecordKind kind, int64_t bus_ms, uint64_t seq,
                  std::string_view name, std::string_view envelope, std::string_view key) {
  const size_t start = out.size();
  out.reserve(start + kRecordFrameBytes + 32 + name.size() + envelope.size() + key.size());
  out.append(kRecordFrameBytes, '\0');
  // The payload is written straight into `out` after the frame, then measured and checksummed.
  out.push_back('\x96');  // fixarray of 6
  PutUint(out, static_cast<uint8_t>(kind));
  PutInt(out, bus_ms);
  PutUint(out, seq);
  PutStr(out, name);
  PutBin(out, envelope);
  PutStr(out, key);
  const std::string_view payload(out.data() + start + kRecordFrameBytes,
                                 out.size() - start - kRecordFrameBytes);
  PutU32Le(out.data() + start, static_cast<uint32_t>(payload.size()));
  PutU32Le(out.data() + start + 4, Crc32(payload));
}

std::string EncodeRecord(const Record& record) {
  std::string out;
  AppendRecord(out, record.kind, record.bus_ms, record.seq, record.name, record.envelope,
               record.key);
  return out;
}

Result<Header> DecodeHeader(std::string_view bytes) {
  MsgpackReader r(bytes);
  auto n = r.ReadMapHeader();
  if (!n) return Bad("not a map");
  Header h;
  bool have_version = false;
  for (uint32_t i = 0; i < *n; ++i) {
    auto key = r.ReadString();
    if (!key) return Bad("a key is not a string");
    if (*key == "format_version") {
      auto v = r.ReadUint();
      if (!v || *v > 0xFFFF) return Bad("format_version: expected an unsigned integer");
      h.format_version = static_cast<uint16_t>(*v);
      have_version = true;
    } else if (*key == "build_id" || *key == "clock_mode") {
      auto v = r.ReadString();
      if (!v) return Bad(std::string(*key) + ": expected a string");
      (*key == "build_id" ? h.build_id : h.clock_mode) = std::string(*v);
    } else if (*key == "start_ms" || *key == "started_wall_ms") {
      auto v = r.ReadInt();
      if (!v) return Bad(std::string(*key) + ": expected an integer");
      (*key == "start_ms" ? h.start_ms : h.started_wall_ms) = *v;
    } else if (*key == "seeds") {
      auto m = r.ReadMapHeader();
      if (!m) return Bad("seeds: expected a map");
      for (uint32_t j = 0; j < *m; ++j) {
        auto service = r.ReadString();
        auto seed = service ? r.ReadInt() : std::nullopt;
        if (!seed) return Bad("seeds: expected {service: integer}");
        h.seeds[std::string(*service)] = *seed;
      }
    } else if (*key == "outside") {
      if (!ReadNames(r, h.outside)) return Bad("outside: expected an array of strings");
    } else if (!r.Skip()) {  // unknown keys are ignored (a newer minor addition)
      return Bad("truncated value");
    }
  }
  if (!have_version) return Bad("format_version missing");
  return h;
}

Result<Record> DecodeRecordPayload(std::string_view payload) {
  MsgpackReader r(payload);
  auto n = r.ReadArrayHeader();
  // 5 elements: a record written before version 3, without the sender's key.
  if (!n || (*n != 5 && *n != 6)) return Status::Invalid("record: expected an array of 5 or 6");
  auto kind = r.ReadUint();
  if (!kind || *kind > kMaxRecordKind) return Status::Invalid("record: unknown kind");
  auto bus_ms = r.ReadInt();
  if (!bus_ms) return Status::Invalid("record: bus_ms is not an integer");
  auto seq = r.ReadUint();
  if (!seq) return Status::Invalid("record: seq is not an unsigned integer");
  auto name = r.ReadString();
  if (!name) return Status::Invalid("record: name is not a string");
  auto envelope = r.ReadBinary();
  if (!envelope) return Status::Invalid("record: envelope is not binary");
  std::string_view key;
  if (*n == 6) {
    auto k = r.ReadString();
    if (!k) return Status::Invalid("record: key is not a string");
    key = *k;
  }
  if (!r.AtEnd()) return Status::Invalid("record: bytes after the array");
  return Record{.kind = static_cast<RecordKind>(*kind),
                .bus_ms = *bus_ms,
                .seq = *seq,
                .name = std::string(*name),
                .envelope = std::string(*envelope),
                .key = std::string(key)};
}

std::string EncodeEndBody(uint64_t records, uint64_t dropped,
                          const std::vector<std::string>& outside) {
  MsgpackWriter w;
  w.MapHeader(outside.empty() ? 2 : 3).String("records").Uint(records).String("dropped").Uint(dropped);
  if (!outside.empty()) WriteNames(w.String("outside"), outside);
  return w.Take();
}

std::optional<EndBody> DecodeEndBody(std::string_view bytes) {
  MsgpackReader r(bytes);
  auto n = r.ReadMapHeader();
  if (!n) return std::nullopt;
  EndBody body;
  for (uint32_t i = 0; i < *n; ++i) {
    auto key = r.ReadString();
    if (!key) return std::nullopt;
    if (*key == "records" || *key == "dropped") {
      auto v = r.ReadUint();
      if (!v) return std::nullopt;
      (*key == "records" ? body.records : body.dropped) = *v;
    } else if (*key == "outside") {
      if (!ReadNames(r, body.outside)) return std::nullopt;
    } else if (!r.Skip()) {
      return std::nullopt;
    }
  }
  return body;
}

}  // namespace mcf::capture
