#include "gateway/auth.h"

#include <sodium.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>

namespace mcf::gateway {
namespace {

std::string_view Trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string RandomHexToken() {
  std::random_device rd;  // /dev/urandom on Linux
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 32; ++i) {
    unsigned v = rd() & 0xffu;
    out.push_back(kHex[v >> 4]);
    out.push_back(kHex[v & 0xfu]);
  }
  return out;
}

}  // namespace

std::optional<std::string> ParseBearer(std::string_view header_value) {
  std::string_view v = Trim(header_value);
  constexpr std::string_view kScheme = "bearer";
  if (v.size() <= kScheme.size() || !IEquals(v.substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;
  }
  if (v[kScheme.size()] != ' ' && v[kScheme.size()] != '\t') return std::nullopt;
  std::string_view token = Trim(v.substr(kScheme.size()));
  if (token.empty() || token.find_first_of(" \t") != std::string_view::npos) return std::nullopt;
  return std::string(token);
}

bool IsWellFormedToken(std::string_view token) {
  if (token.size() != kTokenChars) return false;
  for (char c : token) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Only the lengths leak (tokens have one public length); the bytes are compared by libsodium
  // in time independent of where they differ.
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

void InMemoryTokenStore::Add(std::string token, Principal principal) {
  std::unique_lock lock(mu_);
  tokens_[std::move(token)] = std::move(principal);
}

Result<std::optional<Principal>> InMemoryTokenStore::Lookup(std::string_view token) const {
  std::shared_lock lock(mu_);
  auto it = tokens_.find(std::string(token));
  if (it == tokens_.end()) return std::optional<Principal>();
  return std::optional<Principal>(it->second);
}

BootstrapAdminToken::BootstrapAdminToken(std::string token) : token_(std::move(token)) {}

Result<std::unique_ptr<BootstrapAdminToken>> BootstrapAdminToken::FromFile(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Invalid("cannot read admin token file " + path);
  std::string line;
  std::getline(in, line);
  std::string_view token = Trim(line);
  if (token.empty()) return Status::Invalid("admin token file " + path + " holds no token");
  if (!IsWellFormedToken(token)) {
    return Status::Invalid("admin token in " + path + " is not " + std::to_string(kTokenChars) +
                           " lowercase hex characters (delete the file to have one made)");
  }
  return std::make_unique<BootstrapAdminToken>(std::string(token));
}

Result<std::unique_ptr<BootstrapAdminToken>> BootstrapAdminToken::LoadOrCreate(
    const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    const std::string content = RandomHexToken() + "\n";
    const bool written =
        ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
    ::close(fd);
    if (!written) return Status::Internal("cannot write admin token file " + path);
  } else if (errno != EEXIST) {
    return Status::Invalid("cannot create admin token file " + path + ": " + std::strerror(errno));
  }
  return FromFile(path);
}

Result<std::optional<Principal>> BootstrapAdminToken::Lookup(std::string_view token) const {
  if (!ConstantTimeEquals(token, token_)) return std::optional<Principal>();
  return std::optional<Principal>(Principal{"admin", "bootstrap"});
}

Result<std::optional<Principal>> ChainedTokenStore::Lookup(std::string_view token) const {
  Status failure = Status::Ok();
  for (const TokenStore* store : stores_) {
    auto p = store->Lookup(token);
    if (!p.ok()) {
      if (failure.ok()) failure = p.status();
      continue;
    }
    if (p->has_value()) return p;
  }
  RETURN_IF_ERROR(failure);
  return std::optional<Principal>();
}

namespace {

ProblemOr<Principal> LookUp(const TokenStore& store, std::string_view token, std::string_view what) {
  if (!IsWellFormedToken(token)) {
    return MakeProblem(kHttpUnauthorized, "the " + std::string(what) + " is not " +
                                              std::to_string(kTokenChars) +
                                              " lowercase hex characters");
  }
  auto principal = store.Lookup(token);
  if (!principal.ok()) {
    return MakeProblem(kHttpUnavailable,
                       "cannot check the token now: " + principal.status().message());
  }
  if (!principal->has_value()) return MakeProblem(kHttpUnauthorized, "unknown or revoked token");
  return **principal;
}

}  // namespace

std::optional<std::string_view> CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const size_t end = header.find(';');
    std::string_view pair = Trim(header.substr(0, end));
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos || Trim(pair.substr(0, eq)) != name) continue;
    std::string_view value = Trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return std::nullopt;
}

std::optional<Problem> CheckConsoleRequest(const Credentials& c) {
  if (c.origin) {
    const std::string_view host = c.host ? Trim(*c.host) : std::string_view();
    const std::string_view origin = Trim(*c.origin);
    const bool same = !host.empty() && (origin == "http://" + std::string(host) ||
                                        origin == "https://" + std::string(host));
    if (!same) {
      return MakeProblem(kHttpForbidden,
                         "cross-origin request refused: Origin " + std::string(origin) +
                             " is not this server's",
                         "header.Origin");
    }
  }
  if (!c.console || Trim(*c.console) != "1") {
    return MakeProblem(kHttpForbidden,
                       "a request signed in by cookie must send " + std::string(kConsoleHeader) +
                           ": 1 (or use Authorization: Bearer)",
                       "header." + std::string(kConsoleHeader));
  }
  return std::nullopt;
}

ProblemOr<Principal> Authenticate(const TokenStore& store, const Credentials& c) {
  if (c.authorization) {
    auto token = ParseBearer(*c.authorization);
    if (!token) {
      return MakeProblem(kHttpUnauthorized, "Authorization header is not a bearer token");
    }
    return LookUp(store, *token, "bearer token");
  }
  const auto cookie = c.cookie ? CookieValue(*c.cookie, kSessionCookie) : std::nullopt;
  if (!cookie) {
    return MakeProblem(kHttpUnauthorized,
                       "missing Authorization: Bearer <token> header (or the console's " +
                           std::string(kSessionCookie) + " cookie)");
  }
  if (c.method != "GET" && c.method != "HEAD") {
    if (auto p = CheckConsoleRequest(c)) return *p;
  }
  return LookUp(store, *cookie, std::string(kSessionCookie) + " cookie");
}

ProblemOr<Principal> Authenticate(const TokenStore& store,
                                  std::optional<std::string_view> authorization) {
  return Authenticate(store, Credentials{.authorization = authorization});
}

std::optional<Problem> RequireRole(const Principal& principal,
                                   std::initializer_list<std::string_view> roles) {
  for (std::string_view role : roles) {
    if (principal.role == role) return std::nullopt;
  }
  std::string allowed;
  for (std::string_view role : roles) {
    if (!allowed.empty()) allowed += ", ";
    allowed += role;
  }
  return MakeProblem(kHttpForbidden,
                     "role '" + principal.role + "' may not do this (allowed: " + allowed + ")");
}

}  // namespace mcf::gateway
