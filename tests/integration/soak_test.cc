// Soak: mixed reads and writes at full speed against a real system (lib/process LocalSystem on
// the real clock: broker, portal, tasks, matching, hiring, supplies, gateway) with small stores
// (--store-max-mb 64) and a short reply retention (--reply-retention 10s), for 60 s
// (MCF_SOAK_SECONDS changes it; the ctest timeout of 300 s fits up to about 240). The traffic
// and the verdict are tools/mcfctl/soak.h, the same code `mcfctl soak` runs (docs/soak.md).
//
// It asserts correctness and the plateau, never latency (a loaded 2-core machine is slow, not
// wrong): every request got its expected 2xx, no store was full and no log mentions a full map,
// each store grew over the last third by at most max(1 MiB, 10 %) plus what more replies held
// at once explain (the writes run at full speed, so a machine that speeds up holds more) while
// that third served at least 1000 requests, and no store pruned more recorded replies than the
// mutating commands sent to it (a read-only command that records its reply breaks that one).
//
// The Judge* cases check the verdict itself on made-up samples, without a system.
#include "tools/mcfctl/soak.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "lib/process/local_system.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace mcf::testing {
namespace {

using soak::kMiB;

std::chrono::seconds SoakDuration() {
  const char* env = std::getenv("MCF_SOAK_SECONDS");
  if (env != nullptr && std::atoi(env) > 0) return std::chrono::seconds(std::atoi(env));
  return std::chrono::seconds(60);
}

std::string Tail(const std::string& text, size_t bytes) {
  return text.size() <= bytes ? text : "..." + text.substr(text.size() - bytes);
}

TEST(SoakTest, MixedTrafficAtFullSpeedLeavesEveryStoreOnAPlateau) {
  TempDir dir;
  const soak::SystemSpec spec{BinDir(), dir.Sub("system"), /*store_max_mb=*/64,
                              /*reply_retention=*/"10s"};
  auto system = process::LocalSystem::Start(soak::SoakSystem(spec));
  ASSERT_TRUE(system.ok()) << system.status().ToString();

  soak::TrafficOptions traffic;
  traffic.duration = SoakDuration();
  traffic.clients = 4;
  auto report = soak::RunTraffic(**system, traffic);
  (*system)->Stop();
  ASSERT_TRUE(report.ok()) << report.status().ToString() << "\n" << Tail((*system)->Logs(), 20000);

  const auto log_hits = soak::FindStoreFullInLogs(spec.data_dir);
  soak::PlateauOptions plateau;
  plateau.reply_retention = std::chrono::seconds(10);
  const soak::Verdict verdict = soak::Judge(*report, plateau, log_hits);
  const auto portal = soak::StoreEntries(spec.data_dir + "/portal");
  std::printf("%s%s", soak::FormatSamples(*report).c_str(), soak::FormatVerdict(verdict).c_str());
  // Every sign-in stores a new token (docs/soak.md, "What grows"): known, bounded growth here.
  std::printf(
      "portal at the end: %llu tokens (%llu sign-ins during the run), %llu recorded "
      "replies\n",
      static_cast<unsigned long long>(portal.count("tokens") ? portal.at("tokens") : 0),
      static_cast<unsigned long long>(report->sign_ins),
      static_cast<unsigned long long>(portal.count("_inbox") ? portal.at("_inbox") : 0));
  RecordProperty("requests", static_cast<int>(report->requests));
  RecordProperty("seconds", static_cast<int>(report->seconds));

  std::string examples;
  for (const auto& e : report->error_examples) examples += "\n  " + e;
  EXPECT_EQ(report->errors, 0u) << "requests without their expected 2xx:" << examples;
  EXPECT_GT(report->requests, 0u);
  EXPECT_TRUE(log_hits.empty()) << log_hits.size() << " log lines, first: " << log_hits.front();
  ASSERT_EQ(verdict.stores.size(), soak::SoakContexts().size());
  for (const soak::StoreVerdict& s : verdict.stores) {
    EXPECT_TRUE(s.always_answered) << s.context << " did not answer store_status in a sample";
    EXPECT_FALSE(s.ever_full) << "the store of " << s.context << " was full";
    EXPECT_LE(s.growth, s.bound) << s.context << " grew over the last third from "
                                 << s.at_last_third << " to " << s.last << " bytes: no plateau";
    EXPECT_LE(s.replies_pruned, static_cast<int64_t>(s.recorded_commands))
        << s.context << " pruned more recorded replies than the mutating commands sent to it can "
        << "leave: a read-only command records its reply";
  }
  EXPECT_GE(verdict.requests_last_third, plateau.min_requests_last_third)
      << "too little traffic in the last third for its flat size to mean anything";
  EXPECT_TRUE(verdict.ok) << soak::FormatVerdict(verdict);
  if (HasFailure()) ADD_FAILURE() << Tail((*system)->Logs(), 20000);
}

// --- the verdict on made-up samples ----------------------------------------------------------

// `n` samples 3 s apart, 100 requests a second; portal at portal_bytes(i) with 50 mutating
// commands sent per sample (set-up's 10 before the first), tasks flat at 1 MiB.
soak::TrafficReport MadeUp(int n, int64_t (*portal_bytes)(int)) {
  soak::TrafficReport r;
  for (int i = 0; i < n; ++i) {
    soak::Sample s;
    s.elapsed_s = 3.0 * i;
    s.requests = static_cast<uint64_t>(300 * i);
    s.stores["portal"] = {true,  portal_bytes(i), 64 * kMiB, 64 * kMiB,
                          false, 10 * i,          0,         static_cast<uint64_t>(10 + 50 * i)};
    s.stores["tasks"] = {true, kMiB, 64 * kMiB, 64 * kMiB, false, 0, 0, 0};
    r.samples.push_back(s);
  }
  r.seconds = 3.0 * (n - 1);
  r.requests = r.samples.back().requests;
  r.writes = r.samples.back().stores["portal"].recorded_commands;
  return r;
}

TEST(SoakTest, JudgePassesStoresThatStopGrowing) {
  // Grows for the first third, then moves by less than 1 MiB.
  auto report = MadeUp(21, [](int i) { return i < 7 ? int64_t{i} * kMiB : 7 * kMiB + i * 1024; });
  const soak::Verdict v = soak::Judge(report, {}, {});
  EXPECT_TRUE(v.ok) << soak::FormatVerdict(v);
  ASSERT_EQ(v.stores.size(), 2u);
  EXPECT_EQ(v.stores[0].context, "portal");
  EXPECT_TRUE(v.stores[0].plateau);
  EXPECT_EQ(v.stores[0].max, 7 * kMiB + 20 * 1024);
  EXPECT_EQ(v.requests_last_third, 300u * 7);  // from sample 13 (39 s, the last <= 40 s) to 20
  // 4 samples (12 s) of 50 commands in every 10 s window, the first ones with set-up's 10.
  EXPECT_EQ(v.stores[0].held_peak_before, 200u);
  EXPECT_EQ(v.stores[0].held_peak_last, 200u);
  EXPECT_EQ(v.stores[0].allowance, 0);
}

TEST(SoakTest, JudgeAllowsTheGrowthOfMoreRepliesHeldWhenTheWritesSpeedUp) {
  // The machine gets faster in the last third: 250 instead of 50 commands per sample, so a
  // window holds 800 more replies; 2 MiB more is what 1 KiB each costs, not a leak.
  auto report = MadeUp(21, [](int i) { return i < 14 ? 4 * kMiB : 6 * kMiB; });
  for (int i = 14; i < 21; ++i) {
    report.samples[i].stores["portal"].recorded_commands = 10 + 50 * 13 + 250 * (i - 13);
  }
  const soak::Verdict v = soak::Judge(report, {}, {});
  EXPECT_TRUE(v.ok) << soak::FormatVerdict(v);
  EXPECT_EQ(v.stores[0].held_peak_last, 1000u);
  EXPECT_EQ(v.stores[0].allowance, 2048 * 800);
  // The same growth without the speed-up is no plateau.
  const soak::Verdict same_rate =
      soak::Judge(MadeUp(21, [](int i) { return i < 14 ? 4 * kMiB : 6 * kMiB; }), {}, {});
  EXPECT_FALSE(same_rate.ok);
}

TEST(SoakTest, JudgeFailsAStoreThatKeepsGrowing) {
  auto report = MadeUp(21, [](int i) { return int64_t{i} * kMiB / 2; });  // +3.5 MiB in the third
  const soak::Verdict v = soak::Judge(report, {}, {});
  EXPECT_FALSE(v.ok);
  EXPECT_FALSE(v.stores[0].plateau);
  EXPECT_TRUE(v.stores[1].plateau);
  ASSERT_EQ(v.failures.size(), 1u);
  EXPECT_NE(v.failures[0].find("portal grew"), std::string::npos) << v.failures[0];
}

TEST(SoakTest, JudgeFailsOnErrorsFullStoresLogLinesRecordedReadsAndIdleThirds) {
  auto report = MadeUp(21, [](int) { return 2 * kMiB; });
  report.errors = 1;
  report.error_examples = {"GET /v1/me: HTTP 503"};
  report.samples[5].stores["tasks"].full = true;
  report.samples.back().stores["portal"].replies_pruned = 5000;  // > 1010 commands sent
  for (auto& s : report.samples) s.requests = 10;                // nothing served after set-up
  const soak::Verdict v = soak::Judge(report, {}, {"tasks.log: event=store_full service=tasks"});
  EXPECT_FALSE(v.ok);
  const std::string all = soak::FormatVerdict(v);
  for (const char* expected :
       {"did not get their expected answer", "mention a full store", "store of tasks was full",
        "read-only commands are being recorded", "requests in the last third"}) {
    EXPECT_NE(all.find(expected), std::string::npos) << expected << " in\n" << all;
  }
}

}  // namespace
}  // namespace mcf::testing
