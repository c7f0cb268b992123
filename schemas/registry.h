// The single registry of every command and event type on the bus, with its schema version.
//
// A declared message (schemas/declare.h) brings its own row: its family header lists it in the
// family's `Messages` tuple (schemas/all_messages.h) and registry.cc takes the rows from there,
// fields included; every type on the bus is declared. The runtime refuses to register a
// handler or publish a type that is not listed, so the registry and the code cannot drift.
// Immutable; safe from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mcf::schemas {

enum class MessageKind { kCommand, kEvent };

// What a command does to its service's store. A mutating command's reply is recorded under its
// command id (a retry gets it back, within the retention window: lib/worker/dispatcher.h); a
// read-only one records nothing and its handler's writes are discarded, so read traffic never
// grows a store. Events are always kMutates.
enum class Effect { kMutates, kReadOnly };

// One field of a declared body, for the reference (schemas/describe.h).
struct FieldInfo {
  std::string name;  // "task_id"; nested: "principal.role", "items[].name"
  std::string type;  // string, int, uint, bool, bytes, a|b|c (enum), list of ..., map
  bool required = true;
  std::string rules;  // "non-empty, max 200"
  std::string doc;
};

struct MessageType {
  std::string_view type;  // "clock.advance", "clock.tick"
  MessageKind kind;
  uint32_t version;          // current schema version
  std::string_view summary;  // one line, for `mcfctl types` and docs
  Effect effect = Effect::kMutates;
  // The declared body's fields, and a command's reply's (every row has them: each type is
  // declared).
  std::vector<FieldInfo> (*body)() = nullptr;
  std::vector<FieldInfo> (*reply)() = nullptr;
};

std::span<const MessageType> AllMessageTypes();
// nullptr when `type` is not registered. Also finds the runtime's own commands, which every
// context worker answers (kRuntimeStoreStatus: "<service>.store_status").
const MessageType* FindMessageType(std::string_view type);

// The verb of the command every worker's runtime answers without a handler of the context:
// "<service>.store_status" -> {used_bytes, map_bytes, ceiling_bytes, full, replies_pruned,
// refused_full} (lib/worker/dispatcher.h).
inline constexpr std::string_view kStoreStatusVerb = "store_status";

// "tasks" for "tasks.check_in": the service a command goes to, the context an event comes from.
std::string_view ServiceOf(std::string_view type);

}  // namespace mcf::schemas
