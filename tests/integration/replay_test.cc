// `mcfctl replay` end to end: a capture recorded in-test (sim mcf-broker --capture with portal,
// tasks, matching, hiring and supplies; two order flows over the bus, lib/replay/sample_capture)
// and every golden capture in tests/captures replay identically; replaying twice writes
// byte-identical output captures; one changed field gives exit 1 and a diff naming the message
// and the field; --only and --stop-at-first; newer-version, truncated, corrupt and incomplete
// captures exit 2 with a clear message.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "lib/base/bytes.h"
#include "lib/capture/format.h"
#include "lib/capture/reader.h"
#include "lib/capture/writer.h"
#include "lib/replay/sample_capture.h"
#include "schemas/envelope.h"
#include "schemas/msgpack.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace mcf::testing {
namespace {

using std::chrono::milliseconds;

struct Outcome {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

class ReplayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    replay::SampleOptions options;
    options.bin_dir = BinDir();
    options.data_dir = dir_->Sub("recorded");
    options.capture_path = dir_->Sub("flow.cap");
    options.orders = 2;
    auto recorded = replay::RecordSampleCapture(options);
    if (!recorded.ok()) {
      error_ = new std::string(recorded.status().ToString());
      return;
    }
    commands_ = recorded->inputs;
    // The replay's inputs are those commands and the contractor's events (outside the system:
    // fed, not produced, docs/outside-systems.md).
    auto c = capture::ReadCapture(Capture());
    if (!c.ok()) {
      error_ = new std::string(c.status().ToString());
      return;
    }
    inputs_ = commands_;
    for (const auto& r : c->records)
      inputs_ += r.kind == capture::RecordKind::kEvent && r.name.starts_with("contractor.") ? 1 : 0;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
    delete error_;
    error_ = nullptr;
  }
  void SetUp() override { ASSERT_EQ(error_, nullptr) << *error_; }

  static std::string Capture() { return dir_->Sub("flow.cap"); }

  static Outcome Mcfctl(const std::vector<std::string>& args) {
    static int n = 0;
    const std::string log = dir_->Sub("mcfctl-" + std::to_string(++n) + ".out");
    std::vector<std::string> argv = {BinDir() + "/mcfctl", "replay"};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess p = ChildProcess::Start(argv, log);
    Outcome out;
    out.exit_code = p.Wait(milliseconds(120000)).value_or(-999);
    out.output = ReadFile(log);
    return out;
  }

  static capture::Capture Read(const std::string& path) {
    auto c = capture::ReadCapture(path);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : capture::Capture{};
  }

  static void Write(const std::string& path, const capture::Capture& c, bool trailer = true) {
    auto w = capture::CaptureWriter::Create(path, c.header);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    for (const auto& r : c.records)
      if (trailer || r.kind != capture::RecordKind::kEnd) (*w)->Append(r);
    ASSERT_TRUE((*w)->Close().ok());
  }

  static inline TempDir* dir_ = nullptr;
  static inline std::string* error_ = nullptr;
  static inline uint64_t commands_ = 0;  // sent by the sample
  static inline uint64_t inputs_ = 0;    // replayed: the commands and the contractor's events
};

// Replaces body.<field> (a string) in an envelope map, leaving every other byte as it was.
std::string WithBodyString(std::string_view envelope, std::string_view field,
                           std::string_view value) {
  schemas::MsgpackReader r(envelope);
  schemas::MsgpackWriter w;
  uint32_t n = r.ReadMapHeader().value_or(0);
  w.MapHeader(n);
  for (uint32_t i = 0; i < n; ++i) {
    std::string key(r.ReadString().value_or(""));
    std::string_view raw = r.ReadRaw().value_or("");
    w.String(key);
    if (key != "body") {
      w.Raw(raw);
      continue;
    }
    schemas::MsgpackReader b(raw);
    uint32_t m = b.ReadMapHeader().value_or(0);
    w.MapHeader(m);
    for (uint32_t j = 0; j < m; ++j) {
      std::string k(b.ReadString().value_or(""));
      std::string_view v = b.ReadRaw().value_or("");
      w.String(k);
      if (k == field) {
        w.String(value);
      } else {
        w.Raw(v);
      }
    }
  }
  return w.Take();
}

