// The supplies handlers through the runtime's Dispatcher on a real LMDB env in a TempDir:
// tasks.task_assigned -> a waiting order on the board; role checks; issue once -> kit_issued.
#include "workers/supplies/handlers.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/worker/dispatcher.h"
#include "schemas/body.h"
#include "schemas/envelope.h"
#include "schemas/supplies.h"
#include "tests/support/temp_dir.h"
#include "workers/supplies/kit.h"

namespace mcf::supplies {
namespace {

namespace wire = schemas::supplies;
using worker::Dispatcher;
using worker::Incoming;

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
    d_ = std::make_unique<Dispatcher>("supplies", 7);
    ASSERT_TRUE(d_->Open(dir_.path(), size_t{64} << 20, /*no_sync=*/true).ok());
    Status s = SuppliesHandlers::Install(*d_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  void Feed(std::string body) {
    uint64_t seq = ++seq_;
    schemas::Envelope e;
    e.id = "feeder:" + std::to_string(seq);
    e.type = std::string(kTaskAssigned);
    e.producer = "feeder";
    e.body = std::move(body);
    Incoming in;
    in.kind = Incoming::Kind::kEvent;
    in.seq = seq;
    in.topic = e.type;
    in.bus_time_ms = kMonday9 + static_cast<int64_t>(seq);
    in.envelope = schemas::Encode(e);
    auto r = d_->Apply({in}, SteadyClock::Instance().Now());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  schemas::Reply Call(std::string_view type, std::string body,
                      std::optional<std::string> role = "supplies") {
    schemas::Envelope e;
    e.id = "cmd-" + std::to_string(++commands_);
    e.type = std::string(type);
    e.producer = "test";
    if (role) e.principal = schemas::Principal{*role, *role + "-1"};
    e.body = std::move(body);
    Incoming in;
    in.kind = Incoming::Kind::kCommand;
    in.request_id = commands_;
    in.deadline = SteadyClock::Instance().Now() + Millis(5000);
    in.bus_time_ms = kMonday9 + 100;
    in.envelope = schemas::Encode(e);
    auto r = d_->Apply({in}, SteadyClock::Instance().Now());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->size(), 1u);
    return *schemas::DecodeReply(r->at(0).envelope);
  }

  wire::Board Board(std::optional<std::string> status = std::nullopt,
                    std::string role = "supplies") {
    schemas::Reply reply = Call(wire::kList, wire::Encode(wire::ListRequest{status}), role);
    EXPECT_EQ(reply.status, Code::kOk) << reply.message;
    auto board = wire::DecodeBoard(reply.body);
    EXPECT_TRUE(board.ok()) << board.status().ToString();
    return board.ok() ? *board : wire::Board{};
  }

  std::vector<std::pair<std::string, std::string>> NewEvents() {
    std::vector<std::pair<std::string, std::string>> out;
    auto records = d_->ReadOutbox(outbox_seen_, 1000);
    EXPECT_TRUE(records.ok());
    for (const auto& r : *records) {
      outbox_seen_ = r.producer_seq;
      out.emplace_back(r.topic, schemas::DecodeEnvelope(r.envelope)->body);
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Dispatcher> d_;
  uint64_t seq_ = 0, commands_ = 0, outbox_seen_ = 0;
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
  EXPECT_EQ(d_->stats().handler_failed, 2u);
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
  auto issued = wire::DecodeSupplyOrder(reply.body);
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(issued->status, wire::kStatusIssued);
  EXPECT_EQ(issued->issued_at_ms, kMonday9 + 100);
  auto events = NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].first, wire::kKitIssued);
  EXPECT_EQ(*wire::DecodeKitIssued(events[0].second), (wire::KitIssued{"t1", id}));

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
