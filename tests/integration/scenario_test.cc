// `mcfctl scenario run` and `mcfctl simulate` end to end: the real mcfctl executable starting or
// driving real systems (mcf-broker on the simulated clock, the contexts, mcf-gateway).
//
// - tests/scenarios/order_happy_path.json runs through `scenario run --capture`, and the capture
//   is complete and holds the flow's commands, replies and events;
// - a failed expectation exits 1 naming the step and the field, and writes no capture;
// - `simulate --days 1 --orders-per-day 5 --applications-per-day 30 --seed 1` against a
//   LocalSystem prints a day line and the totals, with the applicants' and the manager's counts
//   (stored, refused twice-sent and junk forms, decisions, two rule versions), and the system
//   agrees (the applications by status, the active rules); a second fresh system with the same
//   seed prints the same;
// - simulate refuses a broker on the real clock.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "lib/capture/reader.h"
#include "lib/process/local_system.h"
#include "schemas/envelope.h"
#include "schemas/tasks.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tools/mcfctl/scenario_io.h"
#include "tools/mcfctl/simulate_betting.h"
#include "tools/mcfctl/simulate_quality.h"

namespace mcf::testing {
namespace {

using Json = nlohmann::json;

struct Output {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
  std::vector<Json> json_lines;
};

// Runs mcfctl with `args` (already shell-quoted where needed); stderr goes to a file in `dir`,
// and TMPDIR is `dir`, so the temp dirs `scenario run` keeps on failure go away with the test's.
Output Mcfctl(const std::string& args, const std::string& dir) {
  Output o;
  const std::string err_file = dir + "/mcfctl.stderr";
  const std::string cmd =
      "TMPDIR=" + dir + " " + BinDir() + "/mcfctl " + args + " 2>" + err_file;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return o;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) o.out.append(buf, n);
  const int status = pclose(pipe);
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.err = ReadFile(err_file);
  std::istringstream in(o.out);
  for (std::string line; std::getline(in, line);) {
    Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded()) o.json_lines.push_back(j);
  }
  return o;
}

std::string Scenario(const std::string& name) {
  return std::string(MCF_SOURCE_DIR) + "/tests/scenarios/" + name;
}

