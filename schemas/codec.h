// Encode and Decode for every declared record (schemas/declare.h), generated from its Fields().
//
// Encode writes a MessagePack map of every field in declaration order (an empty std::optional is
// left out). Decode takes untrusted bytes: a missing required field, a wrong type, a duplicate
// key or a broken rule is an `invalid` Status naming the field the way handlers have always
// answered ("body.age: expected an integer", "body.task_id: must not be empty"); unknown fields
// are skipped (forward compatibility); a map of more than kMaxFields entries is refused before
// its entries are read. Nothing is allocated beyond the decoded values themselves.
// Templates over schemas/msgpack.h, so this header stays light; thread-compatible.
#pragma once

#include <array>
#include <bitset>
#include <string>
#include <string_view>
#include <utility>

#include "lib/base/status.h"
#include "schemas/declare.h"
#include "schemas/msgpack.h"

namespace mcf::schemas {

// No declared record has anywhere near this many fields; a map with more is hostile.
inline constexpr uint32_t kMaxFields = 128;

template <NamedEnum E>
constexpr std::string_view NameOf(E value) {
  for (const auto& n : EnumNames(value))
    if (n.value == value) return n.name;
  return {};
}

namespace codec {

// ---- encoding ----

inline void Put(MsgpackWriter& w, const std::string& v) { w.String(v); }
inline void Put(MsgpackWriter& w, int64_t v) { w.Int(v); }
inline void Put(MsgpackWriter& w, uint64_t v) { w.Uint(v); }
inline void Put(MsgpackWriter& w, bool v) { w.Bool(v); }
inline void Put(MsgpackWriter& w, const Bytes& v) { w.Binary(v.data); }
template <NamedEnum E>
void Put(MsgpackWriter& w, E v) {
  w.String(NameOf(v));
}
template <Record T>
void Put(MsgpackWriter& w, const T& record);
template <class T>
void Put(MsgpackWriter& w, const std::vector<T>& items) {
  w.ArrayHeader(static_cast<uint32_t>(items.size()));
  for (const T& item : items) Put(w, item);
}

template <Record T>
void Put(MsgpackWriter& w, const T& record) {
  uint32_t present = 0;
  ForEachField<T>([&](const auto& f) {
    if constexpr (IsOptional<typename std::decay_t<decltype(f)>::MemberType>::value)
      present += (record.*f.member).has_value();
    else
      ++present;
  });
  w.MapHeader(present);
  ForEachField<T>([&](const auto& f) {
    const auto& value = record.*f.member;
    if constexpr (IsOptional<std::decay_t<decltype(value)>>::value) {
      if (!value) return;
      w.String(f.name);
      Put(w, *value);
    } else {
      w.String(f.name);
      Put(w, value);
    }
  });
}

// ---- decoding ----

// Where a value sits ("body.items[2].name"), built into a string only for an error message.
struct Path {
  std::string_view name;         // "body", a field name
  const Path* parent = nullptr;  // the enclosing record or list
  int64_t index = -1;            // >= 0: an item of the list `parent`
  std::string ToString() const {
    std::string out = parent ? parent->ToString() : std::string();
    if (index >= 0) return out + "[" + std::to_string(index) + "]";
    return out.empty() ? std::string(name) : out + "." + std::string(name);
  }
};

inline Status Error(const Path& path, std::string_view what) {
  return Status::Invalid(path.ToString() + ": " + std::string(what));
}
// A typed read failed: say "truncated value" when the bytes end inside it, else the type.
inline Status WrongType(const MsgpackReader& r, const Path& path, std::string_view type) {
  MsgpackReader probe = r;
  return probe.Skip() ? Error(path, "expected " + std::string(type))
                      : Error(path, "truncated value");
}

inline Status Get(MsgpackReader& r, std::string& out, const Path& path) {
  auto s = r.ReadString();
  if (!s) return WrongType(r, path, "a string");
  out.assign(*s);
  return Status::Ok();
}
inline Status Get(MsgpackReader& r, int64_t& out, const Path& path) {
  auto v = r.ReadInt();
  if (!v) return WrongType(r, path, "an integer");
  out = *v;
  return Status::Ok();
}
inline Status Get(MsgpackReader& r, uint64_t& out, const Path& path) {
  auto v = r.ReadUint();
  if (!v) return WrongType(r, path, "a non-negative integer");
  out = *v;
  return Status::Ok();
}
inline Status Get(MsgpackReader& r, bool& out, const Path& path) {
  auto v = r.ReadBool();
  if (!v) return WrongType(r, path, "a boolean");
  out = *v;
  return Status::Ok();
}
// bin, or a str from a producer that cannot send bin (JSON at the edge).
inline Status Get(MsgpackReader& r, Bytes& out, const Path& path) {
  auto v = r.Peek() == MsgType::kString ? r.ReadString() : r.ReadBinary();
  if (!v) return WrongType(r, path, "bytes or a string");
  out.data.assign(*v);
  return Status::Ok();
}
template <NamedEnum E>
Status Get(MsgpackReader& r, E& out, const Path& path) {
  auto s = r.ReadString();
  if (!s) return WrongType(r, path, "a string");
  std::string expected;
  const auto names = EnumNames(out);
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].name == *s) {
      out = names[i].value;
      return Status::Ok();
    }
    expected += i == 0 ? "" : i + 1 == names.size() ? " or " : ", ";
    expected += names[i].name;
  }
  return Error(path, "expected " + expected + ", got " + std::string(*s));
}
template <Record T>
Status Get(MsgpackReader& r, T& out, const Path& path);
inline Status Get(MsgpackReader& r, std::vector<std::string>& out, const Path& path) {
  auto n = r.ReadArrayHeader();
  if (!n) return WrongType(r, path, "an array of strings");
  out.clear();
  out.reserve(*n);
  for (uint32_t i = 0; i < *n; ++i) {
    auto s = r.ReadString();
    if (!s) return WrongType(r, path, "an array of strings");
    out.emplace_back(*s);
  }
  return Status::Ok();
}
inline Status Get(MsgpackReader& r, std::vector<int64_t>& out, const Path& path) {
  auto n = r.ReadArrayHeader();
  if (!n) return WrongType(r, path, "an array of integers");
  out.clear();
  out.reserve(*n);
  for (uint32_t i = 0; i < *n; ++i) {
    auto v = r.ReadInt();
    if (!v) return WrongType(r, path, "an array of integers");
    out.push_back(*v);
  }
  return Status::Ok();
}
template <Record T>
Status Get(MsgpackReader& r, std::vector<T>& out, const Path& path) {
  auto n = r.ReadArrayHeader();
  if (!n) return WrongType(r, path, "an array");
  out.clear();
  out.reserve(*n);
  for (uint32_t i = 0; i < *n; ++i) {
    RETURN_IF_ERROR(Get(r, out.emplace_back(), Path{{}, &path, i}));
  }
  return Status::Ok();
}
template <class T>
Status Get(MsgpackReader& r, std::optional<T>& out, const Path& path) {
  RETURN_IF_ERROR(Get(r, out.emplace(), path));
  return Status::Ok();
}

