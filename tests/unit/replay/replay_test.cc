// lib/replay without processes: the plan taken from a capture (inputs, contexts, captured
// outputs, refusals), the field-by-field comparison over hand-made envelopes, the diff and JSON
// report formats, and the idle predicate of the barrier.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "lib/capture/reader.h"
#include "lib/capture/writer.h"
#include "lib/replay/barrier.h"
#include "lib/replay/compare.h"
#include "lib/replay/plan.h"
#include "lib/replay/replayer.h"
#include "schemas/body.h"
#include "schemas/bus.h"
#include "schemas/envelope.h"
#include "schemas/msgpack.h"
#include "tests/support/temp_dir.h"

namespace mcf::replay {
namespace {

using capture::Record;
using capture::RecordKind;
using schemas::BodyWriter;

std::string Command(const std::string& id, const std::string& type, std::string body) {
  schemas::Envelope e;
  e.id = id;
  e.type = type;
  e.version = 1;
  e.producer = "test";
  e.time_ms = 1000;
  e.body = std::move(body);
  return schemas::Encode(e);
}

std::string ReplyTo(const std::string& id, const std::string& type, const std::string& producer,
                    std::string body) {
  schemas::Reply r;
  r.id = id + ":reply";
  r.type = type;
  r.version = 1;
  r.producer = producer;
  r.time_ms = 1000;
  r.causation_id = id;
  r.status = Code::kOk;
  r.body = std::move(body);
  return schemas::Encode(r);
}

std::string Event(const std::string& id, const std::string& type, const std::string& producer,
                  std::string body) {
  schemas::Envelope e;
  e.id = id;
  e.type = type;
  e.version = 1;
  e.producer = producer;
  e.time_ms = 1000;
  e.body = std::move(body);
  return schemas::Encode(e);
}

std::string Assigned(const std::string& worker) {
  return BodyWriter().String("task_id", "t1").String("worker_id", worker).Finish();
}

capture::Capture SampleCapture() {
  capture::Capture c;
  c.header.clock_mode = "sim";
  c.header.start_ms = 1000;
  c.header.seeds = {{"*", 9}};
  c.complete = true;
  const std::string stats = Command("s1", "broker.stats", schemas::EmptyBody());
  const std::string now = Command("n1", "clock.now", schemas::EmptyBody());
  const std::string req = Command("c1", "tasks.request", BodyWriter().String("x", "y").Finish());
  // Commands carry their sender's key id, as the broker records them; replay ignores it.
  c.records = {
      Record{RecordKind::kCommand, 1000, 0, "broker", stats, "k:0123456789ab"},
      Record{RecordKind::kReply, 1000, 0, "broker", ReplyTo("s1", "broker.stats", "broker", ""),
             ""},
      Record{RecordKind::kCommand, 1000, 0, "clock", now, "k:0123456789ab"},
      Record{RecordKind::kCommand, 1000, 0, "tasks", req, "k:0123456789ab"},
      Record{RecordKind::kEvent, 1000, 2, "matching.task_matched",
             Event("matching:1", "matching.task_matched", "matching", schemas::EmptyBody()), ""},
      Record{RecordKind::kEvent, 1000, 1, "tasks.task_assigned",
             Event("tasks:1", "tasks.task_assigned", "tasks", Assigned("w1")), ""},
      Record{RecordKind::kReply, 1000, 0, "tasks",
             ReplyTo("c1", "tasks.request", "tasks", BodyWriter().String("id", "t1").Finish()), ""},
      Record{RecordKind::kEvent, 1000, 3, "hiring.worker_hired",
             Event("feeder:1", "hiring.worker_hired", "feeder", schemas::EmptyBody()), ""},
      Record{RecordKind::kClock, 60000, 4, "clock.tick",
             Event("clock:60000:clock.tick", "clock.tick", "clock", schemas::EmptyBody()), ""},
      Record{RecordKind::kEnd, 0, 0, "", capture::EncodeEndBody(9, 0), ""},
  };
  return c;
}

TEST(ReplayPlanTest, InputsAreOutsideCommandsExceptBrokerServicesAndClockNow) {
  auto plan = PlanReplay(SampleCapture(), false);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->inputs.size(), 1u);
  EXPECT_EQ(plan->inputs[0].id, "c1");
  EXPECT_EQ(plan->inputs[0].service, "tasks");
  EXPECT_EQ(plan->seed, 9);
  // Reply producers and event producers that name their topic's context; not "feeder".
  EXPECT_EQ(plan->contexts, (std::vector<std::string>{"matching", "tasks"}));
  ASSERT_EQ(plan->captured.replies.size(), 1u);
  EXPECT_EQ(plan->captured.replies[0].key, "c1");
  ASSERT_EQ(plan->captured.events.size(), 4u);
  EXPECT_EQ(plan->captured.events[0].key, "tasks:1");  // by sequence
  EXPECT_EQ(plan->captured.events[3].kind, OutputMessage::Kind::kClock);
  EXPECT_EQ(plan->captured.events[3].key, "clock:60000:clock.tick");  // by its id, not its seq
}

TEST(ReplayPlanTest, RefusesIncompleteAndRealClockCaptures) {
  capture::Capture c = SampleCapture();
  c.complete = false;
  auto plan = PlanReplay(c, false);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("no end trailer"), std::string::npos);
  c.dropped = 3;
  EXPECT_NE(PlanReplay(c, false).status().message().find("3 records were dropped"),
            std::string::npos);
  c = SampleCapture();
  c.header.clock_mode = "real";
  plan = PlanReplay(c, false);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("--allow-real"), std::string::npos);
  EXPECT_TRUE(PlanReplay(c, true).ok());
}

