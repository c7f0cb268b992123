#include "gateway/rejection.h"

namespace mcf::gateway {

std::string_view RejectionName(Rejection r) {
  switch (r) {
    case Rejection::kAddressRate: return "address_rate";
    case Rejection::kRouteRate: return "route_rate";
    case Rejection::kPublicInFlight: return "public_in_flight";
    case Rejection::kAddressInFlight: return "address_in_flight";
    case Rejection::kConcurrency: return "concurrency";
    case Rejection::kConnectionsPerAddress: return "connections_per_address";
    case Rejection::kSlowRequest: return "slow_request";
    case Rejection::kStreams: return "streams";
  }
  return "other";
}

}  // namespace mcf::gateway
