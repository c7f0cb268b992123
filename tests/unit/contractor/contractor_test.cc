// The fortune-cookie contractor's simulator and adapter, on real LMDB envs in a TempDir:
// the simulator answers a key once and the same way ever after (a repeated call orders no
// second cookie), fails a seeded share of keys the same way every run, and hands out ready
// cookies in placement order past a cursor; the adapter (through the runtime's Dispatcher)
// turns supplies' requests into contractor.cookie_accepted / _failed, announces each ready
// cookie once (on a tick, or at once with no delay), survives its own restart, and drops
// canceled cookies.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "adapters/contractor/adapter.h"
#include "adapters/contractor/simulated_contractor.h"
#include "schemas/clock.h"
#include "schemas/contractor.h"
#include "schemas/supplies.h"
#include "tests/support/context_harness.h"
#include "tests/support/temp_dir.h"

namespace mcf::contractor {
namespace {

namespace wire = schemas::contractor;
namespace supplies = schemas::supplies;
constexpr int64_t kMin = 60'000;
constexpr int64_t kT0 = 1'767'603'600'000;  // 2026-01-05T09:00:00Z

std::unique_ptr<SimulatedContractor> OpenSim(const std::string& dir, SimOptions options = {}) {
  auto sim = SimulatedContractor::Open(dir, options);
  EXPECT_TRUE(sim.ok()) << sim.status().ToString();
  return sim.ok() ? std::move(*sim) : nullptr;
}

TEST(SimulatedContractorTest, AKeyIsOrderedOnceAndAnsweredTheSameWayAfter) {
  testing::TempDir dir;
  auto sim = OpenSim(dir.path());
  auto first = sim->Order("s1/1", "s1", 1, "c1", kT0);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->failed);
  EXPECT_EQ(first->ready_at_ms, kT0 + 10 * kMin);
  auto again = sim->Order("s1/1", "s1", 1, "c1", kT0 + 5 * kMin);  // a retried call
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ready_at_ms, kT0 + 10 * kMin);
  sim.reset();
  sim = OpenSim(dir.path());  // the contractor's state outlives the adapter's process
  auto third = sim->Order("s1/1", "s1", 1, "c1", kT0 + 6 * kMin);
  EXPECT_EQ(third->seq, first->seq);
  auto stats = sim->Stats();
  EXPECT_EQ(stats->calls, 3);
  EXPECT_EQ(stats->orders, 1);
  EXPECT_EQ(stats->repeated_calls, 2);
}

TEST(SimulatedContractorTest, FailuresAreASeededShareOfKeysTheSameEveryRun) {
  testing::TempDir a, b, c;
  SimOptions options;
  options.failure_rate = 0.3;
  auto sim_a = OpenSim(a.path(), options), sim_b = OpenSim(b.path(), options);
  options.seed = 2;
  auto sim_c = OpenSim(c.path(), options);
  int failed = 0, differs_with_seed = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::string key = "s" + std::to_string(i) + "/1";
    auto x = sim_a->Order(key, "s", 1, "c", kT0), y = sim_b->Order(key, "s", 1, "c", kT0);
    auto z = sim_c->Order(key, "s", 1, "c", kT0);
    ASSERT_EQ(x->failed, y->failed) << key;
    EXPECT_EQ(x->error, y->error);
    if (x->failed) {
      EXPECT_FALSE(x->error.empty());
    }
    failed += x->failed;
    differs_with_seed += x->failed != z->failed;
  }
  EXPECT_GT(failed, 240);
  EXPECT_LT(failed, 360);
  EXPECT_GT(differs_with_seed, 100);
}

TEST(SimulatedContractorTest, AScriptedOutageFailsTheFirstTriesOfEveryOrder) {
  testing::TempDir dir;
  auto sim = OpenSim(dir.path(), SimOptions{.fail_first_tries = 2});
  EXPECT_TRUE(sim->Order("s1/1", "s1", 1, "c", kT0)->failed);
  EXPECT_TRUE(sim->Order("s1/2", "s1", 2, "c", kT0)->failed);
  EXPECT_FALSE(sim->Order("s1/3", "s1", 3, "c", kT0)->failed);
  EXPECT_EQ(sim->Stats()->failures, 2);
}

TEST(SimulatedContractorTest, ReadyCookiesComeInPlacementOrderPastTheCursor) {
  testing::TempDir dir;
  SimOptions options;
  options.delay_ms = 10 * kMin;
  auto sim = OpenSim(dir.path(), options);
  ASSERT_TRUE(sim->Order("z/1", "z", 1, "c", kT0).ok());
  ASSERT_TRUE(sim->Order("a/1", "a", 1, "c", kT0).ok());  // same time, sorts first by key
  ASSERT_TRUE(sim->Order("m/1", "m", 1, "c", kT0 + kMin).ok());
  EXPECT_TRUE(sim->ReadyAfter({}, kT0 + 10 * kMin - 1, 10)->empty());
  auto ready = sim->ReadyAfter({}, kT0 + 10 * kMin, 10);
  ASSERT_EQ(ready->size(), 2u);
  EXPECT_EQ((*ready)[0].key, "z/1");  // placement order, not key order
  EXPECT_EQ((*ready)[1].key, "a/1");
  const ReadyCursor cursor{(*ready)[1].ready_at_ms, (*ready)[1].seq};
  EXPECT_TRUE(sim->ReadyAfter(cursor, kT0 + 10 * kMin, 10)->empty());
  ASSERT_TRUE(sim->Cancel("m/1").ok());
  auto rest = sim->ReadyAfter(cursor, kT0 + 60 * kMin, 10);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_TRUE((*rest)[0].canceled);
  EXPECT_EQ(sim->Stats()->cancellations, 1);
}

