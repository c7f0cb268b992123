#include "gateway/portal_token_store.h"

#include <gtest/gtest.h>

#include <map>

#include "schemas/body.h"

namespace mcf::gateway {
namespace {

// A fake portal: known tokens answer {role, id}; others not_found; `down` answers unavailable.
class FakePortal {
 public:
  schemas::Reply Ask(std::string_view token) {
    ++asked;
    schemas::Reply r;
    if (down) {
      r.status = down_status;
      r.message = "no worker for service portal";
      return r;
    }
    auto it = known.find(std::string(token));
    if (it == known.end()) {
      r.status = Code::kNotFound;
      r.message = "unknown token";
      return r;
    }
    r.body =
        schemas::BodyWriter().String("role", it->second.role).String("id", it->second.id).Finish();
    return r;
  }
  PortalTokenStore::AskFn Fn() {
    return [this](std::string_view token) { return Ask(token); };
  }

  std::map<std::string, Principal> known;
  bool down = false;
  Code down_status = Code::kUnavailable;
  int asked = 0;
};

TEST(PortalTokenStoreTest, CachesKnownTokensUntilTheTtlPasses) {
  FakePortal portal;
  portal.known["tok-a"] = {"client", "client-1"};
  FakeClock clock;
  PortalTokenStore store(portal.Fn(), clock, {100, Millis(60000), Millis(2000)});
  for (int i = 0; i < 3; ++i) {
    auto p = store.Lookup("tok-a");
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p, (Principal{"client", "client-1"}));
  }
  EXPECT_EQ(portal.asked, 1);
  clock.Advance(Millis(59999));
  ASSERT_TRUE(store.Lookup("tok-a").ok());
  EXPECT_EQ(portal.asked, 1);
  clock.Advance(Millis(1));
  ASSERT_TRUE(store.Lookup("tok-a").ok());
  EXPECT_EQ(portal.asked, 2);  // expired: asked again
}

TEST(PortalTokenStoreTest, UnknownTokensAreCachedOnlyBriefly) {
  FakePortal portal;
  FakeClock clock;
  PortalTokenStore store(portal.Fn(), clock, {100, Millis(60000), Millis(2000)});
  auto first = store.Lookup("tok-new");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, std::nullopt);
  EXPECT_EQ(*store.Lookup("tok-new"), std::nullopt);
  EXPECT_EQ(portal.asked, 1);
  portal.known["tok-new"] = {"worker", "worker-1"};  // granted meanwhile
  clock.Advance(Millis(2000));
  EXPECT_EQ(*store.Lookup("tok-new"), (Principal{"worker", "worker-1"}));
  EXPECT_EQ(portal.asked, 2);
}

TEST(PortalTokenStoreTest, PortalDownOrSlowIsAnErrorNotUnknownAndIsNotCached) {
  FakePortal portal;
  portal.known["tok-a"] = {"client", "c"};
  FakeClock clock;
  PortalTokenStore store(portal.Fn(), clock);
  for (Code code : {Code::kUnavailable, Code::kTimeout, Code::kInternal}) {
    portal.down = true;
    portal.down_status = code;
    auto r = store.Lookup("tok-a");
    EXPECT_FALSE(r.ok()) << CodeName(code);
    EXPECT_EQ(r.status().code(), Code::kUnavailable);
  }
  portal.down = false;
  EXPECT_EQ(*store.Lookup("tok-a"), (Principal{"client", "c"}));
  EXPECT_EQ(portal.asked, 4);
}

TEST(PortalTokenStoreTest, AuthenticateAnswers503WhenThePortalCannotBeAsked) {
  FakePortal portal;
  portal.down = true;
  FakeClock clock;
  PortalTokenStore store(portal.Fn(), clock);
  const std::string admin_token(64, 'a'), some_token(64, '5');
  BootstrapAdminToken admin(admin_token);
  ChainedTokenStore chain({&admin, &store});
  auto r = Authenticate(chain, "Bearer " + some_token);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem().status, 503);
  // The bootstrap admin still works with the portal down: it is asked first.
  auto admin_ok = Authenticate(chain, "Bearer " + admin_token);
  ASSERT_TRUE(admin_ok.ok());
  EXPECT_EQ(admin_ok.value().role, "admin");
  portal.down = false;
  auto unknown = Authenticate(chain, "Bearer " + some_token);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.problem().status, 401);
}

TEST(PortalTokenStoreTest, CacheIsBoundedDroppingTheLeastRecentlyUsed) {
  FakePortal portal;
  for (int i = 0; i < 5; ++i) portal.known["t" + std::to_string(i)] = {"client", std::to_string(i)};
  FakeClock clock;
  PortalTokenStore store(portal.Fn(), clock, {3, Millis(60000), Millis(0)});
  ASSERT_TRUE(store.Lookup("t0").ok());
  ASSERT_TRUE(store.Lookup("t1").ok());
  ASSERT_TRUE(store.Lookup("t2").ok());
  ASSERT_TRUE(store.Lookup("t0").ok());  // t0 used again: t1 is now the oldest
  ASSERT_TRUE(store.Lookup("t3").ok());
  EXPECT_EQ(store.size(), 3u);
  EXPECT_EQ(portal.asked, 4);
  ASSERT_TRUE(store.Lookup("t0").ok());
  EXPECT_EQ(portal.asked, 4);  // still cached
  ASSERT_TRUE(store.Lookup("t1").ok());
  EXPECT_EQ(portal.asked, 5);  // was dropped
  EXPECT_EQ(*store.Lookup("nope"), std::nullopt);
  EXPECT_EQ(store.size(), 3u);  // negative_ttl 0: unknown tokens never cached
}

TEST(PortalTokenStoreTest, OverlongTokensAreUnknownWithoutAsking) {
  FakePortal portal;
  FakeClock clock;
  PortalTokenStore store(portal.Fn(), clock);
  EXPECT_EQ(*store.Lookup(std::string(kMaxTokenBytes + 1, 'a')), std::nullopt);
  EXPECT_EQ(*store.Lookup(""), std::nullopt);
  EXPECT_EQ(portal.asked, 0);
}

TEST(PortalTokenStoreTest, MalformedReplyIsUnavailable) {
  FakeClock clock;
  PortalTokenStore store(
      [](std::string_view) {
        schemas::Reply r;
        r.body = schemas::BodyWriter().String("role", "client").Finish();  // no id
        return r;
      },
      clock);
  auto r = store.Lookup("tok");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace mcf::gateway
