#include "schemas/msgpack.h"

#include <gtest/gtest.h>

namespace mcf::schemas {
namespace {

TEST(MsgpackTest, RoundTripsScalarsOfEveryWidth) {
  MsgpackWriter w;
  const int64_t ints[] = {0, 1, 127, 128, 255, 256, 65535, 65536, 1LL << 40, -1, -32, -33,
                          -128, -129, -32768, -32769, INT64_MIN, INT64_MAX};
  for (int64_t v : ints) w.Int(v);
  w.String(std::string(40, 'x')).String(std::string(300, 'y')).Binary("bin").Bool(true).Nil();
  w.Float(2.5);
  MsgpackReader r(w.bytes());
  for (int64_t v : ints) EXPECT_EQ(r.ReadInt(), v);
  EXPECT_EQ(r.ReadString(), std::string(40, 'x'));
  EXPECT_EQ(r.ReadString(), std::string(300, 'y'));
  EXPECT_EQ(r.ReadBinary(), "bin");
  EXPECT_EQ(r.ReadBool(), true);
  EXPECT_TRUE(r.ReadNil());
  EXPECT_EQ(r.ReadFloat(), 2.5);
  EXPECT_TRUE(r.AtEnd());
}

TEST(MsgpackTest, RejectsHugeLengthPrefixWithoutAllocating) {
  // str32 claiming 4 GiB, array32 and map32 claiming 4 billion entries, in a few bytes.
  for (std::string bytes : {std::string("\xdb\xff\xff\xff\xff" "abc", 8),
                            std::string("\xdd\xff\xff\xff\xff\x01", 6),
                            std::string("\xdf\xff\xff\xff\xff\x01\x01", 7)}) {
    MsgpackReader r(bytes);
    EXPECT_FALSE(r.Skip()) << "bytes of size " << bytes.size();
  }
}

TEST(MsgpackTest, RejectsNestingDeeperThanTheLimit) {
  std::string deep(100, '\x91');  // 100 nested one-element arrays
  deep += '\x01';
  MsgpackReader r(deep);
  EXPECT_FALSE(r.Skip(32));
}

TEST(MsgpackTest, ReadOfWrongTypeLeavesPositionAndReturnsNothing) {
  MsgpackWriter w;
  w.String("x");
  MsgpackReader r(w.bytes());
  EXPECT_FALSE(r.ReadInt().has_value());
  EXPECT_FALSE(r.ReadUint().has_value());
  EXPECT_EQ(r.ReadString(), "x");
}

// The bytes on the wire are the smallest encoding of each value (what captures and goldens
// hold); these are the MessagePack spec's own examples at each width boundary.
TEST(MsgpackTest, WritesTheSmallestEncodingOfEachValue) {
  auto bytes = [](auto&& write) {
    MsgpackWriter w;
    write(w);
    return w.Take();
  };
  using S = std::string;
  EXPECT_EQ(bytes([](auto& w) { w.Int(127); }), S("\x7f"));
  EXPECT_EQ(bytes([](auto& w) { w.Int(128); }), S("\xcc\x80"));
  EXPECT_EQ(bytes([](auto& w) { w.Int(65536); }), S("\xce\x00\x01\x00\x00", 5));
  EXPECT_EQ(bytes([](auto& w) { w.Int(-32); }), S("\xe0"));
  EXPECT_EQ(bytes([](auto& w) { w.Int(-33); }), S("\xd0\xdf"));
  EXPECT_EQ(bytes([](auto& w) { w.Int(-129); }), S("\xd1\xff\x7f"));
  EXPECT_EQ(bytes([](auto& w) { w.String(S(31, 'a')); }), S("\xbf") + S(31, 'a'));
  EXPECT_EQ(bytes([](auto& w) { w.String(S(32, 'a')); }), S("\xd9\x20") + S(32, 'a'));
  EXPECT_EQ(bytes([](auto& w) { w.Binary("ab"); }), S("\xc4\x02" "ab"));
  EXPECT_EQ(bytes([](auto& w) { w.MapHeader(15); }), S("\x8f"));
  EXPECT_EQ(bytes([](auto& w) { w.MapHeader(16); }), S("\xde\x00\x10", 3));
  EXPECT_EQ(bytes([](auto& w) { w.ArrayHeader(16); }), S("\xdc\x00\x10", 3));
  EXPECT_EQ(bytes([](auto& w) { w.Float(2.5); }), S("\xcb\x40\x04\x00\x00\x00\x00\x00\x00", 9));
  EXPECT_EQ(bytes([](auto& w) { w.Bool(true).Bool(false).Nil(); }), S("\xc3\xc2\xc0"));
}

// Every read stops exactly after its value, whichever width the producer chose.
TEST(MsgpackTest, ReadsEveryWidthAndStopsRightAfterTheValue) {
  const std::string wide("\xd0\x05" "\xcd\x00\x07" "\xd9\x01x" "\xde\x00\x00" "\xca\x3f\x80\x00\x00", 16);
  MsgpackReader r(wide);
  EXPECT_EQ(r.ReadInt(), 5);
  EXPECT_EQ(r.position(), 2u);
  EXPECT_EQ(r.ReadUint(), 7u);
  EXPECT_EQ(r.ReadString(), "x");
  EXPECT_EQ(r.ReadMapHeader(), 0u);
  EXPECT_EQ(r.ReadFloat(), 1.0);
  EXPECT_TRUE(r.AtEnd());
  EXPECT_EQ(r.Peek(), MsgType::kInvalid);
  EXPECT_FALSE(MsgpackReader(std::string_view("\xc1", 1)).Skip());  // never used
}

}  // namespace
}  // namespace mcf::schemas

