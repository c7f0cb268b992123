// Outside producers on the bus and in replay (docs/outside-systems.md, docs/capture-format.md),
// with real processes: a sim mcf-broker recording a capture, the hiring context, and
//  - a publisher holding a key with role outside named `contractor` (made by LocalSystem with
//    start = false) publishing contractor.* events between commands, and one more outside key
//    (`courier`) registered while the capture runs;
//  - or mcf-test-worker started by LocalSystem as an outside process (`test`, start = true).
// The capture marks them (header `outside`, trailer `outside` for the late key); `mcfctl replay`
// with no outside process running feeds their events as inputs and reports 0 differences; an
// outside event dropped or moved that no context consumes changes nothing (decision 025), and the
// contractor golden with its delivery dropped shows supplies' replies differ (exit 1).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "lib/capture/format.h"
#include "lib/capture/reader.h"
#include "lib/capture/writer.h"
#include "lib/client/publisher.h"
#include "lib/process/local_system.h"
#include "lib/replay/barrier.h"
#include "lib/replay/plan.h"
#include "lib/security/bus_identity.h"
#include "lib/security/key_directory.h"
#include "schemas/body.h"
#include "schemas/clock.h"
#include "schemas/envelope.h"
#include "schemas/hiring.h"
#include "schemas/test_family.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace mcf::testing {
namespace {

using std::chrono::milliseconds;
namespace clk = schemas::clock;

constexpr int64_t kStartMs = 1'767'600'000'000;  // 2026-01-05T08:00:00Z
constexpr milliseconds kTimeout{10000};

struct Outcome {
  int exit_code = -1;
  std::string output;
};

Outcome Replay(const TempDir& dir, const std::vector<std::string>& args) {
  static int n = 0;
  const std::string log = dir.Sub("replay-" + std::to_string(++n) + ".out");
  std::vector<std::string> argv = {BinDir() + "/mcfctl", "replay"};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess p = ChildProcess::Start(argv, log);
  Outcome out;
  out.exit_code = p.Wait(milliseconds(120000)).value_or(-999);
  out.output = ReadFile(log);
  return out;
}

process::SystemOptions Recording(const TempDir& dir, const std::string& capture) {
  process::SystemOptions so;
  so.bin_dir = BinDir();
  so.data_dir = dir.Sub("recorded");
  so.contexts = {"hiring"};
  so.broker_flags = {"--clock", "sim", "--start", clk::Iso8601(kStartMs), "--capture", capture,
                     "--seed", "7"};
  so.worker_flags = {"--seed", "7", "--durable-replies"};
  return so;
}

// An event envelope as an adapter built on the worker runtime makes it.
std::string OutsideEvent(const std::string& producer, uint64_t n, const std::string& type,
                         const std::string& order, int64_t time_ms) {
  schemas::Envelope e;
  e.id = producer + ":" + std::to_string(n);
  e.type = type;
  e.version = 1;
  e.producer = producer;
  e.time_ms = time_ms;
  e.correlation_id = order;
  e.body = schemas::BodyWriter().String("supply_order_id", order).Int("attempt", 1).Finish();
  return schemas::Encode(e);
}

// A publisher with `name`'s own key (role outside) from the system's key directory.
std::unique_ptr<client::Publisher> PublisherAs(zmq::context_t& context,
                                               process::LocalSystem& system,
                                               const std::string& name) {
  auto curve = security::LoadClientCurve(security::KeyFileOf(system.keys_dir(), name));
  EXPECT_TRUE(curve.ok() && curve->has_value()) << curve.status().ToString();
  if (!curve.ok() || !curve->has_value()) return nullptr;
  return std::make_unique<client::Publisher>(context, system.broker_endpoint(), name, 1,
                                             &**curve);
}

Status ImportWorker(replay::BusDriver& bus, const std::string& name, int64_t now) {
  ASSIGN_OR_RETURN(auto bytes,
                   bus.Call(schemas::hiring::kImportWorker,
                            schemas::hiring::Encode(schemas::hiring::ImportWorker{
                                name, 3, "tabby", "ginger", {"jars"}, {}}),
                            kTimeout, schemas::Principal{"admin", "admin-1"}, now));
  ASSIGN_OR_RETURN(auto reply, schemas::DecodeReply(bytes));
  if (reply.status != Code::kOk) return Status(reply.status, reply.message);
  return bus.WaitIdle(kTimeout);
}

capture::Capture Read(const std::string& path) {
  auto c = capture::ReadCapture(path);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(*c) : capture::Capture{};
}

void Write(const std::string& path, const capture::Capture& c) {
  auto w = capture::CaptureWriter::Create(path, c.header);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  for (const auto& r : c.records) (*w)->Append(r);
  ASSERT_TRUE((*w)->Close().ok());
}

std::vector<std::string> TrailerOutside(const capture::Capture& c) {
  for (const auto& r : c.records)
    if (r.kind == capture::RecordKind::kEnd)
      if (auto end = capture::DecodeEndBody(r.envelope)) return end->outside;
  return {};
}

size_t IndexOfEvent(const capture::Capture& c, const std::string& topic) {
  for (size_t i = 0; i < c.records.size(); ++i)
    if (c.records[i].kind == capture::RecordKind::kEvent && c.records[i].name == topic) return i;
  return c.records.size();
}

TEST(ReplayOutsideTest, OutsideEventsAreFedAsInputsAndTheirInterleavingIsNotCompared) {
  TempDir dir;
  const std::string cap = dir.Sub("outside.cap");
  process::SystemOptions so = Recording(dir, cap);
  so.outside = {{"contractor", "", {}, /*start=*/false}};
  {
    auto system = process::LocalSystem::Start(so);
    ASSERT_TRUE(system.ok()) << system.status().ToString();
    EXPECT_EQ((*system)->Find("contractor"), nullptr) << "start = false: only its key";
    zmq::context_t context(1);
    replay::BusDriver bus(context, (*system)->broker_endpoint(), "outside-test");
    ASSERT_TRUE(bus.WaitIdle(kTimeout).ok());
    auto contractor = PublisherAs(context, **system, "contractor");
    ASSERT_NE(contractor, nullptr);

    ASSERT_TRUE(ImportWorker(bus, "Cat 1", kStartMs).ok());
    contractor->Publish("contractor.cookie_accepted",
                        OutsideEvent("contractor", 1, "contractor.cookie_accepted", "so-1", kStartMs));
    ASSERT_TRUE(contractor->Flush(kTimeout).ok());
    ASSERT_TRUE(bus.WaitIdle(kTimeout).ok());
    auto advanced = bus.Call("clock.advance", clk::Encode(clk::Advance{600'000, std::nullopt}),
                             kTimeout);
    ASSERT_TRUE(advanced.ok()) << advanced.status().ToString();
    ASSERT_TRUE(bus.WaitIdle(kTimeout).ok());
    const int64_t later = kStartMs + 600'000;
    contractor->Publish("contractor.cookie_delivered",
                        OutsideEvent("contractor", 2, "contractor.cookie_delivered", "so-1", later));
    ASSERT_TRUE(contractor->Flush(kTimeout).ok());
    ASSERT_TRUE(bus.WaitIdle(kTimeout).ok());
    ASSERT_TRUE(ImportWorker(bus, "Cat 2", later).ok());

    // A key registered with role outside after the capture started: the header cannot list it,
    // the trailer does. Its first handshake may come before the broker re-read the registry;
    // the publisher reconnects until it is let in.
    ASSERT_TRUE(
        security::EnsureKeys((*system)->keys_dir(), {{"courier", security::PeerRole::kOutside}})
            .ok());
    auto courier = PublisherAs(context, **system, "courier");
    ASSERT_NE(courier, nullptr);
    courier->set_resend_after(milliseconds(300));
    courier->Publish("courier.picked_up",
                     OutsideEvent("courier", 1, "courier.picked_up", "so-1", later));
    ASSERT_TRUE(courier->Flush(milliseconds(15000)).ok()) << (*system)->Logs();
    ASSERT_TRUE(bus.WaitIdle(kTimeout).ok());
    ASSERT_TRUE(ImportWorker(bus, "Cat 3", later).ok());
    (*system)->Stop();
  }

  capture::Capture recorded = Read(cap);
  ASSERT_TRUE(recorded.complete);
  EXPECT_EQ(recorded.header.outside, (std::vector<std::string>{"contractor"}));
  const auto trailer = TrailerOutside(recorded);
  EXPECT_TRUE(std::find(trailer.begin(), trailer.end(), "courier") != trailer.end())
      << "the late outside key is in the trailer";
  {  // `mcfctl capture dump` shows both.
    ChildProcess dump = ChildProcess::Start({BinDir() + "/mcfctl", "capture", "dump", cap},
                                            dir.Sub("dump.out"));
    EXPECT_EQ(dump.Wait(milliseconds(10000)), 0);
    const std::string dumped = ReadFile(dir.Sub("dump.out"));
    const std::string first_line = dumped.substr(0, dumped.find('\n'));
    EXPECT_NE(first_line.find("\"outside\":[\"contractor\"]"), std::string::npos) << first_line;
    EXPECT_NE(dumped.find("\"kind\":\"end\""), std::string::npos);
    EXPECT_NE(dumped.find("\"courier\"]"), std::string::npos) << "the trailer's outside";
  }
  auto plan = replay::PlanReplay(recorded, false);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->outside, (std::vector<std::string>{"contractor", "courier"}));
  EXPECT_EQ(plan->contexts, (std::vector<std::string>{"hiring"}));
  size_t fed_events = 0;
  for (const auto& input : plan->inputs)
    fed_events += input.kind == replay::Input::Kind::kOutsideEvent ? 1 : 0;
  EXPECT_EQ(fed_events, 3u);
  // 3 imports + clock.advance + 3 outside events.
  ASSERT_EQ(plan->inputs.size(), 7u);

  // No outside process runs in the replay: the replay publishes their events as them.
  Outcome same = Replay(dir, {cap, "--json"});
  ASSERT_EQ(same.exit_code, 0) << same.output;
  EXPECT_NE(same.output.find("\"identical\":true"), std::string::npos) << same.output;
  EXPECT_NE(same.output.find("\"inputs\":7,\"inputs_fed\":7"), std::string::npos) << same.output;
  EXPECT_NE(same.output.find("\"contexts\":[\"hiring\"]"), std::string::npos) << same.output;
  EXPECT_NE(same.output.find("\"differences\":[]"), std::string::npos) << same.output;

  // Tampered: the first contractor event dropped, or the delivery moved after the next command.
  // Nothing in this system consumes contractor events, so neither changes what the system did:
  // the log's interleaving moved, which replay does not compare (decision 025). What a consumer
  // does with them is compared through its own outputs (OutsideEventsDriveTheConsumersOutputs).
  {
    capture::Capture c = recorded;
    const size_t at = IndexOfEvent(c, "contractor.cookie_accepted");
    ASSERT_LT(at, c.records.size());
    c.records.erase(c.records.begin() + static_cast<long>(at));
    Write(dir.Sub("dropped.cap"), c);
    Outcome o = Replay(dir, {dir.Sub("dropped.cap")});
    EXPECT_EQ(o.exit_code, 0) << o.output;
    EXPECT_NE(o.output.find("identical: 6/6 inputs fed"), std::string::npos) << o.output;
  }
  {
    capture::Capture c = recorded;
    const size_t at = IndexOfEvent(c, "contractor.cookie_delivered");
    ASSERT_LT(at, c.records.size());
    capture::Record moved = c.records[at];
    c.records.erase(c.records.begin() + static_cast<long>(at));
    size_t after = c.records.size();  // the next import's event
    for (size_t i = at; i < c.records.size() && after == c.records.size(); ++i)
      if (c.records[i].kind == capture::RecordKind::kEvent &&
          c.records[i].name == "hiring.worker_hired")
        after = i;
    ASSERT_LT(after, c.records.size());
    c.records.insert(c.records.begin() + static_cast<long>(after) + 1, moved);
    Write(dir.Sub("moved.cap"), c);
    Outcome o = Replay(dir, {dir.Sub("moved.cap")});
    EXPECT_EQ(o.exit_code, 0) << o.output;
    EXPECT_NE(o.output.find("identical: 7/7 inputs fed"), std::string::npos) << o.output;
  }
}

// The golden of the contractor failing twice (tests/scenarios/contractor_fails_twice.json),
// replayed without the contractor: as recorded it is identical; with the cookie's delivery
// dropped, supplies never completes the kit, and its replies (the board, the issue) differ.
TEST(ReplayOutsideTest, OutsideEventsDriveTheConsumersOutputs) {
  TempDir dir;
  const std::string golden = std::string(MCF_SOURCE_DIR) + "/tests/captures/contractor_fails_twice.cap";
  Outcome same = Replay(dir, {golden});
  ASSERT_EQ(same.exit_code, 0) << same.output;
  auto recorded = capture::ReadCapture(golden);
  ASSERT_TRUE(recorded.ok()) << recorded.status().ToString();
  capture::Capture c = std::move(*recorded);
  const size_t at = IndexOfEvent(c, "contractor.cookie_delivered");
  ASSERT_LT(at, c.records.size());
  c.records.erase(c.records.begin() + static_cast<long>(at));
  Write(dir.Sub("no_delivery.cap"), c);
  Outcome o = Replay(dir, {dir.Sub("no_delivery.cap")});
  EXPECT_EQ(o.exit_code, 1) << o.output;
  EXPECT_NE(o.output.find("supplies.issue status: captured \"ok\" now \"conflict\""),
            std::string::npos)
      << o.output;
  EXPECT_NE(o.output.find("body.complete: captured true now false"), std::string::npos)
      << o.output;
}

TEST(ReplayOutsideTest, AnOutsideProcessRunsWhenRecordedAndItsEventsAreFedWithoutIt) {
  TempDir dir;
  const std::string cap = dir.Sub("adapter.cap");
  process::SystemOptions so = Recording(dir, cap);
  // mcf-test-worker as a stand-in adapter: it serves `test` and publishes test.added.
  so.outside = {{"test", "mcf-test-worker", {"--handler-delay-ms", "0"}, /*start=*/true}};
  {
    auto system = process::LocalSystem::Start(so);
    ASSERT_TRUE(system.ok()) << system.status().ToString();
    ASSERT_NE((*system)->Find("test"), nullptr);
    EXPECT_TRUE((*system)->Find("test")->running());
    zmq::context_t context(1);
    replay::BusDriver bus(context, (*system)->broker_endpoint(), "outside-test");
    ASSERT_TRUE(bus.WaitIdle(kTimeout).ok());
    namespace wire = schemas::test_family;
    auto add = [&](int64_t amount) {
      auto bytes = bus.Call(wire::Add::kInfo.type,
                            schemas::Encode(wire::Add{.name = "cookies", .amount = amount}),
                            kTimeout, std::nullopt, kStartMs);
      ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
      auto reply = schemas::DecodeReply(*bytes);
      ASSERT_TRUE(reply.ok());
      EXPECT_EQ(reply->status, Code::kOk) << reply->message << "\n" << (*system)->Logs();
      ASSERT_TRUE(bus.WaitIdle(kTimeout).ok());
    };
    add(2);
    ASSERT_TRUE(ImportWorker(bus, "Cat 1", kStartMs).ok());
    // Restart works by name and keeps its flags (and key).
    ASSERT_TRUE((*system)->Restart("test").ok());
    add(3);
    auto get = bus.Call(wire::Get::kInfo.type, schemas::Encode(wire::Get{.name = "cookies"}),
                        kTimeout, std::nullopt, kStartMs);
    ASSERT_TRUE(get.ok());
    ASSERT_TRUE(bus.WaitIdle(kTimeout).ok());
    (*system)->Stop();
  }
  capture::Capture recorded = Read(cap);
  EXPECT_EQ(recorded.header.outside, (std::vector<std::string>{"test"}));
  auto plan = replay::PlanReplay(recorded, false);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->contexts, (std::vector<std::string>{"hiring"})) << "test is not started";
  EXPECT_EQ(plan->outside_commands, 3u) << "test.add twice and test.get: not fed";
  // The import and the two test.added events.
  ASSERT_EQ(plan->inputs.size(), 3u);
  EXPECT_EQ(plan->inputs[0].kind, replay::Input::Kind::kOutsideEvent);
  EXPECT_EQ(plan->inputs[0].topic, "test.added");
  EXPECT_EQ(plan->inputs[1].kind, replay::Input::Kind::kCommand);
  EXPECT_EQ(plan->inputs[2].topic, "test.added");

  Outcome same = Replay(dir, {cap});
  EXPECT_EQ(same.exit_code, 0) << same.output;
  EXPECT_NE(same.output.find("identical: 3/3 inputs fed"), std::string::npos) << same.output;
}

TEST(ReplayOutsideTest, AnOutsideProcessWithoutItsExecutableFailsStartClearly) {
  TempDir dir;
  process::SystemOptions so;
  so.bin_dir = BinDir();
  so.data_dir = dir.Sub("system");
  so.outside = {{"contractor", "mcf-no-such-adapter", {}, /*start=*/true}};
  auto system = process::LocalSystem::Start(so);
  ASSERT_FALSE(system.ok());
  EXPECT_EQ(system.status().code(), Code::kNotFound);
  EXPECT_NE(system.status().message().find("outside process contractor: no executable " +
                                           BinDir() + "/mcf-no-such-adapter"),
            std::string::npos)
      << system.status().message();
}

}  // namespace
}  // namespace mcf::testing
