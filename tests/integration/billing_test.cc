// Billing with real processes: a sim mcf-broker and mcf-billing (LocalSystem), the tasks and
// hiring events published by test keys named `tasks` and `hiring`, and a seeded world of random
// traffic. The outside answers come either from the test itself, by keys of role outside named
// `payments` and `goldhat` (as replay publishes them; with failures, repeated and contradicting
// answers), or from the real adapters mcf-payments-sim and mcf-goldhat-sim with seeded
// refusals, timeouts and doubled answers. Three checks:
//  - a shadow model recomputes every expected balance from the events alone and is compared
//    with billing's statements after every simulated day of a 30-day run, with the invariants
//    (`mcfctl ledger check` on the live store; each charge and earning traces to exactly one
//    tasks.task_finalized; no write-off or payout try sent twice; tries of one invoice one at a
//    time);
//  - kill -9 of billing and of each adapter at random points of a simulated month, restart,
//    finish: the ledger dump (and the money the services moved) equals that of an uninterrupted
//    run of the same inputs, byte for byte;
//  - `mcfctl ledger check` exits 0 on a healthy store.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "lib/base/stable_hash.h"
#include "lib/client/publisher.h"
#include "lib/process/local_system.h"
#include "lib/replay/barrier.h"
#include "lib/security/bus_identity.h"
#include "lib/security/key_directory.h"
#include "schemas/billing.h"
#include "schemas/body.h"
#include "schemas/clock.h"
#include "schemas/envelope.h"
#include "schemas/goldhat.h"
#include "schemas/hiring.h"
#include "schemas/payments.h"
#include "schemas/tasks.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace mcf::testing {
namespace {

using std::chrono::milliseconds;
namespace clk = schemas::clock;
namespace wire = schemas::billing;
namespace tasks = schemas::tasks;

constexpr int64_t kStartMs = 1'767'571'200'000;  // Monday 2026-01-05T00:00:00Z
constexpr int64_t kDay = 86'400'000;
constexpr milliseconds kTimeout{20000};
const schemas::Principal kAdmin{"admin", "ops"};

// The rules as the SPEC states them, written again here so that the model does not borrow the
// code it checks.
int64_t ModelDiscount(int64_t paid) {
  if (paid <= 1'000'000) return 0;
  int64_t percent = 5;
  for (int64_t above = 2'000'000; paid > above && percent < 12; above += 1'000'000) ++percent;
  return percent;
}

struct ModelClient {
  int64_t unbilled = 0, due = 0, paid = 0;
  std::set<std::string> charged_tasks;
};
struct ModelWorker {
  int64_t earned = 0;
  std::set<std::string> earning_tasks;
};

constexpr int kWorkers = 5;
std::string WorkerId(int i) { return "w" + std::to_string(i); }

// One system under test and the test's own peers on it.
class BillingWorld {
 public:
  // real_adapters: mcf-payments-sim and mcf-goldhat-sim answer billing's tries, failing and
  // timing out by their seed; else the test answers them (AnswerTries).
  BillingWorld(const TempDir& dir, std::string name, bool real_adapters) {
    process::SystemOptions so;
    so.bin_dir = BinDir();
    so.data_dir = dir.Sub(name);
    so.contexts = {"billing"};
    so.outside = {{"tasks", "", {}, false}, {"hiring", "", {}, false}};
    const std::vector<std::string> faults = {"--failure-rate", "0.3", "--timeout-rate", "0.3"};
    std::vector<std::string> twice = faults;
    twice.push_back("--answer-twice");
    if (real_adapters) {
      adapters_ = {"payments", "goldhat"};
      so.outside.push_back({"payments", "mcf-payments-sim", twice, true});
      so.outside.push_back({"goldhat", "mcf-goldhat-sim", faults, true});
    } else {
      so.outside.push_back({"payments", "", {}, false});
      so.outside.push_back({"goldhat", "", {}, false});
    }
    so.broker_flags = {"--clock", "sim", "--start", clk::Iso8601(kStartMs), "--seed", "7"};
    so.worker_flags = {"--seed", "7", "--durable-replies"};
    auto system = process::LocalSystem::Start(so);
    EXPECT_TRUE(system.ok()) << system.status().ToString();
    if (!system.ok()) return;
    system_ = std::move(*system);
    bus_ = std::make_unique<replay::BusDriver>(context_, system_->broker_endpoint(), "reads");
    credits_ = std::make_unique<replay::BusDriver>(context_, system_->broker_endpoint(), "credits");
    for (const char* peer : {"tasks", "hiring", "payments", "goldhat"}) {
      auto curve = security::LoadClientCurve(security::KeyFileOf(system_->keys_dir(), peer));
      EXPECT_TRUE(curve.ok() && curve->has_value());
      if (!curve.ok() || !curve->has_value()) return;
      publishers_[peer] = std::make_unique<client::Publisher>(
          context_, system_->broker_endpoint(), peer, 1, &**curve);
    }
    now_ = kStartMs;
    // Billing credits only the workers hiring announced.
    for (int i = 0; i < kWorkers; ++i) {
      schemas::hiring::WorkerHired hired;
      hired.worker_id = WorkerId(i);
      hired.name = "Cat " + hired.worker_id;
      Publish("hiring", hired);
    }
    ok_ = Idle().ok();
  }

