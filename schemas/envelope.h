// Envelope and Reply: the self-describing MessagePack maps every bus message travels in.
//
// An Envelope wraps a command or an event; a Reply answers a command. Both are maps with string
// keys (see docs/protocol.md for the field table), so any tool can print them as JSON without
// knowing their type. Decoding takes untrusted bytes: it rejects a missing required field or a
// wrong type with an `invalid` Status naming the field, ignores unknown fields, and never
// allocates more than the input's size. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lib/base/status.h"

namespace mcf::schemas {

// The largest envelope the bus accepts (a 5 MiB photo, base64-free, plus headroom).
inline constexpr size_t kMaxEnvelopeBytes = 16u << 20;

struct Principal {
  std::string role;  // client, worker, manager, supplies, admin, system
  std::string id;
  bool operator==(const Principal&) const = default;
};

struct Envelope {
  std::string id;              // unique; for commands, the idempotency key
  std::string type;            // "<service>.<verb>" or "<context>.<event>"
  uint32_t version = 1;        // schema version of `type` (schemas/registry.h)
  std::string producer;        // who made it: a context, "gateway", "mcfctl", "clock"
  int64_t time_ms = 0;         // bus time when made, ms since the Unix epoch
  std::string correlation_id;  // the conversation this belongs to ("" = none)
  std::string causation_id;    // the message that caused this one ("" = none)
  std::optional<Principal> principal;  // who asked (commands from outside)
  int64_t deadline_ms = 0;     // commands: absolute bus deadline, 0 = none
  std::string body = std::string(1, '\x80');  // encoded MessagePack map (default: empty map)
  bool operator==(const Envelope&) const = default;
};

struct Reply {
  std::string id;              // unique reply id
  std::string type;            // the command type this answers
  uint32_t version = 1;
  std::string producer;        // who answered: a context, or "broker"
  int64_t time_ms = 0;
  std::string correlation_id;  // copied from the command
  std::string causation_id;    // the command id
  Code status = Code::kOk;
  std::string message;         // human-readable; empty when ok
  std::string details;         // encoded map with more about an error; empty = none
  std::string body = std::string(1, '\x80');  // encoded map
  bool operator==(const Reply&) const = default;
};

std::string Encode(const Envelope& envelope);
std::string Encode(const Reply& reply);
Result<Envelope> DecodeEnvelope(std::string_view bytes);
Result<Reply> DecodeReply(std::string_view bytes);
// The envelope's `deadline` (bus ms) without decoding the rest: what the broker's routing path
// needs of a command. nullopt when absent or unreadable (the worker's decode then says why).
// Encode writes the deadline before the body, so the peek stops at the body instead of walking
// it; a deadline some other encoder put after the body only goes unseen here, and the worker's
// runtime still enforces it.
std::optional<int64_t> PeekDeadline(std::string_view envelope);

// A reply to `command` with the given status and no body: what the broker and the runtime send
// when they, not a handler, answer (unavailable, timeout, invalid envelope...), and how a
// handler's error Status is answered. An `invalid` whose message names a field the way Body's
// errors do ("body.photo: ...") gets details {field: "body.photo"}, which the gateway shows as
// the problem's `field`.
Reply ErrorReply(const Envelope& command, Status status, std::string_view producer,
                 int64_t time_ms);
// The same when the command could not even be decoded: only what is known is filled in.
Reply ErrorReply(std::string_view command_type, std::string_view command_id, Status status,
                 std::string_view producer, int64_t time_ms);

// "body.photo" for an invalid "body.photo: too large" (or a conflict such as "body.contact: an
// application from this contact is still open"); nullopt when the message names no field.
std::optional<std::string> FieldOfError(Code code, std::string_view message);
// The encoded details map {field} for such an error; "" when it names no field.
std::string ErrorDetails(Code code, std::string_view message);

}  // namespace mcf::schemas
