#include "schemas/msgpack.h"

#include <cstring>

namespace mcf::schemas {

uint64_t MsgpackReader::BigEndian(size_t offset, size_t n) const {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(data_[offset + i]);
  return v;
}

MsgType MsgpackReader::Peek() const {
  if (AtEnd()) return MsgType::kInvalid;
  auto b = static_cast<unsigned char>(data_[pos_]);
  if (b <= 0x7f || b >= 0xe0) return MsgType::kInt;
  if (b <= 0x8f) return MsgType::kMap;
  if (b <= 0x9f) return MsgType::kArray;
  if (b <= 0xbf) return MsgType::kString;
  switch (b) {
    case 0xc0: return MsgType::kNil;
    case 0xc2: case 0xc3: return MsgType::kBool;
    case 0xc4: case 0xc5: case 0xc6: return MsgType::kBinary;
    case 0xc7: case 0xc8: case 0xc9: case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
      return MsgType::kExt;
    case 0xca: case 0xcb: return MsgType::kFloat;
    case 0xcc: case 0xcd: case 0xce: case 0xcf: case 0xd0: case 0xd1: case 0xd2: case 0xd3:
      return MsgType::kInt;
    case 0xd9: case 0xda: case 0xdb: return MsgType::kString;
    case 0xdc: case 0xdd: return MsgType::kArray;
    case 0xde: case 0xdf: return MsgType::kMap;
    default: return MsgType::kInvalid;  // 0xc1 is never used
  }
}

std::optional<uint32_t> MsgpackReader::ReadMapHeader() {
  if (AtEnd()) return std::nullopt;
  auto b = static_cast<unsigned char>(data_[pos_]);
  if (b >= 0x80 && b <= 0x8f) { ++pos_; return b & 0x0f; }
  size_t n = b == 0xde ? 2 : b == 0xdf ? 4 : 0;
  if (n == 0 || !Need(1 + n)) return std::nullopt;
  auto v = static_cast<uint32_t>(BigEndian(pos_ + 1, n));
  // Each entry takes at least two bytes: a count the input cannot hold is a lie.
  if (v > (data_.size() - pos_ - 1 - n) / 2) return std::nullopt;
  pos_ += 1 + n;
  return v;
}

std::optional<uint32_t> MsgpackReader::ReadArrayHeader() {
  if (AtEnd()) return std::nullopt;
  auto b = static_cast<unsigned char>(data_[pos_]);
  if (b >= 0x90 && b <= 0x9f) { ++pos_; return b & 0x0f; }
  size_t n = b == 0xdc ? 2 : b == 0xdd ? 4 : 0;
  if (n == 0 || !Need(1 + n)) return std::nullopt;
  auto v = static_cast<uint32_t>(BigEndian(pos_ + 1, n));
  if (v > data_.size() - pos_ - 1 - n) return std::nullopt;
  pos_ += 1 + n;
  return v;
}

std::optional<std::string_view> MsgpackReader::ReadString() {
  if (AtEnd()) return std::nullopt;
  auto b = static_cast<unsigned char>(data_[pos_]);
  size_t header = 1, len = 0;
  if (b >= 0xa0 && b <= 0xbf) {
    len = b & 0x1f;
  } else if (b == 0xd9 || b == 0xda || b == 0xdb) {
    size_t n = b == 0xd9 ? 1 : b == 0xda ? 2 : 4;
    if (!Need(1 + n)) return std::nullopt;
    len = BigEndian(pos_ + 1, n);
    header += n;
  } else {
    return std::nullopt;
  }
  if (!Need(header) || data_.size() - pos_ - header < len) return std::nullopt;
  std::string_view s = data_.substr(pos_ + header, len);
  pos_ += header + len;
  return s;
}

std::optional<std::string_view> MsgpackReader::ReadBinary() {
  if (AtEnd()) return std::nullopt;
  auto b = static_cast<unsigned char>(data_[pos_]);
  size_t n = b == 0xc4 ? 1 : b == 0xc5 ? 2 : b == 0xc6 ? 4 : 0;
  if (n == 0 || !Need(1 + n)) return std::nullopt;
  size_t len = BigEndian(pos_ + 1, n);
  if (data_.size() - pos_ - 1 - n < len) return std::nullopt;
  std::string_view s = data_.substr(pos_ + 1 + n, len);
  pos_ += 1 + n + len;
  return s;
}

std::optional<int64_t> MsgpackReader::ReadInt() {
  if (AtEnd()) return std::nullopt;
  auto b = static_cast<unsigned char>(data_[pos_]);
  if (b <= 0x7f) { ++pos_; return b; }
  if (b >= 0xe0) { ++pos_; return static_cast<int8_t>(b); }
  size_t n = 0;
  bool is_signed = false;
  switch (b) {
    case 0xcc: n = 1; break;
    case 0xcd: n = 2; break;
    case 0xce: n = 4; break;
    case 0xcf: n = 8; break;
    case 0xd0: n = 1; is_signed = true; break;
    case 0xd1: n = 2; is_signed = true; break;
    case 0xd2: n = 4; is_signed = true; break;
    case 0xd3: n = 8; is_signed = true; break;
    default: return std::nullopt;
  }
  if (!Need(1 + n)) return std::nullopt;
  uint64_t raw = BigEndian(pos_ + 1, n);
  int64_t v;
  if (is_signed) {
    // Sign-extend from n bytes.
    int shift = 64 - static_cast<int>(n) * 8;
    v = static_cast<int64_t>(raw << shift) >> shift;
  } else {
    if (raw > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    v = static_cast<int64_t>(raw);
  }
  pos_ += 1 + n;
  return v;
}

std::optional<uint64_t> MsgpackReader::ReadUint() {
  if (AtEnd()) return std::nullopt;
  auto b = static_cast<unsigned char>(data_[pos_]);
  if (b == 0xcf) {
    if (!Need(9)) return std::nullopt;
    pos_ += 9;
    return BigEndian(pos_ - 8, 8);
  }
  size_t start = pos_;
  auto v = ReadInt();
  if (!v || *v < 0) {
    pos_ = start;
    return std::nullopt;
  }
  return static_cast<uint64_t>(*v);
}

std::optional<double> MsgpackReader::ReadFloat() {
  if (AtEnd()) return std::nullopt;
  auto b = static_cast<unsigned char>(data_[pos_]);
  if (b == 0xca && Need(5)) {
    auto bits = static_cast<uint32_t>(BigEndian(pos_ + 1, 4));
    float f;
    std::memcpy(&f, &bits, 4);
    pos_ += 5;
    return f;
  }
  if (b == 0xcb && Need(9)) {
    uint64_t bits = BigEndian(pos_ + 1, 8);
    double d;
    std::memcpy(&d, &bits, 8);
    pos_ += 9;
    return d;
  }
  if (auto i = ReadInt()) return static_cast<double>(*i);
  return std::nullopt;
}

std::optional<bool> MsgpackReader::ReadBool() {
  if (AtEnd()) return std::nullopt;
  auto b = static_cast<unsigned char>(data_[pos_]);
  if (b != 0xc2 && b != 0xc3) return std::nullopt;
  ++pos_;
  return b == 0xc3;
}

bool MsgpackReader::ReadNil() {
  if (AtEnd() || static_cast<unsigned char>(data_[pos_]) != 0xc0) return false;
  ++pos_;
  return true;
}

bool MsgpackReader::Skip(int max_depth) {
  if (max_depth < 0) return false;
  switch (Peek()) {
    case MsgType::kNil: return ReadNil();
    case MsgType::kBool: return ReadBool().has_value();
    case MsgType::kInt: return ReadInt().has_value() || ReadUint().has_value();
    case MsgType::kFloat: return ReadFloat().has_value();
    case MsgType::kString: return ReadString().has_value();
    case MsgType::kBinary: return ReadBinary().has_value();
    case MsgType::kArray: {
      auto n = ReadArrayHeader();
      if (!n) return false;
      for (uint32_t i = 0; i < *n; ++i)
        if (!Skip(max_depth - 1)) return false;
      return true;
    }
    case MsgType::kMap: {
      auto n = ReadMapHeader();
      if (!n) return false;
      for (uint32_t i = 0; i < 2 * *n; ++i)
        if (!Skip(max_depth - 1)) return false;
      return true;
    }
    case MsgType::kExt: {
      auto b = static_cast<unsigned char>(data_[pos_]);
      size_t header, len;
      switch (b) {
        case 0xd4: header = 2; len = 1; break;
        case 0xd5: header = 2; len = 2; break;
        case 0xd6: header = 2; len = 4; break;
        case 0xd7: header = 2; len = 8; break;
        case 0xd8: header = 2; len = 16; break;
        default: {
          size_t n = b == 0xc7 ? 1 : b == 0xc8 ? 2 : 4;
          if (!Need(1 + n)) return false;
          len = BigEndian(pos_ + 1, n);
          header = 2 + n;
        }
      }
      if (!Need(header) || data_.size() - pos_ - header < len) return false;
      pos_ += header + len;
      return true;
    }
    case MsgType::kInvalid: return false;
  }
  return false;
}

std::optional<std::string_view> MsgpackReader::ReadRaw(int max_depth) {
  size_t start = pos_;
  if (!Skip(max_depth)) {
    pos_ = start;
    return std::nullopt;
  }
  return data_.substr(start, pos_ - start);
}

void MsgpackWriter::PutBigEndian(uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

MsgpackWriter& MsgpackWriter::MapHeader(uint32_t n) {
  if (n < 16) {
    out_.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xffff) {
    out_.push_back(static_cast<char>(0xde));
    PutBigEndian(n, 2);
  } else {
    out_.push_back(static_cast<char>(0xdf));
    PutBigEndian(n, 4);
  }
  return *this;
}

MsgpackWriter& MsgpackWriter::ArrayHeader(uint32_t n) {
  if (n < 16) {
    out_.push_back(static_cast<char>(0x90 | n));
  } else if (n <= 0xffff) {
    out_.push_back(static_cast<char>(0xdc));
    PutBigEndian(n, 2);
  } else {
    out_.push_back(static_cast<char>(0xdd));
    PutBigEndian(n, 4);
  }
  return *this;
}

MsgpackWriter& MsgpackWriter::String(std::string_view s) {
  size_t n = s.size();
  if (n < 32) {
    out_.push_back(static_cast<char>(0xa0 | n));
  } else if (n <= 0xff) {
    out_.push_back(static_cast<char>(0xd9));
    PutBigEndian(n, 1);
  } else if (n <= 0xffff) {
    out_.push_back(static_cast<char>(0xda));
    PutBigEndian(n, 2);
  } else {
    out_.push_back(static_cast<char>(0xdb));
    PutBigEndian(n, 4);
  }
  out_.append(s);
  return *this;
}

MsgpackWriter& MsgpackWriter::Binary(std::string_view b) {
  size_t n = b.size();
  if (n <= 0xff) {
    out_.push_back(static_cast<char>(0xc4));
    PutBigEndian(n, 1);
  } else if (n <= 0xffff) {
    out_.push_back(static_cast<char>(0xc5));
    PutBigEndian(n, 2);
  } else {
    out_.push_back(static_cast<char>(0xc6));
    PutBigEndian(n, 4);
  }
  out_.append(b);
  return *this;
}

MsgpackWriter& MsgpackWriter::Int(int64_t v) {
  if (v >= 0) return Uint(static_cast<uint64_t>(v));
  if (v >= -32) {
    out_.push_back(static_cast<char>(v));
  } else if (v >= INT8_MIN) {
    out_.push_back(static_cast<char>(0xd0));
    PutBigEndian(static_cast<uint8_t>(v), 1);
  } else if (v >= INT16_MIN) {
    out_.push_back(static_cast<char>(0xd1));
    PutBigEndian(static_cast<uint16_t>(v), 2);
  } else if (v >= INT32_MIN) {
    out_.push_back(static_cast<char>(0xd2));
    PutBigEndian(static_cast<uint32_t>(v), 4);
  } else {
    out_.push_back(static_cast<char>(0xd3));
    PutBigEndian(static_cast<uint64_t>(v), 8);
  }
  return *this;
}

MsgpackWriter& MsgpackWriter::Uint(uint64_t v) {
  if (v <= 0x7f) {
    out_.push_back(static_cast<char>(v));
  } else if (v <= 0xff) {
    out_.push_back(static_cast<char>(0xcc));
    PutBigEndian(v, 1);
  } else if (v <= 0xffff) {
    out_.push_back(static_cast<char>(0xcd));
    PutBigEndian(v, 2);
  } else if (v <= 0xffffffffULL) {
    out_.push_back(static_cast<char>(0xce));
    PutBigEndian(v, 4);
  } else {
    out_.push_back(static_cast<char>(0xcf));
    PutBigEndian(v, 8);
  }
  return *this;
}

MsgpackWriter& MsgpackWriter::Float(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  out_.push_back(static_cast<char>(0xcb));
  PutBigEndian(bits, 8);
  return *this;
}

MsgpackWriter& MsgpackWriter::Bool(bool v) {
  out_.push_back(static_cast<char>(v ? 0xc3 : 0xc2));
  return *this;
}

MsgpackWriter& MsgpackWriter::Nil() {
  out_.push_back(static_cast<char>(0xc0));
  return *this;
}

MsgpackWriter& MsgpackWriter::Raw(std::string_view encoded) {
  out_.append(encoded);
  return *this;
}

}  // namespace mcf::schemas