  bool ok() const { return ok_; }
  process::LocalSystem& system() { return *system_; }
  std::string billing_dir() const { return system_->data_dir() + "/billing"; }
  int64_t now() const { return now_; }

  template <class E>
  void Publish(const std::string& producer, const E& event) {
    schemas::Envelope e;
    e.id = producer + ":" + std::to_string(++sent_[producer]);
    e.type = std::string(E::kInfo.type);
    e.producer = producer;
    e.time_ms = now_;
    e.correlation_id = e.id;
    e.body = schemas::Encode(event);
    publishers_[producer]->Publish(e.type, schemas::Encode(e));
  }
  Status Flush() {
    for (auto& [name, p] : publishers_) RETURN_IF_ERROR(p->Flush(kTimeout));
    return Status::Ok();
  }
  Status Idle() {
    RETURN_IF_ERROR(Flush());
    return bus_->WaitIdle(kTimeout);
  }
  // The next midnight; with `kill`, `kill` (an adapter) is killed -9 `kill_after` after the
  // clock moved, in the middle of the day's first tries or before them, and started again.
  Status AdvanceDay(const std::string& kill = "", milliseconds kill_after = milliseconds(0)) {
    auto r = bus_->Call("clock.advance", clk::Encode(clk::Advance{kDay, std::nullopt}), kTimeout);
    if (!r.ok()) return r.status();
    now_ += kDay;
    if (!kill.empty()) {
      std::this_thread::sleep_for(kill_after);  // where the kill lands, not correctness
      RETURN_IF_ERROR(KillAndRestart(kill));
    }
    return bus_->WaitIdle(kTimeout);
  }

  // Billing's events since the last call, in log order.
  std::vector<replay::CollectedEvent> NewEvents() {
    bus_->DrainEvents();
    const auto& all = bus_->events();
    std::vector<replay::CollectedEvent> out;
    for (; seen_ < all.size(); ++seen_)
      if (all[seen_].topic.rfind("billing.", 0) == 0) out.push_back(all[seen_]);
    return out;
  }

  template <class C>
  Result<typename C::Reply> Call(const C& command, replay::BusDriver* via = nullptr) {
    ASSIGN_OR_RETURN(std::string bytes, (via ? via : bus_.get())
                                            ->Call(C::kInfo.type, schemas::Encode(command),
                                                   kTimeout, kAdmin, now_));
    ASSIGN_OR_RETURN(schemas::Reply reply, schemas::DecodeReply(bytes));
    if (reply.status != Code::kOk) return Status(reply.status, reply.message);
    return schemas::Decode<typename C::Reply>(reply.body);
  }
  Status Credit(const std::string& worker, int64_t amount) {
    return Call(wire::CreditWorker{worker, amount, "model credit"}, credits_.get()).status();
  }

  // kill -9 `name` (billing or an adapter) and start it again; returns once it answers and has
  // caught up.
  Status KillAndRestart(const std::string& name) {
    process::ChildProcess* process = system_->Find(name);
    if (process == nullptr) return Status::NotFound("no process " + name);
    process->Signal(SIGKILL);
    RETURN_IF_ERROR(system_->Restart(name));
    RETURN_IF_ERROR(Flush());
    // Up once it answers (bounded: 20 s); then it has subscribed and the barrier waits for it.
    Status answered = Status::Unavailable(name + " did not answer after its restart");
    for (int i = 0; i < 200 && !answered.ok(); ++i) {
      answered = name == "billing" ? Call(wire::GetClientStatement{"nobody"}).status()
                                   : ServiceStats(name).status();
      if (!answered.ok()) std::this_thread::sleep_for(milliseconds(100));
    }
    RETURN_IF_ERROR(answered);
    return bus_->WaitIdle(kTimeout);
  }

