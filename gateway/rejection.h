// Rejection: why the edge refused a request or dropped a connection before serving it (the
// flood protections of SPEC section 4: gateway/public_gate.h, the connection loop in
// server.cc). A fixed set, so the metrics label built from it stays bounded. Constants only.
#pragma once

#include <string_view>

namespace mcf::gateway {

// Why a request was refused at the edge. Fixed, so metrics labels stay bounded.
enum class Rejection {
  kAddressRate,            // 429: the address's bucket is empty
  kRouteRate,              // 429: the route's bucket (all addresses) is empty
  kPublicInFlight,         // 503: max_in_flight public requests in progress
  kAddressInFlight,        // 429: max_in_flight_per_address from this address in progress
  kConcurrency,            // 503: the staff/worker limit (ServerConfig::max_concurrent)
  kConnectionsPerAddress,  // one request, then closed: the address is over its share of threads
  kSlowRequest,            // connection closed: request head or public body not in time
  kStreams,                // 503/429: live update streams at their cap (gateway/event_stream.h)
};
inline constexpr Rejection kRejections[] = {
    Rejection::kAddressRate,     Rejection::kRouteRate,   Rejection::kPublicInFlight,
    Rejection::kAddressInFlight, Rejection::kConcurrency, Rejection::kConnectionsPerAddress,
    Rejection::kSlowRequest,     Rejection::kStreams};
// The metrics label: "address_rate", "route_rate", ...
std::string_view RejectionName(Rejection r);

}  // namespace mcf::gateway
