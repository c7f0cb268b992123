#include "gateway/reply_json.h"

#include <cstdint>

#include "gateway/reply_times.h"
#include "schemas/msgpack.h"

namespace mcf::gateway {
namespace {

// True when `s` is well-formed UTF-8 (what nlohmann's dump would otherwise replace).
bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : c & (0xFF >> (n + 1));
    for (size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return false;
    i += n;
  }
  return true;
}

// JSON string escaping as nlohmann's dump does it with ensure_ascii off; runs of characters that
// need none are appended whole.
void AppendQuoted(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.substr(run, i - run));
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out.append(esc, sizeof esc);
      }
    }
  }
  out.append(s.substr(run));
  out.push_back('"');
}

// A bus time as the edge shows it: 0 (the bus's "not yet") is null.
void WriteTime(std::string& out, int64_t ms) {
  if (ms == 0) {
    out += "null";
  } else {
    AppendQuoted(out, RenderMillis(ms));
  }
}

constexpr int kMaxDepth = 64;

// Writes the next value of `in` as JSON; false on anything the fast path leaves to the slow one.
// `time_key`: the value sits under a time key; `jobs`: the top map's "tasks" is named "jobs".
bool WriteValue(schemas::MsgpackReader& in, std::string& out, int depth, bool time_key,
                bool jobs) {
  if (depth > kMaxDepth) return false;
  const schemas::MsgpackReader::Token t = in.ReadToken();
  switch (t.type) {
    case schemas::MsgType::kMap:
      out.push_back('{');
      for (uint32_t i = 0; i < t.count; ++i) {
        if (i > 0) out.push_back(',');
        const schemas::MsgpackReader::Token key = in.ReadToken();
        if (key.type != schemas::MsgType::kString || !IsUtf8(key.bytes)) return false;
        AppendQuoted(out, jobs && key.bytes == "tasks" ? std::string_view("jobs") : key.bytes);
        out.push_back(':');
        if (!WriteValue(in, out, depth + 1, IsTimeKey(key.bytes), false)) return false;
      }
      out.push_back('}');
      return true;
    case schemas::MsgType::kArray:
      out.push_back('[');
      for (uint32_t i = 0; i < t.count; ++i) {
        if (i > 0) out.push_back(',');
        if (!WriteValue(in, out, depth + 1, false, false)) return false;
      }
      out.push_back(']');
      return true;
    case schemas::MsgType::kString:
      if (!IsUtf8(t.bytes)) return false;
      AppendQuoted(out, t.bytes);
      return true;
    case schemas::MsgType::kInt:
      if (!t.negative) {
        if (time_key && t.uint_value <= static_cast<uint64_t>(INT64_MAX)) {
          WriteTime(out, static_cast<int64_t>(t.uint_value));
        } else {
          out += std::to_string(t.uint_value);
        }
      } else if (time_key) {
        WriteTime(out, t.int_value);
      } else {
        out += std::to_string(t.int_value);
      }
      return true;
    case schemas::MsgType::kBool:
      out += t.bool_value ? "true" : "false";
      return true;
    case schemas::MsgType::kNil:
      out += "null";
      return true;
    default:  // floats, binary, extensions, bad input: the slow path renders or refuses them
      return false;
  }
}

}  // namespace

std::optional<std::string> RenderReplyJson(std::string_view body, ReplyShape shape) {
  if (shape == ReplyShape::kApplicationReceipt) return std::nullopt;  // ShapeReply adds to it
  schemas::MsgpackReader in(body);
  if (in.Peek() != schemas::MsgType::kMap) return std::nullopt;  // the slow path's problem
  std::string out;
  out.reserve(body.size() * 2);
  if (!WriteValue(in, out, 0, false, shape == ReplyShape::kJobs) || !in.AtEnd())
    return std::nullopt;
  return out;
}

}  // namespace mcf::gateway
