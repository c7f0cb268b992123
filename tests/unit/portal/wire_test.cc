// The portal's declared messages and stored records write the bytes the hand-written encoders
// wrote before them (field by field with BodyWriter, in that order), so captures replay and
// existing stores stay readable; and the declared limits answer in the portal's words.
#include <gtest/gtest.h>

#include <string>

#include "schemas/body.h"
#include "schemas/codec.h"
#include "schemas/msgpack.h"
#include "schemas/portal.h"
#include "workers/portal/portal_store.h"

namespace mcf::portal {
namespace {

namespace wire = schemas::portal;
using schemas::BodyWriter;

// An array of already-encoded items.
std::string Array(std::initializer_list<std::string> items) {
  schemas::MsgpackWriter w;
  w.ArrayHeader(static_cast<uint32_t>(items.size()));
  for (const std::string& item : items) w.Raw(item);
  return w.Take();
}

TEST(PortalWireTest, HelpRequestedKeepsItsFieldOrder) {
  const wire::HelpRequested e{"order-1", "client-1", "chores", "jars", 10, 20, 9'000};
  EXPECT_EQ(schemas::Encode(e), BodyWriter()
                                    .String("order_id", "order-1")
                                    .String("client_id", "client-1")
                                    .String("service_type_id", "chores")
                                    .String("description", "jars")
                                    .Int("starts_at", 10)
                                    .Int("ends_at", 20)
                                    .Int("approx_cost", 9'000)
                                    .Finish());
}

// The fields every order map starts with, for the order NewOrder("o1", ...) below makes.
BodyWriter OrderHead() {
  BodyWriter w;
  w.String("id", "o1")
      .String("client_id", "c1")
      .String("service_type_id", "chores")
      .String("description", "jars")
      .Int("starts_at", 10)
      .Int("ends_at", 20)
      .Int("approx_cost", 10'000);
  return w;
}

TEST(PortalWireTest, AnOrderLeavesOutItsEmptyFieldsAsBefore) {
  Order o = NewOrder("o1", "c1", "chores", "jars", 10, 20, 10'000, 5);
  const std::string requested = BodyWriter().Int("at", 5).String("event", "requested").Finish();
  EXPECT_EQ(EncodeOrder(o), OrderHead()
                                .String("status", "requested")
                                .Bool("kit_issued", false)
                                .Bool("copy_offered", false)
                                .Raw("timeline", Array({requested}))
                                .Finish());

  ASSERT_TRUE(OnAssigned(o, "w1", 9'500, 6));
  ASSERT_TRUE(OnFinalized(o, OrderStatus::kCanceled, "no_show", 7));
  o.copied_from = "o0";
  const std::string full = OrderHead()
                               .String("status", "canceled")
                               .String("worker_id", "w1")
                               .Int("price", 9'500)
                               .Bool("kit_issued", false)
                               .Bool("copy_offered", false)
                               .String("copied_from", "o0")
                               .String("reason", "no_show")
                               .Raw("timeline",
                                    Array({requested,
                                           BodyWriter()
                                               .Int("at", 6)
                                               .String("event", "assigned")
                                               .String("detail", "w1")
                                               .Finish(),
                                           BodyWriter()
                                               .Int("at", 7)
                                               .String("event", "canceled")
                                               .String("detail", "no_show")
                                               .Finish()}))
                               .Finish();
  EXPECT_EQ(EncodeOrder(o), full);
  auto back = DecodeOrder(full);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, o);
}

TEST(PortalWireTest, RepliesAndStoredRecordsKeepTheirFieldOrder) {
  EXPECT_EQ(schemas::Encode(wire::SignInReply{"client-1", "tok", "Tom", true}),
            BodyWriter()
                .String("client_id", "client-1")
                .String("token", "tok")
                .String("name", "Tom")
                .Bool("created", true)
                .Finish());
  EXPECT_EQ(schemas::Encode(wire::StaffReply{"manager-1", wire::StaffRole::kSupplies, "M", "tok"}),
            BodyWriter()
                .String("id", "manager-1")
                .String("role", "supplies")
                .String("name", "M")
                .String("token", "tok")
                .Finish());
  EXPECT_EQ(schemas::Encode(wire::WorkerTokenReply{"w1", "tok"}),
            BodyWriter().String("worker_id", "w1").String("token", "tok").Finish());
  EXPECT_EQ(schemas::Encode(TokenBinding{"worker", "w1"}),
            BodyWriter().String("role", "worker").String("id", "w1").Finish());
  const std::string chores = BodyWriter()
                                 .String("id", "chores")
                                 .String("name", "Chores")
                                 .String("description", "d")
                                 .Bool("active", true)
                                 .Finish();
  EXPECT_EQ(schemas::Encode(ServiceType{"chores", "Chores", "d", true}), chores);
  EXPECT_EQ(schemas::Encode(wire::ServiceTypeList{{ServiceType{"chores", "Chores", "d", true}}}),
            BodyWriter().Raw("service_types", Array({chores})).Finish());
  wire::OrderPage page;
  page.next_after = "o9";
  EXPECT_EQ(schemas::Encode(page),
            BodyWriter().Raw("orders", Array({})).String("next_after", "o9").Finish());

  EXPECT_EQ(schemas::Encode(Account{"client-1", "E-1", "Tom", 500, 42}),
            BodyWriter()
                .String("client_id", "client-1")
                .String("employee_id", "E-1")
                .String("name", "Tom")
                .Int("discount_bps", 500)
                .Int("created_at", 42)
                .Finish());
  EXPECT_EQ(schemas::Encode(Staff{"admin-1", "admin", "A", 42}), BodyWriter()
                                                                    .String("id", "admin-1")
                                                                    .String("role", "admin")
                                                                    .String("name", "A")
                                                                    .Int("created_at", 42)
                                                                    .Finish());
  EXPECT_EQ(schemas::Encode(KnownWorker{"w1", "Felix", 42, "manager-1", true}),
            BodyWriter()
                .String("worker_id", "w1")
                .String("name", "Felix")
                .Int("hired_at", 42)
                .String("hired_by", "manager-1")
                .Bool("credentialed", true)
                .Finish());
}

TEST(PortalWireTest, LengthLimitsAnswerInThePortalsWords) {
  auto signin = schemas::Decode<wire::SignIn>(BodyWriter()
                                                  .String("employee_id", std::string(65, 'e'))
                                                  .String("name", "Tom")
                                                  .String("token", "t")
                                                  .Finish());
  ASSERT_FALSE(signin.ok());
  EXPECT_EQ(signin.status().message(), "body.employee_id: at most 64 bytes");
  auto order = schemas::Decode<wire::GetOrder>(
      BodyWriter().String("order_id", std::string(129, 'o')).Finish());
  ASSERT_FALSE(order.ok());
  EXPECT_EQ(order.status().message(), "body.order_id: at most 128 bytes");
  EXPECT_TRUE(schemas::Decode<wire::GetOrder>(
                  BodyWriter().String("order_id", std::string(128, 'o')).Finish())
                  .ok());
  auto update = schemas::Decode<wire::UpdateServiceType>(
      BodyWriter().String("id", "chores").String("name", std::string(101, 'n')).Finish());
  ASSERT_FALSE(update.ok());
  EXPECT_EQ(update.status().message(), "body.name: at most 100 bytes");
  auto help = schemas::Decode<wire::HelpRequested>(BodyWriter()
                                                       .String("order_id", "o1")
                                                       .String("client_id", "c1")
                                                       .String("service_type_id", "chores")
                                                       .String("description", "d")
                                                       .Int("starts_at", 20)
                                                       .Int("ends_at", 20)
                                                       .Int("approx_cost", 1)
                                                       .Finish());
  ASSERT_FALSE(help.ok());
  EXPECT_EQ(help.status().message(), "body.ends_at: must be after starts_at");
}

}  // namespace
}  // namespace mcf::portal
