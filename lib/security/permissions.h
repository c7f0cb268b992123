// Permissions: what a bus peer may do, decided by the broker from the key the peer's connection
// authenticated with (never from anything the peer says about itself). One Grant per registered
// key; the role (lib/security/peer_registry.h) fixes the rules and the name fills them in:
//
//   role      serve      publish (producer, topics)   subscribe   set a principal, clock/capture
//   operator  -          -                             everything  yes
//   gateway   -          -                             kGatewayReadable  yes
//   context   its name   its name, "<name>."           everything  no: it acts as {system, name}
//   trusted   anything   anything                      everything  yes
//   outside   its name   its name, "<name>."           everything  no: it acts as {system, name}
//
// `outside` is an adapter for an outside party (docs/outside-systems.md): a context's rights, but
// its producer is outside the system — the broker lists it in captures and replay feeds its
// events as inputs instead of running it (IsOutside).
//
// Contexts may read every topic because the event log is how contexts integrate; what the rules
// protect is who may write, answer and speak for a caller (docs/security.md). The gateway reads
// only the families its live stream (GET /v1/stream, gateway/event_stream.h) forwards to
// signed-in callers: it holds no store, so it has no other reason to read the log. Plain values;
// thread-compatible.
#pragma once

#include <string>
#include <string_view>

#include "lib/security/peer_registry.h"

namespace mcf::security {

// The topic families a gateway key may subscribe to: a prefix must start with one of them ("" and
// "hiring." are refused).
inline constexpr std::string_view kGatewayReadable[] = {"tasks.", "portal.", "supplies.",
                                                        "contractor.", "billing."};

struct Grant {
  std::string name;
  PeerRole role = PeerRole::kContext;
  std::string key_id;  // KeyId of the public key: what logs and captures show
  bool revoked = false;

  bool MayServe(std::string_view service) const;
  // Publishing events of `topic` under the durable producer name `producer`.
  bool MayPublish(std::string_view producer, std::string_view topic) const;
  bool MaySubscribe(std::string_view prefix) const;
  // Setting a command's principal, and the broker's operator commands (clock.advance, captures).
  bool MayActForOthers() const;
  // An adapter for an outside party: what captures mark and replay feeds (same rights as a context).
  bool IsOutside() const { return !revoked && role == PeerRole::kOutside; }
};

Grant GrantFor(const PeerEntry& entry);

}  // namespace mcf::security
