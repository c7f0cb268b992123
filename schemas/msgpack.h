// MsgpackReader and MsgpackWriter: the bus's MessagePack, read and written through msgpack-cxx,
// behind a small pull interface so that msgpack-cxx's templates stay in one translation unit.
//
// MsgpackReader walks untrusted bytes one value (or one container header) at a time: it runs
// msgpack-cxx's parser (msgpack::parse with a visitor) and stops it after the first token, so
// reading allocates nothing and strings come back as views into the input (valid while the
// input lives). Every read returns nullopt/false on a type mismatch or truncation and then
// leaves the position unchanged; a container count the remaining bytes cannot hold is refused
// before anything is read; Skip() bounds nesting depth. MsgpackWriter appends to a std::string
// it owns, through msgpack::packer (smallest encoding for every value).
// Neither is thread-safe; both are cheap to create and to copy.
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
  // Whether the next value is nil, from its first byte alone (no parse: the codec asks this of
  // every field).
  bool NextIsNil() const { return pos_ < data_.size() && data_[pos_] == '\xc0'; }
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

  // One token of the input, as msgpack-cxx's parser reported it (public for the .cc's visitor).
  struct Token {
    MsgType type = MsgType::kInvalid;
    bool negative = false;  // kInt: `int_value` holds it; otherwise `uint_value`
    int64_t int_value = 0;
    uint64_t uint_value = 0;
    double float_value = 0;
    bool bool_value = false;
    std::string_view bytes;  // kString, kBinary, kExt
    uint32_t count = 0;      // kArray: elements, kMap: pairs
  };
  // Reads the next token whatever its type, in one parse: a scalar whole, or a container's
  // header (`count`; its elements follow). kInvalid, position unchanged, at the end or on bad
  // input. For a walker that takes what comes (the gateway's reply-to-JSON writer).
  Token ReadToken();

 private:
  // Parses the next token without moving; sets `*end` to the position after it.
  Token Next(size_t* end) const;
  std::string_view data_;
  size_t pos_ = 0;
};

// The integer under `key` in the map `bytes`, found in one pass of msgpack-cxx's parser with
// nothing decoded: nullopt when the key is absent, not an integer, or comes after `stop_key`
// (whose value is then not walked), and when the input is malformed or nested deeper than 32.
// What a router needs of an envelope on every message.
std::optional<int64_t> FindTopLevelInt(std::string_view bytes, std::string_view key,
                                       std::string_view stop_key);

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

  // msgpack::packer's buffer interface: appends to the output (public for the .cc's packer).
  void write(const char* data, size_t size) { out_.append(data, size); }

 private:
  std::string out_;
};

}  // namespace mcf::schemas
