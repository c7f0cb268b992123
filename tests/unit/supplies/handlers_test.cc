// The supplies handlers through the runtime's Dispatcher on a real LMDB env in a TempDir:
// tasks.task_assigned -> a waiting order on the board; role checks; issue once -> kit_issued.
#include "workers/supplies/handlers.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "schemas/body.h"
#include "schemas/envelope.h"
#include "schemas/supplies.h"
#include "tests/support/context_harness.h"
#include "workers/supplies/kit.h"

namespace mcf::supplies {
namespace {

namespace wire = schemas::supplies;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kMonday9 = 1'767'603'600'000;  // 2026-01-05T09:00:00Z

// tasks.task_assigned as the tasks context publishes it (written field by field, like the
// handler reads it).
std::string Assigned(const std::string& task_id, const std::string& worker_id) {
  return schemas::BodyWriter()
      .String("task_id", task_id)
      .String("client_id", "client-1")
      .String("worker_id", worker_id)
      .Int("price_minor", 10'000)
      .Int("starts_at", kMonday9 + kHour)
      .Int("ends_at", kMonday9 + 2 * kHour)
      .Finish();
}

class SuppliesHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    Status s = h_.Open([](worker::Dispatcher& d) { return SuppliesHandlers::Install(d); });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // One tasks.task_assigned, one millisecond of bus time after the last.
  void Feed(std::string body) {
    Status s = h_.Event(kTaskAssigned, std::move(body), kMonday9 + ++fed_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // One command as `role` (principal {role, role-1}; nullopt = none).
  schemas::Reply Call(std::string_view type, std::string body,
                      std::optional<std::string> role = "supplies") {
    std::optional<schemas::Principal> who;
    if (role) who = schemas::Principal{*role, *role + "-1"};
    return h_.Command(type, std::move(body), who, kMonday9 + 100);
  }

  wire::Board Board(std::optional<std::string> status = std::nullopt,
                    std::string role = "supplies") {
    schemas::BodyWriter request;
    if (status) request.String("status", *status);
    schemas::Reply reply = Call(wire::kList, request.Finish(), role);
    EXPECT_EQ(reply.status, Code::kOk) << reply.message;
    auto board = wire::Decode<wire::Board>(reply.body);
    EXPECT_TRUE(board.ok()) << board.status().ToString();
    return board.ok() ? *board : wire::Board{};
  }

  std::vector<testing::PublishedEvent> NewEvents() { return h_.NewEvents(); }

  testing::ContextHarness h_{"supplies"};
  int64_t fed_ = 0;
};

TEST_F(SuppliesHandlersTest, AssignedTaskPutsAWaitingOrderOnTheBoard) {
  Feed(Assigned("t1", "w1"));
  wire::Board board = Board();
  ASSERT_EQ(board.orders.size(), 1u);
  const wire::SupplyOrder& o = board.orders[0];
  EXPECT_FALSE(o.id.empty());
  EXPECT_EQ(o.task_id, "t1");
  EXPECT_EQ(o.worker_id, "w1");
  EXPECT_EQ(o.client_id, "client-1");
  EXPECT_EQ(o.kit, BasicKit());
  EXPECT_EQ(o.status, wire::kStatusWaiting);
  EXPECT_EQ(o.created_at_ms, kMonday9 + 1);  // the event's bus time
  EXPECT_TRUE(NewEvents().empty());
  // Managers may read the board too.
  EXPECT_EQ(Board(std::nullopt, "manager").orders.size(), 1u);
}

TEST_F(SuppliesHandlersTest, ReassignmentOfTheSameTaskMakesNoSecondOrder) {
  Feed(Assigned("t1", "w1"));
  Feed(Assigned("t1", "w1"));
  EXPECT_EQ(Board().orders.size(), 1u);
}

TEST_F(SuppliesHandlersTest, MalformedAssignmentMakesNoOrder) {
  Feed(schemas::BodyWriter().String("task_id", "t1").Finish());  // no worker_id
  Feed(schemas::BodyWriter()
           .String("task_id", "")
           .String("worker_id", "w1")
           .String("client_id", "c")
           .Finish());
  EXPECT_TRUE(Board().orders.empty());
  EXPECT_EQ(h_.stats().handler_failed, 2u);
}

TEST_F(SuppliesHandlersTest, IssueOnceThenConflictAndTheBoardFiltersByStatus) {
  Feed(Assigned("t1", "w1"));
  Feed(Assigned("t2", "w2"));
  wire::Board board = Board();
  ASSERT_EQ(board.orders.size(), 2u);
  EXPECT_EQ(board.orders[0].task_id, "t1");  // oldest first
  const std::string id = board.orders[0].id;

  schemas::Reply reply = Call(wire::kIssue, wire::Encode(wire::IssueRequest{id}));
  ASSERT_EQ(reply.status, Code::kOk) << reply.message;
  auto issued = wire::Decode<wire::SupplyOrder>(reply.body);
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(issued->status, wire::kStatusIssued);
  EXPECT_EQ(issued->issued_at_ms, kMonday9 + 100);
  auto events = NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].topic, wire::kKitIssued);
  EXPECT_EQ(*wire::Decode<wire::KitIssued>(events[0].body), (wire::KitIssued{"t1", id}));

  // A second issue (a new command, not a retry) is a conflict and publishes nothing.
  reply = Call(wire::kIssue, wire::Encode(wire::IssueRequest{id}));
  EXPECT_EQ(reply.status, Code::kConflict);
  EXPECT_TRUE(NewEvents().empty());

  Reopen();  // the state is in the store
  ASSERT_EQ(Board("issued").orders.size(), 1u);
  EXPECT_EQ(Board("issued").orders[0].id, id);
  ASSERT_EQ(Board("waiting").orders.size(), 1u);
  EXPECT_EQ(Board("waiting").orders[0].task_id, "t2");
}

TEST_F(SuppliesHandlersTest, IssueUnknownOrderIsNotFound) {
  EXPECT_EQ(Call(wire::kIssue, wire::Encode(wire::IssueRequest{"supply-nope"})).status,
            Code::kNotFound);
  EXPECT_EQ(Call(wire::kIssue, wire::Encode(wire::IssueRequest{""})).status, Code::kInvalid);
}

TEST_F(SuppliesHandlersTest, RolesAreChecked) {
  Feed(Assigned("t1", "w1"));
  const std::string id = Board().orders.at(0).id;
  for (std::optional<std::string> role :
       {std::optional<std::string>("client"), std::optional<std::string>("worker"),
        std::optional<std::string>()}) {
    EXPECT_EQ(Call(wire::kList, wire::Encode(wire::ListRequest{}), role).status, Code::kForbidden);
  }
  EXPECT_EQ(Board(std::nullopt, "admin").orders.size(), 1u);  // the operator sees the board
  for (std::optional<std::string> role :
       {std::optional<std::string>("manager"), std::optional<std::string>("client"),
        std::optional<std::string>("worker"), std::optional<std::string>()}) {
    EXPECT_EQ(Call(wire::kIssue, wire::Encode(wire::IssueRequest{id}), role).status,
              Code::kForbidden);
  }
  EXPECT_EQ(Board("waiting").orders.size(), 1u);
  EXPECT_TRUE(NewEvents().empty());
  // The operator may stand in for supplies staff.
  EXPECT_EQ(Call(wire::kIssue, wire::Encode(wire::IssueRequest{id}), "admin").status, Code::kOk);
  EXPECT_EQ(NewEvents().size(), 1u);
}

TEST_F(SuppliesHandlersTest, ListWithAnUnknownStatusIsInvalid) {
  schemas::Reply reply = Call(wire::kList, schemas::BodyWriter().String("status", "lost").Finish());
  EXPECT_EQ(reply.status, Code::kInvalid);
  EXPECT_NE(reply.message.find("body.status"), std::string::npos);
}

}  // namespace
}  // namespace mcf::supplies
