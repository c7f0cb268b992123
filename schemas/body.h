// Body and BodyWriter: typed access to a message body (a MessagePack map) by field name.
//
// Body::Parse indexes the top level of a map once; the typed getters then return a value or an
// `invalid` Status naming the field ("body.age: expected an integer"), so handlers can return it
// as the reply unchanged. Unknown fields are ignored (forward compatibility); duplicate keys are
// rejected. Views returned (Raw, nested Body) point into the parsed bytes: keep them alive.
// Not thread-safe; cheap to copy.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/base/status.h"
#include "schemas/msgpack.h"

namespace mcf::schemas {

class Body {
 public:
  // `path` prefixes error messages ("body", "body.principal"). The Body views `bytes`, which
  // must outlive it: parsing a temporary string does not compile.
  static Result<Body> Parse(std::string_view bytes, std::string path = "body");
  static Result<Body> Parse(std::string&& bytes, std::string path = "body") = delete;

  bool Has(std::string_view field) const { return Find(field).has_value(); }
  const std::string& path() const { return path_; }

  Result<std::string> String(std::string_view field) const;
  Result<std::optional<std::string>> OptString(std::string_view field) const;
  Result<int64_t> Int(std::string_view field) const;
  Result<std::optional<int64_t>> OptInt(std::string_view field) const;
  Result<bool> Bool(std::string_view field) const;
  Result<std::vector<std::string>> StringList(std::string_view field) const;
  Result<Body> Map(std::string_view field) const;
  // The encoded value of a field, or not_found-as-invalid when missing.
  Result<std::string_view> Raw(std::string_view field) const;

 private:
  std::optional<std::string_view> Find(std::string_view field) const;
  Status Missing(std::string_view field) const;
  Status WrongType(std::string_view field, std::string_view expected) const;

  std::vector<std::pair<std::string_view, std::string_view>> fields_;
  std::string path_;
};

// Builds a map body field by field; Finish() returns the encoded map.
class BodyWriter {
 public:
  BodyWriter& String(std::string_view key, std::string_view value);
  BodyWriter& Int(std::string_view key, int64_t value);
  BodyWriter& Bool(std::string_view key, bool value);
  BodyWriter& StringList(std::string_view key, const std::vector<std::string>& values);
  // An already-encoded value (a nested map from another BodyWriter, an array...).
  BodyWriter& Raw(std::string_view key, std::string_view encoded);
  std::string Finish() const;

 private:
  uint32_t count_ = 0;
  MsgpackWriter entries_;
};

// An empty map, the body of messages that carry nothing.
std::string EmptyBody();

}  // namespace mcf::schemas
