// kill -9 of the BROKER under load, restarted on the same data dir and port: the worker (not
// restarted) re-registers by itself, its consumer resumes from its own offset, and outbox
// events that could not be acknowledged while the broker was down reach the log exactly once.
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "tests/integration/runtime_harness.h"

namespace mcf::testing {
namespace {

TEST(RuntimeBrokerRestartTest, WorkerReregistersAndNothingIsLostOrDoubled) {
  constexpr int kCommands = 600;
  constexpr int kFedEvery = 3;
  RuntimeCluster cluster;
  ASSERT_TRUE(cluster.StartBroker()) << cluster.Logs();
  cluster.StartWorker({"--handler-delay-ms", "2"});
  const pid_t worker_pid = cluster.worker().pid();

  zmq::context_t context;
  client::BusClient client(context, cluster.endpoint(), "restart-test");
  ASSERT_TRUE(GetCounter(client, "c").has_value()) << cluster.Logs();
  client::Publisher publisher(context, cluster.endpoint(), "feeder-restart");
  publisher.set_resend_after(milliseconds(300));

  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  const int kill_at = static_cast<int>(seed % (kCommands / 2)) + kCommands / 4;
  bool restarted = false;
  long long reregister_ms = -1;
  LoadResult load = RunAddLoad(
      client, publisher, kCommands, kFedEvery, seed,
      [&](int done) {
        if (restarted || done < kill_at) return;
        restarted = true;
        cluster.KillBroker();
        // Down for a moment: the worker keeps committing its current batch into the outbox.
        std::this_thread::sleep_for(milliseconds(200));
        if (!cluster.StartBroker()) return;
        // The worker must come back on its own: a fresh client's command succeeds soon.
        auto t0 = std::chrono::steady_clock::now();
        client::BusClient probe(context, cluster.endpoint(), "probe");
        if (GetCounter(probe, "probe", milliseconds(10000)).has_value())
          reregister_ms =
              std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0)
                  .count();
      },
      milliseconds(180000));
  ASSERT_TRUE(load.error.empty()) << load.error << "\n" << cluster.Logs();
  ASSERT_TRUE(restarted);
  EXPECT_EQ(cluster.worker().pid(), worker_pid);  // never restarted
  EXPECT_GE(reregister_ms, 0) << cluster.Logs();
  EXPECT_LT(reregister_ms, 5000);
  ASSERT_TRUE(publisher.Flush(milliseconds(10000)).ok());
  std::printf("commands=%d retries=%d reregister_ms=%lld add_sum=%lld fed_sum=%lld\n", kCommands,
              load.retries, reregister_ms, static_cast<long long>(load.add_sum),
              static_cast<long long>(load.fed_sum));

  EXPECT_EQ(GetCounter(client, "c"), load.add_sum);
  EXPECT_EQ(WaitForCounter(client, "fed:f", load.fed_sum, milliseconds(30000)), load.fed_sum)
      << cluster.Logs();

  auto counts =
      CountByCausation(context, cluster.endpoint(), "test.added", kCommands, milliseconds(60000));
  const size_t total = ExpectOneEventPerCommand(counts, load.command_ids);
  EXPECT_EQ(total, static_cast<size_t>(kCommands));
  // The worker noticed and re-registered (broker RECONNECT or silence), without a restart.
  EXPECT_NE(ReadFile(cluster.dir().Sub("worker.log")).find("event=worker_reconnect"),
            std::string::npos);
}

}  // namespace
}  // namespace mcf::testing
