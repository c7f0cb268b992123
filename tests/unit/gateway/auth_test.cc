#include "gateway/auth.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace mcf::gateway {
namespace {

// The store's answer for `token`, failing the test when the store could not answer.
std::optional<Principal> Known(const TokenStore& store, std::string_view token) {
  auto r = store.Lookup(token);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::nullopt;
}

TEST(AuthTest, ParsesBearerTokens) {
  EXPECT_EQ(ParseBearer("Bearer abc123"), "abc123");
  EXPECT_EQ(ParseBearer("bearer   abc123  "), "abc123");
  EXPECT_EQ(ParseBearer("BEARER\tx"), "x");
  EXPECT_EQ(ParseBearer("Basic abc"), std::nullopt);
  EXPECT_EQ(ParseBearer("Bearer"), std::nullopt);
  EXPECT_EQ(ParseBearer("Bearer "), std::nullopt);
  EXPECT_EQ(ParseBearer("Bearerabc"), std::nullopt);
  EXPECT_EQ(ParseBearer("Bearer a b"), std::nullopt);
  EXPECT_EQ(ParseBearer(""), std::nullopt);
}

TEST(AuthTest, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret2"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

TEST(AuthTest, AuthenticateAnswers401ForMissingMalformedOrUnknownTokens) {
  InMemoryTokenStore store;
  store.Add("t-client", {"client", "c1"});
  auto ok = Authenticate(store, "Bearer t-client");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value(), (Principal{"client", "c1"}));
  for (auto header : {std::optional<std::string_view>{}, std::optional<std::string_view>{"t"},
                      std::optional<std::string_view>{"Bearer nope"}}) {
    auto r = Authenticate(store, header);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.problem().status, 401);
  }
}

TEST(AuthTest, RequireRoleAnswers403ForOtherRoles) {
  EXPECT_EQ(RequireRole({"manager", "m1"}, {"manager", "admin"}), std::nullopt);
  auto p = RequireRole({"client", "c1"}, {"manager"});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, 403);
  EXPECT_NE(p->detail.find("client"), std::string::npos);
}

TEST(AuthTest, BootstrapTokenIsReadFromFileAndTrimmed) {
  testing::TempDir dir;
  std::ofstream(dir.Sub("admin.token")) << "  s3cr3t  \n";
  auto store = BootstrapAdminToken::FromFile(dir.Sub("admin.token"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(Known(**store, "s3cr3t"), (Principal{"admin", "bootstrap"}));
  EXPECT_EQ(Known(**store, "s3cr3"), std::nullopt);
  EXPECT_EQ(Known(**store, ""), std::nullopt);
}

TEST(AuthTest, BootstrapTokenFileMissingOrEmptyIsAnError) {
  testing::TempDir dir;
  EXPECT_FALSE(BootstrapAdminToken::FromFile(dir.Sub("none")).ok());
  std::ofstream(dir.Sub("empty")) << "\n";
  EXPECT_FALSE(BootstrapAdminToken::FromFile(dir.Sub("empty")).ok());
}

TEST(AuthTest, LoadOrCreateWritesAPrivateTokenOnceAndKeepsIt) {
  testing::TempDir dir;
  const std::string path = dir.Sub("admin.token");
  auto first = BootstrapAdminToken::LoadOrCreate(path);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string token = testing::ReadFile(path);
  ASSERT_EQ(token.size(), 65u);  // 64 hex + newline
  token.pop_back();
  EXPECT_TRUE(Known(**first, token));
  auto second = BootstrapAdminToken::LoadOrCreate(path);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(Known(**second, token));
}

TEST(AuthTest, ChainedStoreAsksEachStoreInOrder) {
  InMemoryTokenStore a, b;
  a.Add("x", {"client", "1"});
  b.Add("x", {"worker", "2"});
  b.Add("y", {"worker", "3"});
  ChainedTokenStore chain({&a, &b});
  EXPECT_EQ(Known(chain, "x"), (Principal{"client", "1"}));
  EXPECT_EQ(Known(chain, "y"), (Principal{"worker", "3"}));
  EXPECT_EQ(Known(chain, "z"), std::nullopt);
}

}  // namespace
}  // namespace mcf::gateway
