// What keeps a worker's store bounded and owned: read-only commands record nothing, recorded
// replies expire after the retention window, the map grows up to its ceiling, a full store
// refuses writes but keeps serving reads, and one live process owns a store. Real LMDB in a
// TempDir, no sockets.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "lib/base/bytes.h"
#include "lib/worker/dispatcher.h"
#include "schemas/body.h"
#include "schemas/envelope.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/worker/incoming_command.h"

namespace mcf::worker {
namespace {

using schemas::Body;
using schemas::BodyWriter;

constexpr size_t kMiB = size_t{1} << 20;

class DispatcherCapacityTest : public ::testing::Test {
 protected:
  // Opens a Dispatcher on dir_ with the given map and ceiling (MiB).
  void Open(size_t map_mb, size_t ceiling_mb, Millis retention = Millis(1000)) {
    d_.reset();
    d_ = std::make_unique<Dispatcher>("test", 7);
    d_->set_reply_retention(retention);
    store::EnvOptions options;
    options.map_size = map_mb * kMiB;
    options.max_map_size = ceiling_mb * kMiB;
    options.no_sync = true;
    options.exclusive = true;
    Status opened = d_->Open(dir_.path(), options);
    ASSERT_TRUE(opened.ok()) << opened.ToString();
    blobs_ = *d_->OpenDb("blobs");
    // test.add stores `amount` bytes under `name`; test.get reads them back, and tries to
    // write (a read-only handler's writes must vanish).
    ASSERT_TRUE(d_->OnRawCommand(
                      "test.add",
                      [this](HandlerContext& ctx, std::string_view raw) -> Result<std::string> {
                        ASSIGN_OR_RETURN(const Body body, Body::Parse(raw));
                        auto name = *body.String("name");
                        auto size = static_cast<size_t>(*body.Int("amount"));
                        RETURN_IF_ERROR(ctx.txn().Put(blobs_, name, std::string(size, 'x')));
                        return BodyWriter().Int("stored", static_cast<int64_t>(size)).Finish();
                      })
                    .ok());
    ASSERT_TRUE(
        d_->OnRawCommand("test.get",
                         [this](HandlerContext& ctx, std::string_view raw) -> Result<std::string> {
                           ASSIGN_OR_RETURN(const Body body, Body::Parse(raw));
                           ++get_runs_;
                           auto name = *body.String("name");
                           ASSIGN_OR_RETURN(auto v, ctx.txn().Get(blobs_, name));
                           (void)ctx.txn().Put(blobs_, "written-by-a-read", "x");
                           return BodyWriter()
                               .Int("size", v ? static_cast<int64_t>(v->size()) : -1)
                               .Finish();
                         })
            .ok());
    ASSERT_TRUE(d_->OnRawEvent("test.fed", [this](HandlerContext& ctx, std::string_view) -> Status {
                    ++fed_runs_;
                    return ctx.txn().Put(blobs_, "fed-" + std::to_string(fed_runs_), "e");
                  }).ok());
  }

  static Incoming Command(const std::string& id, const std::string& type, std::string body,
                          int64_t bus_time_ms) {
    return IncomingCommand(id, type, std::move(body), Millis(60000), bus_time_ms);
  }
  static Incoming Event(uint64_t seq) {
    schemas::Envelope e;
    e.id = "ev-" + std::to_string(seq);
    e.type = "test.fed";
    e.producer = "feeder";
    e.body = BodyWriter().Int("amount", 1).Finish();
    Incoming in;
    in.kind = Incoming::Kind::kEvent;
    in.seq = seq;
    in.topic = "test.fed";
    in.bus_time_ms = 1000;
    in.envelope = schemas::Encode(e);
    return in;
  }
  static std::string Put(const std::string& name, size_t bytes) {
    return BodyWriter().String("name", name).Int("amount", static_cast<int64_t>(bytes)).Finish();
  }
  static std::string Get(const std::string& name) {
    return BodyWriter().String("name", name).Finish();
  }

  schemas::Reply ApplyOne(Incoming in) {
    auto r = d_->Apply({std::move(in)}, SteadyClock::Instance().Now());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || r->size() != 1) return {};
    return *schemas::DecodeReply((*r)[0].envelope);
  }