TEST(SimulatedContractorTest, ReadyTimesNeverGoBackwardsWhenTheDelayIsLowered) {
  testing::TempDir dir;
  SimOptions slow;
  slow.delay_ms = 10 * kMin;
  auto sim = OpenSim(dir.path(), slow);
  ASSERT_TRUE(sim->Order("a/1", "a", 1, "c", kT0).ok());
  sim.reset();
  sim = OpenSim(dir.path(), SimOptions{.delay_ms = 0});
  auto b = sim->Order("b/1", "b", 1, "c", kT0 + kMin);
  EXPECT_EQ(b->ready_at_ms, kT0 + 10 * kMin);
}

class ContractorAdapterTest : public ::testing::Test {
 protected:
  void Open(SimOptions options) {
    Status s = h_.Open([&](worker::Dispatcher& d) {
      return ContractorAdapter::Install(d, OpenSim(world_.path(), options));
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void Request(const std::string& order, int64_t attempt, int64_t at) {
    supplies::CookieRequested r{order + "/" + std::to_string(attempt), order, attempt, "c1", "t1",
                                kT0 + 600 * kMin};
    ASSERT_TRUE(h_.Event(supplies::kCookieRequested, schemas::Encode(r), at).ok());
  }
  void Tick(int64_t at) {
    ASSERT_TRUE(h_.Event(schemas::clock::kTick, schemas::Encode(schemas::clock::Tick{at}), at).ok());
  }
  std::vector<std::string> Topics() {
    std::vector<std::string> t;
    for (const auto& e : h_.NewEvents()) t.push_back(e.topic);
    return t;
  }
  wire::SimStats Stats() {
    schemas::Reply reply = h_.Command(wire::kStats, schemas::Encode(wire::Stats{}), std::nullopt, kT0);
    EXPECT_EQ(reply.status, Code::kOk) << reply.message;
    return wire::Decode<wire::SimStats>(reply.body).value();
  }

  testing::TempDir world_;
  testing::ContextHarness h_{"contractor"};
};

TEST_F(ContractorAdapterTest, RequestIsAcceptedAndTheCookieAnnouncedOnceWhenReady) {
  Open(SimOptions{});
  Request("s1", 1, kT0);
  auto events = h_.NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].topic, wire::kCookieAccepted);
  auto accepted = wire::Decode<wire::CookieAccepted>(events[0].body);
  EXPECT_EQ(accepted->idempotency_key, "s1/1");
  EXPECT_EQ(accepted->expected_at_ms, kT0 + 10 * kMin);
  Tick(kT0 + 9 * kMin);
  EXPECT_TRUE(Topics().empty());
  Tick(kT0 + 10 * kMin);
  events = h_.NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].topic, wire::kCookieDelivered);
  EXPECT_EQ(wire::Decode<wire::CookieDelivered>(events[0].body)->delivered_at_ms, kT0 + 10 * kMin);
  Open(SimOptions{});  // the announcements are in the adapter's store
  Tick(kT0 + 11 * kMin);
  EXPECT_TRUE(Topics().empty());
  const wire::SimStats stats = Stats();
  EXPECT_EQ(stats.orders, 1);
  EXPECT_EQ(stats.deliveries, 1);
}

TEST_F(ContractorAdapterTest, WithoutDelayTheCookieIsDeliveredAtOnceAndFailuresArePublished) {
  Open(SimOptions{.delay_ms = 0, .failure_rate = 1.0});  // every order fails
  Request("s1", 1, kT0);
  auto events = h_.NewEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].topic, wire::kCookieFailed);
  EXPECT_FALSE(wire::Decode<wire::CookieFailed>(events[0].body)->error.empty());
  Open(SimOptions{.delay_ms = 0});  // the contractor recovers
  Request("s1", 2, kT0 + kMin);
  EXPECT_EQ(Topics(), (std::vector<std::string>{std::string(wire::kCookieAccepted),
                                                std::string(wire::kCookieDelivered)}));
}

TEST_F(ContractorAdapterTest, CanceledCookieIsNeverAnnounced) {
  Open(SimOptions{});
  Request("s1", 1, kT0);
  h_.NewEvents();
  supplies::CookieRequestCanceled canceled{"s1/1", "s1"};
  ASSERT_TRUE(
      h_.Event(supplies::kCookieRequestCanceled, schemas::Encode(canceled), kT0 + kMin).ok());
  Tick(kT0 + 30 * kMin);
  EXPECT_TRUE(Topics().empty());
  EXPECT_EQ(Stats().cancellations, 1);
}

}  // namespace
}  // namespace mcf::contractor
