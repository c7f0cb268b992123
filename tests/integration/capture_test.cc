// Captures end to end: a real mcf-broker (sim clock) + mcf-test-worker, recorded with
// `mcf-broker --capture`, with the real `mcfctl capture` (--for, SIGTERM, SIGKILL -> lease), and
// with broker.capture_* directly; every capture is read back with lib/capture.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "lib/capture/reader.h"
#include "lib/client/bus_client.h"
#include "lib/client/publisher.h"
#include "lib/security/curve_keys.h"
#include "lib/security/key_directory.h"
#include "schemas/body.h"
#include "schemas/envelope.h"
#include "schemas/registry.h"
#include "tests/integration/runtime_harness.h"
#include "tests/support/broker_process.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_keys.h"

namespace mcf::capture {
namespace {

using std::chrono::milliseconds;
using testing::BinDir;
using testing::ChildProcess;
using testing::ReadFile;
using testing::TempDir;
using SteadyTime = std::chrono::steady_clock;

// Polls until `done` or `limit` passes.
template <typename F>
bool WaitUntil(F done, milliseconds limit) {
  const auto end = SteadyTime::now() + limit;
  while (SteadyTime::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return done();
}

bool FileHasBytes(const std::string& path) {
  std::error_code ec;
  return std::filesystem::file_size(path, ec) > 0 && !ec;
}

std::optional<int64_t> StatsInt(client::BusClient& bus, const std::string& field) {
  auto reply = bus.Call(bus.MakeCommand("broker.stats", schemas::EmptyBody()), milliseconds(2000));
  if (reply.status != Code::kOk) return std::nullopt;
  auto body = schemas::Body::Parse(reply.body);
  if (!body.ok() || !body->Int(field).ok()) return std::nullopt;
  return *body->Int(field);
}

// The key id this test process's clients authenticate with (tests/support/test_keys.h): what the
// broker records on their commands.
std::string TestKeyId() {
  auto pair = security::ReadKeyFile(security::KeyFileOf(testing::TestKeysDir(), "test"));
  EXPECT_TRUE(pair.ok()) << pair.status().ToString();
  return pair.ok() ? security::KeyId(pair->public_key) : "";
}

// The command ids and the causation ids of the replies in a capture.
struct Pairs {
  std::map<std::string, int> commands;              // id -> count
  std::map<std::string, int> replies;               // causation_id -> count
  std::map<std::string, std::string> reply_status;  // causation_id -> status
  std::vector<std::string> command_types;           // in order
};
Pairs PairUp(const Capture& capture) {
  Pairs p;
  for (const Record& r : capture.records) {
    if (r.kind == RecordKind::kCommand) {
      auto e = schemas::DecodeEnvelope(r.envelope);
      EXPECT_TRUE(e.ok()) << e.status().ToString();
      if (!e.ok()) continue;
      ++p.commands[e->id];
      p.command_types.push_back(e->type);
      EXPECT_EQ(r.name, schemas::ServiceOf(e->type));
    } else if (r.kind == RecordKind::kReply) {
      auto reply = schemas::DecodeReply(r.envelope);
      EXPECT_TRUE(reply.ok()) << reply.status().ToString();
      if (!reply.ok()) continue;
      ++p.replies[reply->causation_id];
      p.reply_status[reply->causation_id] = std::string(CodeName(reply->status));
      EXPECT_EQ(r.name, schemas::ServiceOf(reply->type));
    }
  }
  return p;
}

void ExpectEveryCommandHasOneReply(const Pairs& p) {
  EXPECT_FALSE(p.commands.empty());
  for (const auto& [id, n] : p.commands) {
    EXPECT_EQ(n, 1) << "command " << id << " recorded " << n << " times";
    auto it = p.replies.find(id);
    EXPECT_TRUE(it != p.replies.end() && it->second == 1) << "command " << id << " has no reply";
  }
  for (const auto& [id, n] : p.replies)
    EXPECT_TRUE(p.commands.contains(id)) << "reply to " << id << " without its command";
}

class CaptureTest : public ::testing::Test {
 protected:
  void StartBroker(std::vector<std::string> extra = {}) {
    extra.insert(extra.end(), {"--clock", "sim", "--heartbeat-ms", "100"});
    auto broker = testing::StartBrokerProcess(dir_.Sub("broker"), dir_.Sub("broker.log"), extra);
    ASSERT_TRUE(broker.has_value()) << ReadFile(dir_.Sub("broker.log"));
    broker_ = std::move(broker->process);
    endpoint_ = broker->endpoint;
  }
  void StartWorker() {
    worker_ = ChildProcess::Start({BinDir() + "/mcf-test-worker", "--broker", endpoint_, "--data",
                                   dir_.Sub("worker"), "--heartbeat-ms", "100"},
                                  dir_.Sub("worker.log"));
  }
  ChildProcess StartMcfctl(const std::vector<std::string>& args, const std::string& log) {
    std::vector<std::string> argv = {BinDir() + "/mcfctl", "--broker", endpoint_};
    argv.insert(argv.end(), args.begin(), args.end());
    return ChildProcess::Start(argv, dir_.Sub(log));
  }
  std::string Logs() const {
    return "--- broker.log\n" + ReadFile(dir_.Sub("broker.log")) + "--- worker.log\n" +
           ReadFile(dir_.Sub("worker.log"));
  }
  // The JSON object mcfctl printed last in `log` (stderr lines are not JSON objects).
  nlohmann::json LastJsonLine(const std::string& log) {
    std::istringstream in(ReadFile(dir_.Sub(log)));
    nlohmann::json last;
    for (std::string line; std::getline(in, line);)
      if (!line.empty() && line[0] == '{') last = nlohmann::json::parse(line, nullptr, false);
    return last;
  }

  TempDir dir_;
  ChildProcess broker_, worker_;
  std::string endpoint_;
  zmq::context_t context_{1};
};

TEST_F(CaptureTest, StartupCaptureHoldsEveryCommandWithItsReplyAndEventsInLogOrder) {
  const std::string path = dir_.Sub("run.mcfcap");
  ASSERT_NO_FATAL_FAILURE(StartBroker({"--capture", path, "--seed", "7"}));
  StartWorker();
  client::BusClient bus(context_, endpoint_, "capture-test");
  ASSERT_TRUE(testing::GetCounter(bus, "c").has_value()) << Logs();
  for (int i = 0; i < 5; ++i) {
    auto reply = bus.Call(
        testing::TestCommand(bus, "test.add",
                             schemas::BodyWriter().String("name", "c").Int("amount", i).Finish()),
        milliseconds(5000));
    ASSERT_EQ(reply.status, Code::kOk) << reply.message;
  }
  client::Publisher publisher(context_, endpoint_, "capture-test");
  for (uint64_t n = 1; n <= 3; ++n)
    publisher.Publish("test.fed", testing::FedEvent("capture-test", n, "c", 1));
  ASSERT_TRUE(publisher.Flush(milliseconds(5000)).ok());
  auto advance = bus.Call(
      bus.MakeCommand("clock.advance", schemas::BodyWriter().Int("by_ms", 180000).Finish()),
      milliseconds(5000));
  ASSERT_EQ(advance.status, Code::kOk) << advance.message;
  // An error reply the broker makes itself (no such service), recorded like any reply.
  auto refused =
      bus.Call(testing::TestCommand(bus, "nosuch.get", schemas::EmptyBody()), milliseconds(2000));
  EXPECT_EQ(refused.status, Code::kUnavailable);
  // 3 fed + 3 ticks + 5 test.added from the worker's outbox.
  ASSERT_TRUE(
      WaitUntil([&] { return StatsInt(bus, "log_head").value_or(0) >= 11; }, milliseconds(10000)))
      << Logs();
  worker_.Stop();
  EXPECT_EQ(broker_.Stop(), 0);

  auto capture = ReadCapture(path);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  EXPECT_TRUE(capture->complete);
  EXPECT_EQ(capture->header.clock_mode, "sim");
  EXPECT_EQ(capture->header.start_ms, 1767600000000);
  EXPECT_EQ(capture->header.seeds, (std::map<std::string, int64_t>{{"*", 7}}));
  EXPECT_FALSE(capture->header.build_id.empty());

  Pairs pairs = PairUp(*capture);
  ExpectEveryCommandHasOneReply(pairs);
  // Every command carries the id of the key its sender authenticated with (never the key).
  const std::string key_id = TestKeyId();
  ASSERT_EQ(key_id.rfind("k:", 0), 0u) << key_id;
  for (const Record& r : capture->records) {
    if (r.kind == RecordKind::kCommand)
      EXPECT_EQ(r.key, key_id) << "command to " << r.name;
    else
      EXPECT_EQ(r.key, "") << KindName(r.kind) << " " << r.name;
  }
  int adds = 0;
  for (const auto& t : pairs.command_types) adds += t == "test.add";
  EXPECT_EQ(adds, 5);

  uint64_t last_seq = 0;
  std::map<std::string, int> topics;
  int clock_records = 0;
  for (const Record& r : capture->records) {
    if (r.kind != RecordKind::kEvent && r.kind != RecordKind::kClock) continue;
    EXPECT_EQ(r.seq, last_seq + 1) << "events out of log order";
    last_seq = r.seq;
    ++topics[r.name];
    auto e = schemas::DecodeEnvelope(r.envelope);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->type, r.name);
    if (r.kind == RecordKind::kClock) {
      ++clock_records;
      EXPECT_EQ(e->producer, "clock");
    } else {
      EXPECT_NE(e->producer, "clock");
    }
  }
  EXPECT_EQ(last_seq, 11u);
  EXPECT_EQ(topics["clock.tick"], 3);
  EXPECT_EQ(clock_records, 3);
  EXPECT_EQ(topics["test.fed"], 3);
  EXPECT_EQ(topics["test.added"], 5);
  ASSERT_FALSE(capture->records.empty());
  EXPECT_EQ(capture->records.back().kind, RecordKind::kEnd);
}

TEST_F(CaptureTest, McfctlCaptureForRecordsUntilTheDurationAndPrintsCounts) {
  ASSERT_NO_FATAL_FAILURE(StartBroker());
  const std::string path = dir_.Sub("for.mcfcap");
  ChildProcess mcfctl = StartMcfctl({"capture", path, "--for", "1500ms"}, "mcfctl.log");
  ASSERT_TRUE(WaitUntil([&] { return FileHasBytes(path); }, milliseconds(5000)))
      << ReadFile(dir_.Sub("mcfctl.log"));
  client::BusClient bus(context_, endpoint_, "capture-test");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(
        bus.Call(bus.MakeCommand("clock.now", schemas::EmptyBody()), milliseconds(2000)).status,
        Code::kOk);
  EXPECT_EQ(mcfctl.Wait(milliseconds(10000)), 0) << ReadFile(dir_.Sub("mcfctl.log"));
  nlohmann::json printed = LastJsonLine("mcfctl.log");
  ASSERT_TRUE(printed.is_object()) << ReadFile(dir_.Sub("mcfctl.log"));
  EXPECT_EQ(printed["file"], path);
  EXPECT_EQ(printed["dropped"], 0);

  auto capture = ReadCapture(path);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  EXPECT_TRUE(capture->complete);
  ASSERT_TRUE(capture->records.size() >= 3);
  EXPECT_EQ(printed["records"], capture->records.size() - 1);  // all but the trailer
  Pairs pairs = PairUp(*capture);
  ExpectEveryCommandHasOneReply(pairs);
  ASSERT_FALSE(pairs.command_types.empty());
  EXPECT_EQ(pairs.command_types.front(), "broker.capture_start");
  EXPECT_EQ(pairs.command_types.back(), "broker.capture_stop");
  int nows = 0, renews = 0;
  for (const auto& t : pairs.command_types) {
    nows += t == "clock.now";
    renews += t == "broker.capture_renew";
  }
  EXPECT_EQ(nows, 3);
  EXPECT_GE(renews, 1);
  // The last record before the trailer is the stop's reply.
  const Record& last = capture->records[capture->records.size() - 2];
  EXPECT_EQ(last.kind, RecordKind::kReply);
  auto reply = schemas::DecodeReply(last.envelope);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->type, "broker.capture_stop");
}

TEST_F(CaptureTest, McfctlCaptureStopsCleanlyOnSigterm) {
  ASSERT_NO_FATAL_FAILURE(StartBroker());
  const std::string path = dir_.Sub("term.mcfcap");
  ChildProcess mcfctl = StartMcfctl({"capture", path}, "mcfctl.log");
  ASSERT_TRUE(WaitUntil([&] { return FileHasBytes(path); }, milliseconds(5000)));
  client::BusClient bus(context_, endpoint_, "capture-test");
  EXPECT_EQ(bus.Call(bus.MakeCommand("clock.now", schemas::EmptyBody()), milliseconds(2000)).status,
            Code::kOk);
  ASSERT_TRUE(mcfctl.Signal(SIGTERM));
  EXPECT_EQ(mcfctl.Wait(milliseconds(5000)), 0) << ReadFile(dir_.Sub("mcfctl.log"));
  auto capture = ReadCapture(path);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  EXPECT_TRUE(capture->complete);
  Pairs pairs = PairUp(*capture);
  ExpectEveryCommandHasOneReply(pairs);
  EXPECT_EQ(pairs.command_types.back(), "broker.capture_stop");
  // Stopped means stopped: a new capture can start.
  auto again =
      bus.Call(bus.MakeCommand("broker.capture_start",
                               schemas::BodyWriter().String("path", dir_.Sub("again")).Finish()),
               milliseconds(2000));
  EXPECT_EQ(again.status, Code::kOk) << again.message;
}

TEST_F(CaptureTest, CaptureWhoseLeaseIsNotRenewedStopsByItself) {
  ASSERT_NO_FATAL_FAILURE(StartBroker());
  client::BusClient bus(context_, endpoint_, "capture-test");
  const std::string path = dir_.Sub("lease.mcfcap");
  auto started = bus.Call(
      bus.MakeCommand("broker.capture_start",
                      // 2 s, not 300 ms: the renew just below must make it on a loaded machine.
                      schemas::BodyWriter().String("path", path).Int("lease_ms", 2000).Finish()),
      milliseconds(2000));
  ASSERT_EQ(started.status, Code::kOk) << started.message;
  auto id = schemas::Body::Parse(started.body)->String("capture_id");
  ASSERT_TRUE(id.ok());
  auto renew = [&] {
    return bus.Call(bus.MakeCommand("broker.capture_renew",
                                    schemas::BodyWriter().String("capture_id", *id).Finish()),
                    milliseconds(2000));
  };
  EXPECT_EQ(renew().status, Code::kOk);
  // Not renewed from here on (a renew would extend it): wait for the broker to give up on it.
  ASSERT_TRUE(WaitUntil(
      [&] {
        return ReadFile(dir_.Sub("broker.log")).find("event=capture_lease_expired") !=
               std::string::npos;
      },
      milliseconds(20000)))
      << ReadFile(dir_.Sub("broker.log"));
  EXPECT_EQ(renew().status, Code::kNotFound);
  auto capture = ReadCapture(path);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  EXPECT_TRUE(capture->complete);  // the broker ended it cleanly, trailer included
}

TEST_F(CaptureTest, KilledMcfctlLeavesNoCaptureRunning) {
  ASSERT_NO_FATAL_FAILURE(StartBroker());
  const std::string path = dir_.Sub("killed.mcfcap");
  ChildProcess mcfctl = StartMcfctl({"capture", path}, "mcfctl.log");
  ASSERT_TRUE(WaitUntil([&] { return FileHasBytes(path); }, milliseconds(5000)));
  mcfctl.Kill();
  client::BusClient bus(context_, endpoint_, "capture-test");
  auto start = [&] {
    return bus.Call(
        bus.MakeCommand("broker.capture_start",
                        schemas::BodyWriter().String("path", dir_.Sub("next")).Finish()),
        milliseconds(2000));
  };
  EXPECT_EQ(start().status, Code::kConflict);  // still leased
  // The default lease is 5 s.
  ASSERT_TRUE(WaitUntil([&] { return start().status == Code::kOk; }, milliseconds(10000)));
}

TEST_F(CaptureTest, CaptureCommandsRefuseBadRequests) {
  ASSERT_NO_FATAL_FAILURE(StartBroker());
  client::BusClient bus(context_, endpoint_, "capture-test");
  auto call = [&](const char* type, std::string body) {
    return bus.Call(bus.MakeCommand(type, std::move(body)), milliseconds(2000));
  };
  EXPECT_EQ(
      call("broker.capture_start", schemas::BodyWriter().String("path", "rel.mcfcap").Finish())
          .status,
      Code::kInvalid);
  EXPECT_EQ(call("broker.capture_start",
                 schemas::BodyWriter().String("path", "/nonexistent-dir/x.mcfcap").Finish())
                .status,
            Code::kUnavailable);
  EXPECT_EQ(call("broker.capture_stop", schemas::BodyWriter().String("capture_id", "nope").Finish())
                .status,
            Code::kNotFound);
  auto first =
      call("broker.capture_start", schemas::BodyWriter().String("path", dir_.Sub("a")).Finish());
  ASSERT_EQ(first.status, Code::kOk);
  EXPECT_EQ(
      call("broker.capture_start", schemas::BodyWriter().String("path", dir_.Sub("b")).Finish())
          .status,
      Code::kConflict);
  auto id = schemas::Body::Parse(first.body)->String("capture_id");
  ASSERT_TRUE(id.ok());
  auto stopped =
      call("broker.capture_stop", schemas::BodyWriter().String("capture_id", *id).Finish());
  ASSERT_EQ(stopped.status, Code::kOk);
  auto counts = schemas::Body::Parse(stopped.body);
  ASSERT_TRUE(counts.ok());
  // start + its reply, the conflicting start + reply, the stop + reply.
  EXPECT_EQ(*counts->Int("records"), 6);
  EXPECT_EQ(*counts->Int("dropped"), 0);
}

// mcfctl capture dump: a header line, one line per record, and a clear error on damage.
TEST_F(CaptureTest, DumpPrintsJsonLinesAndFailsCleanlyOnATruncatedFile) {
  const std::string path = dir_.Sub("dump.mcfcap");
  ASSERT_NO_FATAL_FAILURE(StartBroker({"--capture", path}));
  client::BusClient bus(context_, endpoint_, "capture-test");
  ASSERT_EQ(
      bus.Call(bus.MakeCommand("clock.advance", schemas::BodyWriter().Int("by_ms", 60000).Finish()),
               milliseconds(5000))
          .status,
      Code::kOk);
  EXPECT_EQ(broker_.Stop(), 0);

  ChildProcess dump =
      ChildProcess::Start({BinDir() + "/mcfctl", "capture", "dump", path}, dir_.Sub("dump.out"));
  ASSERT_EQ(dump.Wait(milliseconds(5000)), 0) << ReadFile(dir_.Sub("dump.out"));
  std::vector<nlohmann::json> lines;
  {
    std::istringstream in(ReadFile(dir_.Sub("dump.out")));
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  }
  ASSERT_EQ(lines.size(), 1u + 3u + 1u);  // header, command, tick, reply, end
  EXPECT_EQ(lines[0]["header"]["clock_mode"], "sim");
  EXPECT_EQ(lines[1]["kind"], "command");
  EXPECT_EQ(lines[1]["envelope"]["type"], "clock.advance");
  EXPECT_EQ(lines[1]["envelope"]["body"]["by_ms"], 60000);
  EXPECT_EQ(lines[1]["key"], TestKeyId());
  EXPECT_EQ(lines[2]["kind"], "clock");
  EXPECT_EQ(lines[2]["seq"], 1);
  EXPECT_EQ(lines[2]["topic"], "clock.tick");
  EXPECT_EQ(lines[3]["kind"], "reply");
  EXPECT_EQ(lines[3]["envelope"]["status"], "ok");
  EXPECT_EQ(lines[3]["envelope"]["causation_id"], lines[1]["envelope"]["id"]);
  EXPECT_FALSE(lines[3].contains("key"));  // only commands have a sender
  EXPECT_EQ(lines[4]["kind"], "end");

  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 3);
  ChildProcess cut =
      ChildProcess::Start({BinDir() + "/mcfctl", "capture", "dump", path}, dir_.Sub("cut.out"));
  EXPECT_EQ(cut.Wait(milliseconds(5000)), 1);
  EXPECT_NE(ReadFile(dir_.Sub("cut.out")).find("truncated record at byte"), std::string::npos)
      << ReadFile(dir_.Sub("cut.out"));
}

}  // namespace
}  // namespace mcf::capture
