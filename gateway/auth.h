// Authentication and authorisation at the edge: bearer tokens -> Principal {role, id}, and role
// checks, each failure being the 401/403 Problem to answer with.
//
// TokenStore is the lookup interface: a principal, "unknown" (nullopt), or an error when the
// store could not be asked (503, never 401). InMemoryTokenStore serves tests,
// BootstrapAdminToken the admin token read from a file at start (compared in constant time),
// ChainedTokenStore asks several in order; PortalTokenStore (portal_token_store.h) asks the
// portal over the bus.
// All stores here are thread-safe for Lookup; a store must outlive those that refer to it.
#pragma once

#include <initializer_list>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateway/problem.h"
#include "lib/base/status.h"
#include "schemas/envelope.h"

namespace mcf::gateway {

using schemas::Principal;

// Every token the platform mints is lib/base NewSecretToken's: 64 lowercase hex characters.
inline constexpr size_t kTokenChars = 64;

// The token of an `Authorization` header value "Bearer <token>" (scheme case-insensitive,
// surrounding spaces ignored); nullopt when it is not one. The value must be the header's bytes
// as sent (gateway/server.cc undoes httplib's percent-decoding of header values).
std::optional<std::string> ParseBearer(std::string_view header_value);

// True when `token` is exactly kTokenChars of [0-9a-f]: anything else cannot be a token, so it
// is refused (401) without asking any store.
bool IsWellFormedToken(std::string_view token);

// True when a == b, in time that depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

class TokenStore {
 public:
  virtual ~TokenStore() = default;
  // The principal a token stands for; nullopt for an unknown token; a non-ok Status when the
  // store could not answer (e.g. the portal is unavailable).
  virtual Result<std::optional<Principal>> Lookup(std::string_view token) const = 0;
};

class InMemoryTokenStore final : public TokenStore {
 public:
  void Add(std::string token, Principal principal);
  Result<std::optional<Principal>> Lookup(std::string_view token) const override;

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Principal> tokens_;
};

// One admin token, fixed at start. Lookup compares in constant time (every byte of both, so
// the time depends on neither the token nor how much of it a guess got right).
class BootstrapAdminToken final : public TokenStore {
 public:
  // Principal {admin, "bootstrap"}. REQUIRES: token is not empty.
  explicit BootstrapAdminToken(std::string token);
  // Reads the token (first line, surrounding whitespace trimmed) from `path`; invalid when the
  // file is missing, unreadable or holds no well-formed token (IsWellFormedToken).
  static Result<std::unique_ptr<BootstrapAdminToken>> FromFile(const std::string& path);
  // Like FromFile, but first creates the file (mode 0600, 32 random bytes as hex) when it does
  // not exist.
  static Result<std::unique_ptr<BootstrapAdminToken>> LoadOrCreate(const std::string& path);

  Result<std::optional<Principal>> Lookup(std::string_view token) const override;

 private:
  std::string token_;
};

// Asks each store in turn (not owned; they must outlive this): the first principal found wins;
// when none knows the token and one of them failed, the (first) failure is returned.
class ChainedTokenStore final : public TokenStore {
 public:
  explicit ChainedTokenStore(std::vector<const TokenStore*> stores) : stores_(std::move(stores)) {}
  Result<std::optional<Principal>> Lookup(std::string_view token) const override;

 private:
  std::vector<const TokenStore*> stores_;
};

// The principal for an Authorization header value; 401 when it is missing, not a bearer token,
// not a well-formed token (the store is not asked) or an unknown token; 503 when the token store
// could not be asked. Several Authorization headers arrive joined with ", " and are refused.
ProblemOr<Principal> Authenticate(const TokenStore& store,
                                  std::optional<std::string_view> authorization);

// nullopt when `principal` has one of `roles`; otherwise the 403 problem.
std::optional<Problem> RequireRole(const Principal& principal,
                                   std::initializer_list<std::string_view> roles);

}  // namespace mcf::gateway