// A capture with an outside producer (`contractor`, listed in the header) and one registered
// while it ran (`courier`, listed in the trailer only): a context's request event, the
// contractor's answer, a command, the courier's event, a command to the contractor's own
// service, and an event of a producer that is not outside.
capture::Capture OutsideCapture() {
  capture::Capture c;
  c.header.clock_mode = "sim";
  c.header.start_ms = 1000;
  c.header.outside = {"contractor"};
  c.complete = true;
  const std::string order = Command("c1", "supplies.create", BodyWriter().String("x", "y").Finish());
  const std::string issue = Command("c2", "supplies.issue", BodyWriter().String("x", "z").Finish());
  const std::string stats = Command("c3", "contractor.stats", schemas::EmptyBody());
  c.records = {
      Record{RecordKind::kCommand, 1000, 0, "supplies", order, "k:0123456789ab"},
      Record{RecordKind::kEvent, 1000, 1, "supplies.cookie_requested",
             Event("supplies:1", "supplies.cookie_requested", "supplies", schemas::EmptyBody()),
             ""},
      Record{RecordKind::kReply, 1000, 0, "supplies",
             ReplyTo("c1", "supplies.create", "supplies", schemas::EmptyBody()), ""},
      Record{RecordKind::kEvent, 1500, 2, "contractor.cookie_accepted",
             Event("contractor:1", "contractor.cookie_accepted", "contractor",
                   BodyWriter().String("order", "o1").Finish()),
             ""},
      Record{RecordKind::kCommand, 2000, 0, "supplies", issue, "k:0123456789ab"},
      Record{RecordKind::kEvent, 2500, 3, "courier.picked_up",
             Event("courier:1", "courier.picked_up", "courier", schemas::EmptyBody()), ""},
      Record{RecordKind::kReply, 2500, 0, "supplies",
             ReplyTo("c2", "supplies.issue", "supplies", schemas::EmptyBody()), ""},
      Record{RecordKind::kCommand, 2600, 0, "contractor", stats, "k:0123456789ab"},
      Record{RecordKind::kReply, 2600, 0, "contractor",
             ReplyTo("c3", "contractor.stats", "contractor", schemas::EmptyBody()), ""},
      Record{RecordKind::kEvent, 3000, 4, "hiring.worker_hired",
             Event("feeder:1", "hiring.worker_hired", "feeder", schemas::EmptyBody()), ""},
      Record{RecordKind::kEnd, 3000, 0, "", capture::EncodeEndBody(9, 0, {"courier"}), ""},
  };
  return c;
}

