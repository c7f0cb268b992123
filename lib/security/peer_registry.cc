#include "lib/security/peer_registry.h"

#include <fstream>
#include <sstream>

#include "lib/base/log.h"
#include "lib/security/curve_keys.h"
#include "lib/base/file_io.h"

namespace mcf::security {

std::string_view RoleName(PeerRole role) {
  switch (role) {
    case PeerRole::kOperator: return "operator";
    case PeerRole::kGateway: return "gateway";
    case PeerRole::kContext: return "context";
    case PeerRole::kTrusted: return "trusted";
    case PeerRole::kOutside: return "outside";
  }
  return "context";
}

std::optional<PeerRole> ParseRole(std::string_view name) {
  for (PeerRole role : {PeerRole::kOperator, PeerRole::kGateway, PeerRole::kContext,
                        PeerRole::kTrusted, PeerRole::kOutside})
    if (RoleName(role) == name) return role;
  return std::nullopt;
}

bool IsPeerName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

Result<PeerRegistry> PeerRegistry::Load(const std::string& path) {
  PeerRegistry registry;
  std::ifstream in(path);
  if (!in) return registry;  // no file yet: nobody registered
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name, role, key, state, extra;
    fields >> name >> role >> key >> state;
    auto bad = [&](std::string_view why) {
      return Status::Invalid(path + ":" + std::to_string(number) + ": " + std::string(why) +
                             " (expected: name role public-key active|revoked)");
    };
    if (fields >> extra) return bad("too many fields");
    if (!IsPeerName(name)) return bad("not a peer name: " + name);
    auto parsed_role = ParseRole(role);
    if (!parsed_role) return bad("unknown role: " + role);
    if (!IsZ85Key(key)) return bad("not a Z85 public key");
    if (state != "active" && state != "revoked") return bad("state must be active or revoked");
    if (registry.FindKey(key)) return bad("key registered twice");
    registry.entries_.push_back(PeerEntry{name, *parsed_role, key, state == "revoked"});
  }
  return registry;
}

Status PeerRegistry::Save(const std::string& path) const {
  std::string text = "# MCF bus peers: name role public-key state (docs/security.md)\n";
  for (const auto& e : entries_)
    text += e.name + " " + std::string(RoleName(e.role)) + " " + e.public_key + " " +
            (e.revoked ? "revoked" : "active") + "\n";
  return WriteFileAtomically(path, text, 0644);
}

Status PeerRegistry::Add(PeerEntry entry) {
  if (!IsPeerName(entry.name))
    return Status::Invalid("name: 1 to 64 of a-z, 0-9, '_' and '-', got " + Quoted(entry.name));
  if (!IsZ85Key(entry.public_key)) return Status::Invalid("public key: not a Z85 key");
  if (const PeerEntry* known = FindKey(entry.public_key)) {
    if (known->name == entry.name && known->role == entry.role) {
      if (known->revoked)
        return Status::Conflict("key " + KeyId(entry.public_key) + " was revoked; make a new one");
      return Status::Ok();
    }
    return Status::Conflict("key " + KeyId(entry.public_key) + " is already registered as " +
                            known->name + " (" + std::string(RoleName(known->role)) + ")");
  }
  entry.revoked = false;
  entries_.push_back(std::move(entry));
  return Status::Ok();
}

Result<int> PeerRegistry::Revoke(std::string_view key_or_id) {
  int revoked = 0;
  bool matched = false;
  for (auto& e : entries_) {
    if (e.public_key != key_or_id && KeyId(e.public_key) != key_or_id && e.name != key_or_id)
      continue;
    matched = true;
    if (!e.revoked) ++revoked;
    e.revoked = true;
  }
  if (!matched) return Status::NotFound("no registered key or peer " + Quoted(key_or_id));
  return revoked;
}

const PeerEntry* PeerRegistry::FindKey(std::string_view public_key) const {
  for (const auto& e : entries_)
    if (e.public_key == public_key) return &e;
  return nullptr;
}

}  // namespace mcf::security
