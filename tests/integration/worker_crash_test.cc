// Exactly-once effects across crashes of the worker at seeded, asserted points: a stream of
// test.add commands (retried with the same id until ok) and test.fed events while the worker
// dies five times, each time at a point the test chose (--crash-point, --crash-in-handler) and
// checks it reached (the worker logs event=crash_point and exits 42):
//   1. after-commit        a batch of commands committed, no reply sent, outbox not published:
//                          only the inbox stops a second execution (replies_replayed > 0);
//                          restarted only after the callers' attempts timed out (retries > 0)
//   2. in-handler          inside test.add with the batch's transaction open: nothing survives
//   2b. before-commit      commands taken off the socket, nothing applied: rerouted or retried
//   3. after-event-commit  events applied and their offset stored, credit not given back
//   4. after-commit again, in an incarnation that also handles test.added (--count-added): a
//                          handler added later, so the subscription resumes from seq 1 and every
//                          test.fed already applied comes again and must be skipped by its
//                          type's offset (events_skipped > 0; without the skip fed:f doubles)
// There is no crash window between an event's effects and its offset: both are written by the
// same batch transaction (lib/worker/dispatcher.cc ApplyOnce), so a plain restart never
// redelivers an applied event. Redelivery happens when the stored offsets differ per type,
// which is what incarnation 4 makes happen.
// At the end every effect and every outbox event exists exactly once.
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "lib/worker/worker.h"
#include "tests/integration/runtime_harness.h"

namespace mcf::testing {
namespace {

// Occurrences of `needle` in `text`.
size_t CountOf(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

// Sum of `key=N` over the log lines holding `event`.
int64_t SumField(const std::string& log, const std::string& event, const std::string& key) {
  int64_t sum = 0;
  for (size_t p = log.find(event); p != std::string::npos; p = log.find(event, p + 1)) {
    const size_t eol = log.find('\n', p);
    const std::string line = log.substr(p, eol == std::string::npos ? eol : eol - p);
    const size_t k = line.find(" " + key + "=");
    if (k != std::string::npos) sum += std::stoll(line.substr(k + key.size() + 2));
  }
  return sum;
}

struct Incarnation {
  std::vector<std::string> flags;
  std::string point;  // the crash_point it must log; empty for the last one (serves to the end)
  // How long the worker stays dead: longer than a caller's 1 s attempt, so callers time out
  // and retry with the same id (the retries the test asserts), not only broker re-routes.
  milliseconds down{0};
};

TEST(WorkerCrashTest, EffectsAndEventsExactlyOnceAcrossSeededCrashPoints) {
  constexpr int kCommands = 3000;
  constexpr int kFedEvery = 4;  // 750 fed events
  const char* env_seed = std::getenv("MCF_CRASH_SEED");
  const uint64_t seed = env_seed ? std::stoull(env_seed) : 16;
  SCOPED_TRACE("seed=" + std::to_string(seed) + " (MCF_CRASH_SEED)");
  std::mt19937_64 rng(seed);
  auto pick = [&](int lo, int span) { return std::to_string(lo + static_cast<int>(rng() % span)); };

  // Small N: a batch holds at most the load's 32 in flight, so all five points come well before
  // the 3000 commands end even when a loaded machine makes batches large. The handler delay
  // keeps batches from growing larger still.
  const std::vector<std::string> base = {"--handler-delay-ms", "1"};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.begin(), base.begin(), base.end());
    return extra;
  };
  const std::vector<Incarnation> plan = {
      {with({"--crash-point", "after-commit:" + pick(5, 10)}), "point=after-commit",
       milliseconds(1500)},
      {with({"--crash-in-handler", pick(30, 50)}), "point=in-handler", milliseconds(0)},
      {with({"--crash-point", "before-commit:" + pick(5, 10)}), "point=before-commit",
       milliseconds(0)},
      {with({"--crash-point", "after-event-commit:" + pick(5, 10)}), "point=after-event-commit",
       milliseconds(0)},
      {with({"--count-added", "--crash-point", "after-commit:" + pick(5, 10)}),
       "point=after-commit", milliseconds(1500)},
      {with({"--count-added"}), "", milliseconds(0)},
  };

