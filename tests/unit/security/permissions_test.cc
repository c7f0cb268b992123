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
