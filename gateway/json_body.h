// JSON request bodies: parsing under limits, a typed field reader whose errors are 400 problems
// naming the field, and the JSON <-> MessagePack conversion between HTTP and the bus.
//
// Request bodies are untrusted: size, nesting depth and string lengths are checked, and every
// failure is a Problem (413 for size, 400 otherwise), never an exception. Pure functions;
// JsonReader is a cheap view over a Json owned by the caller (keep it alive). Thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/problem.h"
#include "lib/base/status.h"

namespace mcf::gateway {

using Json = nlohmann::ordered_json;

struct JsonLimits {
  size_t max_body_bytes = 1u << 20;     // whole body; larger -> 413
  size_t max_string_bytes = 64u << 10;  // any string value or key; longer -> 400 naming it
  int max_depth = 16;                   // nesting of objects/arrays; deeper -> 400
};

// Parses `text` as one JSON object within `limits`. Problems: 413 when the body is too large;
// 400 for empty or malformed JSON, a non-object top level, too deep nesting, a key that occurs
// twice in one object (nlohmann would keep the last silently), or an over-long string (field =
// its path, e.g. "body.items[2].name").
ProblemOr<Json> ParseJsonBody(std::string_view text, const JsonLimits& limits);

// Which characters a text field may hold beside printable ones. Every text field refuses the C0
// controls (U+0000..U+001F), DEL (U+007F) and the C1 controls (U+0080..U+009F); long free text
// (descriptions, reasons) may break lines: TAB, LF and CR are allowed there.
enum class TextLines {
  kSingle,  // names, ids, labels
  kMulti,   // free text: \t, \n and \r allowed
};

// What is wrong with `s` as a text field, e.g. "contains the control character U+0000 at
// character 6"; nullopt when it holds none it may not.
std::optional<std::string> FindControlCharacter(std::string_view s, TextLines lines);

// Reads typed fields of one JSON object. The first failure is kept (later reads return empty
// values), so a handler reads everything and then checks problem() once:
//   JsonReader r(body);  auto name = r.String("name", 100);  if (r.problem()) return ...;
// No field is nullable: `null` is refused ("must not be null"), for optional fields too (leave
// the field out instead). Strings are text: control characters are refused (see TextLines).
class JsonReader {
 public:
  // `object` must outlive the reader; `path` prefixes field names in problems ("body").
  explicit JsonReader(const Json& object, std::string path = "body");

  // A required string of `min_bytes`..`max_bytes` bytes (UTF-8).
  std::string String(std::string_view field, size_t max_bytes, size_t min_bytes = 0,
                     TextLines lines = TextLines::kSingle);
  std::optional<std::string> OptString(std::string_view field, size_t max_bytes,
                                       size_t min_bytes = 0,
                                       TextLines lines = TextLines::kSingle);
  // A required integer (JSON number without fraction) in [min, max].
  int64_t Int(std::string_view field, int64_t min = INT64_MIN, int64_t max = INT64_MAX);
  std::optional<int64_t> OptInt(std::string_view field, int64_t min = INT64_MIN,
                                int64_t max = INT64_MAX);
  bool Bool(std::string_view field);
  std::optional<bool> OptBool(std::string_view field);
  // A required string of `min_chars`..`max_chars` characters (UTF-8 code points; the parser has
  // already rejected invalid UTF-8).
  std::string Text(std::string_view field, size_t min_chars, size_t max_chars,
                   TextLines lines = TextLines::kSingle);
  std::optional<std::string> OptText(std::string_view field, size_t min_chars, size_t max_chars,
                                     TextLines lines = TextLines::kSingle);
  // A required array of at most `max_items` single-line strings of `min_chars`..`max_chars`
  // characters each (problems name the item, e.g. "body.strengths[2]").
  std::vector<std::string> TextList(std::string_view field, size_t max_items, size_t min_chars,
                                    size_t max_chars);

  // The first problem met, if any (400, field set).
  const std::optional<Problem>& problem() const { return problem_; }

 private:
  const Json* Find(std::string_view field, bool required);
  void Fail(std::string_view field, std::string detail);

  const Json& object_;
  std::string path_;
  std::optional<Problem> problem_;
};

// A JSON object as a MessagePack map, the body of a bus command (REQUIRES: object.is_object()).
std::string JsonToMsgpack(const Json& object);

// One MessagePack value (the whole input) as JSON, for reply bodies; invalid on malformed input.
Result<Json> MsgpackToJson(std::string_view bytes);

// The number of UTF-8 code points in `s` (bytes that are not continuation bytes).
size_t Utf8Chars(std::string_view s);

// Compact JSON text; invalid UTF-8 is replaced rather than failing.
std::string DumpJson(const Json& json);

}  // namespace mcf::gateway
