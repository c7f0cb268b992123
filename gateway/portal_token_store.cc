#include "gateway/portal_token_store.h"

#include <spdlog/spdlog.h>

#include "gateway/json_body.h"
#include "lib/base/log.h"

namespace mcf::gateway {

Result<Principal> DecodePrincipalReply(std::string_view body) {
  auto json = MsgpackToJson(body);
  if (!json.ok() || !json->is_object()) return Status::Invalid("reply body is not a map");
  const Json& j = *json;
  if (!j.contains("role") || !j["role"].is_string() || j["role"].get<std::string>().empty()) {
    return Status::Invalid("reply body has no role");
  }
  if (!j.contains("id") || !j["id"].is_string() || j["id"].get<std::string>().empty()) {
    return Status::Invalid("reply body has no id");
  }
  return Principal{j["role"].get<std::string>(), j["id"].get<std::string>()};
}

PortalTokenStore::PortalTokenStore(AskFn ask, const Clock& clock, TokenCacheConfig config)
    : ask_(std::move(ask)), clock_(clock), config_(config) {}

void PortalTokenStore::Put(std::string_view token, std::optional<Principal> principal,
                           Millis ttl) const {
  std::lock_guard lock(mu_);
  if (auto it = index_.find(token); it != index_.end()) {
    auto node = it->second;
    index_.erase(it);
    lru_.erase(node);
  }
  lru_.push_front(Entry{std::string(token), std::move(principal), clock_.Now() + ttl});
  index_.emplace(lru_.front().token, lru_.begin());
  while (lru_.size() > std::max<size_t>(config_.max_entries, 1)) {
    index_.erase(lru_.back().token);
    lru_.pop_back();
  }
}

void PortalTokenStore::Remember(std::string_view token, Principal principal) const {
  if (token.empty() || token.size() > kMaxTokenBytes) return;
  Put(token, std::move(principal), config_.ttl);
}

Result<std::optional<Principal>> PortalTokenStore::Lookup(std::string_view token) const {
  if (token.empty() || token.size() > kMaxTokenBytes) return std::optional<Principal>();
  {
    std::lock_guard lock(mu_);
    if (auto it = index_.find(token); it != index_.end()) {
      if (clock_.Now() < it->second->expires) {
        lru_.splice(lru_.begin(), lru_, it->second);
        return it->second->principal;
      }
      auto entry = it->second;
      index_.erase(it);
      lru_.erase(entry);
    }
  }
  schemas::Reply reply = ask_(token);
  if (reply.status == Code::kNotFound) {
    if (config_.negative_ttl.count() > 0) Put(token, std::nullopt, config_.negative_ttl);
    return std::optional<Principal>();
  }
  if (reply.status != Code::kOk) {
    return Status::Unavailable("portal.authenticate: " + std::string(CodeName(reply.status)) +
                               (reply.message.empty() ? "" : " (" + reply.message + ")"));
  }
  auto principal = DecodePrincipalReply(reply.body);
  if (!principal.ok()) {
    spdlog::warn("event=bad_authenticate_reply error={}", Quoted(principal.status().message()));
    return Status::Unavailable("portal.authenticate: " + principal.status().message());
  }
  Put(token, *principal, config_.ttl);
  return std::optional<Principal>(std::move(principal).value());
}

size_t PortalTokenStore::size() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

}  // namespace mcf::gateway
