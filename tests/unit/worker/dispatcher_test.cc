// The exactly-once core without sockets: batches applied to a real LMDB env in a TempDir.
#include "lib/worker/dispatcher.h"

#include <gtest/gtest.h>
#include <lmdb.h>

#include <cerrno>
#include <map>
#include <stdexcept>
#include <vector>

#include "lib/base/bytes.h"
#include "lib/store/fault_injection.h"
#include "schemas/body.h"
#include "schemas/envelope.h"
#include "tests/support/temp_dir.h"

namespace mcf::worker {
namespace {

using schemas::Body;
using schemas::BodyWriter;

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // A fresh Dispatcher over the same directory: what a restart after a crash sees.
  void Reopen() {
    d_ = std::make_unique<Dispatcher>("test", 7);
    ASSERT_TRUE(d_->Open(dir_.path(), size_t{64} << 20, /*no_sync=*/true).ok());
    auto db = d_->OpenDb("counters");
    ASSERT_TRUE(db.ok());
    counters_ = *db;
    // Raw handlers that parse a Body themselves: the bodies here are deliberately not the
    // declared ones (test.added with only a total, test.fed with "bad").
    ASSERT_TRUE(
        d_->OnRawCommand("test.add",
                         [this](HandlerContext& ctx, std::string_view raw) -> Result<std::string> {
                           ASSIGN_OR_RETURN(const Body body, Body::Parse(raw));
                           ++add_runs_;
                           ASSIGN_OR_RETURN(auto name, body.String("name"));
                           ASSIGN_OR_RETURN(auto amount, body.Int("amount"));
                           auto total = Add(ctx, name, amount);
                           RETURN_IF_ERROR(ctx.Publish("test.added",
                                                       BodyWriter().Int("total", total).Finish()));
                           return BodyWriter().Int("total", total).Finish();
                         })
            .ok());
    ASSERT_TRUE(
        d_->OnRawCommand("test.fail",
                         [this](HandlerContext& ctx, std::string_view raw) -> Result<std::string> {
                           ASSIGN_OR_RETURN(const Body body, Body::Parse(raw));
                           ++fail_runs_;
                           Add(ctx, "partial", 1);
                           ctx.Publish("test.added", BodyWriter().Finish());
                           std::string status = *body.String("status");
                           if (status == "throw") throw std::runtime_error("boom");
                           return Status(*CodeFromName(status), "asked for " + status);
                         })
            .ok());
    ASSERT_TRUE(
        d_->OnRawEvent("test.fed", [this](HandlerContext& ctx, std::string_view raw) -> Status {
            ASSIGN_OR_RETURN(const Body body, Body::Parse(raw));
            ++fed_runs_;
            if (body.Has("bad")) {
              Add(ctx, "fed", 1000);
              return Status::Invalid("bad event");
            }
            Add(ctx, "fed", *body.Int("amount"));
            return Status::Ok();
          }).ok());
  }

  int64_t Add(HandlerContext& ctx, const std::string& name, int64_t amount) {
    auto v = ctx.txn().Get(counters_, name);
    int64_t total = (*v ? static_cast<int64_t>(FromU64Key(**v)) : 0) + amount;
    EXPECT_TRUE(ctx.txn().Put(counters_, name, U64Key(static_cast<uint64_t>(total))).ok());
    return total;
  }

  int64_t Counter(const std::string& name) {
    auto txn = d_->env().BeginRead();
    auto v = txn->Get(counters_, name);
    return *v ? static_cast<int64_t>(FromU64Key(**v)) : 0;
  }

  static Incoming Command(const std::string& id, const std::string& type, std::string body,
                          uint64_t request_id = 1, Millis budget = Millis(5000)) {
    schemas::Envelope e;
    e.id = id;
    e.type = type;
    e.producer = "t";
    e.correlation_id = "corr-" + id;
    e.body = std::move(body);
    Incoming in;
    in.kind = Incoming::Kind::kCommand;
    in.request_id = request_id;
    in.deadline = SteadyClock::Instance().Now() + budget;
    in.bus_time_ms = 1000;
    in.envelope = schemas::Encode(e);
    return in;
  }
  static Incoming Event(uint64_t seq, std::string body, std::string topic = "test.fed") {
    schemas::Envelope e;
    e.id = "ev-" + std::to_string(seq);
    e.type = topic;
    e.producer = "feeder";
    e.body = std::move(body);
    Incoming in;
    in.kind = Incoming::Kind::kEvent;
    in.seq = seq;
    in.topic = topic;
    in.bus_time_ms = 2000 + static_cast<int64_t>(seq);
    in.envelope = schemas::Encode(e);
    return in;
  }
  static std::string AddBody(const std::string& name, int64_t amount) {
    return BodyWriter().String("name", name).Int("amount", amount).Finish();
  }
  std::vector<OutgoingReply> Apply(std::vector<Incoming> batch) {
    auto r = d_->Apply(batch, SteadyClock::Instance().Now());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<OutgoingReply>{};
  }
  static schemas::Reply Decode(const OutgoingReply& r) { return *schemas::DecodeReply(r.envelope); }

