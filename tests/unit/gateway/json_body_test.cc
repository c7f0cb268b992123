#include "gateway/json_body.h"

#include <gtest/gtest.h>

namespace mcf::gateway {
namespace {

JsonLimits SmallLimits() {
  JsonLimits l;
  l.max_body_bytes = 200;
  l.max_string_bytes = 10;
  l.max_depth = 3;
  return l;
}

TEST(JsonBodyTest, ParsesAnObjectWithinLimits) {
  auto r = ParseJsonBody(R"({"name":"Rex","age":3,"tags":["a"]})", SmallLimits());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value()["name"], "Rex");
}

TEST(JsonBodyTest, OversizeBodyIs413) {
  auto r = ParseJsonBody(std::string(201, ' '), SmallLimits());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem().status, 413);
}

TEST(JsonBodyTest, MalformedEmptyAndNonObjectBodiesAre400) {
  for (std::string_view text : {"{\"a\":", "", "   ", "[1,2]", "42", "\"s\"", "{} x"}) {
    auto r = ParseJsonBody(text, SmallLimits());
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.problem().status, 400) << text;
    EXPECT_EQ(r.problem().field, "body") << text;
  }
}

TEST(JsonBodyTest, TooDeepNestingIs400EvenWhenBracketsAreUnbalanced) {
  EXPECT_TRUE(ParseJsonBody(R"({"a":{"b":{"c":1}}})", SmallLimits()).ok());
  auto r = ParseJsonBody(R"({"a":{"b":{"c":{"d":1}}}})", SmallLimits());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.problem().detail.find("nested"), std::string::npos);
  JsonLimits big = SmallLimits();
  big.max_body_bytes = 1 << 20;
  auto bomb = ParseJsonBody(std::string(100000, '['), big);
  ASSERT_FALSE(bomb.ok());
  EXPECT_EQ(bomb.problem().status, 400);
}

TEST(JsonBodyTest, BracketsInsideStringsDoNotCountAsNesting) {
  EXPECT_TRUE(ParseJsonBody(R"({"a":"[[[[\"{{{{"})", SmallLimits()).ok());
}

TEST(JsonBodyTest, OverlongStringNamesItsPath) {
  auto r = ParseJsonBody(R"({"items":[{"name":"ok"},{"name":"far too long"}]})", SmallLimits());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problem().status, 400);
  EXPECT_EQ(r.problem().field, "body.items[1].name");
}

TEST(JsonBodyTest, ReaderReturnsTypedFields) {
  Json j = Json::parse(R"({"name":"Rex","age":3,"ok":true,"note":null})");
  JsonReader r(j);
  EXPECT_EQ(r.String("name", 10), "Rex");
  EXPECT_EQ(r.Int("age", 0, 30), 3);
  EXPECT_TRUE(r.Bool("ok"));
  EXPECT_EQ(r.OptString("note", 10), std::nullopt);
  EXPECT_EQ(r.OptInt("missing"), std::nullopt);
  EXPECT_FALSE(r.problem());
}

TEST(JsonBodyTest, ReaderNamesMissingField) {
  Json j = Json::parse(R"({"age":3})");
  JsonReader r(j);
  r.String("name", 10);
  ASSERT_TRUE(r.problem());
  EXPECT_EQ(r.problem()->status, 400);
  EXPECT_EQ(r.problem()->field, "body.name");
  EXPECT_NE(r.problem()->detail.find("required"), std::string::npos);
}

TEST(JsonBodyTest, ReaderNamesWrongTypeAndKeepsFirstProblem) {
  Json j = Json::parse(R"({"age":"three","name":5})");
  JsonReader r(j);
  r.Int("age");
  r.String("name", 10);
  ASSERT_TRUE(r.problem());
  EXPECT_EQ(r.problem()->field, "body.age");
  EXPECT_NE(r.problem()->detail.find("expected an integer, got string"), std::string::npos);
}

TEST(JsonBodyTest, ReaderRejectsTooLongStringsFractionsAndOutOfRange) {
  Json j = Json::parse(R"({"name":"abcdef","age":2.5,"n":99})");
  {
    JsonReader r(j);
    r.String("name", 5);
    ASSERT_TRUE(r.problem());
    EXPECT_EQ(r.problem()->field, "body.name");
  }
  {
    JsonReader r(j);
    r.Int("age");
    ASSERT_TRUE(r.problem());
    EXPECT_EQ(r.problem()->field, "body.age");
  }
  {
    JsonReader r(j);
    r.Int("n", 0, 10);
    ASSERT_TRUE(r.problem());
    EXPECT_EQ(r.problem()->field, "body.n");
  }
}

TEST(JsonBodyTest, MsgpackRoundTripKeepsValues) {
  Json j = Json::parse(R"({"s":"x","i":-5,"u":7,"b":false,"a":[1,"two"],"m":{"k":null}})");
  std::string packed = JsonToMsgpack(j);
  ASSERT_FALSE(packed.empty());
  EXPECT_EQ(static_cast<unsigned char>(packed[0]) & 0xf0u, 0x80u);  // a fixmap
  auto back = MsgpackToJson(packed);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, j);
}

TEST(JsonBodyTest, MalformedMsgpackIsInvalidNotAThrow) {
  auto r = MsgpackToJson(std::string("\x82\xa1", 2));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalid);
}

}  // namespace
}  // namespace mcf::gateway