  RuntimeCluster cluster;
  ASSERT_TRUE(cluster.StartBroker()) << cluster.Logs();
  size_t current = 0;
  cluster.StartWorker(plan[current].flags);

  zmq::context_t context;
  client::BusClient client(context, cluster.endpoint(), "crash-test");
  ASSERT_TRUE(GetCounter(client, "c").has_value()) << cluster.Logs();
  client::Publisher publisher(context, cluster.endpoint(), "feeder-crash");
  publisher.set_resend_after(milliseconds(300));

  std::vector<int> exit_codes;
  int done = 0;
  std::string crashed_at;  // commands done at each crash, for the record
  auto restart_if_dead = [&] {
    if (current + 1 >= plan.size()) return;
    auto code = cluster.worker().Wait(milliseconds(0));
    if (!code) return;
    exit_codes.push_back(*code);
    crashed_at += " " + std::to_string(done);
    std::this_thread::sleep_for(plan[current].down);  // the crash window stays open this long
    cluster.StartWorker(plan[++current].flags);
  };
  LoadResult load = RunAddLoad(
      client, publisher, kCommands, kFedEvery, seed, [&](int d) { done = d; }, milliseconds(180000),
      restart_if_dead);
  ASSERT_TRUE(load.error.empty()) << load.error << "\n" << cluster.Logs();
  std::printf("crashed after commands:%s\n", crashed_at.c_str());
  EXPECT_EQ(current, plan.size() - 1) << "not every crash point was reached";
  EXPECT_EQ(exit_codes, std::vector<int>(plan.size() - 1, worker::kCrashExitCode));
  ASSERT_TRUE(publisher.Flush(milliseconds(10000)).ok());

  // Each crash happened where it was planned, and each incarnation served.
  const std::string log = ReadFile(cluster.dir().Sub("worker.log"));
  EXPECT_EQ(CountOf(log, "event=worker_ready"), plan.size());
  for (const auto& inc : plan) {
    if (!inc.point.empty()) {
      EXPECT_GE(CountOf(log, "event=crash_point " + inc.point), 1u) << inc.point;
    }
  }
  EXPECT_EQ(CountOf(log, "event=crash_point"), plan.size() - 1);
  // What the windows must have produced: callers retried, committed-but-unanswered commands
  // were answered from the inbox, and redelivered events were skipped by their offsets.
  const int64_t replayed = SumField(log, "event=replies_replayed", "count");
  const int64_t skipped = SumField(log, "event=events_skipped", "count");
  std::printf(
      "commands=%d retries=%d replies_replayed=%lld events_skipped=%lld add_sum=%lld "
      "fed_sum=%lld\n",
      kCommands, load.retries, static_cast<long long>(replayed), static_cast<long long>(skipped),
      static_cast<long long>(load.add_sum), static_cast<long long>(load.fed_sum));
  RecordProperty("retries", load.retries);
  EXPECT_GT(load.retries, 0);
  EXPECT_GT(replayed, 0) << "no committed-but-unanswered command was answered from the inbox";
  EXPECT_GT(skipped, 0) << "the handler added later caused no redelivery";

  EXPECT_EQ(GetCounter(client, "c"), load.add_sum);
  EXPECT_EQ(WaitForCounter(client, "fed:f", load.fed_sum, milliseconds(30000)), load.fed_sum)
      << cluster.Logs();
  // The handler added later saw every test.added of the log once, from the beginning.
  EXPECT_EQ(WaitForCounter(client, "added", load.add_sum, milliseconds(30000)), load.add_sum);

  auto counts =
      CountByCausation(context, cluster.endpoint(), "test.added", kCommands, milliseconds(60000));
  const size_t total = ExpectOneEventPerCommand(counts, load.command_ids);
  EXPECT_EQ(total, static_cast<size_t>(kCommands)) << cluster.Logs();
  std::printf("test_added_events=%zu distinct_causes=%zu\n", total, counts.size());
}

}  // namespace
}  // namespace mcf::testing
