// The payment service's and Gold Hat's adapters end to end: a real mcf-broker (sim clock) and
// mcf-payments-sim / mcf-goldhat-sim as real processes, billing's requests published by the
// feeder. For each adapter: a transfer is answered once; a refusal is published; calls that time
// out are asked again on later clock ticks with the same key until answered, each transfer
// moving money once; an answer the party sends twice is published twice and moved once; and a
// kill between the service's answer and the commit (--crash-after-calls) asks again after the
// restart under the same key and moves nothing more.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lib/client/bus_client.h"
#include "lib/client/publisher.h"
#include "lib/worker/worker.h"
#include "schemas/billing.h"
#include "schemas/body.h"
#include "schemas/clock.h"
#include "schemas/envelope.h"
#include "schemas/goldhat.h"
#include "schemas/payments.h"
#include "tests/support/process.h"
#include "tests/support/sim_broker_test.h"

namespace mcf::testing {
namespace {

using std::chrono::milliseconds;
namespace billing = schemas::billing;

constexpr int64_t kMinute = 60'000;

// What differs between the two adapters.
struct Adapter {
  std::string name;        // service, producer, data dir: "payments"
  std::string executable;  // StartContext's service: "payments-sim" -> mcf-payments-sim
  std::string request;     // billing's topic
  std::string moved;       // the adapter's answers
  std::string refused;
  std::string stats;
  // billing's request for transfer `id` of `amount` minor units.
  std::string (*Request)(const std::string& id, int64_t amount);
  // The transfer id an answer names.
  std::string (*TransferOf)(const std::string& body);
};

std::string WriteOff(const std::string& id, int64_t amount) {
  return schemas::Encode(billing::WriteOffRequested{id, "inv-" + id, "client-1", amount, 1});
}
std::string Payout(const std::string& id, int64_t amount) {
  return schemas::Encode(billing::PayoutRequested{id, "inv-" + id, "worker-1", amount});
}
std::string SucceededTransfer(const std::string& body) {
  auto e = schemas::Decode<schemas::payments::WriteOffSucceeded>(body);
  return e.ok() ? e->transfer_id : "";
}
std::string SentTransfer(const std::string& body) {
  auto e = schemas::Decode<schemas::goldhat::PayoutSent>(body);
  return e.ok() ? e->transfer_id : "";
}

const Adapter kPayments{"payments",
                        "payments-sim",
                        std::string(billing::kWriteOffRequested),
                        std::string(schemas::payments::kWriteOffSucceeded),
                        std::string(schemas::payments::kWriteOffFailed),
                        std::string(schemas::payments::kStats),
                        WriteOff,
                        SucceededTransfer};
const Adapter kGoldHat{"goldhat",
                       "goldhat-sim",
                       std::string(billing::kPayoutRequested),
                       std::string(schemas::goldhat::kPayoutSent),
                       std::string(schemas::goldhat::kPayoutFailed),
                       std::string(schemas::goldhat::kStats),
                       Payout,
                       SentTransfer};

class MoneyAdaptersTest : public SimBrokerTest, public ::testing::WithParamInterface<Adapter> {
 protected:
  const Adapter& A() const { return GetParam(); }

  ChildProcess Start(const std::vector<std::string>& flags) {
    return StartContext(A().executable, A().name, flags);
  }

  schemas::Reply Call(std::string_view type, std::string body) {
    client::BusClient client(context_, endpoint_, "money-it");
    schemas::Envelope command = client.MakeCommand(type, std::move(body));
    command.principal = schemas::Principal{"admin", "admin-1"};
    schemas::Reply reply;
    const auto end = std::chrono::steady_clock::now() + milliseconds(10000);
    do {
      reply = client.Call(command, milliseconds(1000));
      if (reply.status != Code::kUnavailable && reply.status != Code::kTimeout) break;
      std::this_thread::sleep_for(milliseconds(20));  // pacing a retry loop, not correctness
    } while (std::chrono::steady_clock::now() < end);
    return reply;
  }

  // Both families' stats have the same fields; read as the payments one.
  schemas::payments::SimStats Stats() {
    schemas::Reply reply = Call(A().stats, schemas::EmptyBody());
    EXPECT_EQ(reply.status, Code::kOk) << reply.message << Logs();
    auto stats = schemas::Decode<schemas::payments::SimStats>(reply.body);
    return stats.ok() ? *stats : schemas::payments::SimStats{};
  }

  // Stats until `done(stats)` holds (the adapter works asynchronously); the last seen.
  template <typename Done>
  schemas::payments::SimStats StatsUntil(Done done) {
    schemas::payments::SimStats last = Stats();
    const auto end = std::chrono::steady_clock::now() + milliseconds(10000);
    while (!done(last) && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(milliseconds(20));  // pacing a retry loop, not correctness
      last = Stats();
    }
    return last;
  }

  void Request(client::Publisher& pub, const std::string& id, int64_t amount) {
    Publish(pub, A().request, A().Request(id, amount));
    ASSERT_TRUE(pub.Flush(milliseconds(5000)).ok()) << Logs();
  }

  void Advance(int64_t by_ms) {
    schemas::Reply reply =
        Call(schemas::clock::kAdvance, schemas::clock::Encode(schemas::clock::Advance{by_ms, {}}));
    ASSERT_EQ(reply.status, Code::kOk) << reply.message;
  }

