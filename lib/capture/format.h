// The capture file format (docs/capture-format.md is the contract): what a capture's header and
// records hold, and how they are encoded. A capture is a byte-exact recording of the commands,
// replies and events that crossed a broker, for replay and for golden-file review.
//
// File (version 3) = "MCFCAP\n" | u16 LE format version | u32 LE header length
//        | header (MessagePack map) | u32 LE CRC-32 of every byte before it | record*;
// record = u32 LE payload length | u32 LE CRC-32 of payload | payload, where
// payload = MessagePack [kind, bus_ms, seq, name, envelope(bin), key(str)]; key is the key id
// (security::KeyId, never a secret) of the client that sent a command, "" otherwise. Version 2
// records are the 5-element array without key; version 1 also lacks the header's CRC. Readers
// accept all three, writers write the current version only.
// Pure functions and plain values; thread-compatible. No ZeroMQ here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/status.h"

namespace mcf::capture {

inline constexpr std::string_view kMagic = "MCFCAP\n";
// The version writers write; readers accept kOldestFormatVersion..kFormatVersion.
inline constexpr uint16_t kFormatVersion = 3;
inline constexpr uint16_t kOldestFormatVersion = 1;
// magic + u16 version + u32 header length.
inline constexpr size_t kPreambleBytes = 7 + 2 + 4;
// Version 2 on: the u32 CRC-32 after the header map, over the preamble and the map.
inline constexpr size_t kHeaderCrcBytes = 4;
// Bytes from the start of the file to the first record, for a header map of `header_len` bytes.
constexpr size_t FileStartBytes(uint16_t version, uint32_t header_len) {
  return kPreambleBytes + header_len + (version >= 2 ? kHeaderCrcBytes : 0);
}
// Record framing: u32 length + u32 crc.
inline constexpr size_t kRecordFrameBytes = 8;
// Upper bounds a reader enforces before allocating (a hostile or damaged length prefix).
inline constexpr uint32_t kMaxHeaderBytes = 1u << 20;
inline constexpr uint32_t kMaxRecordBytes = (16u << 20) + 4096;  // one 16 MiB envelope + fields

enum class RecordKind : uint8_t {
  kCommand = 0,  // a client's REQUEST envelope as the broker received it; name = service
  kReply = 1,    // a reply envelope as the broker sent it to the client; name = service
  kEvent = 2,    // an event as it became durable; seq = its log sequence; name = topic
  kClock = 3,    // the bus clock's own event (producer "clock"), like kEvent
  kDropped = 4,  // seq = records lost here because the tap's queue was full; no envelope
  kEnd = 5,      // trailer of a capture that was stopped cleanly; envelope = {records, dropped}
};
inline constexpr uint8_t kMaxRecordKind = 5;
std::string_view KindName(RecordKind kind);

struct Header {
  // The file's version as read; EncodeFileStart always writes kFormatVersion.
  uint16_t format_version = kFormatVersion;
  std::string build_id;                  // `git describe` of the recording build
  std::string clock_mode;                // "real" or "sim"
  int64_t start_ms = 0;                  // bus time when the capture started
  std::map<std::string, int64_t> seeds;  // per service; "*" = every process started with it
  int64_t started_wall_ms = 0;           // wall clock when the capture started
  // Names whose keys had role `outside` when the capture started (adapters for outside
  // parties, docs/outside-systems.md), sorted; written only when not empty, absent in older
  // captures (= none). Replay feeds their events as inputs.
  std::vector<std::string> outside;
  bool operator==(const Header&) const = default;
};

struct Record {
  RecordKind kind = RecordKind::kCommand;
  int64_t bus_ms = 0;
  uint64_t seq = 0;      // events: log sequence; kDropped: how many; otherwise 0
  std::string name;      // service (command, reply) or topic (event, clock); may be empty
  std::string envelope;  // the exact envelope bytes
  // Commands: the sender's key id ("k:" + 12 hex digits), "" from an --insecure broker and in
  // captures older than version 3; other kinds: "". Last, so {kind, ..., envelope} still works.
  std::string key;
  bool operator==(const Record&) const = default;
};

// The build id compiled into this binary (CMake-configured `git describe`).
std::string_view BuildId();

// Preamble + header map + header CRC, the first bytes of every capture, always in the current
// format version (kFormatVersion, whatever header.format_version says).
std::string EncodeFileStart(const Header& header);
// One framed record (length, crc, payload).
std::string EncodeRecord(const Record& record);
// Appends one framed record to `out` without building an intermediate Record.
void AppendRecord(std::string& out, RecordKind kind, int64_t bus_ms, uint64_t seq,
                  std::string_view name, std::string_view envelope, std::string_view key = "");

// Decodes a header map (after the preamble); invalid on a malformed map.
Result<Header> DecodeHeader(std::string_view bytes);
// Decodes a record payload (after its length and crc were checked): the array of 6, or of 5
// (versions 1 and 2, key ""); invalid when malformed.
Result<Record> DecodeRecordPayload(std::string_view payload);

// The kEnd trailer's envelope: {records, dropped} and, when not empty, `outside`: the names of
// outside keys that published while the capture ran (those registered after it started
// included), sorted. Readers of older captures skip it; absent = none.
std::string EncodeEndBody(uint64_t records, uint64_t dropped,
                          const std::vector<std::string>& outside = {});
struct EndBody {
  uint64_t records = 0;
  uint64_t dropped = 0;
  std::vector<std::string> outside;
};
std::optional<EndBody> DecodeEndBody(std::string_view bytes);

// CRC-32 (IEEE 802.3), computed by zlib (crc32_z), so `crc32` tools agree.
uint32_t Crc32(std::string_view data);

}  // namespace mcf::capture
