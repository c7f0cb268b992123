// PeerRegistry: the bus peers the broker lets in — one line per public key, naming the peer, its
// role (what it may do on the bus, lib/security/permissions.h) and whether the key is revoked. It
// lives in a text file beside the keys (var/keys/peers) that `mcfctl keys` and `./mcf up` edit and
// the broker re-reads when it changes, so adding or revoking a key needs no restart:
//
//   # name role public-key state
//   portal context rq:Hj8.q2... active
//
// The file holds public keys only (mode 0644 is fine; the broker host's file system is what
// decides who may change it). Saving goes through a temporary file and a rename, so the broker
// never reads half a file. Plain values and functions over files; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/status.h"

namespace mcf::security {

enum class PeerRole {
  kOperator,  // mcfctl: any command, with any principal; reads every topic; serves nothing
  kGateway,   // the HTTP edge: any command, with the caller's principal; no events
  kContext,   // a context worker: serves and publishes under its own name only
  kTrusted,   // development and test buses: everything (never made by ./mcf up for a context)
  kOutside,   // an adapter for an outside party (docs/outside-systems.md): a context's rights,
              // but outside the system: captures list it, replay feeds its events as inputs
};
std::string_view RoleName(PeerRole role);
std::optional<PeerRole> ParseRole(std::string_view name);

struct PeerEntry {
  std::string name;        // [a-z0-9_-]{1,64}: the service / producer a context key stands for
  PeerRole role = PeerRole::kContext;
  std::string public_key;  // Z85
  bool revoked = false;
  bool operator==(const PeerEntry&) const = default;
};

// True for a name a peer may have: 1..64 of [a-z0-9_-].
bool IsPeerName(std::string_view name);

class PeerRegistry {
 public:
  // The registry in `path`; a missing file is an empty registry. A bad line is an error naming
  // the line, so a typo never silently lets a peer in or keeps one out.
  static Result<PeerRegistry> Load(const std::string& path);
  Status Save(const std::string& path) const;

  // Registers `entry` (not revoked). A key already registered under another name or role is a
  // conflict; registering it again the same way is a no-op, and re-activates nothing revoked.
  Status Add(PeerEntry entry);
  // Revokes the key whose Z85 text or KeyId is `key_or_id`, or every key of the peer named so.
  // Returns how many keys were newly revoked; not_found when nothing matches.
  Result<int> Revoke(std::string_view key_or_id);

  const std::vector<PeerEntry>& entries() const { return entries_; }
  const PeerEntry* FindKey(std::string_view public_key) const;

 private:
  std::vector<PeerEntry> entries_;
};

}  // namespace mcf::security
