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
  Json j = Json::parse(R"({"name":"Rex","age":3,"ok":true})");
  JsonReader r(j);
  EXPECT_EQ(r.String("name", 10), "Rex");
  EXPECT_EQ(r.Int("age", 0, 30), 3);
  EXPECT_TRUE(r.Bool("ok"));
  EXPECT_EQ(r.OptString("note", 10), std::nullopt);
  EXPECT_EQ(r.OptInt("missing"), std::nullopt);
  EXPECT_FALSE(r.problem());
}

TEST(JsonBodyTest, NullIsRefusedForEveryFieldKind) {
  // No field is nullable: an optional field is left out, never null (PATCH {"name": null}
  // used to be read as "no change" and answered 200).
  const Json j = Json::parse(R"({"s":null,"i":null,"b":null,"t":null,"l":null})");
  struct Read {
    const char* field;
    void (*read)(JsonReader&);
  };
  const Read reads[] = {
      {"s", [](JsonReader& r) { r.String("s", 10); }},
      {"s", [](JsonReader& r) { r.OptString("s", 10); }},
      {"i", [](JsonReader& r) { r.Int("i"); }},
      {"i", [](JsonReader& r) { r.OptInt("i"); }},
      {"b", [](JsonReader& r) { r.Bool("b"); }},
      {"b", [](JsonReader& r) { r.OptBool("b"); }},
      {"t", [](JsonReader& r) { r.Text("t", 0, 10); }},
      {"t", [](JsonReader& r) { r.OptText("t", 0, 10); }},
      {"l", [](JsonReader& r) { r.TextList("l", 3, 1, 10); }},
  };
  for (const Read& read : reads) {
    JsonReader r(j);
    read.read(r);
    ASSERT_TRUE(r.problem()) << read.field;
    EXPECT_EQ(r.problem()->status, 400);
    EXPECT_EQ(r.problem()->field, std::string("body.") + read.field);
    EXPECT_NE(r.problem()->detail.find("null"), std::string::npos) << r.problem()->detail;
  }
}

TEST(JsonBodyTest, DuplicateKeysAre400NamingTheKeyAtAnyDepth) {
  struct Case {
    const char* body;
    const char* field;
  };
  const Case cases[] = {
      {R"({"name":"a","name":"b"})", "body.name"},
      {R"({"a":1,"b":{"c":1,"c":2}})", "body.b.c"},
      {R"({"items":[{"x":1},{"x":1,"y":2,"x":3}]})", "body.items[1].x"},
      {R"({"m":[[1,{"k":1,"k":1}]]})", "body.m[0][1].k"},
      {R"({"a":{},"b":[],"a":1})", "body.a"},
      {R"({"a":1,"a":2,)", "body.a"},  // the duplicate comes before the syntax error
      {"{\"a\\u0062\":1,\"ab\":2}", "body.ab"},  // the same key, escaped or not
  };
  for (const Case& c : cases) {
    auto r = ParseJsonBody(c.body, JsonLimits{});
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.problem().status, 400) << c.body;
    EXPECT_EQ(r.problem().field, c.field) << c.body;
    EXPECT_NE(r.problem().detail.find("duplicate key"), std::string::npos) << c.body;
  }
  // The same key in different objects is fine.
  EXPECT_TRUE(ParseJsonBody(R"({"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":2}]})", JsonLimits{})
                  .ok());
}

TEST(JsonBodyTest, ControlCharactersAreRefusedNamingTheField) {
  // JSON escapes (the C++ literal keeps the backslashes): the parsed strings hold the controls.
  const Json j = Json::parse(
      "{\"nul\":\"a\\u0000b\",\"bell\":\"\\u0007\",\"del\":\"x\\u007f\",\"c1\":\"\\u0085\","
      "\"nl\":\"two\\nlines\",\"tab\":\"a\\tb\",\"cr\":\"a\\r\\nb\","
      "\"ok\":\"caf\\u00e9 \\u00a0 \\u2603\",\"list\":[\"fine\",\"bad\\u001b\"]}");
  struct Case {
    const char* field;
    TextLines lines;
    const char* problem;  // nullptr: accepted
  };
  const Case cases[] = {
      {"nul", TextLines::kSingle, "U+0000 at character 2"},
      {"nul", TextLines::kMulti, "U+0000 at character 2"},
      {"bell", TextLines::kMulti, "U+0007 at character 1"},
      {"del", TextLines::kSingle, "U+007F at character 2"},
      {"c1", TextLines::kMulti, "U+0085 at character 1"},
      {"nl", TextLines::kSingle, "U+000A at character 4 (this field is one line)"},
      {"nl", TextLines::kMulti, nullptr},
      {"tab", TextLines::kSingle, "U+0009"},
      {"tab", TextLines::kMulti, nullptr},
      {"cr", TextLines::kMulti, nullptr},
      {"ok", TextLines::kSingle, nullptr},  // U+00A0 and beyond are text
  };
  for (const Case& c : cases) {
    for (int reader = 0; reader < 2; ++reader) {
      JsonReader r(j);
      if (reader == 0) {
        r.String(c.field, 100, 0, c.lines);
      } else {
        r.Text(c.field, 0, 100, c.lines);
      }
      if (c.problem == nullptr) {
        EXPECT_FALSE(r.problem()) << c.field << ": " << r.problem()->detail;
        continue;
      }
      ASSERT_TRUE(r.problem()) << c.field;
      EXPECT_EQ(r.problem()->field, std::string("body.") + c.field);
      EXPECT_NE(r.problem()->detail.find(c.problem), std::string::npos) << r.problem()->detail;
    }
  }
  JsonReader list(j);
  list.TextList("list", 5, 1, 10);
  ASSERT_TRUE(list.problem());
  EXPECT_EQ(list.problem()->field, "body.list[1]");
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
