#include "lib/security/permissions.h"

#include "lib/security/curve_keys.h"

namespace mcf::security {

namespace {

// context and outside: serve and publish under their own name, act only as themselves.
bool OwnNameOnly(PeerRole role) { return role == PeerRole::kContext || role == PeerRole::kOutside; }

}  // namespace

bool Grant::MayServe(std::string_view service) const {
  if (revoked) return false;
  return role == PeerRole::kTrusted || (OwnNameOnly(role) && service == name);
}

bool Grant::MayPublish(std::string_view producer, std::string_view topic) const {
  if (revoked) return false;
  if (role == PeerRole::kTrusted) return true;
  if (!OwnNameOnly(role)) return false;
  // A worker's store publishes as "<service>@<log head at its birth>" (lib/worker/dispatcher.h).
  const bool own_producer =
      producer == name || (producer.size() > name.size() && producer.starts_with(name) &&
                           producer[name.size()] == '@');
  return own_producer && topic.size() > name.size() && topic.starts_with(name) &&
         topic[name.size()] == '.';
}

bool Grant::MaySubscribe(std::string_view prefix) const {
  if (revoked) return false;
  if (role != PeerRole::kGateway) return true;
  for (std::string_view family : kGatewayReadable)
    if (prefix.starts_with(family)) return true;
  return false;
}

bool Grant::MayActForOthers() const {
  return !revoked && !OwnNameOnly(role);
}

Grant GrantFor(const PeerEntry& entry) {
  return Grant{entry.name, entry.role, KeyId(entry.public_key), entry.revoked};
}

}  // namespace mcf::security
