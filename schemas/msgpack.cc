#include "schemas/msgpack.h"

// The parser's container stack starts empty: a reader stops at each container header, before
// anything is pushed, so no read allocates. Only this file includes msgpack-cxx.
#define MSGPACK_EMBED_STACK_SIZE 0
#include <msgpack/null_visitor.hpp>
#include <msgpack/unpack.hpp>  // the parser's format tables
#include <msgpack/pack.hpp>
#include <msgpack/parse.hpp>

namespace mcf::schemas {
namespace {

using Token = MsgpackReader::Token;

// Records the first token msgpack-cxx's parser reports and stops the parser there: scalars
// whole, containers after their header.
struct FirstToken : msgpack::null_visitor {
  Token token;
  bool Take(MsgType type) {
    token.type = type;
    return false;
  }
  bool visit_nil() { return Take(MsgType::kNil); }
  bool visit_boolean(bool v) {
    token.bool_value = v;
    return Take(MsgType::kBool);
  }
  bool visit_positive_integer(uint64_t v) {
    token.uint_value = v;
    return Take(MsgType::kInt);
  }
  bool visit_negative_integer(int64_t v) {  // every intN format, whatever the sign
    token.negative = true;
    token.int_value = v;
    return Take(MsgType::kInt);
  }
  bool visit_float32(float v) {
    token.float_value = v;
    return Take(MsgType::kFloat);
  }
  bool visit_float64(double v) {
    token.float_value = v;
    return Take(MsgType::kFloat);
  }
  bool visit_str(const char* v, uint32_t size) {
    token.bytes = {v, size};
    return Take(MsgType::kString);
  }
  bool visit_bin(const char* v, uint32_t size) {
    token.bytes = {v, size};
    return Take(MsgType::kBinary);
  }
  bool visit_ext(const char* v, uint32_t size) {
    token.bytes = {v, size};
    return Take(MsgType::kExt);
  }
  bool start_array(uint32_t n) {
    token.count = n;
    return Take(MsgType::kArray);
  }
  bool start_map(uint32_t n) {
    token.count = n;
    return Take(MsgType::kMap);
  }
  void parse_error(size_t, size_t) { token.type = MsgType::kInvalid; }
  void insufficient_bytes(size_t, size_t) { token.type = MsgType::kInvalid; }
};

// Follows the parse of one map, watching its top-level keys only; stops the parser as soon as
// the answer is known. Containers count into `depth`; past the bound the parse stops, so the
// parser's own stack stays small whatever the input.
struct TopLevelInt : msgpack::null_visitor {
  std::string_view key, stop_key;
  int depth = 0;
  bool in_key = false;
  bool at_key_value = false;  // the value of `key` comes next
  std::optional<int64_t> found;
  bool Enter() {
    if (at_key_value && depth == 1) return false;  // a container where the integer should be
    return ++depth <= 32;
  }
  bool start_map(uint32_t) { return Enter(); }
  bool start_array(uint32_t) { return depth >= 1 && Enter(); }
  bool end_map() { return --depth > 0; }  // the top map ended: key absent
  bool end_array() {
    --depth;
    return true;
  }
  bool start_map_key() {
    in_key = depth == 1;
    return true;
  }
  bool end_map_key() {
    in_key = false;
    return true;
  }
  bool visit_str(const char* v, uint32_t n) {
    if (!in_key) return !at_key_value || depth > 1;  // a string where the integer should be
    const std::string_view k(v, n);
    if (k == stop_key) return false;
    at_key_value = k == key;
    return true;
  }
  bool Value() { return !(at_key_value && depth == 1); }  // any other value there: not an int
  bool visit_positive_integer(uint64_t v) {
    if (!at_key_value || depth != 1) return true;
    if (v <= static_cast<uint64_t>(INT64_MAX)) found = static_cast<int64_t>(v);
    return false;
  }
  bool visit_negative_integer(int64_t v) {
    if (!at_key_value || depth != 1) return true;
    found = v;
    return false;
  }
  bool visit_nil() { return Value(); }
  bool visit_boolean(bool) { return Value(); }
  bool visit_float32(float) { return Value(); }
  bool visit_float64(double) { return Value(); }
  bool visit_bin(const char*, uint32_t) { return Value(); }
  bool visit_ext(const char*, uint32_t) { return Value(); }
  void parse_error(size_t, size_t) {}
  void insufficient_bytes(size_t, size_t) {}
};

}  // namespace

std::optional<int64_t> FindTopLevelInt(std::string_view bytes, std::string_view key,
                                       std::string_view stop_key) {
  TopLevelInt visitor;
  visitor.key = key;
  visitor.stop_key = stop_key;
  size_t off = 0;
  msgpack::v3::parse(bytes.data(), bytes.size(), off, visitor);
  return visitor.found;
}

Token MsgpackReader::Next(size_t* end) const {
  FirstToken visitor;
  size_t off = pos_;
  if (AtEnd()) return {};
  // Stopped by the visitor, the v3 parser leaves `off` on the token's last byte.
  if (msgpack::v3::parse(data_.data(), data_.size(), off, visitor) ||
      visitor.token.type == MsgType::kInvalid)
    return {};  // ran to the end: the visitor never saw a token (cannot happen), or bad input
  ++off;
  Token& t = visitor.token;
  const size_t left = data_.size() - off;
  // A count the input cannot hold is a lie: each element takes at least one byte, each pair
  // two. Refusing it here keeps a hostile header from driving a loop over absent values.
  if ((t.type == MsgType::kArray && t.count > left) ||
      (t.type == MsgType::kMap && t.count > left / 2))
    return {};
  *end = off;
  return t;
}

MsgType MsgpackReader::Peek() const {
  size_t end = 0;
  return Next(&end).type;
}

MsgpackReader::Token MsgpackReader::ReadToken() {
  size_t end = 0;
  Token t = Next(&end);
  if (t.type != MsgType::kInvalid) pos_ = end;
  return t;
}

std::optional<uint32_t> MsgpackReader::ReadMapHeader() {
  size_t end = 0;
  Token t = Next(&end);
  if (t.type != MsgType::kMap) return std::nullopt;
  pos_ = end;
  return t.count;
}

std::optional<uint32_t> MsgpackReader::ReadArrayHeader() {
  size_t end = 0;
  Token t = Next(&end);
  if (t.type != MsgType::kArray) return std::nullopt;
  pos_ = end;
  return t.count;
}

std::optional<std::string_view> MsgpackReader::ReadString() {
  size_t end = 0;
  Token t = Next(&end);
  if (t.type != MsgType::kString) return std::nullopt;
  pos_ = end;
  return t.bytes;
}

std::optional<std::string_view> MsgpackReader::ReadBinary() {
  size_t end = 0;
  Token t = Next(&end);
  if (t.type != MsgType::kBinary) return std::nullopt;
  pos_ = end;
  return t.bytes;
}

std::optional<int64_t> MsgpackReader::ReadInt() {
  size_t end = 0;
  Token t = Next(&end);
  if (t.type != MsgType::kInt) return std::nullopt;
  if (!t.negative && t.uint_value > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  pos_ = end;
  return t.negative ? t.int_value : static_cast<int64_t>(t.uint_value);
}

std::optional<uint64_t> MsgpackReader::ReadUint() {
  size_t end = 0;
  Token t = Next(&end);
  if (t.type != MsgType::kInt || (t.negative && t.int_value < 0)) return std::nullopt;
  pos_ = end;
  return t.negative ? static_cast<uint64_t>(t.int_value) : t.uint_value;
}

std::optional<double> MsgpackReader::ReadFloat() {
  size_t end = 0;
  Token t = Next(&end);
  if (t.type == MsgType::kInt) {
    pos_ = end;
    return t.negative ? static_cast<double>(t.int_value) : static_cast<double>(t.uint_value);
  }
  if (t.type != MsgType::kFloat) return std::nullopt;
  pos_ = end;
  return t.float_value;
}

std::optional<bool> MsgpackReader::ReadBool() {
  size_t end = 0;
  Token t = Next(&end);
  if (t.type != MsgType::kBool) return std::nullopt;
  pos_ = end;
  return t.bool_value;
}

bool MsgpackReader::ReadNil() {
  size_t end = 0;
  if (Next(&end).type != MsgType::kNil) return false;
  pos_ = end;
  return true;
}

bool MsgpackReader::Skip(int max_depth) {
  if (max_depth < 0) return false;
  const size_t start = pos_;
  size_t end = 0;
  Token t = Next(&end);
  if (t.type == MsgType::kInvalid) return false;
  pos_ = end;
  // Containers are walked token by token (not by msgpack-cxx's own stack) so the depth bound
  // holds and nothing is allocated however the input is nested.
  const uint64_t values = t.type == MsgType::kArray ? t.count
                          : t.type == MsgType::kMap ? uint64_t{2} * t.count
                                                    : 0;
  for (uint64_t i = 0; i < values; ++i) {
    if (!Skip(max_depth - 1)) {
      pos_ = start;
      return false;
    }
  }
  return true;
}

std::optional<std::string_view> MsgpackReader::ReadRaw(int max_depth) {
  size_t start = pos_;
  if (!Skip(max_depth)) return std::nullopt;
  return data_.substr(start, pos_ - start);
}

namespace {
msgpack::packer<MsgpackWriter> Packer(MsgpackWriter& w) { return msgpack::packer<MsgpackWriter>(w); }
}  // namespace

MsgpackWriter& MsgpackWriter::MapHeader(uint32_t n) {
  Packer(*this).pack_map(n);
  return *this;
}

MsgpackWriter& MsgpackWriter::ArrayHeader(uint32_t n) {
  Packer(*this).pack_array(n);
  return *this;
}

MsgpackWriter& MsgpackWriter::String(std::string_view s) {
  Packer(*this).pack_str(static_cast<uint32_t>(s.size())).pack_str_body(s.data(),
                                                                         static_cast<uint32_t>(s.size()));
  return *this;
}

MsgpackWriter& MsgpackWriter::Binary(std::string_view b) {
  Packer(*this).pack_bin(static_cast<uint32_t>(b.size())).pack_bin_body(b.data(),
                                                                         static_cast<uint32_t>(b.size()));
  return *this;
}

MsgpackWriter& MsgpackWriter::Int(int64_t v) {
  Packer(*this).pack_int64(v);
  return *this;
}

MsgpackWriter& MsgpackWriter::Uint(uint64_t v) {
  Packer(*this).pack_uint64(v);
  return *this;
}

MsgpackWriter& MsgpackWriter::Float(double v) {
  Packer(*this).pack_double(v);
  return *this;
}

MsgpackWriter& MsgpackWriter::Bool(bool v) {
  if (v)
    Packer(*this).pack_true();
  else
    Packer(*this).pack_false();
  return *this;
}

MsgpackWriter& MsgpackWriter::Nil() {
  Packer(*this).pack_nil();
  return *this;
}

MsgpackWriter& MsgpackWriter::Raw(std::string_view encoded) {
  out_.append(encoded);
  return *this;
}

}  // namespace mcf::schemas