TEST_F(ReplayTest, RecordedCaptureReplaysIdenticallyAndTwiceGivesByteIdenticalOutputs) {
  ASSERT_GE(commands_, 18u);  // two order flows: the capture is not empty
  ASSERT_EQ(inputs_, commands_ + 4);  // each cookie accepted and delivered
  // Its commands carry the recording system's key ids, which the replay's fresh keys do not
  // have: "identical" below means replay compares without them.
  size_t keyed = 0;
  for (const auto& r : Read(Capture()).records)
    keyed += r.kind == capture::RecordKind::kCommand && r.key.starts_with("k:") ? 1 : 0;
  EXPECT_GE(keyed, commands_);
  Outcome first = Mcfctl({Capture(), "--output", dir_->Sub("out1.cap")});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("identical: " + std::to_string(inputs_) + "/" +
                              std::to_string(inputs_) + " inputs fed"),
            std::string::npos)
      << first.output;
  Outcome second = Mcfctl({Capture(), "--output", dir_->Sub("out2.cap")});
  ASSERT_EQ(second.exit_code, 0) << second.output;
  const std::string a = ReadFile(dir_->Sub("out1.cap"));
  const std::string b = ReadFile(dir_->Sub("out2.cap"));
  ASSERT_GT(a.size(), 1000u);
  EXPECT_TRUE(a == b) << "the two replays wrote different output captures";
  // The output capture holds one reply per input plus the events, and is complete.
  capture::Capture out = Read(dir_->Sub("out1.cap"));
  EXPECT_TRUE(out.complete);
  size_t replies = 0, clock = 0;
  std::map<std::string, int> events;
  for (const auto& r : out.records) {
    replies += r.kind == capture::RecordKind::kReply ? 1 : 0;
    clock += r.kind == capture::RecordKind::kClock ? 1 : 0;
    if (r.kind == capture::RecordKind::kEvent) ++events[r.name];
  }
  EXPECT_EQ(replies, commands_);
  EXPECT_GE(clock, 2u);  // a minute per order: at least the ticks
  // The whole flow happened twice: the comparison covered real work, not an idle system.
  for (const char* topic :
       {"hiring.worker_hired", "portal.help_requested", "tasks.task_requested",
        "tasks.task_assigned", "supplies.kit_issued", "tasks.checked_in", "tasks.task_finalized"})
    EXPECT_EQ(events[topic], 2) << topic;
}

TEST_F(ReplayTest, EveryGoldenCaptureReplaysIdentically) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(MCF_SOURCE_DIR) + "/tests/captures", ec))
    if (entry.path().extension() == ".cap") files.push_back(entry.path().string());
  // Every scenario's golden (tests/scenarios, regenerated by tools/regen-goldens; *.cap is
  // ignored by git, so a golden is committed with `git add -f` — one left out would silently go
  // unreplayed in a fresh clone).
  size_t scenarios = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(MCF_SOURCE_DIR) + "/tests/scenarios", ec)) {
    if (entry.path().extension() != ".json") continue;
    ++scenarios;
    const std::string required = entry.path().stem().string() + ".cap";
    EXPECT_TRUE(std::any_of(files.begin(), files.end(),
                            [&](const std::string& f) { return f.ends_with("/" + required); }))
        << "missing golden tests/captures/" << required;
  }
  EXPECT_GE(scenarios, 8u);
  // Never vacuous: the capture recorded here is replayed with the golden ones.
  files.push_back(Capture());
  for (const auto& file : files) {
    Outcome o = Mcfctl({file});
    EXPECT_EQ(o.exit_code, 0) << file << "\n" << o.output;
    // Exit 0 alone would also hold for a capture with no inputs: the summary must say every
    // one of N > 0 inputs replayed identically.
    std::smatch m;
    ASSERT_TRUE(std::regex_search(o.output, m, std::regex(R"(identical: (\d+)/(\d+) inputs fed)")))
        << file << "\n"
        << o.output;
    EXPECT_EQ(m[1].str(), m[2].str()) << file << "\n" << o.output;
    EXPECT_GT(std::stoul(m[2].str()), 0u) << file << "\n" << o.output;
    if (file == Capture()) EXPECT_EQ(std::stoul(m[2].str()), inputs_) << o.output;
  }
}

TEST_F(ReplayTest, OneChangedFieldFailsWithADiffNamingTheMessageAndTheField) {
  capture::Capture c = Read(Capture());
  std::string command_id;
  for (auto& r : c.records) {
    if (r.kind != capture::RecordKind::kReply || r.name != "portal") continue;
    auto reply = schemas::DecodeReply(r.envelope);
    ASSERT_TRUE(reply.ok());
    if (reply->type != "portal.request_help") continue;
    command_id = reply->causation_id;
    r.envelope = WithBodyString(r.envelope, "status", "tampered");
    break;
  }
  ASSERT_FALSE(command_id.empty());
  const std::string changed = dir_->Sub("changed.cap");
  Write(changed, c);

  Outcome o = Mcfctl({changed});
  EXPECT_EQ(o.exit_code, 1) << o.output;
  EXPECT_NE(o.output.find("reply " + command_id +
                          " portal.request_help body.status: captured \"tampered\" now "
                          "\"requested\"\n"),
            std::string::npos)
      << o.output;
  EXPECT_NE(o.output.find("different: " + std::to_string(inputs_) + "/" + std::to_string(inputs_) +
                          " inputs fed"),
            std::string::npos)
      << o.output;

  // Another context's view is unaffected; --stop-at-first stops at the request_help input.
  Outcome only = Mcfctl({changed, "--only", "tasks"});
  EXPECT_EQ(only.exit_code, 0) << only.output;
  Outcome stop = Mcfctl({changed, "--stop-at-first", "--json"});
  EXPECT_EQ(stop.exit_code, 1) << stop.output;
  EXPECT_NE(stop.output.find("\"stopped_early\":true"), std::string::npos) << stop.output;
  EXPECT_NE(stop.output.find("\"field\":\"body.status\""), std::string::npos) << stop.output;
}