namespace mcf::schemas {
namespace {

TEST(FindTopLevelIntTest, FindsOnlyATopLevelIntegerBeforeTheStopKey) {
  auto map = [](auto&& fill) {
    MsgpackWriter w;
    fill(w);
    return w.Take();
  };
  const std::string plain =
      map([](MsgpackWriter& w) { w.MapHeader(3).String("a").Int(1).String("k").Int(-7).String("b").Nil(); });
  EXPECT_EQ(FindTopLevelInt(plain, "k", "body"), -7);
  EXPECT_EQ(FindTopLevelInt(plain, "zz", "body"), std::nullopt);
  // Nested under another key, after the stop key, or not an integer: not found.
  const std::string nested = map([](MsgpackWriter& w) {
    w.MapHeader(2).String("p").MapHeader(1).String("k").Int(5).String("q").ArrayHeader(1).Int(6);
  });
  EXPECT_EQ(FindTopLevelInt(nested, "k", "body"), std::nullopt);
  const std::string after_stop =
      map([](MsgpackWriter& w) { w.MapHeader(2).String("body").MapHeader(0).String("k").Int(5); });
  EXPECT_EQ(FindTopLevelInt(after_stop, "k", "body"), std::nullopt);
  EXPECT_EQ(FindTopLevelInt(after_stop, "k", "other"), 5);
  for (auto value : {map([](MsgpackWriter& w) { w.String("5"); }),
                     map([](MsgpackWriter& w) { w.MapHeader(1).String("k").Int(5); }),
                     map([](MsgpackWriter& w) { w.ArrayHeader(1).Int(5); }),
                     map([](MsgpackWriter& w) { w.Uint(uint64_t{1} << 63); })}) {
    const std::string bytes = map([&](MsgpackWriter& w) { w.MapHeader(1).String("k").Raw(value); });
    EXPECT_EQ(FindTopLevelInt(bytes, "k", "body"), std::nullopt);
  }
  // Malformed: truncated, not a map, nested past the bound before the key.
  EXPECT_EQ(FindTopLevelInt(plain.substr(0, 5), "k", "body"), std::nullopt);  // cut after "k"
  EXPECT_EQ(FindTopLevelInt(map([](MsgpackWriter& w) { w.ArrayHeader(1).Int(1); }), "k", "x"),
            std::nullopt);
  const std::string deep = map([](MsgpackWriter& w) {
    w.MapHeader(2).String("a");
    for (int i = 0; i < 40; ++i) w.ArrayHeader(1);
    w.Int(0).String("k").Int(9);
  });
  EXPECT_EQ(FindTopLevelInt(deep, "k", "body"), std::nullopt);
}

}  // namespace
}  // namespace mcf::schemas