TEST(ScenarioRunTest, HappyPathScenarioPassesAndItsCaptureIsCompleteWithTheFlow) {
  TempDir dir;
  const std::string cap = dir.Sub("happy.cap");
  Output o = Mcfctl("scenario run " + Scenario("order_happy_path.json") + " --capture " + cap +
                        " --bin-dir " + BinDir(),
                    dir.path());
  ASSERT_EQ(o.exit_code, 0) << o.out << o.err;
  ASSERT_EQ(o.json_lines.size(), 1u) << o.out;
  EXPECT_EQ(o.json_lines[0]["scenario"], "order_happy_path");
  EXPECT_EQ(o.json_lines[0]["capture"], cap);

  auto capture = capture::ReadCapture(cap);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  EXPECT_TRUE(capture->complete);
  EXPECT_EQ(capture->header.clock_mode, "sim");
  EXPECT_EQ(capture->header.start_ms, 1767600000000);  // 2026-01-05T08:00:00Z
  EXPECT_EQ(capture->header.seeds.count("*"), 1u);

  std::map<std::string, int> commands;  // command type -> how many
  std::map<std::string, int> replies;   // command id -> replies
  std::vector<std::string> command_ids;
  std::map<std::string, int> events;    // topic -> how many
  int clock_events = 0;
  std::vector<schemas::tasks::TaskFinalized> finalized;
  for (const capture::Record& r : capture->records) {
    switch (r.kind) {
      case capture::RecordKind::kCommand: {
        auto e = schemas::DecodeEnvelope(r.envelope);
        ASSERT_TRUE(e.ok()) << e.status().ToString();
        commands[e->type]++;
        command_ids.push_back(e->id);
        break;
      }
      case capture::RecordKind::kReply: {
        auto reply = schemas::DecodeReply(r.envelope);
        ASSERT_TRUE(reply.ok()) << reply.status().ToString();
        replies[reply->causation_id]++;
        break;
      }
      case capture::RecordKind::kEvent: {
        events[r.name]++;
        if (r.name == schemas::tasks::kTaskFinalized) {
          auto e = schemas::DecodeEnvelope(r.envelope);
          ASSERT_TRUE(e.ok());
          auto f = schemas::tasks::Decode<schemas::tasks::TaskFinalized>(e->body);
          ASSERT_TRUE(f.ok()) << f.status().ToString();
          finalized.push_back(*f);
        }
        break;
      }
      case capture::RecordKind::kClock:
        ++clock_events;
        break;
      default:
        break;
    }
  }
  // The flow's commands, each answered once.
  EXPECT_EQ(commands["hiring.import_worker"], 1);
  EXPECT_EQ(commands["portal.request_help"], 1);
  EXPECT_EQ(commands["supplies.issue"], 2);  // refused before the cookie, then issued
  EXPECT_EQ(commands["tasks.check_in"], 2);  // refused before the kit, then accepted
  EXPECT_EQ(commands["tasks.complete"], 1);
  EXPECT_EQ(commands["clock.advance"], 3);  // the cookie's 10 minutes, to 10:00, the work
  EXPECT_GE(commands["portal.sign_in"], 2);  // murka and vaska
  for (const auto& id : command_ids) EXPECT_EQ(replies[id], 1) << "command " << id;
  // Its events: the order, the match, the kit, the check-in and exactly one outcome.
  EXPECT_EQ(events["portal.help_requested"], 1);
  EXPECT_EQ(events["tasks.task_requested"], 1);
  EXPECT_EQ(events["matching.worker_matched"], 1);
  EXPECT_EQ(events["tasks.task_assigned"], 1);
  EXPECT_EQ(events["supplies.kit_issued"], 1);
  // The cookie: ordered once, by the contractor's simulator started beside the contexts.
  EXPECT_EQ(events["supplies.cookie_requested"], 1);
  EXPECT_EQ(events["contractor.cookie_accepted"], 1);
  EXPECT_EQ(events["contractor.cookie_delivered"], 1);
  EXPECT_EQ(events["tasks.checked_in"], 1);
  ASSERT_EQ(finalized.size(), 1u);
  EXPECT_EQ(finalized[0].outcome, schemas::tasks::Outcome::kCompleted);
  EXPECT_GE(clock_events, 165);  // 08:00 -> 10:45, a tick a minute
}

TEST(ScenarioRunTest, FailedExpectationNamesStepAndFieldAndWritesNoCapture) {
  TempDir dir;
  const std::string file = dir.Sub("wrong.json");
  std::ofstream(file) << R"({"name": "wrong", "contexts": ["portal"], "steps": [
      {"http": "GET /v1/service-types", "as": "client:murka",
       "expect": {"status": 200, "body": {"service_types": [{"id": "laundry"}]}}}]})";
  const std::string cap = dir.Sub("wrong.cap");
  Output o = Mcfctl("scenario run " + file + " --capture " + cap + " --bin-dir " + BinDir(),
                    dir.path());
  EXPECT_EQ(o.exit_code, 1) << o.out << o.err;
  EXPECT_NE(o.err.find("step 1 (GET /v1/service-types as client:murka): "
                       "body.service_types[0].id: expected \"laundry\", got \"chores\""),
            std::string::npos)
      << o.err;
  EXPECT_FALSE(std::filesystem::exists(cap));
}

TEST(ScenarioRunTest, InvalidScenarioFileExitsTwoWithTheReason) {
  TempDir dir;
  const std::string file = dir.Sub("bad.json");
  std::ofstream(file) << R"({"name": "bad", "steps": [{"advance": "soon"}]})";
  Output o = Mcfctl("scenario run " + file + " --bin-dir " + BinDir(), dir.path());
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find(file + ": step 1: \"advance\": not a duration"), std::string::npos)
      << o.err;
}

