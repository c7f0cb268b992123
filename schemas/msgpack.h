// A small MessagePack reader and writer for the bus: enough for envelopes and message bodies,
// without pulling msgpack-cxx templates into every translation unit.
//
// MsgpackReader walks untrusted bytes: every read checks bounds and returns nullopt/false on a
// type mismatch or truncation instead of throwing; Skip() bounds nesting depth, so a hostile
// length prefix or deep nesting cannot allocate or recurse without limit (nothing is allocated
// at all; strings come back as views into the input, valid while the input lives).
// MsgpackWriter appends to a std::string it owns. Neither is thread-safe; both are cheap.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mcf::schemas {

enum class MsgType { kNil, kBool, kInt, kFloat, kString, kBinary, kArray, kMap, kExt, kInvalid };

class MsgpackReader {
 public:
  explicit MsgpackReader(std::string_view data) : data_(data) {}

  // The type of the next value without consuming it; kInvalid at the end or on a reserved byte.
  MsgType Peek() const;
  bool AtEnd() const { return pos_ >= data_.size(); }
  size_t position() const { return pos_; }

  std::optional<uint32_t> ReadMapHeader();
  std::optional<uint32_t> ReadArrayHeader();
  std::optional<std::string_view> ReadString();  // str only
  std::optional<std::string_view> ReadBinary();  // bin only
  std::optional<int64_t> ReadInt();              // any int format that fits int64
  std::optional<uint64_t> ReadUint();            // non-negative ints only
  std::optional<double> ReadFloat();             // float32/64, or an int
  std::optional<bool> ReadBool();
  bool ReadNil();
  // Skips one whole value (nested up to `max_depth`); false on truncation or too deep.
  bool Skip(int max_depth = 32);
  // Skips one value and returns its exact encoded bytes.
  std::optional<std::string_view> ReadRaw(int max_depth = 32);

 private:
  bool Need(size_t n) const { return data_.size() - pos_ >= n; }
  uint64_t BigEndian(size_t offset, size_t n) const;
  std::string_view data_;
  size_t pos_ = 0;
};

class MsgpackWriter {
 public:
  MsgpackWriter& MapHeader(uint32_t n);
  MsgpackWriter& ArrayHeader(uint32_t n);
  MsgpackWriter& String(std::string_view s);
  MsgpackWriter& Binary(std::string_view b);
  MsgpackWriter& Int(int64_t v);
  MsgpackWriter& Uint(uint64_t v);
  MsgpackWriter& Float(double v);
  MsgpackWriter& Bool(bool v);
  MsgpackWriter& Nil();
  // Appends already-encoded MessagePack (one value) verbatim.
  MsgpackWriter& Raw(std::string_view encoded);

  const std::string& bytes() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void PutBigEndian(uint64_t v, int n);
  std::string out_;
};

}  // namespace mcf::schemas
