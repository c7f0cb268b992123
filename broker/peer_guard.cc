#include "broker/peer_guard.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <set>
#include <zmq.h>

#include "lib/base/log.h"
#include "lib/security/curve_keys.h"

namespace mcf::broker {

PeerGuard::FileStamp PeerGuard::FileStamp::Of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
          static_cast<int64_t>(st.st_size), static_cast<int64_t>(st.st_ino)};
}

std::unique_ptr<PeerGuard> PeerGuard::Insecure() { return std::unique_ptr<PeerGuard>(new PeerGuard()); }

Result<std::unique_ptr<PeerGuard>> PeerGuard::Secure(const std::string& keys_dir,
                                                     zmq::context_t& context,
                                                     zmq::socket_t& router) {
  std::unique_ptr<PeerGuard> guard(new PeerGuard());
  auto own = security::ReadKeyFile(keys_dir + "/broker.key");
  if (!own.ok()) return Status::Unavailable("the broker's key: " + own.status().message());
  ASSIGN_OR_RETURN(guard->zap_, ZapHandler::Start(context));
  guard->registry_path_ = keys_dir + "/peers";
  RETURN_IF_ERROR(guard->Load());
  try {
    router.set(zmq::sockopt::curve_server, 1);
    router.set(zmq::sockopt::curve_secretkey, own->secret_key);
    router.set(zmq::sockopt::zap_domain, "mcf");
  } catch (const zmq::error_t& e) {
    return Status::Internal(std::string("cannot make the broker a CURVE server: ") + e.what());
  }
  spdlog::info("event=bus_secure broker_key={} peers={}", security::KeyId(own->public_key),
               guard->grants_.size());
  return guard;
}

Status PeerGuard::Load() {
  stamp_ = FileStamp::Of(registry_path_);
  ASSIGN_OR_RETURN(auto registry, security::PeerRegistry::Load(registry_path_));
  std::unordered_map<std::string, security::Grant> grants;
  std::unordered_map<std::string, std::string> keys;
  for (const auto& entry : registry.entries()) {
    security::Grant grant = security::GrantFor(entry);
    if (grant.revoked) continue;
    keys[grant.key_id] = entry.public_key;
    RETURN_IF_ERROR(zap_->Allow(entry.public_key, grant.key_id));
    grants.emplace(grant.key_id, std::move(grant));
  }
  for (const auto& [id, key] : keys_)
    if (!keys.count(id)) zap_->Revoke(key);
  grants_ = std::move(grants);
  keys_ = std::move(keys);
  return Status::Ok();
}

std::vector<std::string> PeerGuard::ReloadIfChanged() {
  std::vector<std::string> revoked;
  if (!zap_) return revoked;
  if (FileStamp::Of(registry_path_) == stamp_) return revoked;
  const auto before = keys_;
  if (Status s = Load(); !s.ok()) {
    // Keep the rules in force: a half-edited or mistyped file must not open the door.
    spdlog::error("event=peer_registry_unreadable path={} error={} note={}",
                  Quoted(registry_path_), Quoted(s.message()),
                  Quoted("the previous registry stays in force"));
    return revoked;
  }
  for (const auto& [id, key] : before)
    if (!keys_.count(id)) revoked.push_back(id);
  spdlog::info("event=peer_registry_reloaded peers={} revoked={}", grants_.size(), revoked.size());
  return revoked;
}

std::vector<std::string> PeerGuard::OutsideNames() const {
  std::set<std::string> names;
  for (const auto& [id, grant] : grants_)
    if (grant.IsOutside()) names.insert(grant.name);
  return {names.begin(), names.end()};
}

const security::Grant* PeerGuard::GrantOf(const zmq::message_t& frame) const {
  if (!zap_) return &everything_;
  const char* user = zmq_msg_gets(frame.handle(), "User-Id");
  if (user == nullptr) return nullptr;
  auto it = grants_.find(user);
  return it == grants_.end() ? nullptr : &it->second;
}

}  // namespace mcf::broker