template <class T>
size_t LengthOf(const T& v) {
  if constexpr (std::is_same_v<T, Bytes>) return v.data.size();
  else return v.size();
}

// The rules of a field, on its decoded value.
template <class M>
Status Check(const M& value, const FieldRules& rules, const Path& path) {
  if constexpr (IsOptional<M>::value) {
    return value ? Check(*value, rules, path) : Status::Ok();
  } else if constexpr (std::is_same_v<M, int64_t>) {
    if ((rules.min && value < *rules.min) || (rules.max && value > *rules.max)) {
      if (rules.min && rules.max)
        return Error(path, "must be " + std::to_string(*rules.min) + ".." +
                               std::to_string(*rules.max));
      return rules.min ? Error(path, "must be at least " + std::to_string(*rules.min))
                       : Error(path, "must be at most " + std::to_string(*rules.max));
    }
  } else if constexpr (std::is_same_v<M, std::string> || std::is_same_v<M, Bytes> ||
                       IsVector<M>::value) {
    const size_t n = LengthOf(value);
    if (rules.non_empty && n == 0) return Error(path, "must not be empty");
    if (rules.max_length && n > rules.max_length)
      return Error(path, "longer than " + std::to_string(rules.max_length) +
                             (IsVector<M>::value ? " items" : " bytes"));
  }
  return Status::Ok();
}

template <Record T>
Status Get(MsgpackReader& r, T& out, const Path& path) {
  auto n = r.ReadMapHeader();
  if (!n) return Error(path, r.Peek() == MsgType::kMap ? "truncated map" : "expected a map");
  if (*n > kMaxFields) return Error(path, "more than " + std::to_string(kMaxFields) + " fields");
  constexpr size_t kCount = std::tuple_size_v<decltype(T::Fields())>;
  std::bitset<kCount> seen;
  std::array<std::string_view, kMaxFields> unknown;
  size_t unknown_count = 0;
  for (uint32_t i = 0; i < *n; ++i) {
    auto key = r.ReadString();
    if (!key) return Error(path, "map keys must be strings");
    const Path field_path{*key, &path};
    bool known = false;
    size_t index = 0;
    Status status;
    ForEachField<T>([&](const auto& f) {
      if (!known && f.name == *key) {
        known = true;
        if (seen[index]) {
          status = Error(field_path, "duplicate field");
        } else {
          seen[index] = true;
          auto& member = out.*f.member;
          using M = std::decay_t<decltype(member)>;
          if (r.NextIsNil() && (!f.rules.required || IsOptional<M>::value)) {
            r.ReadNil();  // nil is "absent" for an optional field: the default stays
          } else {
            status = Get(r, member, field_path);
            if (status.ok()) status = Check(member, f.rules, field_path);
          }
        }
      }
      ++index;
    });
    RETURN_IF_ERROR(status);
    if (known) continue;
    for (size_t k = 0; k < unknown_count; ++k)
      if (unknown[k] == *key) return Error(field_path, "duplicate field");
    unknown[unknown_count++] = *key;
    if (!r.Skip()) return Error(field_path, "truncated value");
  }
  Status missing;
  size_t index = 0;
  ForEachField<T>([&](const auto& f) {
    using M = typename std::decay_t<decltype(f)>::MemberType;
    if (missing.ok() && !seen[index] && f.rules.required && !IsOptional<M>::value)
      missing = Error(Path{f.name, &path}, "missing required field");
    ++index;
  });
  RETURN_IF_ERROR(missing);
  if constexpr (requires { T::Validate(out); }) RETURN_IF_ERROR(T::Validate(out));
  return Status::Ok();
}

}  // namespace codec

// The encoded map of a declared record.
template <Record T>
std::string Encode(const T& record) {
  MsgpackWriter w;
  codec::Put(w, record);
  return w.Take();
}

// Decodes untrusted bytes into a declared record; `path` prefixes errors ("body").
template <Record T>
Result<T> Decode(std::string_view bytes, std::string_view path = "body") {
  MsgpackReader r(bytes);
  T out{};
  RETURN_IF_ERROR(codec::Get(r, out, codec::Path{path}));
  if (!r.AtEnd()) return Status::Invalid(std::string(path) + ": trailing bytes after the map");
  return out;
}

}  // namespace mcf::schemas
