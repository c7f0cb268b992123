// The pure supplies rules: what a new order holds, and waiting -> issued exactly once.
#include "workers/supplies/kit.h"

#include <gtest/gtest.h>

#include "schemas/body.h"

namespace mcf::supplies {
namespace {

namespace wire = schemas::supplies;

TEST(SuppliesKitTest, NewOrderWaitsWithTheJobAcceptanceForm) {
  wire::SupplyOrder o = NewOrder("s1", "t1", "w1", "c1", 1000);
  EXPECT_EQ(o.status, wire::kStatusWaiting);
  ASSERT_FALSE(o.kit.empty());
  EXPECT_EQ(o.kit.front(), kJobAcceptanceForm);
  EXPECT_EQ(o.created_at_ms, 1000);
  EXPECT_EQ(o.issued_at_ms, 0);
}

TEST(SuppliesKitTest, IssuesOnceThenConflictsWithoutChangingTheOrder) {
  wire::SupplyOrder o = NewOrder("s1", "t1", "w1", "c1", 1000);
  ASSERT_TRUE(Issue(o, 2000).ok());
  EXPECT_EQ(o.status, wire::kStatusIssued);
  EXPECT_EQ(o.issued_at_ms, 2000);
  Status again = Issue(o, 3000);
  EXPECT_EQ(again.code(), Code::kConflict);
  EXPECT_EQ(o.issued_at_ms, 2000);
}

TEST(SuppliesSchemasTest, BodiesRoundTripAndStatusIsChecked) {
  wire::SupplyOrder o = NewOrder("s1", "t1", "w1", "c1", 1000);
  EXPECT_EQ(*wire::Decode<wire::SupplyOrder>(wire::Encode(o)), o);
  wire::Board board{{o, NewOrder("s2", "t2", "w2", "c2", 2000)}};
  EXPECT_EQ(*wire::Decode<wire::Board>(wire::Encode(board)), board);
  EXPECT_EQ(*wire::Decode<wire::Board>(wire::Encode(wire::Board{})), wire::Board{});
  wire::KitIssued k{"t1", "s1"};
  EXPECT_EQ(*wire::Decode<wire::KitIssued>(wire::Encode(k)), k);
  EXPECT_EQ(wire::Decode<wire::ListRequest>(wire::Encode(wire::ListRequest{})).value().status,
            std::nullopt);
  EXPECT_EQ(
      wire::Decode<wire::ListRequest>(schemas::BodyWriter().String("status", "issued").Finish())
          .value()
          .status,
      wire::kStatusIssued);
  auto bad =
      wire::Decode<wire::ListRequest>(schemas::BodyWriter().String("status", "lost").Finish());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("body.status"), std::string::npos);
  EXPECT_EQ(wire::Decode<wire::IssueRequest>(wire::Encode(wire::IssueRequest{""})).status().code(),
            Code::kInvalid);
}

// The status is an enum in code and the strings "waiting" / "issued" on the wire and in the store.
TEST(SuppliesSchemasTest, StatusTravelsAsItsWireString) {
  wire::SupplyOrder o = NewOrder("s1", "t1", "w1", "c1", 1000);
  const std::string waiting = wire::Encode(o);
  EXPECT_EQ(schemas::Body::Parse(waiting)->String("status").value(), "waiting");
  ASSERT_TRUE(Issue(o, 2000).ok());
  const std::string issued = wire::Encode(o);
  EXPECT_EQ(schemas::Body::Parse(issued)->String("status").value(), "issued");
  auto lost = wire::Decode<wire::SupplyOrder>(
      schemas::BodyWriter().String("id", "s1").String("status", "lost").Finish());
  EXPECT_EQ(lost.status().message(), "body.status: expected waiting or issued, got lost");
}

}  // namespace
}  // namespace mcf::supplies
