#include "gateway/auth.h"

#include <gtest/gtest.h>

#include "lib/base/secret_token.h"
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

TEST(AuthTest, NewSecretTokensAreWellFormedAndDistinct) {
  const std::string a = NewSecretToken(), b = NewSecretToken();
  EXPECT_TRUE(IsWellFormedToken(a)) << a;
  EXPECT_TRUE(IsWellFormedToken(b)) << b;
  EXPECT_NE(a, b);
}

TEST(AuthTest, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret2"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

constexpr char kToken[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(AuthTest, OnlySixtyFourLowercaseHexCharactersAreAToken) {
  EXPECT_TRUE(IsWellFormedToken(kToken));
  EXPECT_TRUE(IsWellFormedToken(std::string(64, 'f')));
  EXPECT_FALSE(IsWellFormedToken(std::string(63, 'f')));
  EXPECT_FALSE(IsWellFormedToken(std::string(65, 'f')));
  EXPECT_FALSE(IsWellFormedToken(std::string(64, 'F')));
  EXPECT_FALSE(IsWellFormedToken(std::string(64, 'g')));
  EXPECT_FALSE(IsWellFormedToken(""));
  std::string with_nul(kToken);
  with_nul[10] = '\0';
  EXPECT_FALSE(IsWellFormedToken(with_nul));
  EXPECT_FALSE(IsWellFormedToken(std::string(kToken) + "%00junk"));
  EXPECT_FALSE(IsWellFormedToken(std::string(kToken) + std::string("\0junk", 5)));
}

// A store that counts how often it is asked.
class CountingStore final : public TokenStore {
 public:
  Result<std::optional<Principal>> Lookup(std::string_view token) const override {
    ++asked;
    if (token == kToken) return std::optional<Principal>(Principal{"client", "c1"});
    return std::optional<Principal>();
  }
  mutable int asked = 0;
};

TEST(AuthTest, AuthenticateAnswers401ForMissingMalformedOrUnknownTokens) {
  CountingStore store;
  auto ok = Authenticate(store, std::string("Bearer ") + kToken);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value(), (Principal{"client", "c1"}));
  EXPECT_EQ(store.asked, 1);
  const std::string token(kToken);
  const std::string malformed[] = {"t",
                                   "Bearer nope",
                                   "Bearer " + token + "%00junk",
                                   "Bearer " + token + std::string("\0j", 2),
                                   "Bearer " + token.substr(1),
                                   "Bearer " + token + "0",
                                   "Bearer " + token + ", Bearer " + token,
                                   "Bearer " + std::string(64, 'A')};
  for (const std::string& header : malformed) {
    auto r = Authenticate(store, header);
    ASSERT_FALSE(r.ok()) << header;
    EXPECT_EQ(r.problem().status, 401) << header;
  }
  EXPECT_EQ(store.asked, 1) << "a malformed token never reaches a store";
  auto missing = Authenticate(store, std::nullopt);
  EXPECT_EQ(missing.problem().status, 401);
  auto unknown = Authenticate(store, "Bearer " + std::string(64, 'e'));
  EXPECT_EQ(unknown.problem().status, 401);
  EXPECT_EQ(store.asked, 2);
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
  std::ofstream(dir.Sub("admin.token")) << "  " << kToken << "  \n";
  auto store = BootstrapAdminToken::FromFile(dir.Sub("admin.token"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(Known(**store, kToken), (Principal{"admin", "bootstrap"}));
  EXPECT_EQ(Known(**store, std::string(kToken).substr(1)), std::nullopt);
  EXPECT_EQ(Known(**store, std::string(kToken) + std::string("\0", 1)), std::nullopt);
  EXPECT_EQ(Known(**store, ""), std::nullopt);
}

TEST(AuthTest, BootstrapTokenFileWithAMalformedTokenIsAnError) {
  testing::TempDir dir;
  for (const std::string& token :
       {std::string("s3cr3t"), std::string("integration-admin-token"), std::string(64, 'G')}) {
    std::ofstream(dir.Sub("admin.token"), std::ios::trunc) << token << "\n";
    auto store = BootstrapAdminToken::FromFile(dir.Sub("admin.token"));
    ASSERT_FALSE(store.ok()) << token;
    EXPECT_NE(store.status().message().find("64 lowercase hex"), std::string::npos);
  }
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

TEST(AuthTest, CookieValueFindsTheNamedCookie) {
  EXPECT_EQ(CookieValue("mcf_session=abc", "mcf_session"), "abc");
  EXPECT_EQ(CookieValue("theme=dark;  mcf_session = abc ; x=1", "mcf_session"), "abc");
  EXPECT_EQ(CookieValue("mcf_session=\"abc\"", "mcf_session"), "abc");
  EXPECT_EQ(CookieValue("xmcf_session=abc; other=1", "mcf_session"), std::nullopt);
  EXPECT_EQ(CookieValue("mcf_session", "mcf_session"), std::nullopt);
  EXPECT_EQ(CookieValue("", "mcf_session"), std::nullopt);
}

TEST(AuthTest, TheCookieAuthenticatesLikeTheBearerTokenAndChangesNeedTheConsoleHeader) {
  CountingStore store;
  const std::string cookie = std::string("a=1; mcf_session=") + kToken;
  Credentials read{.method = "GET", .cookie = cookie};
  auto ok = Authenticate(store, read);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value(), (Principal{"client", "c1"}));

  Credentials change{.method = "POST", .cookie = cookie, .host = "127.0.0.1:8080"};
  auto refused = Authenticate(store, change);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.problem().status, 403);
  EXPECT_EQ(refused.problem().field, "header.X-MCF-Console");
  change.console = "1";
  EXPECT_TRUE(Authenticate(store, change).ok());
  change.origin = "http://127.0.0.1:8080";
  EXPECT_TRUE(Authenticate(store, change).ok());
  for (std::string_view foreign : {"http://evil.example", "http://127.0.0.1:8081", "null",
                                   "http://127.0.0.1:8080.evil.example"}) {
    change.origin = foreign;
    auto r = Authenticate(store, change);
    ASSERT_FALSE(r.ok()) << foreign;
    EXPECT_EQ(r.problem().status, 403) << foreign;
    EXPECT_EQ(r.problem().field, "header.Origin") << foreign;
  }
  const int asked = store.asked;
  // A refused change never reaches the store; neither does a malformed cookie.
  EXPECT_EQ(Authenticate(store, Credentials{.method = "GET", .cookie = "mcf_session=nope"})
                .problem()
                .status,
            401);
  EXPECT_EQ(store.asked, asked);
  // A bearer change needs no header; a bearer header wins over a cookie.
  const std::string bearer = std::string("Bearer ") + kToken;
  EXPECT_TRUE(Authenticate(store, Credentials{.method = "POST", .authorization = bearer}).ok());
  const std::string bad_bearer = "Bearer " + std::string(64, 'e');
  EXPECT_EQ(Authenticate(store, Credentials{.method = "GET", .authorization = bad_bearer,
                                            .cookie = cookie})
                .problem()
                .status,
            401);
  EXPECT_EQ(Authenticate(store, Credentials{.method = "GET"}).problem().status, 401);
}

}  // namespace
}  // namespace mcf::gateway
