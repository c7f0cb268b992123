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

// The console's session cookie (docs/decisions/026): its value is the principal's token, set by
// POST /v1/console/session as `mcf_session=<token>; HttpOnly; SameSite=Strict; Path=/`.
inline constexpr std::string_view kSessionCookie = "mcf_session";
// The header a cookie-authenticated request other than GET/HEAD must carry (value "1"): a page
// of another origin cannot send a custom header without a CORS preflight, which the gateway
// never grants, so a forged form or fetch is refused (CSRF).
inline constexpr std::string_view kConsoleHeader = "X-MCF-Console";

// What a request carries that may authenticate it (views into the request's headers, as sent;
// nullopt = header absent).
struct Credentials {
  std::string_view method = "GET";                               // "GET", "POST", ...
  std::optional<std::string_view> authorization = std::nullopt;  // Authorization
  std::optional<std::string_view> cookie = std::nullopt;  // Cookie (several joined with "; ")
  std::optional<std::string_view> origin = std::nullopt;  // Origin
  std::optional<std::string_view> host = std::nullopt;    // Host
  std::optional<std::string_view> console = std::nullopt;  // X-MCF-Console
};

// The value of cookie `name` in a Cookie header ("a=1; mcf_session=..."); nullopt when absent.
std::optional<std::string_view> CookieValue(std::string_view cookie_header, std::string_view name);

// nullopt when a browser request may change something: an Origin, when sent, is this host's
// (http:// or https:// + Host), and the X-MCF-Console header is "1"; otherwise the 403 problem
// naming the header. Used for cookie-authenticated requests and the console's sign-in.
std::optional<Problem> CheckConsoleRequest(const Credentials& credentials);

// THE authentication of every authenticated route (business routes, /v1/me, the stream): an
// Authorization header wins and is a bearer token as before; without one, the mcf_session
// cookie's token, and then a method other than GET/HEAD must pass CheckConsoleRequest (403).
// 401 when neither is sent, when the token is not well formed (the store is not asked) or
// unknown; 503 when the token store could not be asked. Several Authorization headers arrive
// joined with ", " and are refused.
ProblemOr<Principal> Authenticate(const TokenStore& store, const Credentials& credentials);

// Bearer only: Authenticate with just an Authorization header (tools and tests).
ProblemOr<Principal> Authenticate(const TokenStore& store,
                                  std::optional<std::string_view> authorization);

// nullopt when `principal` has one of `roles`; otherwise the 403 problem.
std::optional<Problem> RequireRole(const Principal& principal,
                                   std::initializer_list<std::string_view> roles);

}  // namespace mcf::gateway
