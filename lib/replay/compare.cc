#include "lib/replay/compare.h"

#include <cstdio>
#include <map>
#include <unordered_map>

#include "schemas/msgpack.h"

namespace mcf::replay {
namespace {

using schemas::MsgpackReader;
using schemas::MsgType;
using Flat = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kAbsent = "<absent>";
constexpr std::string_view kPresent = "<present>";
constexpr int kMaxDepth = 32;

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string Hex(std::string_view b) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : b.substr(0, 32)) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  if (b.size() > 32) out += "...";
  return out;
}

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

bool FlattenValue(MsgpackReader& r, const std::string& path, int depth, Flat& out) {
  if (depth > kMaxDepth) return false;
  switch (r.Peek()) {
    case MsgType::kNil:
      if (!r.ReadNil()) return false;
      out.emplace_back(path, "null");
      return true;
    case MsgType::kBool: {
      auto v = r.ReadBool();
      if (!v) return false;
      out.emplace_back(path, *v ? "true" : "false");
      return true;
    }
    case MsgType::kInt: {
      MsgpackReader copy = r;
      if (auto v = r.ReadInt()) {
        out.emplace_back(path, std::to_string(*v));
        return true;
      }
      r = copy;
      auto u = r.ReadUint();
      if (!u) return false;
      out.emplace_back(path, std::to_string(*u));
      return true;
    }
    case MsgType::kFloat: {
      auto v = r.ReadFloat();
      if (!v) return false;
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", *v);
      out.emplace_back(path, buf);
      return true;
    }
    case MsgType::kString: {
      auto v = r.ReadString();
      if (!v) return false;
      out.emplace_back(path, Quote(*v));
      return true;
    }
    case MsgType::kBinary: {
      auto v = r.ReadBinary();
      if (!v) return false;
      out.emplace_back(path, "bin(" + std::to_string(v->size()) + ")" + Hex(*v));
      return true;
    }
    case MsgType::kArray: {
      auto n = r.ReadArrayHeader();
      if (!n) return false;
      if (*n == 0) out.emplace_back(path, "[]");
      for (uint32_t i = 0; i < *n; ++i)
        if (!FlattenValue(r, path + "[" + std::to_string(i) + "]", depth + 1, out)) return false;
      return true;
    }
    case MsgType::kMap: {
      auto n = r.ReadMapHeader();
      if (!n) return false;
      if (*n == 0) out.emplace_back(path, "{}");
      for (uint32_t i = 0; i < *n; ++i) {
        std::string key;
        if (r.Peek() == MsgType::kString) {
          key = std::string(*r.ReadString());
        } else {
          // A non-string key (not used by MCF envelopes): its rendering names it.
          Flat k;
          if (!FlattenValue(r, "", depth + 1, k) || k.size() != 1) return false;
          key = "[" + k[0].second + "]";
        }
        if (!FlattenValue(r, Join(path, key), depth + 1, out)) return false;
      }
      return true;
    }
    default: {
      auto raw = r.ReadRaw();
      if (!raw) return false;
      out.emplace_back(path, "raw(" + Hex(*raw) + ")");
      return true;
    }
  }
}

std::string Label(const OutputMessage& m) { return std::string(KindLabel(m.kind)) + " " + m.key; }

// Fields compared besides the envelope: an event's topic. Not its global log sequence: the
// order of one producer's events is in their ids (<producer>:<producer_seq>, the clock's derived
// from the minute), and how two producers' events interleave is the scheduling of processes
// reacting to the same input, which replay does not reproduce (decision 025). What a consumer
// did differently because of it shows up in that consumer's own events and replies.
Flat Extras(const OutputMessage& m) {
  if (m.kind == OutputMessage::Kind::kReply) return {};
  return {{"topic", Quote(m.name)}};
}

}  // namespace

std::string FormatDifference(const Difference& d) {
  std::string out = d.message;
  if (!d.type.empty()) out += " " + d.type;
  if (!d.field.empty()) out += " " + d.field;
  return out + ": captured " + d.captured + " now " + d.now;
}

Result<Flat> Flatten(std::string_view msgpack) {
  MsgpackReader r(msgpack);
  Flat out;
  if (!FlattenValue(r, "", 0, out)) return Status::Invalid("malformed MessagePack");
  if (!r.AtEnd()) return Status::Invalid("trailing bytes after the MessagePack value");
  return out;
}

std::vector<Difference> CompareMessage(const OutputMessage& captured, const OutputMessage& now) {
  std::vector<Difference> diffs;
  const std::string label = Label(captured);
  const std::string& type = captured.type.empty() ? now.type : captured.type;
  auto a = Flatten(captured.envelope);
  auto b = Flatten(now.envelope);
  if (!a.ok() || !b.ok()) {
    if (captured.envelope != now.envelope)
      diffs.push_back({label, type, "envelope",
                       a.ok() ? "<decodable>" : "<malformed: " + a.status().message() + ">",
                       b.ok() ? "<decodable>" : "<malformed: " + b.status().message() + ">"});
    return diffs;
  }
  Flat fa = Extras(captured), fb = Extras(now);
  fa.insert(fa.end(), a->begin(), a->end());
  fb.insert(fb.end(), b->begin(), b->end());
  std::unordered_map<std::string, const std::string*> in_now;
  for (const auto& [k, v] : fb) in_now.emplace(k, &v);
  std::unordered_map<std::string, bool> in_captured;
  for (const auto& [k, v] : fa) {
    in_captured.emplace(k, true);
    auto it = in_now.find(k);
    if (it == in_now.end()) {
      diffs.push_back({label, type, k, v, std::string(kAbsent)});
    } else if (*it->second != v) {
      diffs.push_back({label, type, k, v, *it->second});
    }
  }
  for (const auto& [k, v] : fb)
    if (!in_captured.contains(k)) diffs.push_back({label, type, k, std::string(kAbsent), v});
  return diffs;
}

bool ProducedBy(const OutputMessage& m, std::string_view context) {
  if (context.empty()) return true;
  return m.producer == context;
}

std::vector<Difference> CompareOutputs(const Outputs& captured, const Outputs& now,
                                       const CompareOptions& options) {
  std::vector<Difference> diffs;
  std::unordered_map<std::string, const OutputMessage*> by_key;
  for (const auto* set : {&now.replies, &now.events})
    for (const auto& m : *set) by_key.emplace(MatchKey(m), &m);
  std::unordered_map<std::string, bool> matched;
  for (const auto* set : {&captured.replies, &captured.events}) {
    for (const auto& m : *set) {
      const std::string key = MatchKey(m);
      matched[key] = true;
      if (!ProducedBy(m, options.only)) continue;
      auto it = by_key.find(key);
      if (it == by_key.end()) {
        diffs.push_back({Label(m), m.type, "", std::string(kPresent), std::string(kAbsent)});
        continue;
      }
      auto d = CompareMessage(m, *it->second);
      diffs.insert(diffs.end(), d.begin(), d.end());
    }
  }
  for (const auto* set : {&now.replies, &now.events})
    for (const auto& m : *set)
      if (!matched.contains(MatchKey(m)) && ProducedBy(m, options.only))
        diffs.push_back({Label(m), m.type, "", std::string(kAbsent), std::string(kPresent)});
  return diffs;
}

}  // namespace mcf::replay
