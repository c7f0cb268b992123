// The gateway's small codecs: base64 photos, ISO rendering of reply times, route matching and
// httplib patterns, character-counted text fields.
#include <gtest/gtest.h>

#include "gateway/base64.h"
#include "gateway/json_body.h"
#include "gateway/reply_times.h"
#include "gateway/routes.h"

namespace mcf::gateway {
namespace {

// The route a request matches, or an empty spec.
RouteSpec Matched(std::string_view method, std::string_view path) {
  const RouteSpec* r = MatchRoute(method, path);
  return r != nullptr ? *r : RouteSpec{};
}

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(Base64Test, DecodesRfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> kVectors[] = {{"", ""},
                                                                    {"f", "Zg=="},
                                                                    {"fo", "Zm8="},
                                                                    {"foo", "Zm9v"},
                                                                    {"foob", "Zm9vYg=="},
                                                                    {"fooba", "Zm9vYmE="},
                                                                    {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(DecodeBase64(encoded), Bytes(plain)) << encoded;
    EXPECT_EQ(EncodeBase64(Bytes(plain)), encoded);
    EXPECT_EQ(Base64DecodedSize(encoded), plain.size()) << encoded;
  }
  EXPECT_EQ(DecodeBase64("Zm9vYg"), Bytes("foob"));  // padding optional
  std::vector<uint8_t> all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(DecodeBase64(EncodeBase64(all)), all);
}

TEST(Base64Test, RejectsWhatIsNotBase64) {
  for (std::string_view bad :
       {"Zm9v!", "Zm9 v", "Z", "Zm9vY", "Zg=", "Zg===", "=Zg=", "Zh==", "Zm9v\n", "Zm-_"}) {
    EXPECT_EQ(DecodeBase64(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(Base64DecodedSize("Z"), std::nullopt);
}

// libsodium 1.0.18 maps some bytes >= 0x80 (a signed char) onto alphabet values; these inputs
// decoded to bytes before DecodeBase64 refused non-ASCII itself.
TEST(Base64Test, RejectsBytesOutsideAscii) {
  for (std::string_view bad : {"/g\xebQ", "AQ+\x91", "A\x8bh\xd8", "\xd2+g/\xae/++"}) {
    EXPECT_EQ(DecodeBase64(bad), std::nullopt) << bad;
  }
  for (int c = 0x80; c <= 0xff; ++c) {
    const std::string text = std::string("Zm9") + static_cast<char>(c);
    EXPECT_EQ(DecodeBase64(text), std::nullopt) << "byte " << c;
  }
}

TEST(ReplyTimesTest, RendersIntegerTimesRecursivelyAndLeavesTheRest) {
  Json body = Json::parse(R"({
    "id": "order-1", "starts_at": 1767600000000, "approx_cost": 10000,
    "timeline": [{"at": 1767600000123, "event": "requested"}],
    "nested": {"issued_at": 0, "created_at": "already text", "deep": [[{"ends_at": 1767603600000}]]},
    "format": 5
  })");
  RenderTimes(body);
  EXPECT_EQ(body["starts_at"], "2026-01-05T08:00:00Z");
  EXPECT_EQ(body["timeline"][0]["at"], "2026-01-05T08:00:00.123Z");
  EXPECT_EQ(body["timeline"][0]["event"], "requested");
  EXPECT_TRUE(body["nested"]["issued_at"].is_null());  // 0 = not yet
  EXPECT_EQ(body["nested"]["created_at"], "already text");
  EXPECT_EQ(body["nested"]["deep"][0][0]["ends_at"], "2026-01-05T09:00:00Z");
  EXPECT_EQ(body["approx_cost"], 10000);
  EXPECT_EQ(body["format"], 5);  // ends in "at" but not "_at"
  EXPECT_EQ(body["id"], "order-1");
}

TEST(ReplyTimesTest, TimeKeysAreAtAndUnderscoreAt) {
  EXPECT_TRUE(IsTimeKey("at"));
  EXPECT_TRUE(IsTimeKey("starts_at"));
  EXPECT_FALSE(IsTimeKey("_at"));
  EXPECT_FALSE(IsTimeKey("format"));
  EXPECT_FALSE(IsTimeKey("status"));
}

TEST(RoutesTest, MatchesConcretePathsToTheirRoute) {
  EXPECT_EQ(Matched("POST", "/v1/jobs/task-1/check-in"), kCheckIn);
  EXPECT_TRUE(MatchRoute("POST", "/v1/jobs/task-1/check-in")->large_body);
  EXPECT_EQ(Matched("GET", "/v1/orders/o-1"), kGetOrder);
  EXPECT_EQ(Matched("POST", "/v1/orders/o-1/copy"), kCopyOrder);
  EXPECT_EQ(Matched("GET", "/v1/orders"), kListOrders);
  EXPECT_EQ(Matched("POST", "/v1/orders"), kCreateOrder);
  EXPECT_EQ(MatchRoute("GET", "/v1/orders/"), nullptr);
  EXPECT_EQ(MatchRoute("GET", "/v1/orders/o-1/extra"), nullptr);
  EXPECT_EQ(MatchRoute("DELETE", "/v1/orders/o-1"), nullptr);
  EXPECT_FALSE(MatchRoute("POST", "/v1/jobs/t/fail")->large_body);
}

TEST(RoutesTest, PathPatternsCaptureParameters) {
  EXPECT_EQ(PathPattern("/v1/orders/{id}/copy"), "/v1/orders/([^/]+)/copy");
  EXPECT_EQ(PathPattern("/v1/me"), "/v1/me");
  EXPECT_EQ(PathPattern("/v1/openapi.json"), "/v1/openapi\\.json");
}

TEST(JsonReaderTextTest, CountsCharactersNotBytes) {
  Json body = {{"name", "Ωmega-Кот"}, {"empty", ""}, {"list", {"a", 3}}};
  JsonReader ok(body);
  EXPECT_EQ(ok.Text("name", 1, 9), "Ωmega-Кот");
  EXPECT_FALSE(ok.problem());
  JsonReader too_long(body);
  too_long.Text("name", 1, 8);
  ASSERT_TRUE(too_long.problem());
  EXPECT_EQ(too_long.problem()->field, "body.name");
  JsonReader empty(body);
  empty.Text("empty", 1, 8);
  ASSERT_TRUE(empty.problem());
  EXPECT_EQ(empty.problem()->field, "body.empty");
  JsonReader list(body);
  list.TextList("list", 5, 1, 10);
  ASSERT_TRUE(list.problem());
  EXPECT_EQ(list.problem()->field, "body.list[1]");
}

}  // namespace
}  // namespace mcf::gateway
