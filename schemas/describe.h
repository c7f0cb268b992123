// The reference of a declared record, generated from its Fields(): one FieldInfo per field
// (nested records and lists of records flattened as "parent.child" / "items[].name"), for the
// registry, `mcfctl schema` and docs/messages.md. Header-only templates; thread-compatible.
#pragma once

#include <string>
#include <type_traits>
#include <vector>

#include "schemas/declare.h"
#include "schemas/registry.h"

namespace mcf::schemas {
namespace describe {

template <class M>
std::string TypeName() {
  if constexpr (IsOptional<M>::value) {
    return TypeName<typename M::value_type>();
  } else if constexpr (std::is_same_v<M, std::string>) {
    return "string";
  } else if constexpr (std::is_same_v<M, int64_t>) {
    return "int";
  } else if constexpr (std::is_same_v<M, uint64_t>) {
    return "uint";
  } else if constexpr (std::is_same_v<M, bool>) {
    return "bool";
  } else if constexpr (std::is_same_v<M, Bytes>) {
    return "bytes";
  } else if constexpr (NamedEnum<M>) {
    std::string names;
    for (const auto& n : EnumNames(M{})) names += (names.empty() ? "" : "|") + std::string(n.name);
    return names;
  } else if constexpr (IsVector<M>::value) {
    return "list of " + TypeName<typename M::value_type>();
  } else {
    static_assert(Record<M>, "a declared field must have a supported type");
    return "map";
  }
}

inline std::string RulesText(const FieldRules& r) {
  std::string out;
  auto add = [&](const std::string& s) { out += (out.empty() ? "" : ", ") + s; };
  if (r.non_empty) add("non-empty");
  if (r.max_length) add("max " + std::to_string(r.max_length));
  if (r.min) add(">= " + std::to_string(*r.min));
  if (r.max) add("<= " + std::to_string(*r.max));
  return out;
}

// The record a member holds, if any: T for T, std::optional<T> and std::vector<T>.
template <class M>
struct ElementOf {
  using type = M;
};
template <class M>
struct ElementOf<std::optional<M>> {
  using type = M;
};
template <class M>
struct ElementOf<std::vector<M>> {
  using type = M;
};

template <Record T>
void Append(const std::string& prefix, std::vector<FieldInfo>& out) {
  ForEachField<T>([&](const auto& f) {
    using M = typename std::decay_t<decltype(f)>::MemberType;
    const std::string name = prefix + std::string(f.name);
    out.push_back({name, TypeName<M>(), f.rules.required && !IsOptional<M>::value,
                   RulesText(f.rules), std::string(f.doc)});
    using E = typename ElementOf<M>::type;
    if constexpr (Record<E>) Append<E>(name + (IsVector<M>::value ? "[]." : "."), out);
  });
}

}  // namespace describe

template <Record T>
std::vector<FieldInfo> Describe() {
  std::vector<FieldInfo> out;
  describe::Append<T>("", out);
  return out;
}

}  // namespace mcf::schemas
