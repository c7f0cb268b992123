// The test family (schemas/test_family.h) keeps the bytes the test worker wrote by hand before
// it was declared, and reads the bodies the integration tests send (built with BodyWriter in
// tests/integration/runtime_harness.cc and friends).
#include "schemas/test_family.h"

#include <gtest/gtest.h>

#include "schemas/body.h"
#include "schemas/registry.h"

namespace mcf::schemas::test_family {
namespace {

TEST(TestFamilySchemasTest, EncodesTheBytesTheHandWrittenWorkerWrote) {
  EXPECT_EQ(Encode(Added{.name = "n", .amount = -2, .total = 7}),
            BodyWriter().String("name", "n").Int("amount", -2).Int("total", 7).Finish());
  EXPECT_EQ(Encode(Total{.total = 7}), BodyWriter().Int("total", 7).Finish());
  EXPECT_EQ(Encode(NoReply{}), BodyWriter().Finish());
}

TEST(TestFamilySchemasTest, DecodesWhatTheTestsSend) {
  auto add = Decode<Add>(BodyWriter().String("name", "c").Int("amount", 3).Finish());
  ASSERT_TRUE(add.ok()) << add.status().ToString();
  EXPECT_EQ(add->name, "c");
  EXPECT_EQ(add->amount, 3);
  auto fed = Decode<Fed>(BodyWriter().String("name", "f").Int("amount", 10).Finish());
  ASSERT_TRUE(fed.ok()) << fed.status().ToString();
  EXPECT_EQ(fed->name, "f");
  EXPECT_EQ(fed->amount, 10);
  auto get = Decode<Get>(BodyWriter().String("name", "fail:conflict").Finish());
  ASSERT_TRUE(get.ok()) << get.status().ToString();
  EXPECT_EQ(get->name, "fail:conflict");
  auto fail = Decode<Fail>(BodyWriter().String("status", "nonsense").Finish());
  ASSERT_TRUE(fail.ok()) << fail.status().ToString();  // the handler names a bad status
  EXPECT_EQ(fail->status, "nonsense");
  // gateway_forward_test.cc sends a string amount and looks for the field in the problem.
  auto bad = Decode<Add>(BodyWriter().String("name", "n").String("amount", "two").Finish());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("body.amount"), std::string::npos)
      << bad.status().ToString();
}

TEST(TestFamilySchemasTest, RowsKeepTheirKindVersionAndEffect) {
  for (const auto& [type, kind, effect] :
       {std::tuple{"test.add", MessageKind::kCommand, Effect::kMutates},
        std::tuple{"test.fail", MessageKind::kCommand, Effect::kMutates},
        std::tuple{"test.get", MessageKind::kCommand, Effect::kReadOnly},
        std::tuple{"test.added", MessageKind::kEvent, Effect::kMutates},
        std::tuple{"test.fed", MessageKind::kEvent, Effect::kMutates}}) {
    SCOPED_TRACE(type);
    const MessageType* row = FindMessageType(type);
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->kind, kind);
    EXPECT_EQ(row->effect, effect);
    EXPECT_EQ(row->version, 1u);
    EXPECT_NE(row->body, nullptr);  // declared
  }
}

}  // namespace
}  // namespace mcf::schemas::test_family
