// The tasks handlers through the runtime's Dispatcher on a real LMDB env in a TempDir: events
// and commands in, replies, stored tasks and published events out.
#include "workers/tasks/handlers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "schemas/body.h"
#include "schemas/clock.h"
#include "schemas/envelope.h"
#include "schemas/matching.h"
#include "schemas/msgpack.h"
#include "schemas/portal.h"
#include "schemas/tasks.h"
#include "tests/support/context_harness.h"

namespace mcf::tasks {
namespace {

namespace wire = schemas::tasks;
using schemas::Body;
using schemas::BodyWriter;
using schemas::Principal;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kGrace = 30 * 60 * 1000;
constexpr int64_t kMonday9 = 1'767'603'600'000;  // 2026-01-05T09:00:00Z

const Principal kClient{"client", "c1"};
const Principal kOtherClient{"client", "c2"};
const Principal kWorker{"worker", "w1"};
const Principal kOtherWorker{"worker", "w2"};
const Principal kManager{"manager", "m1"};

class TasksHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(TasksOptions{}); }

  void Open(TasksOptions options) {
    Status s =
        h_.Open([options](worker::Dispatcher& d) { return TasksHandlers::Install(d, options); });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  void Event(std::string_view type, std::string body, int64_t time_ms = kMonday9) {
    Status s = h_.Event(type, std::move(body), time_ms);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Runs one command as `who` (a fresh command id each call) and returns its reply.
  schemas::Reply Command(std::string_view type, std::string body, std::optional<Principal> who,
                         int64_t now_ms = kMonday9) {
    return h_.Command(type, std::move(body), std::move(who), now_ms);
  }

  // Published events not yet returned by an earlier call.
  std::vector<testing::PublishedEvent> NewEvents() { return h_.NewEvents(); }

  static std::string Field(const std::string& body, std::string_view field) {
    auto b = Body::Parse(body);
    if (!b.ok()) return "<bad body>";
    auto v = b->String(field);
    return v.ok() ? *v : "<missing>";
  }

  // tasks.request by client c1 at 10:00 for one hour; returns the new task id.
  std::string RequestTask(int64_t starts_at = kMonday9 + kHour) {
    auto reply = Command(wire::kRequest,
                         BodyWriter()
                             .String("client_id", "c1")
                             .String("service_type_id", "plumbing")
                             .String("description", "leaking tap")
                             .Int("starts_at", starts_at)
                             .Finish(),
                         kClient);
    EXPECT_EQ(reply.status, Code::kOk) << reply.message;
    EXPECT_EQ(Field(reply.body, "status"), "requested");
    return Field(reply.body, "id");
  }
  void Matched(const std::string& task_id, const std::string& worker_id = "w1") {
    Event(schemas::matching::kWorkerMatched,
          schemas::matching::Encode(
              schemas::matching::WorkerMatched{task_id, worker_id, 10'000, "v1"}));
  }
  void KitIssued(const std::string& task_id) {
    Event("supplies.kit_issued",
          BodyWriter().String("task_id", task_id).String("supply_order_id", "so-1").Finish());
  }
  static std::string PhotoBody(const std::string& task_id, std::string photo = "JPEGDATA") {
    schemas::MsgpackWriter bin;
    bin.Binary(photo);
    return BodyWriter().String("task_id", task_id).Raw("photo", bin.bytes()).Finish();
  }
  std::string StateOf(const std::string& task_id) {
    auto reply = Command(wire::kGet, BodyWriter().String("task_id", task_id).Finish(), kManager);
    EXPECT_EQ(reply.status, Code::kOk) << reply.message;
    return Field(reply.body, "status");
  }
  // A task assigned to w1 with its kit issued, events drained.
  std::string ReadyTask() {
    std::string id = RequestTask();
    Matched(id);
    KitIssued(id);
    NewEvents();
    return id;
  }

  testing::ContextHarness h_{"tasks"};
};

TEST_F(TasksHandlersTest, RequestStoresTheTaskAndPublishesTaskRequested) {
  std::string id = RequestTask();
  auto events = NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].topic, wire::kTaskRequested);
  auto requested = wire::Decode<wire::TaskRequested>(events[0].body);
  ASSERT_TRUE(requested.ok());
  EXPECT_EQ(*requested,
            (wire::TaskRequested{id, "c1", "plumbing", kMonday9 + kHour, kMonday9 + 2 * kHour,
                                 "leaking tap"}));
  EXPECT_EQ(StateOf(id), "requested");
}

TEST_F(TasksHandlersTest, RequestForAnotherClientIsForbidden) {
  auto reply = Command(wire::kRequest,
                       BodyWriter()
                           .String("client_id", "c1")
                           .String("service_type_id", "plumbing")
                           .Int("starts_at", kMonday9)
                           .Finish(),
                       kOtherClient);
  EXPECT_EQ(reply.status, Code::kForbidden);
  EXPECT_TRUE(NewEvents().empty());
}

TEST_F(TasksHandlersTest, GetShowsOwnTasksOnlyAndOthersSeeNotFound) {
  std::string id = RequestTask();
  Matched(id);
  auto body = BodyWriter().String("task_id", id).Finish();
  EXPECT_EQ(Command(wire::kGet, body, kClient).status, Code::kOk);
  EXPECT_EQ(Command(wire::kGet, body, kWorker).status, Code::kOk);
  EXPECT_EQ(Command(wire::kGet, body, kManager).status, Code::kOk);
  EXPECT_EQ(Command(wire::kGet, body, kOtherClient).status, Code::kNotFound);
  EXPECT_EQ(Command(wire::kGet, body, kOtherWorker).status, Code::kNotFound);
  EXPECT_EQ(Command(wire::kGet, body, std::nullopt).status, Code::kNotFound);
}

TEST_F(TasksHandlersTest, WorkerMatchedAssignsWithThePriceAndPublishesTaskAssigned) {
  std::string id = RequestTask();
  NewEvents();
  Matched(id);
  auto events = NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].topic, wire::kTaskAssigned);
  EXPECT_EQ(*wire::Decode<wire::TaskAssigned>(events[0].body),
            (wire::TaskAssigned{id, "w1", 10'000, "c1", kMonday9 + kHour, kMonday9 + 2 * kHour}));
  EXPECT_EQ(StateOf(id), "assigned");
  // A second match for the same task changes nothing.
  Matched(id, "w2");
  EXPECT_TRUE(NewEvents().empty());
  auto reply = Command(wire::kGet, BodyWriter().String("task_id", id).Finish(), kManager);
  EXPECT_EQ(Field(reply.body, "worker_id"), "w1");
}

TEST_F(TasksHandlersTest, CheckInBeforeTheKitIsIssuedIsAConflictAndWritesNothing) {
  std::string id = RequestTask();
  Matched(id);
  NewEvents();
  auto reply = Command(wire::kCheckIn, PhotoBody(id), kWorker);
  EXPECT_EQ(reply.status, Code::kConflict);
  EXPECT_EQ(reply.message, "the supply kit for this job has not been issued yet");
  EXPECT_TRUE(NewEvents().empty());
  auto got = Command(wire::kGet, BodyWriter().String("task_id", id).Finish(), kManager);
  EXPECT_EQ(Field(got.body, "status"), "assigned");
  EXPECT_EQ(*Body::Parse(got.body)->Int("checked_in_at"), 0);
  // Once the kit is issued the same check-in goes through.
  KitIssued(id);
  EXPECT_EQ(Command(wire::kCheckIn, PhotoBody(id), kWorker).status, Code::kOk);
}

// The window (default 60 minutes) is measured in bus time: the command's now, not the wall clock.
TEST_F(TasksHandlersTest, CheckInTwoHoursEarlyIsAConflictNamingTheWindowAndHalfAnHourEarlyIsOk) {
  const int64_t starts = kMonday9 + 3 * kHour;  // 12:00
  std::string id = RequestTask(starts);
  Matched(id);
  KitIssued(id);
  NewEvents();
  auto early = Command(wire::kCheckIn, PhotoBody(id), kWorker, starts - 2 * kHour);
  EXPECT_EQ(early.status, Code::kConflict);
  EXPECT_EQ(early.message,
            "check-in opens 60 minutes before the appointment, at 2026-01-05T11:00:00Z");
  EXPECT_TRUE(NewEvents().empty());
  EXPECT_EQ(StateOf(id), "assigned");
  // One millisecond before the window: still refused; 30 minutes before: checked in then.
  EXPECT_EQ(Command(wire::kCheckIn, PhotoBody(id), kWorker, starts - kHour - 1).status,
            Code::kConflict);
  auto ok = Command(wire::kCheckIn, PhotoBody(id), kWorker, starts - kHour / 2);
  ASSERT_EQ(ok.status, Code::kOk) << ok.message;
  auto events = NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(*wire::Decode<wire::CheckedIn>(events[0].body),
            (wire::CheckedIn{id, "w1", starts - kHour / 2}));
}

TEST_F(TasksHandlersTest, CheckInWindowOpensAtItsFirstInstantAndIsConfigurable) {
  TasksOptions options;
  options.check_in_window_ms = 15 * 60 * 1000;
  Open(options);
  const int64_t starts = kMonday9 + 3 * kHour;
  std::string id = RequestTask(starts);
  Matched(id);
  KitIssued(id);
  auto early = Command(wire::kCheckIn, PhotoBody(id), kWorker, starts - kHour / 2);
  EXPECT_EQ(early.status, Code::kConflict);
  EXPECT_EQ(early.message,
            "check-in opens 15 minutes before the appointment, at 2026-01-05T11:45:00Z");
  EXPECT_EQ(Command(wire::kCheckIn, PhotoBody(id), kWorker, starts - 15 * 60 * 1000).status,
            Code::kOk);
}

// Kit and window both missing: the kit is named (it needs the supplies staff; the window only
// time), and the same check-in with the kit issued is then refused for the window.
TEST_F(TasksHandlersTest, CheckInTooEarlyWithoutTheKitNamesTheKitFirst) {
  const int64_t starts = kMonday9 + 3 * kHour;
  std::string id = RequestTask(starts);
  Matched(id);
  auto no_kit = Command(wire::kCheckIn, PhotoBody(id), kWorker, starts - 2 * kHour);
  EXPECT_EQ(no_kit.status, Code::kConflict);
  EXPECT_EQ(no_kit.message, "the supply kit for this job has not been issued yet");
  KitIssued(id);
  auto early = Command(wire::kCheckIn, PhotoBody(id), kWorker, starts - 2 * kHour);
  EXPECT_EQ(early.status, Code::kConflict);
  EXPECT_NE(early.message.find("check-in opens"), std::string::npos) << early.message;
  // Complete and fail still need the check-in, early or not.
  EXPECT_EQ(Command(wire::kComplete, PhotoBody(id), kWorker, starts).status, Code::kConflict);
  EXPECT_EQ(Command(wire::kFail, BodyWriter().String("task_id", id).String("reason", "x").Finish(),
                    kWorker, starts)
                .status,
            Code::kConflict);
  EXPECT_EQ(StateOf(id), "assigned");
}

TEST_F(TasksHandlersTest, OnlyTheAssignedWorkerMayCheckIn) {
  std::string id = ReadyTask();
  EXPECT_EQ(Command(wire::kCheckIn, PhotoBody(id), kOtherWorker).status, Code::kNotFound);
  EXPECT_EQ(Command(wire::kCheckIn, PhotoBody(id), kClient).status, Code::kForbidden);
  EXPECT_EQ(Command(wire::kCheckIn, PhotoBody("nope"), kWorker).status, Code::kNotFound);
  EXPECT_TRUE(NewEvents().empty());
  EXPECT_EQ(StateOf(id), "assigned");
}

TEST_F(TasksHandlersTest, CheckInPublishesCheckedInAtBusTime) {
  std::string id = ReadyTask();
  auto reply = Command(wire::kCheckIn, PhotoBody(id), kWorker, kMonday9 + kHour + 60'000);
  ASSERT_EQ(reply.status, Code::kOk) << reply.message;
  EXPECT_EQ(Field(reply.body, "status"), "checked_in");
  auto events = NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].topic, wire::kCheckedIn);
  EXPECT_EQ(*wire::Decode<wire::CheckedIn>(events[0].body),
            (wire::CheckedIn{id, "w1", kMonday9 + kHour + 60'000}));
}

TEST_F(TasksHandlersTest, OnlyOneTaskFinalizedEvenWhenCompleteIsRetriedWithANewCommandId) {
  std::string id = ReadyTask();
  ASSERT_EQ(Command(wire::kCheckIn, PhotoBody(id), kWorker).status, Code::kOk);
  NewEvents();
  auto first = Command(wire::kComplete, PhotoBody(id, "REPORT"), kWorker);
  ASSERT_EQ(first.status, Code::kOk) << first.message;
  auto retry = Command(wire::kComplete, PhotoBody(id, "REPORT"), kWorker);  // new command id
  EXPECT_EQ(retry.status, Code::kOk) << retry.message;
  EXPECT_EQ(Field(retry.body, "status"), "completed");
  auto events = NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].topic, wire::kTaskFinalized);
  EXPECT_EQ(*wire::Decode<wire::TaskFinalized>(events[0].body),
            (wire::TaskFinalized{id, "w1", wire::Outcome::kCompleted, "", 10'000, "c1"}));
  // A completed task cannot then be failed.
  EXPECT_EQ(Command(wire::kFail, BodyWriter().String("task_id", id).String("reason", "x").Finish(),
                    kWorker)
                .status,
            Code::kConflict);
  EXPECT_TRUE(NewEvents().empty());
}

TEST_F(TasksHandlersTest, CompleteBeforeCheckInIsAConflict) {
  std::string id = ReadyTask();
  EXPECT_EQ(Command(wire::kComplete, PhotoBody(id), kWorker).status, Code::kConflict);
  EXPECT_TRUE(NewEvents().empty());
}

TEST_F(TasksHandlersTest, FailOnlyFromCheckedInAndCarriesTheReason) {
  std::string id = ReadyTask();
  auto fail = BodyWriter().String("task_id", id).String("reason", "no water").Finish();
  EXPECT_EQ(Command(wire::kFail, fail, kWorker).status, Code::kConflict);
  ASSERT_EQ(Command(wire::kCheckIn, PhotoBody(id), kWorker).status, Code::kOk);
  NewEvents();
  auto reply = Command(wire::kFail, fail, kWorker);
  ASSERT_EQ(reply.status, Code::kOk) << reply.message;
  EXPECT_EQ(Field(reply.body, "status"), "failed");
  auto events = NewEvents();
  ASSERT_EQ(events.size(), 1u);
  auto finalized = wire::Decode<wire::TaskFinalized>(events[0].body);
  EXPECT_EQ(finalized->outcome, wire::Outcome::kFailed);
  EXPECT_EQ(finalized->reason, "no water");
}

TEST_F(TasksHandlersTest, PhotoOverTheCapIsInvalidAndNothingIsWritten) {
  TasksOptions options;
  options.max_photo_bytes = 8;
  Open(options);
  std::string id = ReadyTask();
  auto reply = Command(wire::kCheckIn, PhotoBody(id, "123456789"), kWorker);
  EXPECT_EQ(reply.status, Code::kInvalid);
  EXPECT_NE(reply.message.find("body.photo"), std::string::npos) << reply.message;
  EXPECT_EQ(StateOf(id), "assigned");
  // A photo sent as a string, at the cap, is accepted.
  auto ok =
      Command(wire::kCheckIn,
              BodyWriter().String("task_id", id).String("photo", "12345678").Finish(), kWorker);
  EXPECT_EQ(ok.status, Code::kOk) << ok.message;
}

TEST_F(TasksHandlersTest, ClockTickCancelsANoShowExactlyAtStartPlusGraceAndOffersACopy) {
  std::string id = RequestTask(kMonday9 + kHour);
  Matched(id);
  NewEvents();
  const int64_t due = kMonday9 + kHour + kGrace;
  Event(schemas::clock::kTick, schemas::clock::Encode(schemas::clock::Tick{due - 60'000}),
        due - 60'000);
  EXPECT_TRUE(NewEvents().empty());
  EXPECT_EQ(StateOf(id), "assigned");
  Event(schemas::clock::kTick, schemas::clock::Encode(schemas::clock::Tick{due}), due);
  auto events = NewEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].topic, wire::kTaskFinalized);
  EXPECT_EQ(*wire::Decode<wire::TaskFinalized>(events[0].body),
            (wire::TaskFinalized{id, "w1", wire::Outcome::kCanceled, "no_show", 10'000, "c1"}));
  EXPECT_EQ(events[1].topic, wire::kCopyOffered);
  EXPECT_EQ(*wire::Decode<wire::CopyOffered>(events[1].body), (wire::CopyOffered{id, "c1"}));
  EXPECT_EQ(StateOf(id), "canceled");
  // Later ticks do not cancel it again; a checked-in task is never a no-show.
  Event(schemas::clock::kTick, schemas::clock::Encode(schemas::clock::Tick{due + 60'000}),
        due + 60'000);
  EXPECT_TRUE(NewEvents().empty());
}

TEST_F(TasksHandlersTest, CheckedInTaskIsNotCanceledByTicks) {
  std::string id = ReadyTask();
  ASSERT_EQ(Command(wire::kCheckIn, PhotoBody(id), kWorker).status, Code::kOk);
  NewEvents();
  const int64_t late = kMonday9 + 5 * kHour;
  Event(schemas::clock::kTick, schemas::clock::Encode(schemas::clock::Tick{late}), late);
  EXPECT_TRUE(NewEvents().empty());
  EXPECT_EQ(StateOf(id), "checked_in");
}

TEST_F(TasksHandlersTest, CopyOfANoShowTaskRequestsANewLinkedTaskOnce) {
  std::string id = RequestTask(kMonday9 + kHour);
  Matched(id);
  auto copy_body = BodyWriter().String("task_id", id).Int("starts_at", kMonday9 + 24 * kHour);
  // Not canceled yet: no copy.
  EXPECT_EQ(Command(wire::kCopy, copy_body.Finish(), kClient).status, Code::kConflict);
  const int64_t due = kMonday9 + kHour + kGrace;
  Event(schemas::clock::kTick, schemas::clock::Encode(schemas::clock::Tick{due}), due);
  NewEvents();
  EXPECT_EQ(Command(wire::kCopy, copy_body.Finish(), kOtherClient).status, Code::kNotFound);
  auto reply = Command(wire::kCopy, copy_body.Finish(), kClient);
  ASSERT_EQ(reply.status, Code::kOk) << reply.message;
  std::string copy_id = Field(reply.body, "id");
  EXPECT_NE(copy_id, id);
  auto events = NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(*wire::Decode<wire::TaskRequested>(events[0].body),
            (wire::TaskRequested{copy_id, "c1", "plumbing", kMonday9 + 24 * kHour,
                                 kMonday9 + 25 * kHour, "leaking tap", id}));
  auto got = Command(wire::kGet, BodyWriter().String("task_id", copy_id).Finish(), kClient);
  EXPECT_EQ(Field(got.body, "copied_from"), id);
  EXPECT_EQ(Command(wire::kCopy, copy_body.Finish(), kClient).status, Code::kConflict);
}

TEST_F(TasksHandlersTest, CopyForADateInThePastIsInvalidAndCreatesNothing) {
  std::string id = RequestTask(kMonday9 + kHour);
  Matched(id);
  const int64_t due = kMonday9 + kHour + kGrace;
  Event(schemas::clock::kTick, schemas::clock::Encode(schemas::clock::Tick{due}), due);
  NewEvents();
  auto reply = Command(wire::kCopy, BodyWriter().String("task_id", id).Int("starts_at", due - 1).Finish(),
                       kClient, due);
  EXPECT_EQ(reply.status, Code::kInvalid);
  EXPECT_EQ(schemas::FieldOfError(reply.status, reply.message), "body.starts_at");
  EXPECT_TRUE(NewEvents().empty());
}

TEST_F(TasksHandlersTest, HelpRequestedBecomesATaskWithTheOrderIdOnce) {
  auto help = BodyWriter()
                  .String("order_id", "order-1")
                  .String("client_id", "c1")
                  .String("service_type_id", "chores")
                  .String("description", "toss the jars")
                  .Int("starts_at", kMonday9 + kHour)
                  .Int("ends_at", kMonday9 + 2 * kHour)
                  .Int("approx_cost", 10'000)
                  .Finish();
  Event(schemas::portal::kHelpRequested, help);
  Event(schemas::portal::kHelpRequested, help);  // the same order again (e.g. a second publish): one task
  auto events = NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(*wire::Decode<wire::TaskRequested>(events[0].body),
            (wire::TaskRequested{"order-1", "c1", "chores", kMonday9 + kHour, kMonday9 + 2 * kHour,
                                 "toss the jars"}));
  EXPECT_EQ(StateOf("order-1"), "requested");
  // Missing fields: nothing is created.
  Event(schemas::portal::kHelpRequested, BodyWriter().String("order_id", "order-2").Finish());
  EXPECT_TRUE(NewEvents().empty());
  EXPECT_EQ(Command(wire::kGet, BodyWriter().String("task_id", "order-2").Finish(), kManager).status,
            Code::kNotFound);
}

TEST_F(TasksHandlersTest, ListForWorkerPagesInIdOrder) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(RequestTask(kMonday9 + (i + 1) * 3 * kHour));
    Matched(ids.back());
  }
  std::sort(ids.begin(), ids.end());
  auto page = [&](std::optional<std::string> after) {
    BodyWriter w;
    w.String("worker_id", "w1").String("state", "active").Int("limit", 2);
    if (after) w.String("after", *after);
    auto reply = Command(wire::kListForWorker, w.Finish(), kWorker);
    EXPECT_EQ(reply.status, Code::kOk) << reply.message;
    std::vector<std::string> out;
    auto body = Body::Parse(reply.body);
    schemas::MsgpackReader r(*body->Raw("tasks"));
    auto n = r.ReadArrayHeader();
    for (uint32_t i = 0; n && i < *n; ++i) out.push_back(Field(std::string(*r.ReadRaw()), "id"));
    auto next = body->OptString("next_after");
    return std::make_pair(out, next.ok() ? next->value_or("") : "<bad>");
  };
  auto [first, next1] = page(std::nullopt);
  EXPECT_EQ(first, (std::vector<std::string>{ids[0], ids[1]}));
  EXPECT_EQ(next1, ids[1]);
  auto [second, next2] = page(next1);
  EXPECT_EQ(second, (std::vector<std::string>{ids[2], ids[3]}));
  auto [third, next3] = page(next2);
  EXPECT_EQ(third, (std::vector<std::string>{ids[4]}));
  EXPECT_EQ(next3, "");
  auto bad = Command(wire::kListForWorker,
                     BodyWriter().String("worker_id", "w1").String("state", "active").Int("limit", 0).Finish(),
                     kWorker);
  EXPECT_EQ(bad.status, Code::kInvalid);
}

TEST_F(TasksHandlersTest, ListForWorkerSeparatesActiveCompletedAndCanceled) {
  std::string done = ReadyTask();
  ASSERT_EQ(Command(wire::kCheckIn, PhotoBody(done), kWorker).status, Code::kOk);
  ASSERT_EQ(Command(wire::kComplete, PhotoBody(done), kWorker).status, Code::kOk);
  std::string active = ReadyTask();
  std::string missed = RequestTask(kMonday9 - 2 * kHour);
  Matched(missed);
  Event(schemas::clock::kTick, schemas::clock::Encode(schemas::clock::Tick{kMonday9}),
        kMonday9);
  auto ids = [&](std::string_view state) {
    auto reply =
        Command(wire::kListForWorker,
                BodyWriter().String("worker_id", "w1").String("state", state).Finish(), kWorker);
    EXPECT_EQ(reply.status, Code::kOk) << reply.message;
    std::vector<std::string> out;
    auto raw = Body::Parse(reply.body)->Raw("tasks");
    schemas::MsgpackReader r(*raw);
    auto n = r.ReadArrayHeader();
    for (uint32_t i = 0; n && i < *n; ++i) out.push_back(Field(std::string(*r.ReadRaw()), "id"));
    return out;
  };
  EXPECT_EQ(ids("active"), std::vector<std::string>{active});
  EXPECT_EQ(ids("completed"), std::vector<std::string>{done});
  EXPECT_EQ(ids("canceled"), std::vector<std::string>{missed});
  EXPECT_EQ(Command(wire::kListForWorker,
                    BodyWriter().String("worker_id", "w1").String("state", "active").Finish(),
                    kOtherWorker)
                .status,
            Code::kForbidden);
}

}  // namespace
}  // namespace mcf::tasks
