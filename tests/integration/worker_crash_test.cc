// Exactly-once effects across kill -9 of the worker: a stream of test.add commands (retried
// with the same id until ok) and test.fed events, the worker SIGKILLed and restarted three
// times mid-stream; at the end every effect and every outbox event exists exactly once.
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "tests/integration/runtime_harness.h"

namespace mcf::testing {
namespace {

TEST(WorkerCrashTest, EffectsAndEventsExactlyOnceAcrossThreeKills) {
  constexpr int kCommands = 2000;
  constexpr int kFedEvery = 4;  // 500 fed events
  RuntimeCluster cluster;
  ASSERT_TRUE(cluster.StartBroker()) << cluster.Logs();
  // Handler delay widens the uncommitted window, reply delay the committed-but-unanswered one
  // (where only the inbox prevents a second execution when the broker re-routes the request).
  const std::vector<std::string> worker_flags = {"--handler-delay-ms", "1", "--reply-delay-ms",
                                                 "30"};
  cluster.StartWorker(worker_flags);

  zmq::context_t context;
  client::BusClient client(context, cluster.endpoint(), "crash-test");
  ASSERT_TRUE(GetCounter(client, "c").has_value()) << cluster.Logs();
  client::Publisher publisher(context, cluster.endpoint(), "feeder-crash");
  publisher.set_resend_after(milliseconds(300));

  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::vector<int> kill_at;
  for (int i = 0; i < 3; ++i)
    kill_at.push_back(static_cast<int>(rng() % (kCommands / 3)) + i * kCommands / 3 + 1);
  size_t kills = 0;
  LoadResult load = RunAddLoad(
      client, publisher, kCommands, kFedEvery, seed,
      [&](int done) {
        if (kills < kill_at.size() && done >= kill_at[kills]) {
          // A random point inside the next batch's life (handlers, commit, reply delay). The
          // sleep picks the crash point; it does not make anything pass.
          std::this_thread::sleep_for(milliseconds(rng() % 60));
          cluster.KillWorker();
          cluster.StartWorker(worker_flags);
          ++kills;
        }
      },
      milliseconds(180000));
  ASSERT_TRUE(load.error.empty()) << load.error << "\n" << cluster.Logs();
  EXPECT_EQ(kills, 3u);
  // Four incarnations really served (each logs worker_ready once).
  std::string log = ReadFile(cluster.dir().Sub("worker.log"));
  size_t ready = 0;
  for (size_t p = log.find("event=worker_ready"); p != std::string::npos;
       p = log.find("event=worker_ready", p + 1))
    ++ready;
  EXPECT_EQ(ready, 4u);
  ASSERT_TRUE(publisher.Flush(milliseconds(10000)).ok());
  RecordProperty("retries", load.retries);
  std::printf("commands=%d retries=%d add_sum=%lld fed_sum=%lld kills=%zu\n", kCommands,
              load.retries, static_cast<long long>(load.add_sum),
              static_cast<long long>(load.fed_sum), kills);

  EXPECT_EQ(GetCounter(client, "c"), load.add_sum);
  EXPECT_EQ(WaitForCounter(client, "fed:f", load.fed_sum, milliseconds(30000)), load.fed_sum)
      << cluster.Logs();

  auto counts =
      CountByCausation(context, cluster.endpoint(), "test.added", kCommands, milliseconds(60000));
  const size_t total = ExpectOneEventPerCommand(counts, load.command_ids);
  EXPECT_EQ(total, static_cast<size_t>(kCommands)) << cluster.Logs();
  std::printf("test_added_events=%zu distinct_causes=%zu\n", total, counts.size());
}

}  // namespace
}  // namespace mcf::testing
