// The single registry of every command and event type on the bus, with its schema version.
//
// Adding a message type means adding a row here (and its body schema in the family header, e.g.
// schemas/clock.h). The runtime refuses to register a handler or publish a type that is not
// listed, so the registry and the code cannot drift. Immutable; safe from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace mcf::schemas {

enum class MessageKind { kCommand, kEvent };

struct MessageType {
  std::string_view type;     // "clock.advance", "clock.tick"
  MessageKind kind;
  uint32_t version;          // current schema version
  std::string_view summary;  // one line, for `mcfctl types` and docs
};

std::span<const MessageType> AllMessageTypes();
// nullptr when `type` is not registered.
const MessageType* FindMessageType(std::string_view type);

// "tasks" for "tasks.check_in": the service a command goes to, the context an event comes from.
std::string_view ServiceOf(std::string_view type);

}  // namespace mcf::schemas