  testing::TempDir dir_;
  std::unique_ptr<Dispatcher> d_;
  store::Db counters_;
  int add_runs_ = 0, fail_runs_ = 0, fed_runs_ = 0;
};

TEST_F(DispatcherTest, SameCommandIdTwiceGivesSameReplyOneEffectOneEvent) {
  auto first = Apply({Command("c1", "test.add", AddBody("a", 5), 11)});
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].request_id, 11u);
  schemas::Reply r = Decode(first[0]);
  EXPECT_EQ(r.status, Code::kOk);
  EXPECT_EQ(r.causation_id, "c1");
  EXPECT_EQ(r.correlation_id, "corr-c1");
  EXPECT_EQ(*Body::Parse(r.body)->Int("total"), 5);

  Reopen();  // a restart in between changes nothing
  add_runs_ = 0;
  auto second = Apply({Command("c1", "test.add", AddBody("a", 5), 12)});
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].request_id, 12u);
  EXPECT_EQ(second[0].envelope, first[0].envelope);
  EXPECT_EQ(add_runs_, 0);  // counted since Reopen: the handler did not run again
  EXPECT_EQ(Counter("a"), 5);
  EXPECT_EQ(d_->stats().replies_replayed, 1u);
  auto outbox = d_->ReadOutbox(0, 100);
  ASSERT_TRUE(outbox.ok());
  EXPECT_EQ(outbox->size(), 1u);
}

TEST_F(DispatcherTest, DuplicateInsideOneBatchRunsOnce) {
  auto replies = Apply({Command("c1", "test.add", AddBody("a", 2), 1),
                        Command("c1", "test.add", AddBody("a", 2), 2),
                        Command("c2", "test.add", AddBody("a", 3), 3)});
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[0].envelope, replies[1].envelope);
  EXPECT_EQ(add_runs_, 2);
  EXPECT_EQ(Counter("a"), 5);
  EXPECT_EQ(d_->last_producer_seq(), 2u);
}

TEST_F(DispatcherTest, ConflictLeavesNoPartialWriteAndIsRecorded) {
  auto first =
      Apply({Command("f1", "test.fail", BodyWriter().String("status", "conflict").Finish())});
  schemas::Reply r = Decode(first[0]);
  EXPECT_EQ(r.status, Code::kConflict);
  EXPECT_EQ(r.message, "asked for conflict");
  EXPECT_EQ(Counter("partial"), 0);
  EXPECT_TRUE(d_->ReadOutbox(0, 10)->empty());
  auto retry =
      Apply({Command("f1", "test.fail", BodyWriter().String("status", "conflict").Finish())});
  EXPECT_EQ(retry[0].envelope, first[0].envelope);
  EXPECT_EQ(fail_runs_, 1);
}

TEST_F(DispatcherTest, InternalAndThrowingHandlersAreNotRecorded) {
  for (const char* status : {"internal", "throw"}) {
    std::string id = std::string("x-") + status;
    auto body = BodyWriter().String("status", status).Finish();
    auto first = Apply({Command(id, "test.fail", body)});
    EXPECT_EQ(Decode(first[0]).status, Code::kInternal);
    Apply({Command(id, "test.fail", body)});
  }
  EXPECT_EQ(fail_runs_, 4);  // each retry ran the handler again
  EXPECT_EQ(Counter("partial"), 0);
  EXPECT_EQ(d_->stats().handler_failed, 4u);
}

TEST_F(DispatcherTest, ExpiredCommandIsAnsweredTimeoutAndNotRun) {
  auto expired = Apply({Command("late", "test.add", AddBody("a", 1), 1, Millis(-1))});
  EXPECT_EQ(Decode(expired[0]).status, Code::kTimeout);
  EXPECT_EQ(add_runs_, 0);
  EXPECT_EQ(Counter("a"), 0);

  // An envelope deadline before the bus time expires it too.
  Incoming in = Command("late2", "test.add", AddBody("a", 1));
  auto env = *schemas::DecodeEnvelope(in.envelope);
  env.deadline_ms = in.bus_time_ms - 1;
  in.envelope = schemas::Encode(env);
  EXPECT_EQ(Decode(Apply({in})[0]).status, Code::kTimeout);

  // Not recorded: the same id in time runs.
  auto retry = Apply({Command("late", "test.add", AddBody("a", 1))});
  EXPECT_EQ(Decode(retry[0]).status, Code::kOk);
  EXPECT_EQ(Counter("a"), 1);
}

