// The vocabulary a message is declared in, once: a plain struct whose static Fields() lists
// each member with its wire name and rules, and (for a message, not a nested record) a static
// kInfo naming its type. Everything else comes from that one declaration: encoding and
// decoding (schemas/codec.h), the registry row (schemas/registry.h), the reference in
// docs/messages.md and `mcfctl schema` (schemas/describe.h).
//
//   struct CheckedIn {
//     static constexpr MessageInfo kInfo = Event("tasks.checked_in", "the worker checked in");
//     std::string task_id;
//     int64_t at_ms = 0;
//     static constexpr auto Fields() {
//       return std::tuple{Field("task_id", &CheckedIn::task_id).NonEmpty(),
//                         Field("at", &CheckedIn::at_ms).Doc("bus ms")};
//     }
//   };
//
// Member types: std::string, int64_t, uint64_t, bool, Bytes, std::vector<std::string>,
// std::vector<int64_t>, an enum with EnumNames (below), a nested record (a struct with Fields()), std::vector of records, and
// std::optional of any of them (absent on the wire when empty). A field is required unless
// marked Optional() or held in a std::optional; an optional field that is absent (or nil) keeps
// the member's default.
// A struct may add `static Status Validate(const T&)` for cross-field rules
// ("body.ends_at: must be after starts_at"). A command declares `using Reply = ...`.
// Header-only, constexpr data; no MessagePack here (keeps this header light to include).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "schemas/registry.h"

namespace mcf::schemas {

// A MessagePack bin value (a photo), as opposed to a str.
struct Bytes {
  std::string data;
  bool operator==(const Bytes&) const = default;
};

// What a message is: the registry row of its type. The kind and effect come from the helper
// used: Command(...), ReadOnlyCommand(...), Event(...).
struct MessageInfo {
  std::string_view type;
  MessageKind kind;
  std::string_view summary;
  Effect effect = Effect::kMutates;
  uint32_t version = 1;  // bump when a body gains a required field or changes meaning
};
constexpr MessageInfo Command(std::string_view type, std::string_view summary,
                              uint32_t version = 1) {
  return {type, MessageKind::kCommand, summary, Effect::kMutates, version};
}
constexpr MessageInfo ReadOnlyCommand(std::string_view type, std::string_view summary,
                                      uint32_t version = 1) {
  return {type, MessageKind::kCommand, summary, Effect::kReadOnly, version};
}
constexpr MessageInfo Event(std::string_view type, std::string_view summary,
                            uint32_t version = 1) {
  return {type, MessageKind::kEvent, summary, Effect::kMutates, version};
}

// The rules of one field, checked on decode (and printed in the reference).
struct FieldRules {
  bool required = true;
  bool non_empty = false;       // strings, bytes, lists
  size_t max_length = 0;        // strings/bytes in bytes, lists in items; 0 = no limit
  std::optional<int64_t> min;   // integers
  std::optional<int64_t> max;
};

// One member of a declared struct: its wire name, where it lives, its rules and a short note.
template <class Owner, class Member>
struct FieldDecl {
  using OwnerType = Owner;
  using MemberType = Member;
  std::string_view name;
  Member Owner::*member;
  FieldRules rules = {};
  std::string_view doc = {};

  constexpr FieldDecl Optional() const { return With([](FieldRules& r) { r.required = false; }); }
  constexpr FieldDecl NonEmpty() const { return With([](FieldRules& r) { r.non_empty = true; }); }
  constexpr FieldDecl MaxLength(size_t n) const {
    return With([n](FieldRules& r) { r.max_length = n; });
  }
  constexpr FieldDecl Min(int64_t v) const { return With([v](FieldRules& r) { r.min = v; }); }
  constexpr FieldDecl Max(int64_t v) const { return With([v](FieldRules& r) { r.max = v; }); }
  constexpr FieldDecl Doc(std::string_view text) const {
    FieldDecl f = *this;
    f.doc = text;
    return f;
  }

 private:
  template <class Edit>
  constexpr FieldDecl With(Edit edit) const {
    FieldDecl f = *this;
    edit(f.rules);
    return f;
  }
};

template <class Owner, class Member>
constexpr FieldDecl<Owner, Member> Field(std::string_view name, Member Owner::*member) {
  return {name, member};
}

// An enum's wire strings: declare `constexpr std::span<const EnumName<E>> EnumNames(E)` next to
// the enum (found by argument-dependent lookup).
template <class E>
struct EnumName {
  E value;
  std::string_view name;
};

// ---- traits the codec and the reference use ----

template <class T>
concept Record = requires { T::Fields(); };
template <class T>
concept Message = Record<T> && requires { T::kInfo; };
template <class T>
concept CommandMessage = Message<T> && requires { typename T::Reply; };
template <class E>
concept NamedEnum = std::is_enum_v<E> && requires(E e) { EnumNames(e); };

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};
template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

// T's field table, evaluated once at compile time (calling Fields() at run time would build the
// tuple anew on every use: the codec walks it once per key).
template <Record T>
inline constexpr auto kFieldsOf = T::Fields();

// Calls f(field) for each declared field of T, in declaration order.
template <Record T, class F>
constexpr void ForEachField(F&& f) {
  std::apply([&](const auto&... field) { (f(field), ...); }, kFieldsOf<T>);
}

}  // namespace mcf::schemas
