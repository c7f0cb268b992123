// PortalTokenStore: bearer tokens checked by the portal (`portal.authenticate {token}` over the
// bus), with a bounded cache in front so most requests never leave the gateway.
//
// Known tokens are cached for `ttl` (a revoked token keeps working at most that long), unknown
// ones for `negative_ttl` (a flood of guessed tokens costs the portal little, and a token minted
// a moment ago is seen soon). A portal that is unavailable or times out is an error (503 at the
// edge), never "unknown" (401), and is not cached. Past `max_entries` the least recently used
// entry goes. The ask function and the clock are injected (FakeClock in tests); the clock must
// outlive the store. Thread-safe: one mutex around the cache; the portal is asked outside it.
#pragma once

#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "gateway/auth.h"
#include "lib/base/clock.h"
#include "schemas/envelope.h"

namespace mcf::gateway {

struct TokenCacheConfig {
  size_t max_entries = 10000;  // >= 1
  Millis ttl{60000};           // known tokens
  Millis negative_ttl{2000};   // unknown tokens; 0 = never cached
};

// Tokens longer than this are unknown without asking (the contract's tokens are 32..128 bytes).
inline constexpr size_t kMaxTokenBytes = 128;

class PortalTokenStore final : public TokenStore {
 public:
  // Sends `portal.authenticate {token}` and returns the reply (any status).
  using AskFn = std::function<schemas::Reply(std::string_view token)>;

  PortalTokenStore(AskFn ask, const Clock& clock, TokenCacheConfig config = {});

  // ok reply {role, id} -> the principal; not_found -> nullopt; anything else (unavailable,
  // timeout, a malformed reply...) -> unavailable.
  Result<std::optional<Principal>> Lookup(std::string_view token) const override;

  // Records a token the gateway has just seen the portal accept (e.g. the reply of a sign-in).
  void Remember(std::string_view token, Principal principal) const;

  // Entries cached now (known and unknown, expired ones not yet dropped included).
  size_t size() const;

 private:
  struct Entry {
    std::string token;
    std::optional<Principal> principal;
    TimePoint expires;
  };
  using Lru = std::list<Entry>;  // most recently used first

  void Put(std::string_view token, std::optional<Principal> principal, Millis ttl) const;

  AskFn ask_;
  const Clock& clock_;
  const TokenCacheConfig config_;
  mutable std::mutex mu_;
  mutable Lru lru_;
  mutable std::unordered_map<std::string_view, Lru::iterator> index_;  // keys view lru_ tokens
};

// The principal in a portal.authenticate reply body {role, id}; invalid when it is not one.
Result<Principal> DecodePrincipalReply(std::string_view body);

}  // namespace mcf::gateway
