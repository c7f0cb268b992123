// Dispatcher rules that the mutation check (tools/mutations) found unpinned: which error replies
// are recorded under the command id (docs/decisions/003), that a retried id gets its recorded
// reply even after its deadline, and that a read-only command may not publish (decision 012).
// A real Dispatcher over LMDB in a TempDir, no sockets.
#include <gtest/gtest.h>

#include "lib/worker/dispatcher.h"
#include "schemas/body.h"
#include "schemas/envelope.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/worker/incoming_command.h"

namespace mcf::worker {
namespace {

class DispatcherGuaranteesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(d_.Open(dir_.path(), size_t{16} << 20, /*no_sync=*/true).ok());
    // test.fail answers the status its body names; test.add answers ok. Both count their runs.
    ASSERT_TRUE(
        d_.OnRawCommand("test.fail",
                        [this](HandlerContext&, std::string_view raw) -> Result<std::string> {
                          ASSIGN_OR_RETURN(const schemas::Body body, schemas::Body::Parse(raw));
                          ++runs_;
                          std::string name = *body.String("status");
                          return Status(*CodeFromName(name), "asked for " + name);
                        })
            .ok());
    ASSERT_TRUE(d_.OnRawCommand("test.add",
                                [this](HandlerContext&, std::string_view) -> Result<std::string> {
                                  ++runs_;
                                  return schemas::BodyWriter().Int("run", runs_).Finish();
                                })
                    .ok());
    // A read-only type whose handler (wrongly) publishes.
    ASSERT_TRUE(
        d_.OnRawCommand("test.get",
                        [this](HandlerContext& ctx, std::string_view) -> Result<std::string> {
                          ++runs_;
                          RETURN_IF_ERROR(ctx.Publish("test.added", schemas::EmptyBody()));
                          return schemas::EmptyBody();
                        })
            .ok());
  }

  // One command as its own batch; `late` puts its deadline in the past.
  schemas::Reply Send(const std::string& id, const std::string& type, std::string body,
                      bool late = false) {
    const TimePoint now = SteadyClock::Instance().Now();
    Incoming in = IncomingCommand(id, type, std::move(body), late ? Millis(-1000) : Millis(5000));
    auto replies = d_.Apply({in}, now);
    EXPECT_TRUE(replies.ok()) << replies.status().ToString();
    if (!replies.ok() || replies->size() != 1) return {};
    auto reply = schemas::DecodeReply(replies->front().envelope);
    EXPECT_TRUE(reply.ok());
    return reply.ok() ? *reply : schemas::Reply{};
  }
  static std::string FailBody(std::string_view status) {
    return schemas::BodyWriter().String("status", std::string(status)).Finish();
  }

  testing::TempDir dir_;
  Dispatcher d_{"test", 7};
  int runs_ = 0;
};

TEST_F(DispatcherGuaranteesTest, EveryRecordedErrorIsReplayedToARetryWithoutRunningAgain) {
  for (std::string_view name : {"invalid", "not_found", "conflict", "forbidden"}) {
    SCOPED_TRACE(std::string(name));
    const std::string id = "cmd-" + std::string(name);
    const int runs_before = runs_;
    const uint64_t replayed_before = d_.stats().replies_replayed;
    schemas::Reply first = Send(id, "test.fail", FailBody(name));
    EXPECT_EQ(CodeName(first.status), name);
    schemas::Reply again = Send(id, "test.fail", FailBody(name));
    EXPECT_EQ(runs_, runs_before + 1);  // the handler ran once
    EXPECT_EQ(d_.stats().replies_replayed, replayed_before + 1);
    EXPECT_EQ(again.status, first.status);
    EXPECT_EQ(again.message, first.message);
  }
  // ...while a transient error is not recorded: its retry runs again.
  Send("cmd-internal", "test.fail", FailBody("internal"));
  Send("cmd-internal", "test.fail", FailBody("internal"));
  EXPECT_EQ(runs_, 4 + 2);
}

TEST_F(DispatcherGuaranteesTest, ARetryArrivingAfterItsDeadlineGetsTheRecordedReply) {
  schemas::Reply first = Send("cmd-1", "test.add", schemas::EmptyBody());
  ASSERT_EQ(first.status, Code::kOk);
  schemas::Reply late_retry = Send("cmd-1", "test.add", schemas::EmptyBody(), /*late=*/true);
  EXPECT_EQ(late_retry.status, Code::kOk) << late_retry.message;
  EXPECT_EQ(late_retry.body, first.body);
  EXPECT_EQ(runs_, 1);
  EXPECT_EQ(d_.stats().replies_replayed, 1u);
  // A new id that late is not run: the deadline is checked, just after the inbox.
  schemas::Reply late_new = Send("cmd-2", "test.add", schemas::EmptyBody(), /*late=*/true);
  EXPECT_EQ(late_new.status, Code::kTimeout);
  EXPECT_EQ(runs_, 1);
}

TEST_F(DispatcherGuaranteesTest, AReadOnlyCommandThatPublishesIsAnsweredInternalAndPublishesNothing) {
  schemas::Reply r = Send("get-1", "test.get", schemas::EmptyBody());
  EXPECT_EQ(r.status, Code::kInternal);
  EXPECT_NE(r.message.find("read-only"), std::string::npos) << r.message;
  EXPECT_EQ(runs_, 1);
  EXPECT_EQ(d_.last_producer_seq(), 0u);
  auto outbox = d_.ReadOutbox(0, 10);
  ASSERT_TRUE(outbox.ok());
  EXPECT_TRUE(outbox->empty());
}

}  // namespace
}  // namespace mcf::worker
