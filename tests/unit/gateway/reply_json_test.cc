// RenderReplyJson must write exactly the text of the DOM path it replaces
// (DumpJson(ShapeReply(shape, MsgpackToJson(body)))), and give up on what it does not render.
#include "gateway/reply_json.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "schemas/msgpack.h"

namespace mcf::gateway {
namespace {

using schemas::MsgpackWriter;

std::string Slow(const std::string& body, ReplyShape shape) {
  auto json = MsgpackToJson(body);
  EXPECT_TRUE(json.ok());
  return json.ok() ? DumpJson(ShapeReply(shape, std::move(*json))) : "";
}

void ExpectSameAsSlow(const std::string& body, ReplyShape shape = ReplyShape::kAsIs) {
  auto fast = RenderReplyJson(body, shape);
  ASSERT_TRUE(fast.has_value());
  EXPECT_EQ(*fast, Slow(body, shape));
}

TEST(ReplyJsonTest, AListOfOrdersRendersAsTheSlowPathDoes) {
  MsgpackWriter w;
  w.MapHeader(2).String("orders").ArrayHeader(3);
  for (int i = 0; i < 3; ++i) {
    w.MapHeader(7)
        .String("id").String("order-" + std::to_string(i))
        .String("status").String(i == 0 ? "requested" : "assigned")
        .String("approx_cost").Int(10'000)
        .String("created_at").Int(1'767'600'000'000 + i)      // with milliseconds
        .String("issued_at").Int(0)                           // "not yet": null
        .String("at").Int(-86'400'000)                        // before the epoch
        .String("timeline").ArrayHeader(2).Int(5).MapHeader(1).String("at").Int(1'767'600'000'000);
  }
  w.String("more").Bool(false);
  ExpectSameAsSlow(w.bytes());
}

TEST(ReplyJsonTest, JobsShapeRenamesOnlyTheTopLevelTasks) {
  MsgpackWriter w;
  w.MapHeader(2).String("tasks").ArrayHeader(1).MapHeader(1).String("tasks").Int(1);
  w.String("more").Bool(true);
  ExpectSameAsSlow(w.bytes(), ReplyShape::kJobs);
  EXPECT_EQ(*RenderReplyJson(w.bytes(), ReplyShape::kJobs), R"({"jobs":[{"tasks":1}],"more":true})");
}

TEST(ReplyJsonTest, StringsAreEscapedAsTheSlowPathDoes) {
  MsgpackWriter w;
  w.MapHeader(3)
      .String("text").String(std::string("quote\" back\\ nl\n tab\t cr\r bs\b ff\f nul") +
                             std::string(1, '\0') + "\x01\x1f\x7f end")
      .String("unicode").String("\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x88")
      .String("k\"ey").Nil();
  ExpectSameAsSlow(w.bytes());
}

TEST(ReplyJsonTest, TimeKeysHoldingOtherValuesAreLeftAsTheyAre) {
  MsgpackWriter w;
  w.MapHeader(5)
      .String("starts_at").String("soon")
      .String("ends_at").ArrayHeader(2).Int(1).Int(2)
      .String("done_at").MapHeader(1).String("at").Int(1'767'600'000'000)
      .String("huge_at").Uint(UINT64_MAX)
      .String("flag_at").Bool(true);
  ExpectSameAsSlow(w.bytes());
}

TEST(ReplyJsonTest, GivesUpOnWhatItDoesNotRender) {
  auto one = [](auto&& fill) {
    MsgpackWriter w;
    w.MapHeader(1).String("v");
    fill(w);
    return w.Take();
  };
  EXPECT_FALSE(RenderReplyJson(one([](MsgpackWriter& w) { w.Float(1.5); }), ReplyShape::kAsIs));
  EXPECT_FALSE(RenderReplyJson(one([](MsgpackWriter& w) { w.Binary("ab"); }), ReplyShape::kAsIs));
  EXPECT_FALSE(RenderReplyJson(one([](MsgpackWriter& w) { w.String("\xc3"); }), ReplyShape::kAsIs));
  EXPECT_FALSE(
      RenderReplyJson(one([](MsgpackWriter& w) { w.String("\xed\xa0\x80"); }), ReplyShape::kAsIs));
  EXPECT_FALSE(RenderReplyJson(MsgpackWriter().ArrayHeader(0).Take(), ReplyShape::kAsIs));
  EXPECT_FALSE(RenderReplyJson(MsgpackWriter().MapHeader(1).Int(1).Int(2).Take(), ReplyShape::kAsIs));
  EXPECT_FALSE(RenderReplyJson(MsgpackWriter().MapHeader(0).Nil().Take(), ReplyShape::kAsIs));
  EXPECT_FALSE(RenderReplyJson(MsgpackWriter().MapHeader(2).String("a").Take(), ReplyShape::kAsIs));
  EXPECT_FALSE(RenderReplyJson("", ReplyShape::kAsIs));
}

// Random bodies of every type the fast path renders: the same text as the slow path, always.
TEST(ReplyJsonTest, RandomBodiesRenderAsTheSlowPathDoes) {
  std::mt19937_64 rng(20261201);
  const std::vector<std::string> keys = {"id", "at", "created_at", "tasks", "x_at", "name", "é", ""};
  std::function<void(MsgpackWriter&, int)> value = [&](MsgpackWriter& w, int depth) {
    switch (rng() % (depth < 4 ? 9 : 6)) {
      case 0: w.Nil(); break;
      case 1: w.Bool(rng() % 2); break;
      case 2: w.Int(static_cast<int64_t>(rng()) >> (rng() % 63)); break;
      case 3: w.Uint(rng() >> (rng() % 64)); break;
      case 4: w.Int(static_cast<int64_t>(rng() % 4'000'000'000'000) - 1'000'000'000'000); break;
      case 5: {
        std::string s;
        for (size_t i = rng() % 12; i > 0; --i) s.push_back(static_cast<char>(rng() % 0x80));
        w.String(s);
        break;
      }
      case 6: case 7: {
        const uint32_t n = rng() % 5;
        w.MapHeader(n);
        for (uint32_t i = 0; i < n; ++i) {
          w.String(keys[rng() % keys.size()] + (i ? std::to_string(i) + "_at" : ""));
          value(w, depth + 1);
        }
        break;
      }
      default: {
        const uint32_t n = rng() % 5;
        w.ArrayHeader(n);
        for (uint32_t i = 0; i < n; ++i) value(w, depth + 1);
      }
    }
  };
  for (int round = 0; round < 3000; ++round) {
    MsgpackWriter w;
    const uint32_t n = rng() % 6;
    w.MapHeader(n);
    for (uint32_t i = 0; i < n; ++i) {
      w.String(keys[rng() % keys.size()] + std::to_string(i));  // no key twice in one map
      value(w, 1);
    }
    const ReplyShape shape = round % 2 ? ReplyShape::kJobs : ReplyShape::kAsIs;
    auto fast = RenderReplyJson(w.bytes(), shape);
    ASSERT_TRUE(fast.has_value()) << round;
    ASSERT_EQ(*fast, Slow(w.bytes(), shape)) << round;
  }
}

}  // namespace
}  // namespace mcf::gateway
