#include "schemas/body.h"

namespace mcf::schemas {

Result<Body> Body::Parse(std::string_view bytes, std::string path) {
  MsgpackReader r(bytes);
  if (r.Peek() != MsgType::kMap) return Status::Invalid(path + ": expected a map");
  auto n = r.ReadMapHeader();
  if (!n) return Status::Invalid(path + ": truncated map");
  Body body;
  body.path_ = std::move(path);
  body.fields_.reserve(*n);
  for (uint32_t i = 0; i < *n; ++i) {
    auto key = r.ReadString();
    if (!key) return Status::Invalid(body.path_ + ": map keys must be strings");
    auto value = r.ReadRaw();
    if (!value) return Status::Invalid(body.path_ + "." + std::string(*key) + ": truncated value");
    if (body.Find(*key))
      return Status::Invalid(body.path_ + "." + std::string(*key) + ": duplicate field");
    body.fields_.emplace_back(*key, *value);
  }
  if (!r.AtEnd()) return Status::Invalid(body.path_ + ": trailing bytes after the map");
  return body;
}

std::optional<std::string_view> Body::Find(std::string_view field) const {
  for (const auto& [k, v] : fields_)
    if (k == field) return v;
  return std::nullopt;
}

Status Body::Missing(std::string_view field) const {
  return Status::Invalid(path_ + "." + std::string(field) + ": missing required field");
}
Status Body::WrongType(std::string_view field, std::string_view expected) const {
  return Status::Invalid(path_ + "." + std::string(field) + ": expected " + std::string(expected));
}

Result<std::string> Body::String(std::string_view field) const {
  auto raw = Find(field);
  if (!raw) return Missing(field);
  MsgpackReader r(*raw);
  auto s = r.ReadString();
  if (!s) return WrongType(field, "a string");
  return std::string(*s);
}

Result<std::optional<std::string>> Body::OptString(std::string_view field) const {
  auto raw = Find(field);
  if (!raw || MsgpackReader(*raw).Peek() == MsgType::kNil) return std::optional<std::string>();
  ASSIGN_OR_RETURN(auto s, String(field));
  return std::optional<std::string>(std::move(s));
}

Result<int64_t> Body::Int(std::string_view field) const {
  auto raw = Find(field);
  if (!raw) return Missing(field);
  MsgpackReader r(*raw);
  auto v = r.ReadInt();
  if (!v) return WrongType(field, "an integer");
  return *v;
}

Result<std::optional<int64_t>> Body::OptInt(std::string_view field) const {
  auto raw = Find(field);
  if (!raw || MsgpackReader(*raw).Peek() == MsgType::kNil) return std::optional<int64_t>();
  ASSIGN_OR_RETURN(auto v, Int(field));
  return std::optional<int64_t>(v);
}

Result<bool> Body::Bool(std::string_view field) const {
  auto raw = Find(field);
  if (!raw) return Missing(field);
  MsgpackReader r(*raw);
  auto v = r.ReadBool();
  if (!v) return WrongType(field, "a boolean");
  return *v;
}

Result<std::vector<std::string>> Body::StringList(std::string_view field) const {
  auto raw = Find(field);
  if (!raw) return Missing(field);
  MsgpackReader r(*raw);
  auto n = r.ReadArrayHeader();
  if (!n) return WrongType(field, "an array of strings");
  std::vector<std::string> out;
  out.reserve(*n);
  for (uint32_t i = 0; i < *n; ++i) {
    auto s = r.ReadString();
    if (!s) return WrongType(field, "an array of strings");
    out.emplace_back(*s);
  }
  return out;
}

Result<Body> Body::Map(std::string_view field) const {
  auto raw = Find(field);
  if (!raw) return Missing(field);
  return Parse(*raw, path_ + "." + std::string(field));
}

Result<std::string_view> Body::Raw(std::string_view field) const {
  auto raw = Find(field);
  if (!raw) return Missing(field);
  return *raw;
}

BodyWriter& BodyWriter::String(std::string_view key, std::string_view value) {
  entries_.String(key).String(value);
  ++count_;
  return *this;
}
BodyWriter& BodyWriter::Int(std::string_view key, int64_t value) {
  entries_.String(key).Int(value);
  ++count_;
  return *this;
}
BodyWriter& BodyWriter::Bool(std::string_view key, bool value) {
  entries_.String(key).Bool(value);
  ++count_;
  return *this;
}
BodyWriter& BodyWriter::StringList(std::string_view key, const std::vector<std::string>& values) {
  entries_.String(key).ArrayHeader(static_cast<uint32_t>(values.size()));
  for (const auto& v : values) entries_.String(v);
  ++count_;
  return *this;
}
BodyWriter& BodyWriter::Raw(std::string_view key, std::string_view encoded) {
  entries_.String(key).Raw(encoded);
  ++count_;
  return *this;
}
std::string BodyWriter::Finish() const {
  MsgpackWriter w;
  w.MapHeader(count_).Raw(entries_.bytes());
  return w.Take();
}

std::string EmptyBody() { return std::string(1, static_cast<char>(0x80)); }

}  // namespace mcf::schemas