  // What the outside service `name` (a real adapter's simulator) moved: "<moved> <amount>".
  Result<std::string> ServiceStats(const std::string& name) {
    const std::string type = name + ".stats";
    ASSIGN_OR_RETURN(std::string bytes,
                     bus_->Call(type, schemas::EmptyBody(), milliseconds(2000), kAdmin, now_));
    ASSIGN_OR_RETURN(schemas::Reply reply, schemas::DecodeReply(bytes));
    if (reply.status != Code::kOk) return Status(reply.status, reply.message);
    ASSIGN_OR_RETURN(auto stats, schemas::Decode<schemas::payments::SimStats>(reply.body));
    return std::to_string(stats.moved) + " " + std::to_string(stats.amount_moved_minor);
  }
  const std::vector<std::string>& adapters() const { return adapters_; }

  // `mcfctl ledger <what> --data <billing>`: exit code and output.
  std::pair<int, std::string> Ledger(const std::string& what) {
    const std::string out = system_->data_dir() + "/ledger-" + what + ".out";
    ChildProcess p = ChildProcess::Start(
        {BinDir() + "/mcfctl", "ledger", what, "--data", billing_dir()}, out);
    const int rc = p.Wait(milliseconds(30000)).value_or(-999);
    return {rc, ReadFile(out)};
  }

 private:
  zmq::context_t context_{1};
  std::unique_ptr<process::LocalSystem> system_;
  std::unique_ptr<replay::BusDriver> bus_, credits_;
  std::map<std::string, std::unique_ptr<client::Publisher>> publishers_;
  std::map<std::string, uint64_t> sent_;
  std::vector<std::string> adapters_;
  size_t seen_ = 0;
  int64_t now_ = 0;
  bool ok_ = false;
};

// The seeded traffic of one run, and the shadow model of what billing must hold.
class Script {
 public:
  explicit Script(uint64_t seed) : seed_(seed), random_(seed) {}

  // The day's finished tasks (published as tasks.task_finalized).
  struct Task {
    tasks::TaskFinalized event;
  };
  std::vector<Task> Day(int day) {
    std::vector<Task> out;
    const int n = static_cast<int>(random_() % 5);
    for (int i = 0; i < n; ++i) {
      tasks::TaskFinalized e;
      e.task_id = "t" + std::to_string(day) + "-" + std::to_string(i);
      e.client_id = "c" + std::to_string(random_() % 8);
      e.worker_id = WorkerId(static_cast<int>(random_() % kWorkers));
      const uint64_t r = random_() % 100;
      e.outcome = r < 70 ? tasks::Outcome::kCompleted
                         : (r < 85 ? tasks::Outcome::kFailed : tasks::Outcome::kCanceled);
      e.price_minor = 10'000 * static_cast<int64_t>(1 + random_() % 60);
      if (e.outcome == tasks::Outcome::kCanceled && random_() % 4 == 0) {
        e.worker_id.clear();  // never assigned
        e.price_minor = 0;
      }
      out.push_back({e});
    }
    return out;
  }
  bool CreditToday() { return random_() % 6 == 0; }

  // How the outside party answers a try (the same in every run with this seed).
  struct Answer {
    bool paid;
    bool repeat;      // the same answer twice
    bool contradict;  // then the opposite answer too
  };
  Answer AnswerFor(const std::string& transfer_id) const {
    const uint64_t h = StableHash(seed_, transfer_id);
    return {h % 100 >= 35, h % 5 == 0, h % 7 == 0};
  }

  // ---- the model ----
  void Finalized(const tasks::TaskFinalized& e) {
    if (e.price_minor > 0) {
      ModelClient& c = clients[e.client_id];
      c.unbilled += e.price_minor - e.price_minor * ModelDiscount(c.paid) / 100;
      c.charged_tasks.insert(e.task_id);
    }
    if (e.worker_id.empty()) return;
    ModelWorker& w = workers[e.worker_id];
    if (e.outcome == tasks::Outcome::kCompleted && e.price_minor > 0) {
      w.earned += e.price_minor * 60 / 100;
      w.earning_tasks.insert(e.task_id);
    }
    if (e.outcome == tasks::Outcome::kFailed) w.earned -= 4'000;
  }
  void WeekEnded() {
    for (auto& [id, c] : clients) {
      c.due += c.unbilled;
      c.unbilled = 0;
    }
  }
  void MonthEnded() {
    for (auto& [id, w] : workers) {
      if (w.earned > 0) {
        worker_due[id] += w.earned;
        w.earned = 0;
      }
    }
  }
  std::map<std::string, ModelClient> clients;
  std::map<std::string, ModelWorker> workers;
  std::map<std::string, int64_t> worker_due;