TEST(ReplayPlanTest, OutsideEventsAreInputsInRecordOrderAndStillComparedOutputs) {
  auto plan = PlanReplay(OutsideCapture(), false);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->outside, (std::vector<std::string>{"contractor", "courier"}))
      << "the header's and the trailer's";
  // Commands and outside events interleaved as the records were: c1, contractor:1, c2, courier:1.
  ASSERT_EQ(plan->inputs.size(), 4u);
  using K = Input::Kind;
  EXPECT_EQ(plan->inputs[0].kind, K::kCommand);
  EXPECT_EQ(plan->inputs[0].id, "c1");
  EXPECT_EQ(plan->inputs[1].kind, K::kOutsideEvent);
  EXPECT_EQ(plan->inputs[1].id, "contractor:1");
  EXPECT_EQ(plan->inputs[1].service, "contractor") << "the identity it is published as";
  EXPECT_EQ(plan->inputs[1].topic, "contractor.cookie_accepted");
  EXPECT_EQ(plan->inputs[1].type, "contractor.cookie_accepted");
  EXPECT_EQ(plan->inputs[1].bus_ms, 1500);
  EXPECT_EQ(plan->inputs[1].seq, 2u);
  EXPECT_EQ(plan->inputs[1].envelope, OutsideCapture().records[3].envelope) << "exact bytes";
  EXPECT_EQ(plan->inputs[2].kind, K::kCommand);
  EXPECT_EQ(plan->inputs[2].id, "c2");
  EXPECT_EQ(plan->inputs[3].kind, K::kOutsideEvent);
  EXPECT_EQ(plan->inputs[3].id, "courier:1");
  EXPECT_EQ(plan->inputs[3].bus_ms, 2500);
  // The command to the contractor's own service is not fed (its adapter does not run) and its
  // reply is not expected.
  EXPECT_EQ(plan->outside_commands, 1u);
  ASSERT_EQ(plan->captured.replies.size(), 2u);
  EXPECT_EQ(plan->captured.replies[0].key, "c1");
  EXPECT_EQ(plan->captured.replies[1].key, "c2");
  // Every event stays an expected output, the fed ones included (same id, content, seq).
  ASSERT_EQ(plan->captured.events.size(), 4u);
  EXPECT_EQ(plan->captured.events[1].key, "contractor:1");
  EXPECT_EQ(plan->captured.events[1].seq, 2u);
  EXPECT_EQ(plan->captured.events[2].key, "courier:1");
  EXPECT_EQ(plan->captured.events[3].key, "feeder:1") << "not outside: an output, not an input";
  // Outside producers are never started as contexts.
  EXPECT_EQ(plan->contexts, (std::vector<std::string>{"supplies"}));
}

TEST(ReplayPlanTest, ACaptureWithoutTheOutsideKeysHasNoOutsideInputs) {
  capture::Capture c = OutsideCapture();
  c.header.outside.clear();
  c.records.back().envelope = capture::EncodeEndBody(9, 0);  // an old trailer
  auto plan = PlanReplay(c, false);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_TRUE(plan->outside.empty());
  ASSERT_EQ(plan->inputs.size(), 3u) << "c1, c2 and the command to contractor";
  for (const auto& input : plan->inputs) EXPECT_EQ(input.kind, Input::Kind::kCommand);
  EXPECT_EQ(plan->inputs[2].id, "c3");
  EXPECT_EQ(plan->outside_commands, 0u);
  EXPECT_EQ(plan->captured.events.size(), 4u);
  // Then contractor is a context like any other (it answered a command, published its events).
  EXPECT_EQ(plan->contexts, (std::vector<std::string>{"contractor", "courier", "supplies"}));
  // The sample capture of the other tests (no outside anywhere) plans as it always did.
  auto sample = PlanReplay(SampleCapture(), false);
  ASSERT_TRUE(sample.ok());
  EXPECT_TRUE(sample->outside.empty());
  for (const auto& input : sample->inputs) EXPECT_EQ(input.kind, Input::Kind::kCommand);
}

TEST(ReplayPlanTest, AnOutsideTopicIsOneWhoseFirstSegmentNamesAnOutsideProducer) {
  const std::vector<std::string> outside = {"contractor", "payments"};
  EXPECT_TRUE(IsOutsideTopic("contractor.cookie_accepted", outside));
  EXPECT_TRUE(IsOutsideTopic("payments.settled", outside));
  EXPECT_FALSE(IsOutsideTopic("contractorx.cookie_accepted", outside));
  EXPECT_FALSE(IsOutsideTopic("supplies.cookie_requested", outside));
  EXPECT_FALSE(IsOutsideTopic("contractor", outside));
  EXPECT_FALSE(IsOutsideTopic("contractor.x", {}));
}

