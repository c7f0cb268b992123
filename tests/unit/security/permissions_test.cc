#include "lib/security/permissions.h"

#include <gtest/gtest.h>

namespace mcf::security {
namespace {

Grant Of(std::string name, PeerRole role, bool revoked = false) {
  return Grant{std::move(name), role, "k:000000000000", revoked};
}

TEST(PermissionsTest, AContextServesAndPublishesUnderItsOwnNameOnly) {
  const Grant supplies = Of("supplies", PeerRole::kContext);
  EXPECT_TRUE(supplies.MayServe("supplies"));
  EXPECT_FALSE(supplies.MayServe("portal"));
  EXPECT_FALSE(supplies.MayServe("supplie"));
  EXPECT_TRUE(supplies.MayPublish("supplies", "supplies.kit_issued"));
  EXPECT_TRUE(supplies.MayPublish("supplies@42", "supplies.kit_issued"));
  EXPECT_FALSE(supplies.MayPublish("supplies", "tasks.task_finalized"));
  EXPECT_FALSE(supplies.MayPublish("supplies", "suppliesx.kit_issued"));
  EXPECT_FALSE(supplies.MayPublish("supplies", "supplies"));
  EXPECT_FALSE(supplies.MayPublish("tasks", "supplies.kit_issued"));
  EXPECT_FALSE(supplies.MayPublish("suppliesx@1", "supplies.kit_issued"));
  EXPECT_TRUE(supplies.MaySubscribe(""));
  EXPECT_FALSE(supplies.MayActForOthers());
}

// An adapter for an outside party: a context's rights exactly, and marked as outside.
TEST(PermissionsTest, AnOutsideAdapterHasAContextsRightsAndIsMarkedOutside) {
  const Grant contractor = Of("contractor", PeerRole::kOutside);
  EXPECT_TRUE(contractor.IsOutside());
  EXPECT_TRUE(contractor.MayServe("contractor"));
  EXPECT_FALSE(contractor.MayServe("supplies"));
  EXPECT_FALSE(contractor.MayServe("contracto"));
  EXPECT_TRUE(contractor.MayPublish("contractor", "contractor.cookie_accepted"));
  EXPECT_TRUE(contractor.MayPublish("contractor@7", "contractor.cookie_delivered"));
  EXPECT_FALSE(contractor.MayPublish("contractor", "supplies.kit_issued"));
  EXPECT_FALSE(contractor.MayPublish("contractor", "contractorx.cookie_accepted"));
  EXPECT_FALSE(contractor.MayPublish("contractor", "contractor"));
  EXPECT_FALSE(contractor.MayPublish("supplies", "contractor.cookie_accepted"));
  EXPECT_TRUE(contractor.MaySubscribe(""));
  EXPECT_TRUE(contractor.MaySubscribe("supplies."));
  EXPECT_FALSE(contractor.MayActForOthers()) << "it acts as {system, contractor} only";
  // The same answers as a context key of that name, for every question above.
  const Grant context = Of("contractor", PeerRole::kContext);
  for (const char* service : {"contractor", "supplies"})
    EXPECT_EQ(contractor.MayServe(service), context.MayServe(service)) << service;
  for (const char* topic : {"contractor.x", "supplies.x", "contractor"})
    EXPECT_EQ(contractor.MayPublish("contractor", topic), context.MayPublish("contractor", topic))
        << topic;
  // Only the outside role is marked; a revoked outside key is not (it may do nothing).
  EXPECT_FALSE(context.IsOutside());
  for (PeerRole role : {PeerRole::kOperator, PeerRole::kGateway, PeerRole::kTrusted})
    EXPECT_FALSE(Of("contractor", role).IsOutside());
  const Grant revoked = Of("contractor", PeerRole::kOutside, /*revoked=*/true);
  EXPECT_FALSE(revoked.IsOutside());
  EXPECT_FALSE(revoked.MayServe("contractor"));
  EXPECT_FALSE(revoked.MayPublish("contractor", "contractor.x"));
  EXPECT_FALSE(revoked.MaySubscribe(""));
}

TEST(PermissionsTest, TheOutsideRoleHasANameInTheRegistry) {
  EXPECT_EQ(RoleName(PeerRole::kOutside), "outside");
  EXPECT_EQ(ParseRole("outside"), PeerRole::kOutside);
  EXPECT_EQ(ParseRole("context"), PeerRole::kContext);
  EXPECT_EQ(ParseRole("outsider"), std::nullopt);
}

TEST(PermissionsTest, TheGatewayAndOperatorsSpeakForCallersButServeAndPublishNothing) {
  for (PeerRole role : {PeerRole::kGateway, PeerRole::kOperator}) {
    const Grant g = Of("gateway", role);
    EXPECT_TRUE(g.MayActForOthers());
    EXPECT_FALSE(g.MayServe("gateway"));
    EXPECT_FALSE(g.MayPublish("gateway", "gateway.x"));
  }
  EXPECT_FALSE(Of("gateway", PeerRole::kGateway).MaySubscribe(""));
  EXPECT_TRUE(Of("operator", PeerRole::kOperator).MaySubscribe(""));
}

TEST(PermissionsTest, TheGatewayReadsOnlyTheFamiliesItsLiveStreamForwards) {
  const Grant g = Of("gateway", PeerRole::kGateway);
  for (const char* prefix : {"tasks.", "portal.", "supplies.", "contractor.", "billing.",
                             "tasks.task_assigned"})
    EXPECT_TRUE(g.MaySubscribe(prefix)) << prefix;
  for (const char* prefix : {"", "tasks", "task", "hiring.", "clock.", "matching.", "goldhat."})
    EXPECT_FALSE(g.MaySubscribe(prefix)) << prefix;
  EXPECT_FALSE(Of("gateway", PeerRole::kGateway, /*revoked=*/true).MaySubscribe("tasks."));
}

TEST(PermissionsTest, ARevokedGrantMayDoNothingEvenWhenTrusted) {
  const Grant g = Of("test", PeerRole::kTrusted, /*revoked=*/true);
  EXPECT_FALSE(g.MayServe("test"));
  EXPECT_FALSE(g.MayPublish("test", "test.x"));
  EXPECT_FALSE(g.MaySubscribe(""));
  EXPECT_FALSE(g.MayActForOthers());
  EXPECT_TRUE(Of("test", PeerRole::kTrusted).MayPublish("anyone", "tasks.x"));
}

}  // namespace
}  // namespace mcf::security
