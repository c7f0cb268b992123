// PeerGuard: who may talk to the broker, and what each peer may do (docs/security.md). Secure,
// it makes the broker's ROUTER a CURVE server (RFC 26) with the broker's own key, lets in only
// keys registered in the peer registry (the ZAP handler, RFC 27) and names each connection by its
// key's id — the "User-Id" every message from it carries — which GrantOf turns into the
// permissions of lib/security/permissions.h. It re-reads the registry when the file changes, so
// `mcfctl keys add` and `revoke` take effect without a restart. Insecure (--insecure, tests that
// ask for it), it lets everyone in with every permission, as the bus was before keys.
//
// Owned and called by the broker's routing thread only; not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "broker/zap_handler.h"
#include "lib/base/status.h"
#include "lib/security/peer_registry.h"
#include "lib/security/permissions.h"

namespace mcf::broker {

class PeerGuard {
 public:
  static std::unique_ptr<PeerGuard> Insecure();
  // Reads <keys_dir>/broker.key and <keys_dir>/peers, starts the ZAP handler in `context`, and
  // makes `router` (not bound yet) a CURVE server.
  static Result<std::unique_ptr<PeerGuard>> Secure(const std::string& keys_dir,
                                                   zmq::context_t& context, zmq::socket_t& router);

  bool secure() const { return zap_ != nullptr; }
  // The ZAP socket to poll (null when insecure), and what to call when it is readable.
  void* zap_poll_handle() { return zap_ ? zap_->poll_handle() : nullptr; }
  void HandleZap() {
    if (zap_) zap_->HandlePending();
  }

  // Re-reads the registry if its file changed since the last look. Returns the key ids revoked
  // (or removed) by this change; the broker drops the connections that use them.
  std::vector<std::string> ReloadIfChanged();

  // The permissions of the peer that sent `frame` (any frame of a received message); null when
  // its key has been revoked since it connected. Insecure: a grant that allows everything.
  const security::Grant* GrantOf(const zmq::message_t& frame) const;

  // The names of the registered (not revoked) keys with role outside, sorted and unique: what a
  // capture's header lists. Empty when insecure.
  std::vector<std::string> OutsideNames() const;

  uint64_t peers_refused() const { return zap_ ? zap_->refused() : 0; }

 private:
  PeerGuard() = default;
  Status Load();

  std::string registry_path_;
  std::unique_ptr<ZapHandler> zap_;
  security::Grant everything_{"", security::PeerRole::kTrusted, "", false};
  std::unordered_map<std::string, security::Grant> grants_;  // key id -> grant
  std::unordered_map<std::string, std::string> keys_;        // key id -> Z85 public key
  struct FileStamp {  // what tells a rewritten registry file from the one last read
    static FileStamp Of(const std::string& path);
    int64_t mtime_ns = -1, size = -1, inode = -1;
    bool operator==(const FileStamp&) const = default;
  } stamp_;
};

}  // namespace mcf::broker