TEST(ReplayCompareTest, FlattensNestedBodiesByKeyPath) {
  schemas::MsgpackWriter items;
  items.ArrayHeader(2).String("a").Int(-3);
  auto flat = Flatten(BodyWriter()
                          .String("s", "x\"y")
                          .Raw("items", items.bytes())
                          .Raw("m", BodyWriter().Bool("ok", true).Finish())
                          .Raw("e", schemas::EmptyBody())
                          .Finish());
  ASSERT_TRUE(flat.ok());
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(*flat, (std::vector<P>{{"s", "\"x\\\"y\""},
                                   {"items[0]", "\"a\""},
                                   {"items[1]", "-3"},
                                   {"m.ok", "true"},
                                   {"e", "{}"}}));
  EXPECT_FALSE(Flatten("\x92\x01").ok());  // array of 2 with one element
}

TEST(ReplayCompareTest, OneChangedFieldIsOneDifferenceNamingMessageAndField) {
  Outputs captured, now;
  OutputMessage e;
  e.kind = OutputMessage::Kind::kEvent;
  e.key = "tasks:12";
  e.type = "tasks.task_assigned";
  e.producer = "tasks";
  e.seq = 5;
  e.name = "tasks.task_assigned";
  e.envelope = Event("tasks:12", "tasks.task_assigned", "tasks", Assigned("worker-1"));
  captured.events.push_back(e);
  e.envelope = Event("tasks:12", "tasks.task_assigned", "tasks", Assigned("worker-2"));
  now.events.push_back(e);
  auto diffs = CompareOutputs(captured, now);
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(FormatDifference(diffs[0]),
            "event tasks:12 tasks.task_assigned body.worker_id: captured \"worker-1\" now "
            "\"worker-2\"");
  EXPECT_TRUE(CompareOutputs(captured, captured).empty());
  // --only: another context's differences are not reported.
  EXPECT_TRUE(CompareOutputs(captured, now, {"portal"}).empty());
  EXPECT_EQ(CompareOutputs(captured, now, {"tasks"}).size(), 1u);
}

// Decision 025: two producers' events interleaved the other way round in the log (their seqs
// swapped) compare identical; one producer's events in another order (content under the other
// id) do not.
TEST(ReplayCompareTest, InterleavingOfProducersIsNotADifferenceButOneProducersOrderIs) {
  auto event = [](std::string id, std::string producer, uint64_t seq, std::string worker) {
    OutputMessage e;
    e.kind = OutputMessage::Kind::kEvent;
    e.key = id;
    e.type = "tasks.task_assigned";
    e.producer = producer;
    e.seq = seq;
    e.name = "tasks.task_assigned";
    e.envelope = Event(id, "tasks.task_assigned", producer, Assigned(worker));
    return e;
  };
  Outputs captured, swapped, reordered;
  captured.events = {event("tasks:1", "tasks", 10, "w1"), event("supplies:1", "supplies", 11, "w1"),
                     event("tasks:2", "tasks", 12, "w2")};
  swapped.events = {event("supplies:1", "supplies", 10, "w1"), event("tasks:1", "tasks", 11, "w1"),
                    event("tasks:2", "tasks", 12, "w2")};
  EXPECT_TRUE(CompareOutputs(captured, swapped).empty());
  reordered.events = {event("tasks:1", "tasks", 10, "w2"), event("supplies:1", "supplies", 11, "w1"),
                      event("tasks:2", "tasks", 12, "w1")};
  EXPECT_EQ(CompareOutputs(captured, reordered).size(), 2u);
}

TEST(ReplayCompareTest, MissingExtraAndAbsentFieldsAreReported) {
  Outputs captured, now;
  OutputMessage r;
  r.kind = OutputMessage::Kind::kReply;
  r.key = "c1";
  r.type = "tasks.request";
  r.producer = "tasks";
  r.envelope = ReplyTo("c1", "tasks.request", "tasks", BodyWriter().String("id", "t1").Finish());
  captured.replies.push_back(r);
  r.envelope = ReplyTo("c1", "tasks.request", "tasks",
                       BodyWriter().String("id", "t1").Int("extra", 1).Finish());
  now.replies.push_back(r);
  OutputMessage clock;
  clock.kind = OutputMessage::Kind::kClock;
  clock.key = "4";
  clock.type = "clock.tick";
  clock.producer = "clock";
  clock.seq = 4;
  clock.envelope = Event("clock:1", "clock.tick", "clock", schemas::EmptyBody());
  captured.events.push_back(clock);
  OutputMessage extra = clock;
  extra.key = "5";
  extra.seq = 5;
  now.events.push_back(extra);
  auto diffs = CompareOutputs(captured, now);
  ASSERT_EQ(diffs.size(), 3u);
  EXPECT_EQ(FormatDifference(diffs[0]),
            "reply c1 tasks.request body.extra: captured <absent> now 1");
  EXPECT_EQ(FormatDifference(diffs[1]), "clock 4 clock.tick: captured <present> now <absent>");
  EXPECT_EQ(FormatDifference(diffs[2]), "clock 5 clock.tick: captured <absent> now <present>");
}