  // The log once it holds `n` events of `topic` (or after the wait).
  Events Until(const std::string& topic, size_t n) {
    return ReadLog("", [&](const Events& e) { return Count(e, topic) >= n; });
  }
};

TEST_P(MoneyAdaptersTest, ATransferIsAnsweredOnceAndMovesMoneyOnce) {
  ChildProcess adapter = Start({});
  client::Publisher pub(context_, endpoint_, "feeder");
  Request(pub, "tr-1", 9'000);
  Events all = Until(A().moved, 1);
  ASSERT_EQ(Count(all, A().moved), 1u) << Logs();
  EXPECT_EQ(Count(all, A().refused), 0u);
  for (const auto& e : all)
    if (e.topic == A().moved) EXPECT_EQ(A().TransferOf(e.body), "tr-1");
  const auto stats = Stats();
  EXPECT_EQ(stats.calls, 1);
  EXPECT_EQ(stats.moved, 1);
  EXPECT_EQ(stats.amount_moved_minor, 9'000);
  EXPECT_EQ(adapter.Stop(), 0) << Logs();
}

TEST_P(MoneyAdaptersTest, ARefusalIsADefiniteAnswer) {
  ChildProcess adapter = Start({"--failure-rate", "1"});
  client::Publisher pub(context_, endpoint_, "feeder");
  Request(pub, "tr-1", 9'000);
  Events all = Until(A().refused, 1);
  EXPECT_EQ(Count(all, A().refused), 1u) << Logs();
  EXPECT_EQ(Count(all, A().moved), 0u);
  const auto stats = Stats();
  EXPECT_EQ(stats.failures, 1);
  EXPECT_EQ(stats.moved, 0);
  EXPECT_EQ(stats.pending, 0);
  EXPECT_EQ(adapter.Stop(), 0) << Logs();
}

TEST_P(MoneyAdaptersTest, TimedOutCallsAreAskedAgainOnLaterTicksAndMoveMoneyOnce) {
  ChildProcess adapter = Start({"--timeout-rate", "0.5"});
  client::Publisher pub(context_, endpoint_, "feeder");
  constexpr size_t kTransfers = 8;
  for (size_t i = 0; i < kTransfers; ++i) Request(pub, "tr-" + std::to_string(i), 100);
  auto first = StatsUntil([&](const auto& s) { return s.calls >= int64_t{kTransfers}; });
  ASSERT_EQ(first.calls, int64_t{kTransfers}) << Logs();
  ASSERT_GE(first.timeouts, 1) << "seed 5 times some first calls out";
  ASSERT_EQ(first.pending, first.timeouts);
  // Half of the calls time out: 40 ticks leave a transfer unanswered with odds 2^-40.
  for (int tick = 0; tick < 40 && Stats().pending > 0; ++tick) Advance(kMinute);
  Events all = Until(A().moved, kTransfers);
  ASSERT_EQ(Count(all, A().moved), kTransfers) << Logs();
  std::set<std::string> ids;
  for (const auto& e : all)
    if (e.topic == A().moved) ids.insert(A().TransferOf(e.body));
  EXPECT_EQ(ids.size(), kTransfers);  // each answered once
  const auto stats = Stats();
  EXPECT_EQ(stats.moved, static_cast<int64_t>(kTransfers));
  EXPECT_EQ(stats.amount_moved_minor, static_cast<int64_t>(kTransfers) * 100);
  EXPECT_GE(stats.timeouts, 1);
  EXPECT_EQ(stats.repeated_calls, stats.calls - static_cast<int64_t>(kTransfers));
  EXPECT_EQ(stats.pending, 0);
  EXPECT_EQ(adapter.Stop(), 0) << Logs();
}

TEST_P(MoneyAdaptersTest, AnAnswerSentTwiceIsPublishedTwiceAndMovedOnce) {
  ChildProcess adapter = Start({"--answer-twice"});
  client::Publisher pub(context_, endpoint_, "feeder");
  Request(pub, "tr-1", 9'000);
  Events all = Until(A().moved, 2);
  EXPECT_EQ(Count(all, A().moved), 2u) << Logs();
  const auto stats = Stats();
  EXPECT_EQ(stats.calls, 1);
  EXPECT_EQ(stats.moved, 1);
  EXPECT_EQ(stats.amount_moved_minor, 9'000);
  EXPECT_EQ(adapter.Stop(), 0) << Logs();
}

TEST_P(MoneyAdaptersTest, AKillBetweenTheCallAndTheCommitAsksAgainAndMovesOnce) {
  ChildProcess adapter = Start({"--crash-after-calls", "1"});
  client::Publisher pub(context_, endpoint_, "feeder");
  Request(pub, "tr-1", 9'000);
  // The service moved the money, then the adapter died before its answer was recorded.
  EXPECT_EQ(adapter.Wait(milliseconds(10000)), worker::kCrashExitCode) << Logs();
  ChildProcess again = Start({});
  Events all = Until(A().moved, 1);
  EXPECT_EQ(Count(all, A().moved), 1u) << Logs();
  const auto stats = Stats();
  EXPECT_EQ(stats.calls, 2) << Logs();  // the redelivered request asked again ...
  EXPECT_EQ(stats.repeated_calls, 1);
  EXPECT_EQ(stats.moved, 1);            // ... and moved nothing more
  EXPECT_EQ(stats.amount_moved_minor, 9'000);
  EXPECT_EQ(again.Stop(), 0) << Logs();
}

INSTANTIATE_TEST_SUITE_P(Adapters, MoneyAdaptersTest, ::testing::Values(kPayments, kGoldHat),
                         [](const ::testing::TestParamInfo<Adapter>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace mcf::testing