TEST_F(DispatcherTest, UndecodableAndUnknownCommandsAreAnsweredInvalid) {
  Incoming garbage = Command("g", "test.add", AddBody("a", 1));
  garbage.envelope = "\x01\x02";
  Incoming unknown = Command("u", "test.get", schemas::EmptyBody());  // no handler here
  Incoming bad_body = Command("b", "test.add", BodyWriter().String("name", "a").Finish());
  auto replies = Apply({garbage, unknown, bad_body});
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(Decode(replies[0]).status, Code::kInvalid);
  EXPECT_EQ(Decode(replies[1]).status, Code::kInvalid);
  schemas::Reply missing = Decode(replies[2]);
  EXPECT_EQ(missing.status, Code::kInvalid);
  EXPECT_NE(missing.message.find("amount"), std::string::npos) << missing.message;
  EXPECT_EQ(Counter("a"), 0);
}

TEST_F(DispatcherTest, EventsApplyOnceAndOffsetsSurviveRestart) {
  Apply({Event(3, AddBody("x", 10)), Event(5, AddBody("x", 20))});
  EXPECT_EQ(Counter("fed"), 30);
  EXPECT_EQ(d_->ResumeSeq(), 6u);
  Reopen();
  EXPECT_EQ(d_->ResumeSeq(), 6u);
  // Redelivery of old sequences (e.g. a resubscribe) is skipped; new ones apply.
  Apply({Event(5, AddBody("x", 20)), Event(6, AddBody("x", 1))});
  EXPECT_EQ(Counter("fed"), 31);
  EXPECT_EQ(d_->stats().events_skipped, 1u);
}

TEST_F(DispatcherTest, FailingEventHandlerIsRolledBackAndNotRetried) {
  Apply({Event(1, BodyWriter().Bool("bad", true).Finish()), Event(2, AddBody("x", 4))});
  EXPECT_EQ(Counter("fed"), 4);
  EXPECT_EQ(d_->stats().handler_failed, 1u);
  Apply({Event(1, BodyWriter().Bool("bad", true).Finish())});
  EXPECT_EQ(fed_runs_, 2);
  EXPECT_EQ(d_->ResumeSeq(), 3u);
}

TEST_F(DispatcherTest, OutboxEnvelopesCarryProducerSequenceAndCausation) {
  Apply({Command("c1", "test.add", AddBody("a", 1)), Command("c2", "test.add", AddBody("a", 2))});
  auto records = d_->ReadOutbox(0, 10);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].producer_seq, 1u);
  EXPECT_EQ((*records)[0].topic, "test.added");
  auto e = schemas::DecodeEnvelope((*records)[1].envelope);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->id, "test:2");
  EXPECT_EQ(e->producer, "test");
  EXPECT_EQ(e->causation_id, "c2");
  EXPECT_EQ(e->correlation_id, "corr-c2");
  EXPECT_EQ(e->time_ms, 1000);

  EXPECT_TRUE(d_->DeleteOutbox(1).ok());
  records = d_->ReadOutbox(0, 10);
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].producer_seq, 2u);
  // Deletion can also ride along with the next batch.
  auto r = d_->Apply({Command("c3", "test.add", AddBody("a", 3))}, SteadyClock::Instance().Now(),
                     /*delete_outbox_upto=*/2);
  ASSERT_TRUE(r.ok());
  records = d_->ReadOutbox(0, 10);
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].producer_seq, 3u);

  Reopen();  // the producer sequence is durable
  EXPECT_EQ(d_->last_producer_seq(), 3u);
  Apply({Command("c4", "test.add", AddBody("a", 4))});
  EXPECT_EQ(d_->ReadOutbox(3, 10)->at(0).producer_seq, 4u);
}

TEST_F(DispatcherTest, RejectsUnregisteredOrForeignHandlers) {
  EXPECT_EQ(d_->OnRawCommand("test.nope", {}).code(), Code::kInvalid);
  EXPECT_EQ(d_->OnRawCommand("clock.advance", {}).code(), Code::kInvalid);  // not our service
  EXPECT_EQ(d_->OnRawCommand("test.added", {}).code(), Code::kInvalid);     // an event
  EXPECT_EQ(d_->OnRawEvent("test.add", {}).code(), Code::kInvalid);         // a command
  EXPECT_EQ(d_->OnRawEvent("test.fed", {}).code(), Code::kInvalid);         // already handled
  EXPECT_EQ(d_->OpenDb("_inbox").status().code(), Code::kInvalid);
}

