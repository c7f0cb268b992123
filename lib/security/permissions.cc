#include "lib/security/permissions.h"

#include "lib/security/curve_keys.h"

namespace mcf::security {

bool Grant::MayServe(std::string_view service) const {
  if (revoked) return false;
  return role == PeerRole::kTrusted || (role == PeerRole::kContext && service == name);
}

bool Grant::MayPublish(std::string_view producer, std::string_view topic) const {
  if (revoked) return false;
  if (role == PeerRole::kTrusted) return true;
  if (role != PeerRole::kContext) return false;
  // A worker's store publishes as "<service>@<log head at its birth>" (lib/worker/dispatcher.h).
  const bool own_producer =
      producer == name || (producer.size() > name.size() && producer.starts_with(name) &&
                           producer[name.size()] == '@');
  return own_producer && topic.size() > name.size() && topic.starts_with(name) &&
         topic[name.size()] == '.';
}

bool Grant::MaySubscribe(std::string_view) const {
  return !revoked && role != PeerRole::kGateway;
}

bool Grant::MayActForOthers() const {
  return !revoked && role != PeerRole::kContext;
}

Grant GrantFor(const PeerEntry& entry) {
  return Grant{entry.name, entry.role, KeyId(entry.public_key), entry.revoked};
}

}  // namespace mcf::security
