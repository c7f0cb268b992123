// KeyDirectory: the keys of one bus deployment, kept in one directory (var/keys for ./mcf up):
//
//   broker.key  the broker's pair (0600)      broker.pub  its public key, to copy to other hosts
//   <name>.key  one pair per peer (0600)      peers       the registry (lib/security/peer_registry.h)
//
// EnsureKeys makes what is missing and registers it, and is what `./mcf up`, `mcfctl keys` and
// the test harnesses call; keys that exist are kept, so a second start changes nothing. Functions
// over files; safe to call from one process at a time per directory (./mcf up holds its lock).
#pragma once

#include <string>
#include <vector>

#include "lib/base/status.h"
#include "lib/security/peer_registry.h"

namespace mcf::security {

struct PeerSpec {
  std::string name;
  PeerRole role = PeerRole::kContext;
};

std::string KeyFileOf(const std::string& dir, const std::string& name);  // <dir>/<name>.key
std::string RegistryFileOf(const std::string& dir);                      // <dir>/peers

// Creates `dir` (0700) if needed, the broker's pair and broker.pub if missing, and for each peer
// its key file if missing; registers each peer's public key under its role. A peer whose key is
// registered under another role, or revoked, is an error (make it a new key: `mcfctl keys add
// --new`).
Status EnsureKeys(const std::string& dir, const std::vector<PeerSpec>& peers);

// A fresh pair for `name` written to <dir>/<name>.key (replacing the file) and registered; the
// old key, if any, stays registered until revoked (rotation). Returns the new public key.
Result<std::string> RotateKey(const std::string& dir, const PeerSpec& peer);

}  // namespace mcf::security
