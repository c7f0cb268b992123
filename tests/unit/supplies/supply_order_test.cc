// The pure supplies rules: what a new order holds, its fortune cookie's life (accepted,
// delivered, failed and tried again after a back-off, late, flagged for attention, answers to
// old tries), cancellation, and "issued" only for a complete kit, exactly once.
#include "workers/supplies/supply_order.h"

#include <gtest/gtest.h>

#include "schemas/body.h"

namespace mcf::supplies {
namespace {

namespace wire = schemas::supplies;
namespace contractor = schemas::contractor;
using wire::CookieState;

constexpr int64_t kMin = 60'000;
constexpr int64_t kT0 = 1'767'603'600'000;  // 2026-01-05T09:00:00Z

wire::SupplyOrder Order() { return NewOrder("s1", "t1", "w1", "c1", kT0 + 600 * kMin, kT0); }

contractor::CookieAccepted Accepted(int64_t attempt, int64_t at) {
  return {IdempotencyKey("s1", attempt), "s1", attempt, at};
}
contractor::CookieFailed Failed(int64_t attempt) {
  return {IdempotencyKey("s1", attempt), "s1", attempt, "oven out of order"};
}
contractor::CookieDelivered Delivered(int64_t attempt, int64_t at) {
  return {IdempotencyKey("s1", attempt), "s1", attempt, at};
}

TEST(SupplyOrderTest, NewOrderWaitsWithTheFormAndItsCookieRequested) {
  wire::SupplyOrder o = Order();
  EXPECT_EQ(o.status, wire::kStatusWaiting);
  EXPECT_EQ(o.kit, std::vector<std::string>{std::string(kJobAcceptanceForm)});
  EXPECT_FALSE(o.complete);
  EXPECT_EQ(o.cookie.state, CookieState::kRequested);
  EXPECT_EQ(o.cookie.attempts, 1);
  const wire::CookieRequested r = CookieRequestFor(o);
  EXPECT_EQ(r.idempotency_key, "s1/1");
  EXPECT_EQ(r.attempt, 1);
  EXPECT_EQ(r.client_id, "c1");
  EXPECT_EQ(r.needed_by_ms, kT0 + 600 * kMin);
}

TEST(SupplyOrderTest, IncompleteKitIsNotIssuedAndTheReasonSaysWhy) {
  wire::SupplyOrder o = Order();
  Status s = Issue(o, kT0 + kMin);
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_NE(s.message().find("waiting for its fortune cookie (try 1, requested"),
            std::string::npos)
      << s.message();
  ASSERT_TRUE(ApplyAccepted(o, Accepted(1, kT0 + 10 * kMin)).changed);
  s = Issue(o, kT0 + kMin);
  EXPECT_NE(s.message().find("accepted, expected at 2026-01-05T09:10:00Z"), std::string::npos)
      << s.message();
  EXPECT_EQ(o.status, wire::kStatusWaiting);
}

TEST(SupplyOrderTest, DeliveredCookieCompletesTheKitThenIssuesOnce) {
  wire::SupplyOrder o = Order();
  ASSERT_TRUE(ApplyAccepted(o, Accepted(1, kT0 + 10 * kMin)).changed);
  EXPECT_EQ(NextDue(o, CookiePolicy{}), kT0 + 30 * kMin);  // late after 20 min
  ASSERT_TRUE(ApplyDelivered(o, Delivered(1, kT0 + 10 * kMin)).changed);
  EXPECT_TRUE(o.complete);
  EXPECT_EQ(o.kit.back(), kFortuneCookie);
  EXPECT_EQ(o.cookie.delivered_at_ms, kT0 + 10 * kMin);
  EXPECT_EQ(NextDue(o, CookiePolicy{}), std::nullopt);
  EXPECT_FALSE(ApplyDelivered(o, Delivered(1, kT0 + 11 * kMin)).changed);  // a second one
  EXPECT_EQ(o.kit.size(), 2u);
  ASSERT_TRUE(Issue(o, kT0 + 12 * kMin).ok());
  EXPECT_EQ(o.status, wire::kStatusIssued);
  EXPECT_EQ(o.issued_at_ms, kT0 + 12 * kMin);
  EXPECT_EQ(Issue(o, kT0 + 13 * kMin).code(), Code::kConflict);
  EXPECT_EQ(o.issued_at_ms, kT0 + 12 * kMin);
}

TEST(SupplyOrderTest, FailedTriesBackOffDoublingUpToTheCapAndFlagForAttention) {
  CookiePolicy policy;
  policy.retry_base_ms = kMin;
  policy.retry_cap_ms = 5 * kMin;
  policy.attention_after = 3;
  wire::SupplyOrder o = Order();
  int64_t now = kT0;
  const std::vector<int64_t> waits = {1, 2, 4, 5, 5};
  for (size_t i = 0; i < waits.size(); ++i) {
    const int64_t attempt = static_cast<int64_t>(i) + 1;
    ASSERT_TRUE(ApplyFailed(o, Failed(attempt), now, policy).changed) << attempt;
    EXPECT_EQ(o.cookie.state, CookieState::kFailed);
    EXPECT_EQ(o.cookie.last_error, "contractor: oven out of order");
    EXPECT_EQ(o.cookie.next_try_at_ms, now + waits[i] * kMin) << attempt;
    EXPECT_EQ(o.cookie.needs_attention, attempt >= 3) << attempt;
    EXPECT_EQ(NextTryIfDue(o, now + waits[i] * kMin - 1, policy), std::nullopt);  // not yet
    now += waits[i] * kMin;
    const auto retry = NextTryIfDue(o, now, policy);
    ASSERT_TRUE(retry.has_value());
    EXPECT_EQ(retry->attempt, attempt + 1);
    EXPECT_EQ(retry->idempotency_key, IdempotencyKey("s1", attempt + 1));
    EXPECT_EQ(o.cookie.state, CookieState::kRequested);
  }
  // The flag stays until a cookie comes; then it is cleared.
  EXPECT_TRUE(o.cookie.needs_attention);
  ASSERT_TRUE(ApplyAccepted(o, Accepted(6, now + 10 * kMin)).changed);
  ASSERT_TRUE(ApplyDelivered(o, Delivered(6, now + 10 * kMin)).changed);
  EXPECT_FALSE(o.cookie.needs_attention);
}

TEST(SupplyOrderTest, LateCookieCountsAsAFailedTryAndAnyTrysDeliveryCompletes) {
  CookiePolicy policy;
  wire::SupplyOrder o = Order();
  ASSERT_TRUE(ApplyAccepted(o, Accepted(1, kT0 + 10 * kMin)).changed);
  EXPECT_EQ(NextTryIfDue(o, kT0 + 30 * kMin - 1, policy), std::nullopt);
  const auto retry = NextTryIfDue(o, kT0 + 30 * kMin, policy);
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->attempt, 2);
  EXPECT_EQ(o.cookie.last_error, "late: no cookie by 2026-01-05T09:10:00Z");
  // Answers to the first try are stale now ...
  EXPECT_FALSE(ApplyFailed(o, Failed(1), kT0 + 31 * kMin, policy).changed);
  EXPECT_NE(ApplyAccepted(o, Accepted(1, 0)).ignored_because.find("try 1, the current is 2"),
            std::string::npos);
  // ... but its cookie, arriving after all, is as good as any.
  ASSERT_TRUE(ApplyDelivered(o, Delivered(1, kT0 + 32 * kMin)).changed);
  EXPECT_TRUE(o.complete);
}

TEST(SupplyOrderTest, CancelDropsThePendingTryOnceAndLeavesIssuedOrdersAlone) {
  wire::SupplyOrder o = Order();
  bool changed = false;
  auto dropped = Cancel(o, kT0 + kMin, &changed);
  ASSERT_TRUE(changed);
  ASSERT_TRUE(dropped.has_value());
  EXPECT_EQ(dropped->idempotency_key, "s1/1");
  EXPECT_EQ(o.status, wire::SupplyStatus::kCanceled);
  EXPECT_EQ(o.cookie.state, CookieState::kCanceled);
  EXPECT_EQ(NextDue(o, CookiePolicy{}), std::nullopt);
  EXPECT_FALSE(ApplyDelivered(o, Delivered(1, kT0 + 10 * kMin)).changed);
  EXPECT_EQ(Issue(o, kT0 + 11 * kMin).code(), Code::kConflict);
  EXPECT_FALSE(Cancel(o, kT0 + 12 * kMin, &changed).has_value());
  EXPECT_FALSE(changed);

  wire::SupplyOrder failed = Order();  // nothing pending at the contractor after a failure
  ASSERT_TRUE(ApplyFailed(failed, Failed(1), kT0, CookiePolicy{}).changed);
  EXPECT_FALSE(Cancel(failed, kT0 + kMin, &changed).has_value());
  EXPECT_TRUE(changed);

  wire::SupplyOrder issued = Order();
  ApplyAccepted(issued, Accepted(1, kT0));
  ApplyDelivered(issued, Delivered(1, kT0));
  ASSERT_TRUE(Issue(issued, kT0).ok());
  EXPECT_FALSE(Cancel(issued, kT0 + kMin, &changed).has_value());
  EXPECT_FALSE(changed);
  EXPECT_EQ(issued.status, wire::kStatusIssued);
}

TEST(SuppliesSchemasTest, BodiesRoundTripAndEnumsAreChecked) {
  wire::SupplyOrder o = Order();
  ApplyAccepted(o, Accepted(1, kT0 + 10 * kMin));
  EXPECT_EQ(*wire::Decode<wire::SupplyOrder>(wire::Encode(o)), o);
  wire::Board board{{o, Order()}, "123/s1"};
  EXPECT_EQ(*wire::Decode<wire::Board>(wire::Encode(board)), board);
  const std::string encoded = wire::Encode(o);
  EXPECT_EQ(schemas::Body::Parse(encoded)->String("status").value(), "waiting");
  auto lost = wire::Decode<wire::ListRequest>(schemas::BodyWriter().String("status", "lost").Finish());
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.status().message(), "body.status: expected waiting, issued or canceled, got lost");
  EXPECT_EQ(wire::Decode<wire::IssueRequest>(wire::Encode(wire::IssueRequest{""})).status().code(),
            Code::kInvalid);
  // An order stored before the cookie existed decodes (its cookie requested, 0 tries).
  auto old = wire::Decode<wire::SupplyOrder>(schemas::BodyWriter()
                                                 .String("id", "s0")
                                                 .String("task_id", "t0")
                                                 .String("worker_id", "w0")
                                                 .String("client_id", "c0")
                                                 .StringList("kit", {"Job Acceptance Form"})
                                                 .String("status", "waiting")
                                                 .Int("created_at", 1)
                                                 .Int("issued_at", 0)
                                                 .Finish());
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->cookie.attempts, 0);
  EXPECT_FALSE(old->complete);
}

}  // namespace
}  // namespace mcf::supplies
