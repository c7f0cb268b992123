#include "gateway/json_body.h"

#include <cstdio>
#include <unordered_set>
#include <vector>

namespace mcf::gateway {
namespace {

// The deepest nesting of `text`, stopping early once past `limit` (strings skipped, escapes
// honoured). Runs before the parser so hostile nesting never reaches recursive code.
int NestingDepth(std::string_view text, int limit) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

// The path of the first string (key or value) longer than `max`, if any. Depth is bounded by
// NestingDepth, so the recursion is too.
std::optional<std::string> FindLongString(const Json& value, const std::string& path, size_t max) {
  if (value.is_string()) {
    if (value.get_ref<const std::string&>().size() > max) return path;
  } else if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      std::string child_path = path + "." + key;
      if (key.size() > max) return child_path;
      if (auto found = FindLongString(child, child_path, max)) return found;
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      if (auto found = FindLongString(value[i], path + "[" + std::to_string(i) + "]", max)) {
        return found;
      }
    }
  }
  return std::nullopt;
}

// A SAX pass over the body that stops at the first key seen twice in one object, at any depth,
// and remembers its path ("body.items[1].name"). nlohmann's DOM parser keeps the last value
// silently, so this runs first. Depth is bounded by NestingDepth before it runs.
class DuplicateKeyFinder {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  bool null() { return Value(); }
  bool boolean(bool) { return Value(); }
  bool number_integer(number_integer_t) { return Value(); }
  bool number_unsigned(number_unsigned_t) { return Value(); }
  bool number_float(number_float_t, const string_t&) { return Value(); }
  bool string(string_t&) { return Value(); }
  bool binary(binary_t&) { return Value(); }
  bool start_object(std::size_t) { return Push(true); }
  bool end_object() { return Pop(); }
  bool start_array(std::size_t) { return Push(false); }
  bool end_array() { return Pop(); }
  bool key(string_t& key) {
    Frame& f = frames_.back();
    if (!f.keys.insert(key).second) {
      duplicate_ = f.path + "." + key;
      return false;
    }
    f.key = key;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const Json::exception&) {
    malformed_ = true;
    return false;
  }

  // The path of the first duplicated key, if one stopped the pass.
  const std::optional<std::string>& duplicate() const { return duplicate_; }
  bool malformed() const { return malformed_; }

 private:
  struct Frame {
    bool is_object = false;
    std::string path;
    std::unordered_set<std::string> keys;  // objects: keys so far
    std::string key;                       // objects: the key of the value being read
    size_t index = 0;                      // arrays: the index of the value being read
  };

  // The path of the value about to be read.
  std::string ChildPath() const {
    if (frames_.empty()) return "body";
    const Frame& f = frames_.back();
    return f.is_object ? f.path + "." + f.key : f.path + "[" + std::to_string(f.index) + "]";
  }
  bool Value() {
    if (!frames_.empty() && !frames_.back().is_object) ++frames_.back().index;
    return true;
  }
  bool Push(bool is_object) {
    Frame f;
    f.is_object = is_object;
    f.path = ChildPath();
    frames_.push_back(std::move(f));
    return true;
  }
  bool Pop() {
    frames_.pop_back();
    return Value();
  }

  std::vector<Frame> frames_;
  std::optional<std::string> duplicate_;
  bool malformed_ = false;
};

std::string_view TypeName(const Json& value) {
  if (value.is_number_integer() || value.is_number_unsigned()) return "integer";
  return value.type_name();
}

}  // namespace

