#include "gateway/public_gate.h"

#include <algorithm>

#include "gateway/problem.h"

namespace mcf::gateway {

PublicGate::PublicGate(PublicLimits limits, const Clock& clock)
    : in_flight_(std::max<size_t>(limits.max_in_flight, 1)),
      address_in_flight_(limits.max_in_flight_per_address),
      per_address_(limits.per_address, clock),
      per_route_(limits.per_route, clock) {}

PublicGate::Admission PublicGate::Admit(std::string_view address, std::string_view route) {
  Admission a;
  auto refuse = [&a](Rejection why, int status, Millis retry_after) {
    a.in_flight.reset();
    a.address_in_flight.reset();
    a.refused = why;
    a.http_status = status;
    a.retry_after = retry_after;
    return std::move(a);
  };
  a.in_flight = in_flight_.TryAcquire();
  if (!a.in_flight) return refuse(Rejection::kPublicInFlight, kHttpUnavailable, Millis(1000));
  a.address_in_flight = address_in_flight_.TryAcquire(address);
  if (!a.address_in_flight) {
    return refuse(Rejection::kAddressInFlight, kHttpTooManyRequests, Millis(1000));
  }
  if (RateDecision d = per_address_.Allow(address); !d.allowed) {
    return refuse(Rejection::kAddressRate, kHttpTooManyRequests, d.retry_after);
  }
  if (RateDecision d = per_route_.Allow(route); !d.allowed) {
    return refuse(Rejection::kRouteRate, kHttpTooManyRequests, d.retry_after);
  }
  return a;
}

}  // namespace mcf::gateway