// Every key and value of every database in the store (the runtime's and the context's), by
// database name: "applies nothing" means this is byte for byte the same.
std::map<std::string, std::map<std::string, std::string>> Snapshot(store::Env& env) {
  std::map<std::string, std::map<std::string, std::string>> out;
  auto txn = env.BeginRead();
  EXPECT_TRUE(txn.ok());
  if (!txn.ok()) return out;
  MDB_dbi main_dbi = 0;
  EXPECT_EQ(mdb_dbi_open(txn->raw(), nullptr, 0, &main_dbi), 0);
  std::vector<std::string> names;
  auto main = store::Cursor::Open(*txn, store::Db{main_dbi});
  for (bool more = main.ok() && main->First(); more; more = main->Next())
    names.emplace_back(main->key());
  EXPECT_GE(names.size(), 6u);  // _inbox, _inbox_by_time, _meta, _offsets, _outbox, counters
  for (const std::string& name : names) {
    MDB_dbi dbi = 0;
    EXPECT_EQ(mdb_dbi_open(txn->raw(), name.c_str(), 0, &dbi), 0) << name;
    auto cursor = store::Cursor::Open(*txn, store::Db{dbi});
    auto& db = out[name];
    for (bool more = cursor.ok() && cursor->First(); more; more = cursor->Next())
      db.emplace(std::string(cursor->key()), std::string(cursor->value()));
  }
  return out;
}

// docs: lib/worker/README.md "Exit codes" and "Replies after the commit". A batch whose store
// write or commit fails is aborted whole: no reply to send, nothing in any database (inbox,
// outbox, offsets, the context's own), the in-memory sequence and offsets as before; applied
// again once the store works, it runs as if for the first time.
TEST_F(DispatcherTest, ABatchThatCannotCommitAnswersNothingAndAppliesNothing) {
  struct Case {
    const char* name;
    void (*arm)(store::FaultPlan&);
  };
  const Case cases[] = {
      {"commit fails (fsync: EIO)", [](store::FaultPlan& p) { p.FailCommits(1, EIO); }},
      // The batch's second Put: the outbox record of c-run's event (the first is its handler's).
      {"a runtime Put fails (EIO)", [](store::FaultPlan& p) { p.FailPuts(1, EIO, /*skip=*/1); }},
  };
  int round = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string tag = std::to_string(++round);
    const uint64_t seq = 10 * static_cast<uint64_t>(round);
    // Some state first, so that "unchanged" is not "empty".
    Apply({Command("c-before-" + tag, "test.add", AddBody("a", 1)), Event(seq, AddBody("x", 1))});
    const auto before = Snapshot(d_->env());
    const uint64_t produced = d_->last_producer_seq();
    const uint64_t resume = d_->ResumeSeq();

    store::FaultPlan plan;
    d_->env().SetFaultPlan(&plan);
    c.arm(plan);
    const std::vector<Incoming> batch = {Command("c-run-" + tag, "test.add", AddBody("a", 5), 9),
                                         Event(seq + 1, AddBody("x", 7))};
    auto failed = d_->Apply(batch, SteadyClock::Instance().Now());
    EXPECT_EQ(plan.faults_fired(), 1u);
    EXPECT_FALSE(failed.ok()) << "a batch that did not commit must not produce replies";
    EXPECT_EQ(Snapshot(d_->env()), before);
    EXPECT_EQ(d_->last_producer_seq(), produced);
    EXPECT_EQ(d_->ResumeSeq(), resume);

    // The store works again: the same batch runs in full, once.
    plan.Clear();
    const int64_t a = Counter("a"), fed = Counter("fed");
    auto replies = Apply(batch);
    d_->env().SetFaultPlan(nullptr);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].request_id, 9u);
    EXPECT_EQ(Decode(replies[0]).status, Code::kOk);
    EXPECT_EQ(Counter("a"), a + 5);
    EXPECT_EQ(Counter("fed"), fed + 7);
    EXPECT_EQ(d_->last_producer_seq(), produced + 1);
    EXPECT_EQ(d_->ResumeSeq(), seq + 2);
  }
}

TEST(HandlerContextTest, IdsAndRandomnessAreReplayStable) {
  testing::TempDir dir;
  auto env = store::Env::Open(dir.path());
  ASSERT_TRUE(env.ok());
  auto txn = env->BeginWrite();
  schemas::Envelope m;
  m.id = "cmd-1";
  HandlerContext a(*txn, m, 5, 42), b(*txn, m, 5, 42), c(*txn, m, 5, 43);
  EXPECT_EQ(a.NewId("task"), b.NewId("task"));
  EXPECT_NE(a.NewId("task"), a.NewId("task"));
  EXPECT_EQ(a.random()(), b.random()());
  EXPECT_NE(b.NewId("task"), c.NewId("task"));
  EXPECT_EQ(a.now_ms(), 5);
  EXPECT_EQ(a.Publish("test.add", "").code(), Code::kInvalid);
  EXPECT_TRUE(a.Publish("test.added", schemas::EmptyBody()).ok());
  EXPECT_EQ(a.published().size(), 1u);
}

}  // namespace
}  // namespace mcf::worker