TEST_F(ReplayTest, UnusableCapturesExitTwoWithAClearMessage) {
  const std::string bytes = ReadFile(Capture());
  ASSERT_GT(bytes.size(), 200u);
  auto write_raw = [&](const std::string& name, const std::string& data) {
    const std::string path = dir_->Sub(name);
    FILE* f = fopen(path.c_str(), "wb");
    fwrite(data.data(), 1, data.size(), f);
    fclose(f);
    return path;
  };
  std::string newer = bytes;
  newer[capture::kMagic.size()] = capture::kFormatVersion + 1;  // u16 LE version
  // One bit of the recorded seed (seeds["*"] = 7): without the header's checksum this replayed
  // on another seed and reported hundreds of differences instead of refusing the file.
  std::string header = bytes;
  const size_t seed_at = header.find("seeds\x81\xa1*") + 8;
  ASSERT_LT(seed_at, 200u);
  ASSERT_EQ(header[seed_at], 7);
  header[seed_at] ^= 0x01;
  std::string corrupt = bytes;
  corrupt[bytes.size() / 2] ^= 0x5a;  // inside a record: its CRC (or length) check fails
  const std::string truncated = bytes.substr(0, bytes.size() - 7);
  capture::Capture c = Read(Capture());
  Write(dir_->Sub("no_trailer.cap"), c, /*trailer=*/false);

  struct Case {
    std::string path;
    std::string says;
  };
  const std::string newer_says =
      "format version " + std::to_string(capture::kFormatVersion + 1) + " is newer";
  for (const Case& k : {Case{write_raw("newer.cap", newer), newer_says},
                        Case{write_raw("header.cap", header), "capture header: checksum mismatch"},
                        Case{write_raw("corrupt.cap", corrupt), "corrupt record"},
                        Case{write_raw("truncated.cap", truncated), "truncated record"},
                        Case{dir_->Sub("no_trailer.cap"), "incomplete"},
                        Case{dir_->Sub("missing.cap"), "missing.cap"}}) {
    Outcome o = Mcfctl({k.path});
    EXPECT_EQ(o.exit_code, 2) << k.path << "\n" << o.output;
    EXPECT_NE(o.output.find(k.says), std::string::npos) << k.path << "\n" << o.output;
    EXPECT_EQ(o.output.find("identical"), std::string::npos) << o.output;
    EXPECT_EQ(o.output.find("different"), std::string::npos) << o.output;
  }
  // `mcfctl capture dump` refuses the damaged header too (its own exit code for a damaged file).
  ChildProcess dump =
      ChildProcess::Start({BinDir() + "/mcfctl", "capture", "dump", dir_->Sub("header.cap")},
                          dir_->Sub("dump-header.out"));
  EXPECT_EQ(dump.Wait(milliseconds(10000)), 1);
  const std::string dumped = ReadFile(dir_->Sub("dump-header.out"));
  EXPECT_NE(dumped.find("capture header: checksum mismatch"), std::string::npos) << dumped;
  EXPECT_EQ(dumped.find("{\"header\""), std::string::npos) << dumped;
}

// Format version 1 (no header checksum: the golden captures in tests/captures are of it) still
// replays: the recorded capture rewritten in the old layout replays identically.
TEST_F(ReplayTest, VersionOneCaptureStillReplaysIdentically) {
  const std::string bytes = ReadFile(Capture());
  ASSERT_GT(bytes.size(), capture::kPreambleBytes);
  ASSERT_EQ(GetU16Le(bytes.data() + capture::kMagic.size()), capture::kFormatVersion);
  const uint32_t header_len = GetU32Le(bytes.data() + capture::kMagic.size() + 2);
  std::string v1 = bytes.substr(0, capture::kPreambleBytes + header_len);
  PutU16Le(v1.data() + capture::kMagic.size(), 1);
  // The map starts with format_version: fixmap, "format_version" (1 + 14 bytes), then the value.
  const size_t value_at = capture::kPreambleBytes + 1 + 15;
  ASSERT_EQ(v1.substr(capture::kPreambleBytes + 2, 14), "format_version");
  ASSERT_EQ(v1[value_at], static_cast<char>(capture::kFormatVersion));
  v1[value_at] = 1;
  v1 += bytes.substr(capture::FileStartBytes(capture::kFormatVersion, header_len));
  const std::string path = dir_->Sub("v1.cap");
  {
    FILE* f = fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    fwrite(v1.data(), 1, v1.size(), f);
    fclose(f);
  }
  capture::Capture old = Read(path);
  EXPECT_EQ(old.header.format_version, 1);
  Outcome o = Mcfctl({path});
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("identical: " + std::to_string(inputs_) + "/"), std::string::npos)
      << o.output;
}

}  // namespace
}  // namespace mcf::testing
