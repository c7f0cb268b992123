// MatchingHandlersTest: the fixture of matching's handler tests — a real worker::Dispatcher
// over a real LMDB env in a TempDir with MatchingHandlers installed; feeds events and commands
// as the runtime would (bus time an hour before the appointments unless given), and reads back
// the published events and matching.pool. Owned by the test thread.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lib/worker/dispatcher.h"
#include "schemas/body.h"
#include "schemas/envelope.h"
#include "schemas/hiring.h"
#include "schemas/matching.h"
#include "schemas/tasks.h"
#include "tests/support/temp_dir.h"
#include "workers/matching/handlers.h"

namespace mcf::matching {

namespace hiring = schemas::hiring;
namespace tasks = schemas::tasks;
namespace wire = schemas::matching;
using worker::Dispatcher;
using worker::Incoming;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kMonday9 = 1'767'603'600'000;  // 2026-01-05T09:00:00Z
// The bus time of the fed messages: an hour before the appointments, which have not begun (a
// waiting task whose appointment began is no longer matched).
constexpr int64_t kBusNow = kMonday9 - kHour;

class MatchingHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // A fresh Dispatcher over the same directory: what a restart sees.
  void Reopen(std::string pipeline = std::string(kDefaultPipeline)) {
    d_ = std::make_unique<Dispatcher>("matching", 7);
    ASSERT_TRUE(d_->Open(dir_.path(), size_t{64} << 20, /*no_sync=*/true).ok());
    auto p = Pipeline::Parse(pipeline, StepRegistry::WithBuiltinSteps());
    ASSERT_TRUE(p.ok());
    Status s = MatchingHandlers::Install(*d_, std::make_shared<Pipeline>(std::move(*p)), 7);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // An event at bus time `bus_ms` (default: kBusNow plus its seq, so time moves forward).
  Incoming Event(std::string_view type, std::string body, std::optional<int64_t> bus_ms = {}) {
    uint64_t seq = ++seq_;
    schemas::Envelope e;
    e.id = "feeder:" + std::to_string(seq);
    e.type = std::string(type);
    e.producer = "feeder";
    e.body = std::move(body);
    Incoming in;
    in.kind = Incoming::Kind::kEvent;
    in.seq = seq;
    in.topic = e.type;
    in.bus_time_ms = bus_ms.value_or(kBusNow + static_cast<int64_t>(seq));
    in.envelope = schemas::Encode(e);
    return in;
  }
  Incoming Hired(const std::string& worker_id, std::optional<int64_t> bus_ms = {}) {
    return Event(
        hiring::kWorkerHired,
        hiring::Encode(hiring::WorkerHired{worker_id, "Name " + worker_id, {"pipes"}, {"heights"}, 3, "tabby", "grey", {}, {}, {}}),
        bus_ms);
  }
  Incoming Requested(const std::string& task_id, int64_t start, int64_t end) {
    return Event(tasks::kTaskRequested,
                 tasks::Encode(tasks::TaskRequested{task_id, "client-1", "plumbing", start, end}));
  }
  Incoming Finalized(const std::string& task_id, const std::string& worker_id,
                     tasks::Outcome outcome, std::optional<int64_t> bus_ms = {}) {
    return Event(tasks::kTaskFinalized,
                 tasks::Encode(tasks::TaskFinalized{task_id, worker_id, outcome}), bus_ms);
  }
  Incoming Command(std::string_view type, std::string body) {
    schemas::Envelope e;
    e.id = "cmd-" + std::to_string(++commands_);
    e.type = std::string(type);
    e.producer = "test";
    e.body = std::move(body);
    Incoming in;
    in.kind = Incoming::Kind::kCommand;
    in.request_id = commands_;
    in.deadline = SteadyClock::Instance().Now() + Millis(5000);
    in.bus_time_ms = kBusNow;
    in.envelope = schemas::Encode(e);
    return in;
  }

  std::vector<worker::OutgoingReply> Apply(std::vector<Incoming> batch) {
    auto r = d_->Apply(batch, SteadyClock::Instance().Now());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<worker::OutgoingReply>{};
  }

  // Published events not yet returned by an earlier call, as (topic, body).
  std::vector<std::pair<std::string, std::string>> NewEvents() {
    std::vector<std::pair<std::string, std::string>> out;
    auto records = d_->ReadOutbox(outbox_seen_, 1000);
    EXPECT_TRUE(records.ok());
    for (const auto& r : *records) {
      outbox_seen_ = r.producer_seq;
      out.emplace_back(r.topic, schemas::DecodeEnvelope(r.envelope)->body);
    }
    return out;
  }

  wire::Pool Pool() {
    auto replies = Apply({Command(wire::kPool, schemas::EmptyBody())});
    EXPECT_EQ(replies.size(), 1u);
    auto reply = schemas::DecodeReply(replies.at(0).envelope);
    EXPECT_EQ(reply->status, Code::kOk) << reply->message;
    auto pool = wire::Decode<wire::Pool>(reply->body);
    EXPECT_TRUE(pool.ok()) << pool.status().ToString();
    return pool.ok() ? *pool : wire::Pool{};
  }

  schemas::Reply Match(const std::string& task_id, int64_t start, int64_t end) {
    auto replies = Apply(
        {Command(wire::kMatch, wire::Encode(wire::MatchRequest{task_id, "client-1", start, end}))});
    EXPECT_EQ(replies.size(), 1u);
    return *schemas::DecodeReply(replies.at(0).envelope);
  }

  testing::TempDir dir_;
  std::unique_ptr<Dispatcher> d_;
  uint64_t seq_ = 0, commands_ = 0, outbox_seen_ = 0;
};

}  // namespace mcf::matching
