// The supplies handlers through the runtime's Dispatcher on a real LMDB env in a TempDir:
// tasks.task_assigned -> a waiting order on the board (newest first, paged) and its cookie
// requested; the contractor's answers and clock ticks move the cookie (retries with back-off,
// publishing a new try each); issue only with the cookie, once -> kit_issued; a canceled task
// cancels its order and pending cookie; role checks.
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
#include "schemas/clock.h"
#include "schemas/contractor.h"
#include "workers/supplies/supply_order.h"

namespace mcf::supplies {
namespace {

namespace wire = schemas::supplies;
namespace contractor = schemas::contractor;
constexpr int64_t kMin = 60'000;

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

  // Any event at a bus time of its own (the clock's, the contractor's).
  template <typename E>
  void Deliver(const E& event, int64_t at) {
    Status s = h_.Event(E::kInfo.type, schemas::Encode(event), at);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void Tick(int64_t at) { Deliver(schemas::clock::Tick{at}, at); }

  // The contractor accepting and delivering the order's current try.
  void CookieArrives(const wire::SupplyOrder& o, int64_t at) {
    const std::string key = IdempotencyKey(o.id, o.cookie.attempts);
    Deliver(contractor::CookieAccepted{key, o.id, o.cookie.attempts, at}, at - 10 * kMin);
    Deliver(contractor::CookieDelivered{key, o.id, o.cookie.attempts, at}, at);
  }

  wire::SupplyOrder Get(const std::string& id) {
    schemas::Reply reply = Call(wire::kGet, wire::Encode(wire::GetRequest{id}));
    EXPECT_EQ(reply.status, Code::kOk) << reply.message;
    auto order = wire::Decode<wire::SupplyOrder>(reply.body);
    return order.ok() ? *order : wire::SupplyOrder{};
  }

  wire::Board Board(std::optional<std::string> status = std::nullopt,
                    std::string role = "supplies", int64_t limit = 50, std::string before = "") {
    schemas::BodyWriter request;
    if (status) request.String("status", *status);
    request.Int("limit", limit);
    if (!before.empty()) request.String("before", before);
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

std::vector<std::string> Topics(const std::vector<testing::PublishedEvent>& events) {
  std::vector<std::string> topics;
  for (const auto& e : events) topics.push_back(e.topic);
  return topics;
}

TEST_F(SuppliesHandlersTest, AssignedTaskPutsAWaitingOrderOnTheBoardAndOrdersItsCookie) {
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
  EXPECT_EQ(o.starts_at_ms, kMonday9 + kHour);
  EXPECT_EQ(o.cookie.state, wire::CookieState::kRequested);
  EXPECT_FALSE(o.complete);
  auto events = NewEvents();
  ASSERT_EQ(Topics(events),
            (std::vector<std::string>{std::string(wire::kOrderCreated),
                                      std::string(wire::kCookieRequested)}));
  auto created = wire::Decode<wire::OrderCreated>(events[0].body);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->supply_order_id, o.id);
  EXPECT_EQ(created->kit, BasicKit());
  auto request = wire::Decode<wire::CookieRequested>(events[1].body);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->idempotency_key, o.id + "/1");
  EXPECT_EQ(request->client_id, "client-1");
  // Managers may read the board too.
  EXPECT_EQ(Board(std::nullopt, "manager").orders.size(), 1u);
}

TEST_F(SuppliesHandlersTest, ReassignmentOfTheSameTaskMakesNoSecondOrder) {
  Feed(Assigned("t1", "w1"));
  NewEvents();
  Feed(Assigned("t1", "w1"));
  EXPECT_EQ(Board().orders.size(), 1u);
  EXPECT_TRUE(NewEvents().empty());
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

TEST_F(SuppliesHandlersTest, IssueOnlyWithTheCookieThenOnceAndTheBoardFiltersByStatus) {
  Feed(Assigned("t1", "w1"));
  Feed(Assigned("t2", "w2"));
  NewEvents();
  wire::Board board = Board();
  ASSERT_EQ(board.orders.size(), 2u);
  EXPECT_EQ(board.orders[0].task_id, "t2");  // newest first
  const std::string id = board.orders[1].id;

  schemas::Reply early = Call(wire::kIssue, wire::Encode(wire::IssueRequest{id}));
  EXPECT_EQ(early.status, Code::kConflict);
  EXPECT_NE(early.message.find("waiting for its fortune cookie"), std::string::npos)
      << early.message;
  EXPECT_TRUE(NewEvents().empty());

  CookieArrives(board.orders[1], kMonday9 + 20 * kMin);
  const wire::SupplyOrder complete = Get(id);
  EXPECT_TRUE(complete.complete);
  EXPECT_EQ(complete.cookie.state, wire::CookieState::kDelivered);
  EXPECT_EQ(complete.cookie.delivered_at_ms, kMonday9 + 20 * kMin);
  EXPECT_EQ(complete.kit.back(), kFortuneCookie);
  EXPECT_TRUE(NewEvents().empty());  // a cookie's progress is board state, not an event

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

TEST_F(SuppliesHandlersTest, FailedCookieIsTriedAgainOnTheClockWithBackOff) {
  Feed(Assigned("t1", "w1"));
  NewEvents();
  const wire::SupplyOrder o = Board().orders.at(0);
  const int64_t t = kMonday9 + 10;
  Deliver(contractor::CookieFailed{o.id + "/1", o.id, 1, "oven out of order"}, t);
  wire::SupplyOrder failed = Get(o.id);
  EXPECT_EQ(failed.cookie.state, wire::CookieState::kFailed);
  EXPECT_EQ(failed.cookie.last_error, "contractor: oven out of order");
  EXPECT_EQ(failed.cookie.next_try_at_ms, t + kMin);
  EXPECT_NE(Call(wire::kIssue, wire::Encode(wire::IssueRequest{o.id})).message.find(
                "last error: contractor: oven out of order"),
            std::string::npos);

  Tick(t + kMin - 1);  // not yet
  EXPECT_TRUE(NewEvents().empty());
  Tick(t + kMin);
  auto events = NewEvents();
  ASSERT_EQ(Topics(events), std::vector<std::string>{std::string(wire::kCookieRequested)});
  EXPECT_EQ(wire::Decode<wire::CookieRequested>(events[0].body)->idempotency_key, o.id + "/2");
  Tick(t + 2 * kMin);  // filed off the due list: no second request for the same try
  EXPECT_TRUE(NewEvents().empty());

  Deliver(contractor::CookieFailed{o.id + "/2", o.id, 2, "out of fortune paper"}, t + 3 * kMin);
  EXPECT_EQ(Get(o.id).cookie.next_try_at_ms, t + 5 * kMin);  // doubled
  Deliver(contractor::CookieFailed{o.id + "/1", o.id, 1, "stale"}, t + 3 * kMin);  // ignored
  EXPECT_EQ(Get(o.id).cookie.last_error, "contractor: out of fortune paper");
  Tick(t + 5 * kMin);
  ASSERT_EQ(NewEvents().size(), 1u);
  CookieArrives(Get(o.id), t + 16 * kMin);
  EXPECT_TRUE(Get(o.id).complete);
  EXPECT_EQ(Get(o.id).cookie.attempts, 3);
  Tick(t + 60 * kMin);  // nothing due for a delivered cookie
  EXPECT_TRUE(NewEvents().empty());
}

TEST_F(SuppliesHandlersTest, CanceledTaskCancelsItsOrderAndPendingCookie) {
  Feed(Assigned("t1", "w1"));
  NewEvents();
  const std::string id = Board().orders.at(0).id;
  Deliver(schemas::tasks::TaskFinalized{"t1", "w1", schemas::tasks::Outcome::kCanceled, "no_show",
                                        10'000, "client-1"},
          kMonday9 + 2 * kHour);
  auto events = NewEvents();
  ASSERT_EQ(Topics(events), std::vector<std::string>{std::string(wire::kCookieRequestCanceled)});
  EXPECT_EQ(wire::Decode<wire::CookieRequestCanceled>(events[0].body)->idempotency_key, id + "/1");
  const wire::SupplyOrder o = Get(id);
  EXPECT_EQ(o.status, wire::SupplyStatus::kCanceled);
  EXPECT_EQ(o.cookie.state, wire::CookieState::kCanceled);
  EXPECT_EQ(o.canceled_at_ms, kMonday9 + 2 * kHour);
  EXPECT_EQ(Call(wire::kIssue, wire::Encode(wire::IssueRequest{id})).status, Code::kConflict);
  EXPECT_EQ(Board("canceled").orders.size(), 1u);
  EXPECT_TRUE(Board("waiting").orders.empty());
  // A late delivery for it changes nothing; a second finalization neither.
  Deliver(contractor::CookieDelivered{id + "/1", id, 1, kMonday9 + 3 * kHour}, kMonday9 + 3 * kHour);
  EXPECT_FALSE(Get(id).complete);
  Deliver(schemas::tasks::TaskFinalized{"t1", "w1", schemas::tasks::Outcome::kCanceled, "", 0, ""},
          kMonday9 + 4 * kHour);
  EXPECT_TRUE(NewEvents().empty());
}

TEST_F(SuppliesHandlersTest, BoardPagesNewestFirstAndFiltersOrdersNeedingAttention) {
  for (int i = 0; i < 5; ++i) Feed(Assigned("t" + std::to_string(i), "w1"));
  std::vector<std::string> seen;
  std::string before;
  for (int page = 0; page < 3; ++page) {
    wire::Board b = Board(std::nullopt, "supplies", 2, before);
    for (const auto& o : b.orders) seen.push_back(o.task_id);
    before = b.next_before;
    if (before.empty()) break;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"t4", "t3", "t2", "t1", "t0"}));
  EXPECT_EQ(Board("waiting", "supplies", 3).orders.size(), 3u);
  schemas::Reply bad = Call(wire::kList, schemas::BodyWriter().String("before", "nope").Finish());
  EXPECT_EQ(bad.status, Code::kInvalid);
  EXPECT_NE(bad.message.find("body.before"), std::string::npos);

  // Five failed tries flag an order (the default policy).
  wire::SupplyOrder o = Board().orders.back();
  int64_t t = kMonday9 + kMin;
  for (int64_t attempt = 1; attempt <= 5; ++attempt) {
    Deliver(contractor::CookieFailed{IdempotencyKey(o.id, attempt), o.id, attempt, "down"}, t);
    t = Get(o.id).cookie.next_try_at_ms;
    Tick(t);
  }
  const wire::SupplyOrder flagged = Get(o.id);
  EXPECT_TRUE(flagged.cookie.needs_attention);
  schemas::Reply attention = Call(
      wire::kList, schemas::BodyWriter().String("status", "waiting").Bool("needs_attention", true).Finish());
  ASSERT_EQ(attention.status, Code::kOk);
  auto only = wire::Decode<wire::Board>(attention.body);
  ASSERT_EQ(only->orders.size(), 1u);
  EXPECT_EQ(only->orders[0].id, o.id);
}

TEST_F(SuppliesHandlersTest, IssueUnknownOrderIsNotFound) {
  EXPECT_EQ(Call(wire::kIssue, wire::Encode(wire::IssueRequest{"supply-nope"})).status,
            Code::kNotFound);
  EXPECT_EQ(Call(wire::kIssue, wire::Encode(wire::IssueRequest{""})).status, Code::kInvalid);
  EXPECT_EQ(Call(wire::kGet, wire::Encode(wire::GetRequest{"supply-nope"})).status,
            Code::kNotFound);
}

TEST_F(SuppliesHandlersTest, RolesAreChecked) {
  Feed(Assigned("t1", "w1"));
  const wire::SupplyOrder order = Board().orders.at(0);
  CookieArrives(order, kMonday9 + 20 * kMin);
  NewEvents();
  const std::string id = order.id;
  for (std::optional<std::string> role :
       {std::optional<std::string>("client"), std::optional<std::string>("worker"),
        std::optional<std::string>()}) {
    EXPECT_EQ(Call(wire::kList, wire::Encode(wire::ListRequest{}), role).status, Code::kForbidden);
    EXPECT_EQ(Call(wire::kGet, wire::Encode(wire::GetRequest{id}), role).status, Code::kForbidden);
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