ProblemOr<Json> ParseJsonBody(std::string_view text, const JsonLimits& limits) {
  if (text.size() > limits.max_body_bytes) {
    return MakeProblem(kHttpPayloadTooLarge,
                       "body is larger than " + std::to_string(limits.max_body_bytes) + " bytes");
  }
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return MakeProblem(kHttpBadRequest, "body is empty; expected a JSON object", "body");
  }
  if (NestingDepth(text, limits.max_depth) > limits.max_depth) {
    return MakeProblem(kHttpBadRequest,
                       "body is nested deeper than " + std::to_string(limits.max_depth) + " levels",
                       "body");
  }
  DuplicateKeyFinder finder;
  if (!Json::sax_parse(text.begin(), text.end(), &finder)) {
    if (finder.duplicate()) {
      return MakeProblem(kHttpBadRequest,
                         *finder.duplicate() + ": duplicate key (each key may appear once)",
                         *finder.duplicate());
    }
    return MakeProblem(kHttpBadRequest, "body is not valid JSON", "body");
  }
  Json value = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return MakeProblem(kHttpBadRequest, "body is not valid JSON", "body");
  }
  if (!value.is_object()) {
    return MakeProblem(kHttpBadRequest,
                       "body must be a JSON object, got " + std::string(TypeName(value)), "body");
  }
  if (auto path = FindLongString(value, "body", limits.max_string_bytes)) {
    return MakeProblem(
        kHttpBadRequest,
        *path + ": longer than " + std::to_string(limits.max_string_bytes) + " bytes", *path);
  }
  return value;
}

JsonReader::JsonReader(const Json& object, std::string path)
    : object_(object), path_(std::move(path)) {}

void JsonReader::Fail(std::string_view field, std::string detail) {
  if (problem_) return;
  std::string name = path_ + "." + std::string(field);
  problem_ = MakeProblem(kHttpBadRequest, name + ": " + std::move(detail), name);
}

const Json* JsonReader::Find(std::string_view field, bool required) {
  if (problem_) return nullptr;
  if (!object_.is_object()) {
    if (!problem_) {
      problem_ = MakeProblem(kHttpBadRequest, path_ + ": expected an object", path_);
    }
    return nullptr;
  }
  auto it = object_.find(std::string(field));
  if (it == object_.end()) {
    if (required) Fail(field, "required");
    return nullptr;
  }
  if (it->is_null()) {
    Fail(field, required ? "required; null is not a value" : "must not be null (leave it out)");
    return nullptr;
  }
  return &*it;
}

std::optional<std::string> JsonReader::OptString(std::string_view field, size_t max_bytes,
                                                 size_t min_bytes, TextLines lines) {
  const Json* v = Find(field, false);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    Fail(field, "expected a string, got " + std::string(TypeName(*v)));
    return std::nullopt;
  }
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > max_bytes) {
    Fail(field, "longer than " + std::to_string(max_bytes) + " bytes");
    return std::nullopt;
  }
  if (s.size() < min_bytes) {
    Fail(field, min_bytes == 1 ? std::string("must not be empty")
                               : "shorter than " + std::to_string(min_bytes) + " bytes");
    return std::nullopt;
  }
  if (auto bad = FindControlCharacter(s, lines)) {
    Fail(field, std::move(*bad));
    return std::nullopt;
  }
  return s;
}

std::string JsonReader::String(std::string_view field, size_t max_bytes, size_t min_bytes,
                               TextLines lines) {
  if (Find(field, true) == nullptr) return {};
  return OptString(field, max_bytes, min_bytes, lines).value_or("");
}

std::optional<int64_t> JsonReader::OptInt(std::string_view field, int64_t min, int64_t max) {
  const Json* v = Find(field, false);
  if (v == nullptr) return std::nullopt;
  int64_t n = 0;
  if (v->is_number_integer() && !v->is_number_unsigned()) {
    n = v->get<int64_t>();
  } else if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) {
      Fail(field, "out of range");
      return std::nullopt;
    }
    n = static_cast<int64_t>(u);
  } else {
    Fail(field, "expected an integer, got " + std::string(TypeName(*v)));
    return std::nullopt;
  }
  if (n < min || n > max) {
    Fail(field, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return n;
}

int64_t JsonReader::Int(std::string_view field, int64_t min, int64_t max) {
  if (Find(field, true) == nullptr) return 0;
  return OptInt(field, min, max).value_or(0);
}

bool JsonReader::Bool(std::string_view field) {
  const Json* v = Find(field, true);
  if (v == nullptr) return false;
  if (!v->is_boolean()) {
    Fail(field, "expected a boolean, got " + std::string(TypeName(*v)));
    return false;
  }
  return v->get<bool>();
}

std::optional<bool> JsonReader::OptBool(std::string_view field) {
  const Json* v = Find(field, false);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) {
    Fail(field, "expected a boolean, got " + std::string(TypeName(*v)));
    return std::nullopt;
  }
  return v->get<bool>();
}