  size_t Entries(const std::string& db) {
    auto opened = d_->env().OpenDb(db);
    EXPECT_TRUE(opened.ok());
    auto st = d_->env().Stat(*opened);
    EXPECT_TRUE(st.ok());
    return st.ok() ? st->entries : 0;
  }

  testing::TempDir dir_;
  std::unique_ptr<Dispatcher> d_;
  store::Db blobs_;
  int get_runs_ = 0, fed_runs_ = 0;
};

TEST_F(DispatcherCapacityTest, ReadOnlyCommandsRecordNothingAndTheirWritesVanish) {
  Open(4, 64);
  ASSERT_EQ(ApplyOne(Command("w", "test.add", Put("a", 10), 1000)).status, Code::kOk);
  for (int i = 0; i < 2000; ++i) {
    schemas::Reply r = ApplyOne(Command("r" + std::to_string(i), "test.get", Get("a"), 1000));
    ASSERT_EQ(r.status, Code::kOk);
    ASSERT_EQ(*Body::Parse(r.body)->Int("size"), 10);
  }
  EXPECT_EQ(Entries("_inbox"), 1u);  // only the write
  EXPECT_EQ(Entries("blobs"), 1u);   // "written-by-a-read" never committed
  // A retried read-only id runs again (nothing was recorded to replay).
  ApplyOne(Command("r0", "test.get", Get("a"), 1000));
  EXPECT_EQ(get_runs_, 2001);
  EXPECT_EQ(d_->stats().replies_replayed, 0u);
}

TEST_F(DispatcherCapacityTest, RecordedRepliesAnswerRetriesWithinTheWindowAndArePrunedAfter) {
  Open(4, 64, /*retention=*/Millis(10'000));
  ASSERT_EQ(ApplyOne(Command("c1", "test.add", Put("a", 1), 1'000)).status, Code::kOk);
  // Within the window: the recorded reply, the handler does not run (the blob stays 1 byte).
  ApplyOne(Command("c1", "test.add", Put("a", 5), 10'999));
  EXPECT_EQ(d_->stats().replies_replayed, 1u);
  const std::string first = ApplyOne(Command("g", "test.get", Get("a"), 10'999)).body;
  EXPECT_EQ(*Body::Parse(first)->Int("size"), 1);
  // Any batch past the window prunes it; the same id then runs again.
  ApplyOne(Command("other", "test.add", Put("b", 1), 11'001));
  EXPECT_EQ(d_->stats().replies_pruned, 1u);
  ApplyOne(Command("c1", "test.add", Put("a", 5), 11'002));
  EXPECT_EQ(d_->stats().replies_replayed, 1u);
  const std::string again = ApplyOne(Command("g2", "test.get", Get("a"), 11'003)).body;
  EXPECT_EQ(*Body::Parse(again)->Int("size"), 5);
}

TEST_F(DispatcherCapacityTest, UnderSteadyWritesTheInboxAndTheFilePlateau) {
  Open(4, 256, /*retention=*/Millis(5'000));
  // 100 writes per second of bus time for 200 s: the window holds ~500 records at any time.
  size_t high_water_at_half = 0;
  for (int i = 0; i < 20'000; ++i) {
    const int64_t t = 1'000 + i * 10;
    std::vector<Incoming> batch;
    batch.push_back(Command("c" + std::to_string(i), "test.add", Put("k", 100), t));
    ASSERT_TRUE(d_->Apply(batch, SteadyClock::Instance().Now()).ok());
    if (i == 10'000) high_water_at_half = d_->env().high_water_bytes();
  }
  EXPECT_LE(Entries("_inbox"), 510u);
  EXPECT_EQ(Entries("_inbox"), Entries("_inbox_by_time"));
  EXPECT_GE(d_->stats().replies_pruned, 19'000u);
  // The second half of the run reused freed pages instead of extending the file.
  EXPECT_LE(d_->env().high_water_bytes(), high_water_at_half + 64 * 1024);
}

TEST_F(DispatcherCapacityTest, TheMapGrowsUpToTheCeiling) {
  Open(1, 32);
  for (int i = 0; i < 12; ++i)
    ASSERT_EQ(ApplyOne(Command("c" + std::to_string(i), "test.add",
                               Put("k" + std::to_string(i), kMiB), 1000))
                  .status,
              Code::kOk);
  EXPECT_GT(d_->stats().map_grown, 0u);
  EXPECT_GT(d_->store_status().map_bytes, 12 * kMiB);
  EXPECT_LE(d_->store_status().map_bytes, 32 * kMiB);
  EXPECT_FALSE(d_->store_status().full);
}

TEST_F(DispatcherCapacityTest, AFullStoreRefusesWritesServesReadsAndRecoversWithAHigherCeiling) {
  Open(1, 4);
  std::vector<std::string> accepted;
  Code last = Code::kOk;
  std::string message;
  for (int i = 0; i < 64 && last == Code::kOk; ++i) {
    const std::string name = "k" + std::to_string(i);
    schemas::Reply r =
        ApplyOne(Command("c" + std::to_string(i), "test.add", Put(name, 200 * 1024), 1000));
    last = r.status;
    message = r.message;
    if (r.status == Code::kOk) accepted.push_back(name);
  }
  ASSERT_EQ(last, Code::kUnavailable) << "never filled up";
  EXPECT_NE(message.find("store of test is full"), std::string::npos) << message;
  EXPECT_TRUE(d_->store_status().full);
  EXPECT_GT(accepted.size(), 5u);
  EXPECT_GT(d_->stats().refused_full, 0u);

  // Reads still work; a refused write is not recorded (a retry after recovery runs).
  schemas::Reply read = ApplyOne(Command("g", "test.get", Get(accepted.front()), 1000));
  EXPECT_EQ(read.status, Code::kOk);
  EXPECT_EQ(*Body::Parse(read.body)->Int("size"), 200 * 1024);
  // Events are not applied while full, and their offset does not move.
  const uint64_t resume = d_->ResumeSeq();
  ASSERT_TRUE(d_->Apply({Event(resume)}, SteadyClock::Instance().Now()).ok());
  EXPECT_EQ(fed_runs_, 0);
  EXPECT_EQ(d_->ResumeSeq(), resume);

  // Raise the ceiling and restart: everything accepted is there, writes and events work again.
  Open(1, 64);
  EXPECT_FALSE(d_->store_status().full);
  for (const auto& name : accepted) {
    schemas::Reply r = ApplyOne(Command("get-" + name, "test.get", Get(name), 1000));
    EXPECT_EQ(*Body::Parse(r.body)->Int("size"), 200 * 1024) << name;
  }
  EXPECT_EQ(ApplyOne(Command("c-after", "test.add", Put("after", 10), 1000)).status, Code::kOk);
  ASSERT_TRUE(d_->Apply({Event(resume)}, SteadyClock::Instance().Now()).ok());
  EXPECT_EQ(fed_runs_, 1);
}

TEST_F(DispatcherCapacityTest, StoreStatusIsAnsweredByTheRuntime) {
  Open(1, 8);
  schemas::Reply r = ApplyOne(Command("s", "test.store_status", schemas::EmptyBody(), 1000));
  ASSERT_EQ(r.status, Code::kOk) << r.message;
  auto body = *Body::Parse(r.body);
  EXPECT_EQ(*body.Int("ceiling_bytes"), static_cast<int64_t>(8 * kMiB));
  EXPECT_GT(*body.Int("used_bytes"), 0);
  EXPECT_FALSE(*body.Bool("full"));
  EXPECT_EQ(Entries("_inbox"), 0u);
}

TEST_F(DispatcherCapacityTest, ASecondOwnerOfTheStoreIsRefusedNamingThePid) {
  Open(1, 8);
  Dispatcher second("test", 7);
  store::EnvOptions options;
  options.map_size = kMiB;
  options.exclusive = true;
  Status s = second.Open(dir_.path(), options);
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_NE(s.message().find("in use by another process (pid " + std::to_string(::getpid())),
            std::string::npos)
      << s.message();
  // Once the owner closes, the store opens again.
  d_.reset();
  Dispatcher third("test", 7);
  EXPECT_TRUE(third.Open(dir_.path(), options).ok());
}

}  // namespace
}  // namespace mcf::worker
