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

}  // namespace
}  // namespace mcf::schemas