namespace {

// nullopt when `s` has min..max characters; else what is wrong with it.
std::optional<std::string> CheckChars(const std::string& s, size_t min_chars, size_t max_chars) {
  const size_t n = Utf8Chars(s);
  if (n < min_chars) {
    return min_chars == 1 ? std::string("must not be empty")
                          : "shorter than " + std::to_string(min_chars) + " characters";
  }
  if (n > max_chars) return "longer than " + std::to_string(max_chars) + " characters";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> JsonReader::OptText(std::string_view field, size_t min_chars,
                                               size_t max_chars, TextLines lines) {
  // 4 bytes per character at most; the byte check keeps hostile input cheap.
  auto s = OptString(field, max_chars * 4, 0, lines);
  if (!s) return std::nullopt;
  if (auto bad = CheckChars(*s, min_chars, max_chars)) {
    Fail(field, std::move(*bad));
    return std::nullopt;
  }
  return s;
}

std::string JsonReader::Text(std::string_view field, size_t min_chars, size_t max_chars,
                             TextLines lines) {
  if (Find(field, true) == nullptr) return {};
  return OptText(field, min_chars, max_chars, lines).value_or("");
}

std::vector<std::string> JsonReader::TextList(std::string_view field, size_t max_items,
                                              size_t min_chars, size_t max_chars) {
  const Json* v = Find(field, true);
  if (v == nullptr) return {};
  if (!v->is_array()) {
    Fail(field, "expected an array, got " + std::string(TypeName(*v)));
    return {};
  }
  if (v->size() > max_items) {
    Fail(field, "more than " + std::to_string(max_items) + " items");
    return {};
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < v->size(); ++i) {
    const std::string item = std::string(field) + "[" + std::to_string(i) + "]";
    const Json& e = (*v)[i];
    if (!e.is_string()) {
      Fail(item, "expected a string, got " + std::string(TypeName(e)));
      return {};
    }
    if (auto bad = CheckChars(e.get_ref<const std::string&>(), min_chars, max_chars)) {
      Fail(item, std::move(*bad));
      return {};
    }
    if (auto bad = FindControlCharacter(e.get_ref<const std::string&>(), TextLines::kSingle)) {
      Fail(item, std::move(*bad));
      return {};
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::optional<std::string> FindControlCharacter(std::string_view s, TextLines lines) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xc0u) == 0x80u) continue;  // a continuation byte: not a new character
    ++chars;
    unsigned code = 0x100;  // not a control
    if (c < 0x20u || c == 0x7fu) {
      code = c;
    } else if (c == 0xc2u && i + 1 < s.size()) {
      // U+0080..U+009F, the C1 controls, are 0xC2 0x80..0x9F in UTF-8.
      const auto next = static_cast<unsigned char>(s[i + 1]);
      if (next >= 0x80u && next <= 0x9fu) code = next;
    }
    if (code == 0x100) continue;
    if (lines == TextLines::kMulti && (code == '\t' || code == '\n' || code == '\r')) continue;
    char buf[96];
    std::snprintf(buf, sizeof buf, "contains the control character U+%04X at character %zu%s",
                  code, chars,
                  lines == TextLines::kSingle && (code == '\t' || code == '\n' || code == '\r')
                      ? " (this field is one line)"
                      : "");
    return std::string(buf);
  }
  return std::nullopt;
}

size_t Utf8Chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0u) != 0x80u;
  return n;
}

std::string JsonToMsgpack(const Json& object) {
  std::string out;
  Json::to_msgpack(object, out);
  return out;
}

Result<Json> MsgpackToJson(std::string_view bytes) {
  try {
    Json value = Json::from_msgpack(bytes.begin(), bytes.end(), /*strict=*/true,
                                    /*allow_exceptions=*/false);
    if (value.is_discarded()) return Status::Invalid("not valid MessagePack");
    return value;
  } catch (const nlohmann::json::exception& e) {
    return Status::Invalid(std::string("not valid MessagePack: ") + e.what());
  }
}

std::string DumpJson(const Json& json) {
  return json.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mcf::gateway
