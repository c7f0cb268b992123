// The shared money adapter and its simulated service, on real LMDB envs in a TempDir: the
// service answers a key the same way ever after and moves money once per key (across its own
// reopening), refuses a seeded share of keys and the first tries of each invoice, times calls out
// (done or not) and answers after a delay; the adapter, as the payment service's and as Gold
// Hat's (through the runtime's Dispatcher), publishes only definite answers, asks a timed-out or
// delayed transfer again on a later tick with the same key, publishes an answer sent twice
// twice, and keeps its pending list across a restart.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "adapters/goldhat/family.h"
#include "adapters/money/adapter.h"
#include "adapters/money/simulated_money_service.h"
#include "adapters/payments/family.h"
#include "schemas/billing.h"
#include "schemas/clock.h"
#include "schemas/goldhat.h"
#include "schemas/payments.h"
#include "tests/support/context_harness.h"
#include "tests/support/temp_dir.h"

namespace mcf::money {
namespace {

namespace billing = schemas::billing;
namespace payments = schemas::payments;
namespace goldhat = schemas::goldhat;
constexpr int64_t kMin = 60'000;
constexpr int64_t kT0 = 1'767'603'600'000;  // 2026-01-05T09:00:00Z

std::unique_ptr<SimulatedMoneyService> OpenSim(const std::string& dir, SimOptions options = {}) {
  auto sim = SimulatedMoneyService::Open(dir, options);
  EXPECT_TRUE(sim.ok()) << sim.status().ToString();
  return sim.ok() ? std::move(*sim) : nullptr;
}

TEST(SimulatedMoneyServiceTest, AKeyMovesMoneyOnceAndIsAnsweredTheSameWayAfter) {
  testing::TempDir dir;
  auto sim = OpenSim(dir.path());
  auto first = sim->Call("tr-1", "inv-1", "client-1", 9'000, kT0);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->kind, CallResult::Kind::kAnswered);
  EXPECT_EQ(first->transfer.state, Transfer::State::kMoved);
  EXPECT_EQ(first->answers, 1);
  EXPECT_FALSE(first->transfer.reference.empty());
  sim.reset();
  sim = OpenSim(dir.path());  // the service's state outlives the adapter's process
  auto again = sim->Call("tr-1", "inv-1", "client-1", 1, kT0 + kMin);  // other amount: same key
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->transfer.reference, first->transfer.reference);
  EXPECT_EQ(again->transfer.amount_minor, 9'000);
  auto other = sim->Call("tr-2", "inv-2", "client-1", 500, kT0);
  EXPECT_NE(other->transfer.reference, first->transfer.reference);
  const Counters c = sim->Stats().value();
  EXPECT_EQ(c.calls, 3);
  EXPECT_EQ(c.moved, 2);
  EXPECT_EQ(c.amount_moved_minor, 9'500);
  EXPECT_EQ(c.repeated_calls, 1);
}

TEST(SimulatedMoneyServiceTest, RefusalsAreASeededShareOfKeysAndTheFirstTriesOfEachInvoice) {
  testing::TempDir a, b, outage;
  auto sim_a = OpenSim(a.path(), SimOptions{.failure_rate = 0.3});
  auto sim_b = OpenSim(b.path(), SimOptions{.failure_rate = 0.3});
  int refused = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::string key = "tr-" + std::to_string(i);
    auto x = sim_a->Call(key, "inv-" + key, "c", 100, kT0);
    auto y = sim_b->Call(key, "inv-" + key, "c", 100, kT0);
    ASSERT_EQ(x->transfer.state, y->transfer.state) << key;
    if (x->transfer.state == Transfer::State::kRefused) {
      EXPECT_FALSE(x->transfer.error.empty());
      EXPECT_TRUE(x->transfer.reference.empty());
      ++refused;
    }
  }
  EXPECT_GT(refused, 240);
  EXPECT_LT(refused, 360);
  EXPECT_EQ(sim_a->Stats()->failures, refused);
  EXPECT_EQ(sim_a->Stats()->moved, 1000 - refused);

  auto sim = OpenSim(outage.path(), SimOptions{.fail_first = 2});
  EXPECT_EQ(sim->Call("inv-1/1", "inv-1", "c", 100, kT0)->transfer.state, Transfer::State::kRefused);
  EXPECT_EQ(sim->Call("inv-2/1", "inv-2", "c", 100, kT0)->transfer.state, Transfer::State::kRefused);
  EXPECT_EQ(sim->Call("inv-1/2", "inv-1", "c", 100, kT0)->transfer.state, Transfer::State::kRefused);
  EXPECT_EQ(sim->Call("inv-1/3", "inv-1", "c", 100, kT0)->transfer.state, Transfer::State::kMoved);
  // A refused key stays refused when asked again.
  EXPECT_EQ(sim->Call("inv-1/1", "inv-1", "c", 100, kT0)->transfer.state, Transfer::State::kRefused);
  EXPECT_EQ(sim->Stats()->moved, 1);
}

TEST(SimulatedMoneyServiceTest, TimeoutsLeaveTheTransferDoneOrNotAndALaterCallAnswersIt) {
  testing::TempDir dir;
  auto sim = OpenSim(dir.path(), SimOptions{.timeout_rate = 0.5});
  int timed_out = 0, done_anyway = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string key = "tr-" + std::to_string(i);
    auto r = sim->Call(key, "inv", "c", 100, kT0);
    if (r->kind != CallResult::Kind::kTimedOut) continue;
    ++timed_out;
    done_anyway += r->transfer.state == Transfer::State::kMoved;
    // Ask until answered (each call times out with probability 1/2: 40 tries are plenty).
    auto again = sim->Call(key, "inv", "c", 100, kT0 + kMin);
    for (int t = 0; t < 40 && again->kind != CallResult::Kind::kAnswered; ++t)
      again = sim->Call(key, "inv", "c", 100, kT0 + kMin);
    ASSERT_EQ(again->kind, CallResult::Kind::kAnswered) << key;
    EXPECT_EQ(again->transfer.state, Transfer::State::kMoved);
  }
  EXPECT_GT(timed_out, 60);
  EXPECT_GT(done_anyway, 10);               // some were done before the line went quiet ...
  EXPECT_LT(done_anyway, timed_out - 10);   // ... and some were not
  const Counters c = sim->Stats().value();
  EXPECT_EQ(c.moved, 200);                  // every key moved exactly once
  EXPECT_EQ(c.amount_moved_minor, 200 * 100);
  EXPECT_GE(c.timeouts, timed_out);
}

TEST(SimulatedMoneyServiceTest, WithADelayTheAnswerComesOnceItsTimeHasCome) {
  testing::TempDir dir;
  auto sim = OpenSim(dir.path(), SimOptions{.answer_twice = true, .delay_ms = 5 * kMin});
  EXPECT_EQ(sim->Call("tr-1", "inv", "c", 100, kT0)->kind, CallResult::Kind::kProcessing);
  EXPECT_EQ(sim->Call("tr-1", "inv", "c", 100, kT0 + 5 * kMin - 1)->kind,
            CallResult::Kind::kProcessing);
  auto answered = sim->Call("tr-1", "inv", "c", 100, kT0 + 5 * kMin);
  EXPECT_EQ(answered->kind, CallResult::Kind::kAnswered);
  EXPECT_EQ(answered->answers, 2);
  EXPECT_EQ(sim->Stats()->moved, 1);
}

// The adapter as the payment service's (the first family) and as Gold Hat's (the second).
class MoneyAdapterTest : public ::testing::Test {
 protected:
  void OpenPayments(SimOptions options) {
    options.name = "payments";
    Status s = h_.Open([&](worker::Dispatcher& d) {
      return MoneyAdapter::Install<mcf::payments::PaymentsFamily>(d, OpenSim(world_.path(), options));
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void WriteOff(const std::string& transfer, int64_t amount, int64_t at) {
    billing::WriteOffRequested r{transfer, "inv-" + transfer, "client-1", amount, 1};
    ASSERT_TRUE(h_.Event(billing::kWriteOffRequested, schemas::Encode(r), at).ok());
  }
  void Tick(int64_t at) {
    ASSERT_TRUE(
        h_.Event(schemas::clock::kTick, schemas::Encode(schemas::clock::Tick{at}), at).ok());
  }
  std::vector<std::string> Topics() {
    std::vector<std::string> t;
    for (const auto& e : h_.NewEvents()) t.push_back(e.topic);
    return t;
  }
  template <typename Stats>
  typename Stats::Reply StatsOf() {
    schemas::Reply reply =
        h_.Command(Stats::kInfo.type, schemas::Encode(Stats{}), std::nullopt, kT0);
    EXPECT_EQ(reply.status, Code::kOk) << reply.message;
    return schemas::Decode<typename Stats::Reply>(reply.body).value();
  }

  testing::TempDir world_;
  testing::ContextHarness h_{"payments"};
};

TEST_F(MoneyAdapterTest, AWriteOffIsAnsweredOnceWithTheServicesReference) {
  OpenPayments({});
  WriteOff("tr-1", 9'000, kT0);
  auto events = h_.NewEvents();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_EQ(events[0].topic, payments::kWriteOffSucceeded);
  auto ok = schemas::Decode<payments::WriteOffSucceeded>(events[0].body);
  EXPECT_EQ(ok->transfer_id, "tr-1");
  EXPECT_EQ(ok->invoice_id, "inv-tr-1");
  EXPECT_EQ(ok->amount_minor, 9'000);
  EXPECT_EQ(ok->reference.rfind("payments-", 0), 0u) << ok->reference;
  Tick(kT0 + kMin);
  EXPECT_TRUE(Topics().empty());  // nothing pending
  const auto stats = StatsOf<payments::Stats>();
  EXPECT_EQ(stats.moved, 1);
  EXPECT_EQ(stats.amount_moved_minor, 9'000);
  EXPECT_EQ(stats.pending, 0);
}

TEST_F(MoneyAdapterTest, ARefusalIsPublishedWithWhatTheServiceSaid) {
  OpenPayments({.failure_rate = 1.0});
  WriteOff("tr-1", 9'000, kT0);
  auto events = h_.NewEvents();
  ASSERT_EQ(events.size(), 1u);
  ASSERT_EQ(events[0].topic, payments::kWriteOffFailed);
  EXPECT_FALSE(schemas::Decode<payments::WriteOffFailed>(events[0].body)->error.empty());
  EXPECT_EQ(StatsOf<payments::Stats>().moved, 0);
}

TEST_F(MoneyAdapterTest, ATimedOutTransferIsAskedAgainOnALaterTickAndSurvivesARestart) {
  OpenPayments({.timeout_rate = 1.0});  // no call is ever answered
  WriteOff("tr-1", 9'000, kT0);
  EXPECT_TRUE(Topics().empty());
  Tick(kT0);  // not later than the call: not asked again
  EXPECT_EQ(StatsOf<payments::Stats>().calls, 1);
  Tick(kT0 + kMin);
  auto stats = StatsOf<payments::Stats>();
  EXPECT_EQ(stats.calls, 2);
  EXPECT_EQ(stats.timeouts, 2);
  EXPECT_EQ(stats.pending, 1);
  EXPECT_TRUE(Topics().empty());
  OpenPayments({});  // restarted, and the line is fine again: the pending list is in the store
  Tick(kT0 + 2 * kMin);
  EXPECT_EQ(Topics(), std::vector<std::string>{std::string(payments::kWriteOffSucceeded)});
  stats = StatsOf<payments::Stats>();
  EXPECT_EQ(stats.moved, 1);  // however many calls, one movement
  EXPECT_EQ(stats.repeated_calls, 2);
  EXPECT_EQ(stats.pending, 0);
  Tick(kT0 + 3 * kMin);
  EXPECT_TRUE(Topics().empty());
}

TEST_F(MoneyAdapterTest, ADelayedAnswerSentTwiceIsPublishedTwiceAndMovedOnce) {
  OpenPayments({.answer_twice = true, .delay_ms = 10 * kMin});
  WriteOff("tr-1", 9'000, kT0);
  EXPECT_TRUE(Topics().empty());
  Tick(kT0 + 9 * kMin);
  EXPECT_TRUE(Topics().empty());
  Tick(kT0 + 10 * kMin);
  EXPECT_EQ(Topics(), (std::vector<std::string>{std::string(payments::kWriteOffSucceeded),
                                                std::string(payments::kWriteOffSucceeded)}));
  EXPECT_EQ(StatsOf<payments::Stats>().moved, 1);
}

TEST(GoldHatAdapterTest, APayoutIsSentAndARepeatedRequestMovesNothingMore) {
  testing::TempDir world;
  testing::ContextHarness h{"goldhat"};
  ASSERT_TRUE(h.Open([&](worker::Dispatcher& d) {
                 return MoneyAdapter::Install<mcf::goldhat::GoldHatFamily>(
                     d, OpenSim(world.path(), SimOptions{.name = "goldhat"}));
               }).ok());
  billing::PayoutRequested r{"tr-9", "inv-9", "worker-1", 42'000};
  ASSERT_TRUE(h.Event(billing::kPayoutRequested, schemas::Encode(r), kT0).ok());
  ASSERT_TRUE(h.Event(billing::kPayoutRequested, schemas::Encode(r), kT0 + kMin).ok());
  auto events = h.NewEvents();
  ASSERT_EQ(events.size(), 2u);
  auto first = schemas::Decode<goldhat::PayoutSent>(events[0].body);
  auto second = schemas::Decode<goldhat::PayoutSent>(events[1].body);
  EXPECT_EQ(events[0].topic, goldhat::kPayoutSent);
  EXPECT_EQ(first->amount_minor, 42'000);
  EXPECT_EQ(first->reference, second->reference);
  EXPECT_EQ(first->reference.rfind("goldhat-", 0), 0u);
  schemas::Reply reply =
      h.Command(goldhat::kStats, schemas::Encode(goldhat::Stats{}), std::nullopt, kT0);
  ASSERT_EQ(reply.status, Code::kOk) << reply.message;
  auto stats = schemas::Decode<goldhat::SimStats>(reply.body);
  EXPECT_EQ(stats->calls, 2);
  EXPECT_EQ(stats->moved, 1);
  EXPECT_EQ(stats->repeated_calls, 1);
}

}  // namespace
}  // namespace mcf::money
