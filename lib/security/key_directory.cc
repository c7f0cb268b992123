#include "lib/security/key_directory.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "lib/security/curve_keys.h"

namespace mcf::security {
namespace {

Status EnsureDirectory(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) return Status::Ok();
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Internal("cannot create " + dir + ": " + ec.message());
  if (::chmod(dir.c_str(), 0700) != 0)
    return Status::Internal("cannot chmod " + dir + ": " + std::strerror(errno));
  return Status::Ok();
}

// The pair in `path`, made first if there is none.
Result<CurveKeyPair> EnsurePair(const std::string& path) {
  if (std::filesystem::exists(path)) return ReadKeyFile(path);
  ASSIGN_OR_RETURN(auto pair, GenerateCurveKeyPair());
  RETURN_IF_ERROR(WriteKeyFile(path, pair));
  return pair;
}

}  // namespace

std::string KeyFileOf(const std::string& dir, const std::string& name) {
  return dir + "/" + name + ".key";
}
std::string RegistryFileOf(const std::string& dir) { return dir + "/peers"; }

Status EnsureKeys(const std::string& dir, const std::vector<PeerSpec>& peers) {
  RETURN_IF_ERROR(EnsureDirectory(dir));
  ASSIGN_OR_RETURN(auto broker, EnsurePair(KeyFileOf(dir, "broker")));
  if (!std::filesystem::exists(dir + "/broker.pub"))
    RETURN_IF_ERROR(WritePublicKeyFile(dir + "/broker.pub", broker.public_key));
  ASSIGN_OR_RETURN(auto registry, PeerRegistry::Load(RegistryFileOf(dir)));
  const auto before = registry.entries();
  for (const auto& peer : peers) {
    if (peer.name == "broker") return Status::Invalid("'broker' names the broker's own key");
    if (!IsPeerName(peer.name)) return Status::Invalid("not a peer name: " + peer.name);
    ASSIGN_OR_RETURN(auto pair, EnsurePair(KeyFileOf(dir, peer.name)));
    RETURN_IF_ERROR(registry.Add(PeerEntry{peer.name, peer.role, pair.public_key}));
  }
  if (registry.entries() == before) return Status::Ok();
  return registry.Save(RegistryFileOf(dir));
}

Result<std::string> RotateKey(const std::string& dir, const PeerSpec& peer) {
  if (!IsPeerName(peer.name) || peer.name == "broker")
    return Status::Invalid("not a peer name: " + peer.name);
  RETURN_IF_ERROR(EnsureDirectory(dir));
  ASSIGN_OR_RETURN(auto registry, PeerRegistry::Load(RegistryFileOf(dir)));
  ASSIGN_OR_RETURN(auto pair, GenerateCurveKeyPair());
  RETURN_IF_ERROR(registry.Add(PeerEntry{peer.name, peer.role, pair.public_key}));
  RETURN_IF_ERROR(registry.Save(RegistryFileOf(dir)));
  RETURN_IF_ERROR(WriteKeyFile(KeyFileOf(dir, peer.name), pair));
  return pair.public_key;
}

}  // namespace mcf::security
