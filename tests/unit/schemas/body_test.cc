#include "schemas/body.h"

#include <gtest/gtest.h>

namespace mcf::schemas {
namespace {

TEST(BodyTest, ReadsTypedFieldsAndIgnoresUnknownOnes) {
  std::string bytes = BodyWriter()
                          .String("name", "Tom")
                          .Int("age", 4)
                          .Bool("active", true)
                          .StringList("strengths", {"poking", "tossing"})
                          .Raw("extra", BodyWriter().Int("x", 1).Finish())
                          .Finish();
  auto b = Body::Parse(bytes);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b->String("name"), "Tom");
  EXPECT_EQ(*b->Int("age"), 4);
  EXPECT_TRUE(*b->Bool("active"));
  EXPECT_EQ(b->StringList("strengths")->size(), 2u);
  EXPECT_EQ(*b->Map("extra")->Int("x"), 1);
  EXPECT_FALSE(b->OptString("nickname")->has_value());
}

TEST(BodyTest, ErrorsNameTheField) {
  const std::string bytes = BodyWriter().String("age", "four").Finish();
  auto b = Body::Parse(bytes);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->Int("age").status().message(), "body.age: expected an integer");
  EXPECT_EQ(b->String("name").status().message(), "body.name: missing required field");
  const std::string nested_bytes =
      BodyWriter().Raw("p", BodyWriter().Int("id", 1).Finish()).Finish();
  auto nested = Body::Parse(nested_bytes);
  EXPECT_EQ(nested->Map("p")->String("id").status().message(), "body.p.id: expected a string");
}

TEST(BodyTest, RejectsDuplicateKeysAndNonMaps) {
  MsgpackWriter w;
  w.MapHeader(2).String("a").Int(1).String("a").Int(2);
  EXPECT_EQ(Body::Parse(w.bytes()).status().message(), "body.a: duplicate field");
  const std::string not_a_map = MsgpackWriter().Int(1).Take();
  EXPECT_EQ(Body::Parse(not_a_map).status().message(), "body: expected a map");
}

}  // namespace
}  // namespace mcf::schemas
