// QualityFixture: the quality handlers on a ContextHarness (a real Dispatcher over LMDB in a
// temp dir), fed the tasks and supplies events the way the bus delivers them (each a new log
// sequence, at a bus time the test chooses), and commands as {role, role-1}. Reopen() is a
// restart on the same store. One test thread.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "schemas/envelope.h"
#include "schemas/quality.h"
#include "schemas/tasks.h"
#include "tests/support/context_harness.h"
#include "workers/quality/handlers.h"

namespace mcf::quality {

namespace wire = schemas::quality;
namespace tasks = schemas::tasks;

class QualityFixture : public ::testing::Test {
 protected:
  static constexpr int64_t kMonday9 = 1'767'603'600'000;  // 2026-01-05T09:00:00Z
  static constexpr int64_t kMinute = 60'000;

  explicit QualityFixture(uint64_t seed = 7) : h_("quality", seed) {}
  void SetUp() override { Reopen(); }
  void Reopen() {
    Status s = h_.Open([](worker::Dispatcher& d) { return QualityHandlers::Install(d); });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // One declared event at bus time `at` (default: a minute after the last thing that happened).
  template <class E>
  void Feed(const E& event, std::optional<int64_t> at = std::nullopt) {
    now_ = at ? *at : now_ + kMinute;
    Status s = h_.Event(E::kInfo.type, schemas::Encode(event), now_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  // A task that ran to `outcome` with `worker`: requested, assigned, (checked in,) finalized.
  void Finish(const std::string& task, const std::string& worker, tasks::Outcome outcome) {
    Feed(tasks::TaskRequested{task, "client-" + worker, "cleaning", kMonday9, kMonday9 + 1});
    Feed(tasks::TaskAssigned{task, worker, 5000, "client-" + worker, kMonday9, kMonday9 + 1});
    if (outcome != tasks::Outcome::kCanceled) Feed(tasks::CheckedIn{task, worker, now_});
    Feed(tasks::TaskFinalized{task, worker, outcome, "", 5000, "client-" + worker});
  }

  schemas::Reply Call(std::string_view type, std::string body,
                      std::optional<std::string> role = "manager") {
    std::optional<schemas::Principal> who;
    if (role) who = schemas::Principal{*role, *role + "-1"};
    now_ += kMinute;
    return h_.Command(type, std::move(body), who, now_);
  }
  // A command that must succeed, its reply decoded.
  template <class C>
  typename C::Reply Ok(const C& command, std::string role = "manager") {
    schemas::Reply reply = Call(C::kInfo.type, schemas::Encode(command), role);
    EXPECT_EQ(reply.status, Code::kOk) << C::kInfo.type << ": " << reply.message;
    auto decoded = schemas::Decode<typename C::Reply>(reply.body);
    EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
    return decoded.ok() ? std::move(*decoded) : typename C::Reply{};
  }
  wire::Job Job(const std::string& task) { return Ok(wire::GetJob{task}); }
  wire::JobPage Queue(int64_t limit = 100, std::string after = "") {
    wire::ListQueue q;
    q.limit = limit;
    q.after = std::move(after);
    return Ok(q);
  }
  std::string Picked() { return Ok(wire::PickRandom{}).task_id; }
  wire::Review Review(const std::string& task, std::string findings = "ok") {
    wire::SubmitReview r;
    r.task_id = task;
    r.findings = std::move(findings);
    return Ok(r);
  }

  int64_t now_ = kMonday9;
  testing::ContextHarness h_;
};

}  // namespace mcf::quality