 private:
  uint64_t seed_;
  std::mt19937_64 random_;
};

struct RunOptions {
  uint64_t seed = 11;
  int days = 30;
  bool shadow = true;
  bool real_adapters = false;  // the adapters answer (no shadow model: their faults are theirs)
  std::set<int> kill_days;     // kill -9 billing in the middle of these days' traffic
  // kill -9 this adapter right after the clock moves past the end of the day, after a delay
  std::map<int, std::pair<std::string, milliseconds>> adapter_kills;
};

// Everything the run saw of billing's tries, for the "never sent twice" invariants.
struct Tries {
  std::set<std::string> transfer_ids;
  std::map<std::string, int64_t> attempts;          // invoice -> the last attempt seen
  std::set<std::string> paid;                       // invoices whose try was answered paid
};

void CheckModel(BillingWorld& world, const Script& script, int day) {
  for (const auto& [id, c] : script.clients) {
    auto s = world.Call(wire::GetClientStatement{id});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(s->owed_at_week_end_minor, c.unbilled) << id << " day " << day;
    EXPECT_EQ(s->unpaid_minor, c.due) << id << " day " << day;
    EXPECT_EQ(s->lifetime_paid_minor, c.paid) << id << " day " << day;
    EXPECT_EQ(s->discount_percent, ModelDiscount(c.paid)) << id << " day " << day;
    // Each charge traces to exactly one tasks.task_finalized.
    std::multiset<std::string> charged;
    for (const wire::Entry& e : s->charges) charged.insert(e.task_id);
    EXPECT_EQ(std::set<std::string>(charged.begin(), charged.end()), c.charged_tasks) << id;
    EXPECT_EQ(charged.size(), c.charged_tasks.size()) << id << ": a task charged twice";
  }
  for (const auto& [id, w] : script.workers) {
    auto s = world.Call(wire::GetWorkerStatement{id});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(s->balance_minor, w.earned) << id << " day " << day;
    std::multiset<std::string> earned;
    for (const wire::Entry& e : s->entries)
      if (e.kind == "earning") earned.insert(e.task_id);
    EXPECT_EQ(std::set<std::string>(earned.begin(), earned.end()), w.earning_tasks) << id;
    EXPECT_EQ(earned.size(), w.earning_tasks.size()) << id << ": an earning booked twice";
  }
  auto [rc, out] = world.Ledger("check");
  EXPECT_EQ(rc, 0) << "day " << day << ": " << out;
}

// Answers every try billing asked for since the last call (each at once, so a try is never
// outstanding when the next may be asked), checking that no try is sent twice, attempts count
// up one by one and a paid invoice is never tried again.
void AnswerTries(BillingWorld& world, Script& script, Tries& tries, bool shadow) {
  for (const replay::CollectedEvent& ev : world.NewEvents()) {
    auto envelope = schemas::DecodeEnvelope(ev.envelope);
    ASSERT_TRUE(envelope.ok());
    std::string transfer_id, invoice_id, owner;
    int64_t amount = 0;
    bool client = false;
    if (ev.topic == wire::kWriteOffRequested) {
      auto r = schemas::Decode<wire::WriteOffRequested>(envelope->body);
      ASSERT_TRUE(r.ok());
      transfer_id = r->transfer_id, invoice_id = r->invoice_id, owner = r->client_id;
      amount = r->amount_minor, client = true;
      EXPECT_EQ(r->attempt, tries.attempts[invoice_id] + 1) << transfer_id;
    } else if (ev.topic == wire::kPayoutRequested) {
      auto r = schemas::Decode<wire::PayoutRequested>(envelope->body);
      ASSERT_TRUE(r.ok());
      transfer_id = r->transfer_id, invoice_id = r->invoice_id, owner = r->worker_id;
      amount = r->amount_minor;
    } else {
      continue;
    }
    EXPECT_TRUE(tries.transfer_ids.insert(transfer_id).second) << transfer_id << " sent twice";
    EXPECT_FALSE(tries.paid.contains(invoice_id)) << invoice_id << ": a try after it was paid";
    ++tries.attempts[invoice_id];
    const Script::Answer answer = script.AnswerFor(transfer_id);
    for (int n = 0; n < (answer.repeat ? 2 : 1) + (answer.contradict ? 1 : 0); ++n) {
      const bool paid = n < (answer.repeat ? 2 : 1) ? answer.paid : !answer.paid;
      if (client && paid)
        world.Publish("payments",
                      schemas::payments::WriteOffSucceeded{transfer_id, invoice_id, amount, "p"});
      if (client && !paid)
        world.Publish("payments",
                      schemas::payments::WriteOffFailed{transfer_id, invoice_id, "declined"});
      if (!client && paid)
        world.Publish("goldhat", schemas::goldhat::PayoutSent{transfer_id, invoice_id, amount, "g"});
      if (!client && !paid)
        world.Publish("goldhat",
                      schemas::goldhat::PayoutFailed{transfer_id, invoice_id, "no account"});
    }
    // Only the first answer counts (the model's "resolved at most once").
    if (client && answer.paid && shadow) {
      ModelClient& c = script.clients[owner];
      c.due -= amount;
      c.paid += amount;
    }
    if (!client && shadow) {
      if (answer.paid) script.worker_due[owner] -= amount;
      // The last failed try returns the money to the worker's balance (decision 030).
      if (!answer.paid && tries.attempts[invoice_id] == 4) {
        script.worker_due[owner] -= amount;
        script.workers[owner].earned += amount;
      }
    }
    if (answer.paid) tries.paid.insert(invoice_id);
  }
}

// The first line where two dumps differ, for a readable failure.
std::string FirstDifference(const std::string& a, const std::string& b) {
  size_t start = 0;
  while (true) {
    const size_t end_a = a.find('\n', start), end_b = b.find('\n', start);
    const std::string line_a = a.substr(start, end_a - start), line_b = b.substr(start, end_b - start);
    if (line_a != line_b) return "first difference:\n- " + line_a + "\n+ " + line_b;
    if (end_a == std::string::npos || end_b == std::string::npos) return "one dump is longer";
    start = end_a + 1;
  }
}

// Runs the seeded world; returns the canonical ledger dump at the end, then with real adapters
// what each service moved.
std::string RunWorld(const TempDir& dir, const std::string& name, const RunOptions& options,
                     int* kills) {
  BillingWorld world(dir, name, options.real_adapters);
  EXPECT_TRUE(world.ok());
  if (!world.ok()) return "";
  Script script(options.seed);
  Tries tries;
  for (int day = 0; day < options.days; ++day) {
    std::vector<Script::Task> today = script.Day(day);
    for (size_t i = 0; i <= today.size(); ++i) {
      // Half the day's tasks are on their way (published, maybe not yet applied) at the kill.
      if (options.kill_days.contains(day) && i == today.size() / 2) {
        Status s = world.KillAndRestart("billing");
        EXPECT_TRUE(s.ok()) << s.ToString() << world.system().Logs();
        ++*kills;
      }
      if (i == today.size()) break;
      world.Publish("tasks", today[i].event);
      script.Finalized(today[i].event);
    }
    if (script.CreditToday()) {
      const std::string worker = WorkerId(day % kWorkers);
      EXPECT_TRUE(world.Idle().ok());
      EXPECT_TRUE(world.Credit(worker, 1'500).ok());
      script.workers[worker].earned += 1'500;
    }
    Status s = world.Idle();
    EXPECT_TRUE(s.ok()) << s.ToString();
    // Midnight: a new day; Monday 00:00 ends the week, the 1st 00:00 ends the month.
    const int64_t next = world.now() + kDay;
    if (clk::DateOf(next) != clk::DateOf(world.now())) {
      if ((next - kStartMs) / kDay % 7 == 0) script.WeekEnded();
      if (clk::MonthOf(next) != clk::MonthOf(world.now())) script.MonthEnded();
    }
    const auto kill = options.adapter_kills.find(day);
    if (kill == options.adapter_kills.end()) {
      s = world.AdvanceDay();
    } else {
      s = world.AdvanceDay(kill->second.first, kill->second.second);
      ++*kills;
    }
    EXPECT_TRUE(s.ok()) << s.ToString() << world.system().Logs();
    if (!options.real_adapters) AnswerTries(world, script, tries, options.shadow);
    s = world.Idle();
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (options.shadow) {
      CheckModel(world, script, day);
      if (::testing::Test::HasFailure()) return "";
    }
  }
  auto [rc, dump] = world.Ledger("dump");
  EXPECT_EQ(rc, 0) << dump;
  for (const std::string& adapter : world.adapters()) {
    auto moved = world.ServiceStats(adapter);
    EXPECT_TRUE(moved.ok()) << moved.status().ToString();
    dump += "\n" + adapter + " moved " + (moved.ok() ? *moved : "?");
  }
  return dump;
}

TEST(BillingTest, AShadowModelAgreesWithBillingAfterEveryDayOfAMonthOfRandomTrafficAndFaults) {
  TempDir dir;
  int kills = 0;
  const std::string dump =
      RunWorld(dir, "shadow", RunOptions{.seed = 11, .days = 30, .kill_days = {}, .adapter_kills = {}}, &kills);
  // The run did reach the interesting places: invoices, write-offs, payouts, a discount.
  EXPECT_NE(dump.find("-try1-post"), std::string::npos);
  EXPECT_NE(dump.find("-try2"), std::string::npos) << "a retried write-off";
  EXPECT_NE(dump.find("inv-w-"), std::string::npos) << "a worker invoice";
  EXPECT_NE(dump.find("credit:"), std::string::npos);
}

TEST(BillingTest, KilledAtRandomPointsOfAMonthBillingEndsWithTheSameLedgerByteForByte) {
  TempDir dir;
  const RunOptions calm{.seed = 23, .days = 31, .shadow = false, .kill_days = {}, .adapter_kills = {}};
  int kills = 0;
  const std::string uninterrupted = RunWorld(dir, "calm", calm, &kills);
  ASSERT_NE(uninterrupted.find("inv-w-"), std::string::npos) << "the month was invoiced";
  ASSERT_NE(uninterrupted.find("-try1-post"), std::string::npos);
  std::mt19937_64 pick(23);
  RunOptions killed = calm;
  while (killed.kill_days.size() < 4) killed.kill_days.insert(static_cast<int>(pick() % 31));
  const std::string after_kills = RunWorld(dir, "killed", killed, &kills);
  EXPECT_EQ(kills, 4);
  EXPECT_TRUE(after_kills == uninterrupted) << FirstDifference(uninterrupted, after_kills);
}

// The days end at midnight after day index d; the week's write-offs go out when d + 1 is a
// multiple of 7 (a Monday), the month's payouts at d = 26 (to 1 February), retries on the days
// after a refusal.
TEST(BillingTest, BillingAndEachAdapterKilledDuringAMonthEndWithTheSameLedgerAndTheSameMoneyMoved) {
  TempDir dir;
  const RunOptions calm{
      .seed = 29, .days = 31, .shadow = false, .real_adapters = true, .kill_days = {}, .adapter_kills = {}};
  int kills = 0;
  const std::string uninterrupted = RunWorld(dir, "calm", calm, &kills);
  ASSERT_NE(uninterrupted.find("inv-w-"), std::string::npos) << "the month was invoiced";
  ASSERT_NE(uninterrupted.find("-try1-post"), std::string::npos) << "a write-off was paid";
  ASSERT_NE(uninterrupted.find("-try2"), std::string::npos) << "a refusal was retried";
  std::mt19937_64 pick(29);
  auto after = [&] { return milliseconds(pick() % 40); };
  RunOptions killed = calm;
  while (killed.kill_days.size() < 2) killed.kill_days.insert(static_cast<int>(pick() % 31));
  const int week_end = 7 * static_cast<int>(1 + pick() % 4) - 1;
  killed.adapter_kills[week_end] = {"payments", after()};
  killed.adapter_kills[week_end + 1] = {"payments", after()};
  killed.adapter_kills[26] = {"goldhat", after()};
  killed.adapter_kills[27 + static_cast<int>(pick() % 2)] = {"goldhat", after()};
  const std::string after_kills = RunWorld(dir, "killed", killed, &kills);
  EXPECT_EQ(kills, 6);
  EXPECT_TRUE(after_kills == uninterrupted) << FirstDifference(uninterrupted, after_kills);
}

}  // namespace
}  // namespace mcf::testing
