// The public routes' admission (gateway/public_gate.h) and its per-address slots
// (gateway/address_slots.h), on an injected clock.
#include "gateway/public_gate.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/metrics.h"

namespace mcf::gateway {
namespace {

PublicLimits Limits() {
  PublicLimits l;
  l.per_address = {.capacity = 3, .refill_per_second = 1, .max_addresses = 100};
  l.per_route = {.capacity = 5, .refill_per_second = 2, .max_addresses = 8};
  l.max_in_flight = 100;
  l.max_in_flight_per_address = 100;
  return l;
}

TEST(AddressSlotsTest, CapsEachAddressAndForgetsIdleOnes) {
  AddressSlots slots(2);
  auto a1 = slots.TryAcquire("a");
  auto a2 = slots.TryAcquire("a");
  ASSERT_TRUE(a1 && a2);
  EXPECT_FALSE(slots.TryAcquire("a"));
  EXPECT_TRUE(slots.TryAcquire("b"));  // another address is not affected (and released at once)
  EXPECT_EQ(slots.held("a"), 2u);
  a1.reset();
  EXPECT_EQ(slots.held("a"), 1u);
  auto a3 = slots.TryAcquire("a");
  EXPECT_TRUE(a3);
  a2.reset();
  a3.reset();
  EXPECT_EQ(slots.addresses(), 0u);  // no entry is kept for an address holding nothing
}

TEST(AddressSlotsTest, MovedPermitsReleaseOnce) {
  AddressSlots slots(1);
  auto p = slots.TryAcquire("a");
  ASSERT_TRUE(p);
  std::optional<AddressSlots::Permit> q = std::move(p);
  p.reset();  // the moved-from permit frees nothing
  EXPECT_EQ(slots.held("a"), 1u);
  auto other = slots.TryAcquire("b");
  *other = std::move(*q);  // "b"'s slot freed, "a"'s now held by `other`
  EXPECT_EQ(slots.held("b"), 0u);
  EXPECT_EQ(slots.held("a"), 1u);
  other.reset();
  q.reset();
  EXPECT_EQ(slots.held("a"), 0u);
}

TEST(PublicGateTest, AddressBucketRefusesWith429AndRetryAfterFromTheBucket) {
  FakeClock clock;
  PublicGate gate(Limits(), clock);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(gate.Admit("1.2.3.4", "/v1/session").admitted());
  auto refused = gate.Admit("1.2.3.4", "/v1/session");
  ASSERT_FALSE(refused.admitted());
  EXPECT_EQ(*refused.refused, Rejection::kAddressRate);
  EXPECT_EQ(refused.http_status, 429);
  EXPECT_EQ(refused.retry_after, Millis(1000));  // one token at 1/s
  EXPECT_FALSE(refused.in_flight);  // a refusal holds nothing
  clock.Advance(Millis(1000));
  EXPECT_TRUE(gate.Admit("1.2.3.4", "/v1/session").admitted());
}

TEST(PublicGateTest, RouteBucketLimitsAllAddressesTogetherAndPerRoute) {
  FakeClock clock;
  PublicGate gate(Limits(), clock);
  // Five addresses, one request each, empty the route's bucket (capacity 5).
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(gate.Admit("10.0.0." + std::to_string(i), "/v1/session").admitted()) << i;
  }
  auto refused = gate.Admit("10.0.0.99", "/v1/session");  // a fresh address
  ASSERT_FALSE(refused.admitted());
  EXPECT_EQ(*refused.refused, Rejection::kRouteRate);
  EXPECT_EQ(refused.http_status, 429);
  EXPECT_EQ(refused.retry_after, Millis(500));  // one token at 2/s
  // Another public route has its own bucket.
  EXPECT_TRUE(gate.Admit("10.0.0.99", "/v1/applications").admitted());
  clock.Advance(Millis(500));
  EXPECT_TRUE(gate.Admit("10.0.0.98", "/v1/session").admitted());
}

TEST(PublicGateTest, OneFloodingAddressDoesNotDrainTheRouteBucket) {
  FakeClock clock;
  PublicGate gate(Limits(), clock);
  for (int i = 0; i < 1000; ++i) gate.Admit("6.6.6.6", "/v1/session");
  // The flooder got its 3; the route's other 2 tokens are still there for everyone else.
  EXPECT_TRUE(gate.Admit("1.1.1.1", "/v1/session").admitted());
  EXPECT_TRUE(gate.Admit("1.1.1.2", "/v1/session").admitted());
  EXPECT_EQ(*gate.Admit("1.1.1.3", "/v1/session").refused, Rejection::kRouteRate);
}

TEST(PublicGateTest, InFlightCapsHoldUntilTheAdmissionEndsAndTakeNoToken) {
  FakeClock clock;
  PublicLimits limits = Limits();
  limits.max_in_flight = 3;
  limits.max_in_flight_per_address = 2;
  PublicGate gate(limits, clock);
  std::vector<PublicGate::Admission> held;
  held.push_back(gate.Admit("a", "/v1/session"));
  held.push_back(gate.Admit("a", "/v1/session"));
  auto third_from_a = gate.Admit("a", "/v1/session");
  ASSERT_FALSE(third_from_a.admitted());
  EXPECT_EQ(*third_from_a.refused, Rejection::kAddressInFlight);
  EXPECT_EQ(third_from_a.http_status, 429);
  EXPECT_EQ(third_from_a.retry_after, Millis(1000));
  held.push_back(gate.Admit("b", "/v1/session"));
  EXPECT_EQ(gate.in_flight(), 3u);
  auto full = gate.Admit("c", "/v1/session");
  ASSERT_FALSE(full.admitted());
  EXPECT_EQ(*full.refused, Rejection::kPublicInFlight);
  EXPECT_EQ(full.http_status, 503);
  held.clear();
  EXPECT_EQ(gate.in_flight(), 0u);
  // "a" took 2 of its 3 tokens; the refused third took none.
  EXPECT_TRUE(gate.Admit("a", "/v1/session").admitted());
  EXPECT_EQ(*gate.Admit("a", "/v1/session").refused, Rejection::kAddressRate);
}

TEST(PublicGateTest, RejectionsAreCountedUnderFixedLabels) {
  Metrics metrics;
  metrics.CountRejection(Rejection::kRouteRate);
  metrics.CountRejection(Rejection::kRouteRate);
  metrics.CountRejection(Rejection::kSlowRequest);
  EXPECT_EQ(metrics.RejectionCount(Rejection::kRouteRate), 2u);
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("mcf_gateway_rejections_total{reason=\"route_rate\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("mcf_gateway_rejections_total{reason=\"slow_request\"} 1\n"),
            std::string::npos);
  for (Rejection why : kRejections) {
    EXPECT_NE(text.find("reason=\"" + std::string(RejectionName(why)) + "\""), std::string::npos)
        << RejectionName(why);
  }
  EXPECT_NE(text.find("mcf_gateway_rejections_total{reason=\"address_rate\"} 0\n"),
            std::string::npos);
}

}  // namespace
}  // namespace mcf::gateway