class SimulateTest : public ::testing::Test {
 protected:
  // A fresh sim system with a gateway; the simulate command line for it.
  std::string StartSystem(const std::string& name, bool sim = true) {
    process::SystemOptions options;
    options.bin_dir = BinDir();
    options.data_dir = dir_.Sub(name);
    options.contexts = {"portal", "tasks", "matching", "hiring", "supplies", "quality", "betting"};
    options.outside = {{"contractor", "mcf-contractor-sim", {}}};
    options.gateway = true;
    if (sim) options.broker_flags = {"--clock", "sim", "--start", "2026-01-05T08:00:00Z"};
    options.worker_flags = {"--seed", "1"};
    auto system = process::LocalSystem::Start(options);
    EXPECT_TRUE(system.ok()) << system.status().ToString();
    if (!system.ok()) return "";
    systems_.push_back(std::move(system).value());
    const auto& s = systems_.back();
    return "--broker " + s->broker_endpoint() + " --key " + s->keys_dir() +
           "/operator.key simulate --gateway 127.0.0.1:" +
           std::to_string(s->gateway_port()) + " --admin-token-file " + s->data_dir() +
           "/admin.token";
  }

  void TearDown() override {
    if (HasFailure())
      for (const auto& s : systems_) ADD_FAILURE() << s->Logs();
  }

  TempDir dir_;
  std::vector<std::unique_ptr<process::LocalSystem>> systems_;
};

// GET `path` on `system`'s gateway as its bootstrap admin.
mcfctl::HttpResponse AdminGet(process::LocalSystem& system, const std::string& path) {
  mcfctl::GatewayHttp http("127.0.0.1", system.gateway_port());
  const std::string admin = ReadFile(system.data_dir() + "/admin.token");
  return http.Call("GET", path, admin.substr(0, admin.find_first_of("\r\n")));
}

// How many applications `system` holds with `status` (the manager's list; at most 100).
int ApplicationsWith(process::LocalSystem& system, const std::string& status) {
  mcfctl::HttpResponse r = AdminGet(system, "/v1/applications?status=" + status + "&limit=100");
  EXPECT_EQ(r.status, 200) << r.body.dump();
  return r.status == 200 ? static_cast<int>(r.body["applications"].size()) : -1;
}

