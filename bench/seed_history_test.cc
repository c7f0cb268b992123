// The seeded history reads back through each context's own store class as the contexts would
// see it: completed orders of N/100 clients, completed tasks, issued supply orders, and
// matching's 4 past workers with their results and bookings, all before the start time (so the
// bench's new appointments never meet a past booking).
#include "bench/seed_history.h"

#include <gtest/gtest.h>

#include <set>

#include "lib/worker/dispatcher.h"
#include "tests/support/temp_dir.h"
#include "workers/matching/matching_store.h"
#include "workers/portal/portal_store.h"
#include "workers/supplies/supplies_store.h"
#include "workers/tasks/tasks_store.h"

namespace mcf::bench {
namespace {

constexpr int64_t kStart = 1'767'600'000'000;  // 2026-01-05T08:00:00Z
constexpr int64_t kDay = 24 * 3'600'000;
constexpr uint64_t kOrders = 1000;

class SeedHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto seeded = SeedHistory(temp_.path(), kOrders, kStart);
    ASSERT_TRUE(seeded.ok()) << seeded.status().ToString();
    EXPECT_EQ(seeded->orders, kOrders);
    EXPECT_EQ(seeded->clients, kOrders / 100);
  }
  // Opens <temp>/<service> as the worker runtime does.
  worker::Dispatcher& Open(const std::string& service) {
    dispatcher_ = std::make_unique<worker::Dispatcher>(service, 1);
    Status s = dispatcher_->Open(temp_.Sub(service), size_t{64} << 20);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return *dispatcher_;
  }

  testing::TempDir temp_;
  std::unique_ptr<worker::Dispatcher> dispatcher_;
};

TEST_F(SeedHistoryTest, PortalHasEveryClientsCompletedOrders) {
  auto& d = Open("portal");
  auto store = portal::PortalStore::Open(d);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto txn = d.env().BeginRead();
  ASSERT_TRUE(txn.ok());
  auto page = store->ListOrders(*txn, std::string("past-client-3"), "", kOrders);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->orders.size(), kOrders / (kOrders / 100));
  for (const portal::Order& o : page->orders) {
    EXPECT_EQ(o.status, portal::OrderStatus::kCompleted) << o.id;
    EXPECT_FALSE(o.worker_id.empty()) << o.id;
    EXPECT_TRUE(o.kit_issued) << o.id;
    EXPECT_LT(o.ends_at_ms, kStart) << o.id;
    EXPECT_EQ(o.timeline.size(), 5u) << o.id;  // requested, assigned, kit, checked in, completed
  }
  auto account = store->AccountByClient(*txn, "past-client-0");
  ASSERT_TRUE(account.ok());
  EXPECT_TRUE(account->has_value());
}

TEST_F(SeedHistoryTest, TasksAreCompletedAndSuppliesIssued) {
  {
    auto& d = Open("tasks");
    auto store = tasks::TasksStore::Open(d);
    ASSERT_TRUE(store.ok());
    auto txn = d.env().BeginRead();
    ASSERT_TRUE(txn.ok());
    auto all = store->Scan(*txn, [](const tasks::Task&) { return true; });
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    ASSERT_EQ(all->size(), kOrders);
    for (const tasks::Task& t : *all) {
      EXPECT_EQ(t.state, schemas::tasks::TaskState::kCompleted) << t.id;
      EXPECT_TRUE(t.kit_issued) << t.id;
    }
  }
  auto& d = Open("supplies");
  auto store = supplies::SuppliesStore::Open(d);
  ASSERT_TRUE(store.ok());
  auto txn = d.env().BeginRead();
  ASSERT_TRUE(txn.ok());
  auto id = store->OrderIdForTask(*txn, PastOrderId(kOrders - 1));
  ASSERT_TRUE(id.ok() && id->has_value());
  auto order = store->GetOrder(*txn, **id);
  ASSERT_TRUE(order.ok() && order->has_value());
  EXPECT_EQ((*order)->status, schemas::supplies::SupplyStatus::kIssued);
  EXPECT_TRUE((*order)->complete);
  supplies::BoardQuery all_issued;
  all_issued.status = schemas::supplies::SupplyStatus::kIssued;
  all_issued.limit = kOrders + 1;
  auto issued = store->Board(*txn, all_issued);
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(issued->orders.size(), kOrders);
}

TEST_F(SeedHistoryTest, MatchingWorkersAreBookedOnlyInThePastAndNeverTwice) {
  auto& d = Open("matching");
  auto store = matching::MatchingStore::Open(d);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto txn = d.env().BeginRead();
  ASSERT_TRUE(txn.ok());
  // From the start on, nobody is booked: the bench's new appointments find everyone free.
  auto ahead = store->LoadPool(*txn, kStart, kStart + 365 * kDay);
  ASSERT_TRUE(ahead.ok()) << ahead.status().ToString();
  ASSERT_EQ(ahead->size(), 4u);
  for (const auto& w : *ahead) {
    EXPECT_TRUE(w.bookings.empty()) << w.worker_id;
    EXPECT_EQ(w.results.completed, static_cast<int64_t>(kOrders / 4)) << w.worker_id;
  }
  // Every task has its booking, and one worker's bookings never overlap.
  std::set<std::string> booked;
  for (const auto& w : *ahead) {
    auto bookings = store->BookingsOverlapping(*txn, w.worker_id, 0, kStart, kOrders);
    ASSERT_TRUE(bookings.ok());
    for (size_t i = 0; i < bookings->size(); ++i) {
      booked.insert((*bookings)[i].task_id);
      if (i > 0)
        EXPECT_LE((*bookings)[i - 1].ends_at_ms, (*bookings)[i].starts_at_ms) << w.worker_id;
    }
  }
  EXPECT_EQ(booked.size(), kOrders);
}

TEST_F(SeedHistoryTest, StoresReportTheirSize) {
  for (const char* service : {"portal", "tasks", "matching", "supplies"}) {
    auto used = StoreUsedBytes(temp_.Sub(service));
    ASSERT_TRUE(used.ok()) << service << ": " << used.status().ToString();
    EXPECT_GT(*used, 64u * 1024) << service;  // 1000 orders are more than a few empty pages
  }
}

}  // namespace
}  // namespace mcf::bench
