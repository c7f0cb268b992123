#include "tools/mcfctl/json.h"

#include <gtest/gtest.h>

#include <set>

#include "schemas/body.h"
#include "tools/mcfctl/commands.h"

namespace mcf::mcfctl {
namespace {

TEST(McfctlJsonTest, JsonObjectBecomesABodyTheSchemasCanRead) {
  auto bytes = JsonObjectToMsgpack(R"({"name":"cat","amount":-42,"tags":["a","b"]})");
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto body = schemas::Body::Parse(*bytes);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->String("name").value(), "cat");
  EXPECT_EQ(body->Int("amount").value(), -42);
  EXPECT_EQ(body->StringList("tags").value(), (std::vector<std::string>{"a", "b"}));
}

TEST(McfctlJsonTest, RejectsBodiesThatAreNotObjects) {
  EXPECT_EQ(JsonObjectToMsgpack("[1,2]").status().code(), Code::kInvalid);
  EXPECT_EQ(JsonObjectToMsgpack("42").status().code(), Code::kInvalid);
  auto bad = JsonObjectToMsgpack("{nope");
  EXPECT_EQ(bad.status().code(), Code::kInvalid);
  EXPECT_NE(bad.status().message().find("not valid JSON"), std::string::npos);
}

TEST(McfctlJsonTest, MalformedMessagepackIsAnErrorNotACrash) {
  EXPECT_FALSE(MsgpackToJson(std::string("\x82\xa1", 2)).ok());  // truncated map
  EXPECT_FALSE(MsgpackToJson("").ok());
  auto ok = MsgpackToJson(schemas::BodyWriter().Int("n", 7).Finish());
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)["n"], 7);
}

TEST(McfctlJsonTest, ReplyShowsStatusNameMessageAndDecodedBody) {
  schemas::Reply reply;
  reply.status = Code::kConflict;
  reply.message = "already checked in";
  reply.body = schemas::BodyWriter().String("task", "t1").Finish();
  reply.details = "\xc1";  // never a valid MessagePack byte
  Json json = ReplyToJson(reply);
  EXPECT_EQ(json["status"], "conflict");
  EXPECT_EQ(json["message"], "already checked in");
  EXPECT_EQ(json["body"]["task"], "t1");
  EXPECT_TRUE(json["details"].contains("undecodable"));
}

TEST(McfctlJsonTest, DumpReplacesInvalidUtf8InsteadOfThrowing) {
  Json json{{"s", std::string("bad \xff byte")}};
  EXPECT_NE(Dump(json).find("bad"), std::string::npos);
}

TEST(McfctlExitCodeTest, EveryStatusHasItsOwnCode) {
  std::set<int> codes;
  for (int c = 0; c <= static_cast<int>(Code::kInternal); ++c) {
    codes.insert(ExitCodeFor(static_cast<Code>(c)));
  }
  EXPECT_EQ(codes.size(), 8u);
  EXPECT_EQ(ExitCodeFor(Code::kOk), 0);
  EXPECT_EQ(codes.count(kExitUsage), 0u);
  EXPECT_EQ(codes.count(kExitLocalError), 0u);
}

}  // namespace
}  // namespace mcf::mcfctl