TEST(ReplayReportTest, JsonHasTheAgreedShape) {
  ReplayReport report;
  report.inputs = report.inputs_fed = 2;
  report.outputs = 5;
  report.differences.push_back({"event tasks:1", "tasks.task_assigned", "body.worker_id",
                                "\"w1\"", "\"w2\""});
  auto j = nlohmann::json::parse(JsonReport(report));
  EXPECT_EQ(j["identical"], false);
  EXPECT_EQ(j["inputs"], 2);
  EXPECT_EQ(j["outputs"], 5);
  ASSERT_EQ(j["differences"].size(), 1u);
  EXPECT_EQ(j["differences"][0]["message"], "event tasks:1");
  EXPECT_EQ(j["differences"][0]["field"], "body.worker_id");
  EXPECT_EQ(j["differences"][0]["captured"], "\"w1\"");
  EXPECT_EQ(j["differences"][0]["now"], "\"w2\"");
  EXPECT_NE(FormatReport(report).find("different: 2/2 inputs fed, 5 outputs, 1 differences"),
            std::string::npos);
}

TEST(ReplayOutputsTest, WrittenOutputsAreACompleteCaptureInCanonicalOrder) {
  testing::TempDir dir;
  Outputs now;
  OutputMessage r{OutputMessage::Kind::kReply, "c1", "tasks.request", "tasks", 0, "tasks", 5,
                  ReplyTo("c1", "tasks.request", "tasks", schemas::EmptyBody())};
  OutputMessage e{OutputMessage::Kind::kEvent, "tasks:1", "tasks.x", "tasks", 1, "tasks.x", 5,
                  Event("tasks:1", "tasks.x", "tasks", schemas::EmptyBody())};
  now.replies.push_back(r);
  now.events.push_back(e);
  capture::Header h;
  h.clock_mode = "sim";
  h.start_ms = 5;
  ASSERT_TRUE(WriteOutputs(dir.Sub("a.cap"), h, now).ok());
  auto c = capture::ReadCapture(dir.Sub("a.cap"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->complete);
  EXPECT_EQ(c->header.started_wall_ms, 0);
  ASSERT_EQ(c->records.size(), 3u);
  EXPECT_EQ(c->records[0].kind, RecordKind::kReply);
  EXPECT_EQ(c->records[1].kind, RecordKind::kEvent);
  EXPECT_EQ(c->records[1].seq, 1u);
}

std::string Stats(int64_t in_flight, int64_t pending, int64_t cursor, int64_t credit) {
  schemas::bus::StatsReply stats;
  stats.log_head = 10;
  stats.in_flight = in_flight;
  stats.pending_writes = pending;
  stats.subscribers = {{cursor, credit, 1024, {"tasks.task_requested"}}};
  return schemas::Encode(stats);
}

TEST(ReplayBarrierTest, IdleOnlyWhenNothingIsInFlightPendingOrUnfinished) {
  std::string why;
  EXPECT_TRUE(*IsIdle(Stats(0, 0, 11, 1024), &why));
  EXPECT_FALSE(*IsIdle(Stats(1, 0, 11, 1024), &why));
  EXPECT_EQ(why, "in_flight 1");
  EXPECT_FALSE(*IsIdle(Stats(0, 1, 11, 1024), &why));
  EXPECT_EQ(why, "pending_writes 1");
  EXPECT_FALSE(*IsIdle(Stats(0, 0, 10, 1024), &why));  // event 10 not sent yet
  EXPECT_FALSE(*IsIdle(Stats(0, 0, 11, 1023), &why));  // sent, not finished
  EXPECT_EQ(why, "subscriber [tasks.task_requested] cursor 11 head 10 credit 1023/1024");
  EXPECT_FALSE(IsIdle(BodyWriter().Int("log_head", 1).Finish(), &why).ok());
}

}  // namespace
}  // namespace mcf::replay