TEST_F(SimulateTest, OneDayPrintsTheDayAndTotalsAndTheSameSeedGivesTheSameTotals) {
  const std::string first = StartSystem("first");
  ASSERT_FALSE(first.empty());
  const std::string run = " --days 1 --orders-per-day 5 --applications-per-day 30 --seed 1";
  Output a = Mcfctl(first + run, dir_.path());
  ASSERT_EQ(a.exit_code, 0) << a.out << a.err;
  ASSERT_EQ(a.json_lines.size(), 2u) << a.out;
  const Json& day = a.json_lines[0];
  const Json& total = a.json_lines[1];
  EXPECT_EQ(day["day"], 1);
  EXPECT_EQ(day["date"], "2026-01-05");
  EXPECT_EQ(day["orders"], 5);
  EXPECT_EQ(total["total"], true);
  EXPECT_EQ(total["orders"], 5);
  EXPECT_EQ(total["errors"], 0);
  EXPECT_EQ(total["to"], "2026-01-06T00:00:00Z");
  // Every order placed that day came to an end that day: all appointments are before 19:00.
  const int ended = total["completed"].get<int>() + total["failed"].get<int>() +
                    total["no_shows"].get<int>() + total["unmatched"].get<int>();
  EXPECT_EQ(ended, 5) << total.dump();
  EXPECT_GE(total["completed"].get<int>(), 1) << total.dump();

  // Hiring: 30 forms, of them 4 junk (one of each kind: 400 x 3, 413) and 2 sent twice (409).
  EXPECT_EQ(total["applied"], 26) << total.dump();
  EXPECT_EQ(total["junk_refused"], 4) << total.dump();
  EXPECT_EQ(total["duplicates_refused"], 2) << total.dump();
  EXPECT_EQ(total["rules_published"], 2) << total.dump();
  EXPECT_EQ(total["dry_runs"], 1) << total.dump();
  const int accepted = total["accepted"].get<int>(), rejected = total["rejected"].get<int>();
  EXPECT_GE(accepted, 1) << total.dump();
  EXPECT_GE(rejected, 1) << total.dump();
  // Rounds end at 17:00; forms sent later are still waiting at midnight.
  EXPECT_LT(accepted + rejected, 26) << total.dump();
  process::LocalSystem& system = *systems_.front();
  EXPECT_EQ(ApplicationsWith(system, "accepted"), accepted);
  EXPECT_EQ(ApplicationsWith(system, "rejected"), rejected);
  EXPECT_EQ(ApplicationsWith(system, "received"), 26 - accepted - rejected);
  EXPECT_EQ(ApplicationsWith(system, "testing"), 0);
  // The mid-run change is the active version.
  mcfctl::HttpResponse rules = AdminGet(system, "/v1/screening-rules");
  EXPECT_EQ(rules.status, 200) << rules.body.dump();
  EXPECT_EQ(rules.body.value("version", 0), 2) << rules.body.dump();
  EXPECT_EQ(rules.body.value("active", false), true) << rules.body.dump();
  EXPECT_EQ(rules.body["rules"].value("absolute_score", 0), 140) << rules.body.dump();
  // Quality (simulate_quality.h): at midnight every failed and no-show job is reviewed from the
  // queue, then up to two completed ones picked at random.
  EXPECT_EQ(total["reviewed"], total["failed"].get<int>() + total["no_shows"].get<int>())
      << total.dump();
  EXPECT_EQ(total["picked_reviewed"],
            std::min(mcfctl::kRandomReviewsPerDay, total["completed"].get<int>()))
      << total.dump();
  mcfctl::HttpResponse reviews = AdminGet(system, "/v1/reviews?limit=100");
  EXPECT_EQ(reviews.body["reviews"].size(),
            total["reviewed"].get<size_t>() + total["picked_reviewed"].get<size_t>())
      << reviews.body.dump();
  EXPECT_EQ(AdminGet(system, "/v1/reviews/queue").body["jobs"].size(), 0u);
  // Betting (simulate_betting.h): the managers bet on the orders as they are placed, each
  // account opened with 10000; the day's pots are settled (the orders all ended that day).
  EXPECT_GE(total["bets"].get<int>(), 1) << total.dump();
  EXPECT_EQ(total["bets_refused"], 0) << total.dump();
  EXPECT_EQ(day["bets"], total["bets"]) << day.dump();
  ASSERT_EQ(total["betting_balances_minor"].size(), size_t{mcfctl::kSimulatedBettors});
  int64_t balances = 0;
  for (const Json& b : total["betting_balances_minor"]) balances += b.get<int64_t>();
  EXPECT_LE(balances, 10000 * mcfctl::kSimulatedBettors) << "the fund may hold the rest";
  EXPECT_GT(balances, 10000 * mcfctl::kSimulatedBettors - total["bets"].get<int64_t>() *
                                                             mcfctl::kMaxSimulatedStake);

  systems_.front()->Stop();
  const std::string second = StartSystem("second");
  ASSERT_FALSE(second.empty());
  Output b = Mcfctl(second + run, dir_.path());
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
  EXPECT_EQ(b.out, a.out);
}

TEST_F(SimulateTest, RefusesABrokerOnTheRealClock) {
  const std::string real = StartSystem("real", /*sim=*/false);
  ASSERT_FALSE(real.empty());
  Output o = Mcfctl(real + " --days 1", dir_.path());
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("the bus clock is real"), std::string::npos) << o.err;
  EXPECT_TRUE(o.json_lines.empty()) << o.out;
}

}  // namespace
}  // namespace mcf::testing
