// PublicGate: what a request on a public route (BusinessRoute::is_public: no bearer token) must
// pass before its body is read or anything is sent on the bus (SPEC section 4, the flood edge):
// a cap on public requests in flight (apart from the staff/worker limit, so public traffic
// cannot use up that capacity), a cap on in-flight public requests per client address, a token
// bucket per client address and a token bucket per public route for all addresses together.
//
// Admit answers with either the permits to hold for the request's whole life, or the reason it
// was refused and, for the buckets, how long until a token is back (Retry-After). The in-flight
// caps are checked first so a refused request takes no token; the address's bucket before the
// route's, so a single flooding address is stopped without draining the route's bucket for
// everyone else. Time comes from the injected Clock (which must outlive the gate).
// Thread-safe (its parts are).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "gateway/address_slots.h"
#include "gateway/concurrency_limit.h"
#include "gateway/rate_limiter.h"
#include "gateway/rejection.h"
#include "lib/base/clock.h"

namespace mcf::gateway {

// Defaults sized for ~1,000 applications a day (about one a minute in office hours) plus the
// clients' sign-ins: a person never comes near them, a flood is cut to a trickle the contexts
// absorb (5 a second per route is 18,000 an hour at most, whatever the number of addresses).
struct PublicLimits {
  RateLimiterConfig per_address{30, 5, 10000};  // each client address
  RateLimiterConfig per_route{100, 5, 64};      // each public route, all addresses together
  size_t max_in_flight = 32;                    // public requests in progress at once
  size_t max_in_flight_per_address = 4;         // of those, from one address
};

class PublicGate {
 public:
  // What a public request holds while in progress; movable, frees its slots when destroyed.
  struct Admission {
    std::optional<ConcurrencyLimit::Permit> in_flight;
    std::optional<AddressSlots::Permit> address_in_flight;
    std::optional<Rejection> refused;  // set: no permits are held
    Millis retry_after{0};             // when refused: until a token is back (>= 1 s in HTTP)
    int http_status = 0;               // when refused: 429 or 503
    bool admitted() const { return !refused.has_value(); }
  };

  PublicGate(PublicLimits limits, const Clock& clock);

  // The checks for one request from `address` on the public route `route` (its pattern).
  Admission Admit(std::string_view address, std::string_view route);

  size_t in_flight() const { return in_flight_.in_use(); }

 private:
  ConcurrencyLimit in_flight_;
  AddressSlots address_in_flight_;
  RateLimiter per_address_;
  RateLimiter per_route_;
};

}  // namespace mcf::gateway
