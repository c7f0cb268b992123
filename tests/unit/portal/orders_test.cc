// The order projection as plain functions: each event's update, repeats and final orders
// ignored, the copy order, and the store codec's round trip.
#include "workers/portal/orders.h"

#include <gtest/gtest.h>

#include "workers/portal/portal_store.h"

namespace mcf::portal {
namespace {

constexpr int64_t kT = 1'767'603'600'000;  // 2026-01-05T09:00:00Z

Order Requested() { return NewOrder("o1", "c1", "chores", "jars", kT + 10, kT + 20, 10'000, kT); }

TEST(OrdersTest, NewOrderIsRequestedWithOneTimelineEntry) {
  Order o = Requested();
  EXPECT_EQ(o.status, OrderStatus::kRequested);
  EXPECT_FALSE(o.kit_issued);
  EXPECT_FALSE(o.copy_offered);
  ASSERT_EQ(o.timeline.size(), 1u);
  EXPECT_EQ(o.timeline[0], (TimelineEntry{kT, "requested", ""}));
}

TEST(OrdersTest, TheHappyPathMovesStatusAndAppendsTheTimeline) {
  Order o = Requested();
  EXPECT_TRUE(OnAssigned(o, "w1", 10'000, kT + 1));
  EXPECT_EQ(o.status, OrderStatus::kAssigned);
  EXPECT_EQ(o.worker_id, "w1");
  EXPECT_EQ(o.price_minor, 10'000);
  EXPECT_TRUE(OnKitIssued(o, kT + 2));
  EXPECT_TRUE(o.kit_issued);
  EXPECT_TRUE(OnCheckedIn(o, kT + 3));
  EXPECT_EQ(o.status, OrderStatus::kCheckedIn);
  EXPECT_TRUE(OnFinalized(o, OrderStatus::kCompleted, "", kT + 4));
  EXPECT_EQ(o.status, OrderStatus::kCompleted);
  std::vector<TimelineEntry> want = {{kT, "requested", ""},
                                     {kT + 1, "assigned", "w1"},
                                     {kT + 2, "kit_issued", ""},
                                     {kT + 3, "checked_in", ""},
                                     {kT + 4, "completed", ""}};
  EXPECT_EQ(o.timeline, want);
}

TEST(OrdersTest, RepeatsAndOutOfOrderEventsChangeNothing) {
  Order o = Requested();
  EXPECT_FALSE(OnCheckedIn(o, kT));  // not assigned yet
  ASSERT_TRUE(OnAssigned(o, "w1", 10'000, kT + 1));
  Order before = o;
  EXPECT_FALSE(OnAssigned(o, "w2", 5, kT + 2));
  EXPECT_EQ(o, before);
  ASSERT_TRUE(OnKitIssued(o, kT + 3));
  before = o;
  EXPECT_FALSE(OnKitIssued(o, kT + 4));
  EXPECT_EQ(o, before);
}

TEST(OrdersTest, FinalOrdersIgnoreLaterEventsButMayBeOfferedACopy) {
  Order o = Requested();
  ASSERT_TRUE(OnAssigned(o, "w1", 10'000, kT + 1));
  ASSERT_TRUE(OnFinalized(o, OrderStatus::kCanceled, "no_show", kT + 2));
  EXPECT_EQ(o.reason, "no_show");
  EXPECT_EQ(o.timeline.back(), (TimelineEntry{kT + 2, "canceled", "no_show"}));
  Order before = o;
  EXPECT_FALSE(OnFinalized(o, OrderStatus::kCompleted, "", kT + 3));
  EXPECT_FALSE(OnKitIssued(o, kT + 3));
  EXPECT_FALSE(OnCheckedIn(o, kT + 3));
  EXPECT_EQ(o, before);
  EXPECT_TRUE(OnCopyOffered(o, kT + 4));
  EXPECT_TRUE(o.copy_offered);
  EXPECT_FALSE(OnCopyOffered(o, kT + 5));
}

TEST(OrdersTest, FailedKeepsTheWorkersReason) {
  Order o = Requested();
  ASSERT_TRUE(OnAssigned(o, "w1", 10'000, kT + 1));
  ASSERT_TRUE(OnCheckedIn(o, kT + 2));
  ASSERT_TRUE(OnFinalized(o, OrderStatus::kFailed, "the jar would not toss", kT + 3));
  EXPECT_EQ(o.status, OrderStatus::kFailed);
  EXPECT_EQ(o.reason, "the jar would not toss");
  EXPECT_FALSE(OnFinalized(o, OrderStatus::kRequested, "", kT + 4));  // not an outcome
}

TEST(OrdersTest, CopyOrderTakesTheOriginalsFieldsAndNotesTheCopyOnIt) {
  Order original = Requested();
  Order copy = NewCopyOrder(original, "o2", kT + 100, kT + 200, std::nullopt, 9'500, kT + 50);
  EXPECT_EQ(copy.id, "o2");
  EXPECT_EQ(copy.client_id, "c1");
  EXPECT_EQ(copy.service_type_id, "chores");
  EXPECT_EQ(copy.description, "jars");
  EXPECT_EQ(copy.starts_at_ms, kT + 100);
  EXPECT_EQ(copy.ends_at_ms, kT + 200);
  EXPECT_EQ(copy.approx_cost, 9'500);
  EXPECT_EQ(copy.copied_from, "o1");
  EXPECT_EQ(copy.status, OrderStatus::kRequested);
  EXPECT_EQ(copy.timeline, (std::vector<TimelineEntry>{{kT + 50, "requested", "copy of o1"}}));
  EXPECT_EQ(original.timeline.back(), (TimelineEntry{kT + 50, "copied", "o2"}));
  Order with_text = NewCopyOrder(original, "o3", kT, kT + 1, "new text", 1, kT);
  EXPECT_EQ(with_text.description, "new text");
}

TEST(OrdersTest, StatusNamesRoundTrip) {
  for (auto s : {OrderStatus::kRequested, OrderStatus::kAssigned, OrderStatus::kCheckedIn,
                 OrderStatus::kCompleted, OrderStatus::kFailed, OrderStatus::kCanceled})
    EXPECT_EQ(ParseOrderStatus(OrderStatusName(s)), s);
  EXPECT_FALSE(ParseOrderStatus("lost").has_value());
}

TEST(OrdersTest, OrderCodecRoundTripsWithAndWithoutOptionalFields) {
  Order o = Requested();
  auto plain = DecodeOrder(EncodeOrder(o));
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(*plain, o);
  ASSERT_TRUE(OnAssigned(o, "w1", 10'000, kT + 1));
  ASSERT_TRUE(OnFinalized(o, OrderStatus::kCanceled, "no_show", kT + 2));
  o.copied_from = "o0";
  auto full = DecodeOrder(EncodeOrder(o));
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_EQ(*full, o);
}

}  // namespace
}  // namespace mcf::portal
