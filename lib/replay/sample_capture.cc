#include "lib/replay/sample_capture.h"

#include <zmq.hpp>

#include <chrono>
#include <optional>
#include <thread>

#include "lib/capture/reader.h"
#include "lib/process/local_system.h"
#include "lib/replay/barrier.h"
#include "lib/replay/plan.h"
#include "schemas/body.h"
#include "schemas/clock.h"
#include "schemas/envelope.h"
#include "schemas/hiring.h"
#include "schemas/supplies.h"

namespace mcf::replay {
namespace {

namespace clk = schemas::clock;
using schemas::BodyWriter;
using schemas::Principal;

constexpr int64_t kStartMs = 1'767'600'000'000;  // 2026-01-05T08:00:00Z
constexpr int64_t kHour = 3'600'000;
constexpr Millis kTimeout{10000};

class Driver {
 public:
  Driver(BusDriver& bus, int64_t now) : bus_(bus), now_(now) {}

  // Sends a command, waits for its reply and for quiescence; the reply must be ok.
  Result<schemas::Reply> Ok(std::string_view type, std::string body,
                            std::optional<Principal> principal) {
    ASSIGN_OR_RETURN(auto bytes, bus_.Call(type, std::move(body), kTimeout, principal, now_));
    ++inputs_;
    ASSIGN_OR_RETURN(auto reply, schemas::DecodeReply(bytes));
    RETURN_IF_ERROR(bus_.WaitIdle(kTimeout));
    if (reply.status != Code::kOk)
      return Status(reply.status, std::string(type) + ": " + reply.message);
    return reply;
  }

  Status Order(int n) {
    const std::string tag = std::to_string(n);
    RETURN_IF_ERROR(Ok(schemas::hiring::kImportWorker,
                       schemas::hiring::Encode(schemas::hiring::ImportWorker{
                           "Cat " + tag, 3, "tabby", "ginger", {"jars", "pipes"}, {}}),
                       Principal{"admin", "admin-1"}));
    std::string token = "token-" + tag;
    token.resize(64, 'x');
    ASSIGN_OR_RETURN(auto signed_in, Ok("portal.sign_in",
                                        BodyWriter()
                                            .String("employee_id", "HCB-" + tag)
                                            .String("name", "Client " + tag)
                                            .String("token", token)
                                            .Finish(),
                                        Principal{"system", "gateway"}));
    ASSIGN_OR_RETURN(auto client_id, schemas::Body::Parse(signed_in.body)->String("client_id"));
    const Principal client{"client", client_id};
    // Half an hour ahead: inside tasks' 60-minute check-in window, so the check-in below is
    // accepted without moving the clock.
    ASSIGN_OR_RETURN(auto order, Ok("portal.request_help",
                                    BodyWriter()
                                        .String("service_type_id", "chores")
                                        .String("description", "toss the jars " + tag)
                                        .Int("starts_at", now_ + kHour / 2)
                                        .Finish(),
                                    client));
    ASSIGN_OR_RETURN(auto order_id, schemas::Body::Parse(order.body)->String("id"));
    // The kit appears once matching and supplies have handled the order's events, complete once
    // the contractor's adapter (no delay here) brought its cookie. Idle means every
    // *subscribed* peer is caught up; one that is (re)subscribing right now is not counted, so
    // look until the complete kit is there (each look is a recorded read-only input).
    std::optional<schemas::supplies::SupplyOrder> kit;
    const auto give_up = std::chrono::steady_clock::now() + kTimeout;
    while (!kit && std::chrono::steady_clock::now() < give_up) {
      ASSIGN_OR_RETURN(auto board, Ok(schemas::supplies::kList,
                                      schemas::supplies::Encode(schemas::supplies::ListRequest{
                                          schemas::supplies::kStatusWaiting}),
                                      Principal{"admin", "admin-1"}));
      ASSIGN_OR_RETURN(auto decoded,
                       schemas::supplies::Decode<schemas::supplies::Board>(board.body));
      for (const auto& o : decoded.orders)
        if (o.task_id == order_id && o.complete) kit = o;
      if (!kit) std::this_thread::sleep_for(Millis(100));
    }
    if (!kit)
      return Status::NotFound("no complete supply order for task " + order_id +
                              " (not assigned, or no cookie?)");
    const Principal worker{"worker", kit->worker_id};
    RETURN_IF_ERROR(Ok(schemas::supplies::kIssue,
                       schemas::supplies::Encode(schemas::supplies::IssueRequest{kit->id}),
                       Principal{"supplies", "supplies-1"}));
    schemas::MsgpackWriter photo;
    photo.Binary("JPEG " + tag);
    const std::string photo_body =
        BodyWriter().String("task_id", order_id).Raw("photo", photo.bytes()).Finish();
    RETURN_IF_ERROR(Ok("tasks.check_in", photo_body, worker));
    RETURN_IF_ERROR(Ok("tasks.complete", photo_body, worker));
    RETURN_IF_ERROR(
        Ok("portal.get_order", BodyWriter().String("order_id", order_id).Finish(), client));
    ASSIGN_OR_RETURN(
        auto advanced,
        Ok("clock.advance", clk::Encode(clk::Advance{60'000, std::nullopt}), std::nullopt));
    ASSIGN_OR_RETURN(auto now, clk::Decode<clk::BusTime>(advanced.body));
    now_ = now.now_ms;
    return Status::Ok();
  }

  uint64_t inputs() const { return inputs_; }

 private:
  BusDriver& bus_;
  int64_t now_;
  uint64_t inputs_ = 0;
};

}  // namespace

Result<SampleResult> RecordSampleCapture(const SampleOptions& options) {
  process::SystemOptions so;
  so.bin_dir = options.bin_dir;
  so.data_dir = options.data_dir;
  so.contexts = {"hiring", "matching", "portal", "supplies", "tasks"};
  so.outside = {{"contractor", "mcf-contractor-sim", {"--delay", "0s"}}};
  so.broker_flags = {"--clock",   "sim",
                     "--start",   clk::Iso8601(kStartMs),
                     "--capture", options.capture_path,
                     "--seed",    std::to_string(options.seed)};
  so.worker_flags = {"--seed", std::to_string(options.seed), "--durable-replies"};
  SampleResult result;
  {
    ASSIGN_OR_RETURN(auto system, process::LocalSystem::Start(so));
    zmq::context_t context(1);
    BusDriver bus(context, system->broker_endpoint(), "sample");
    RETURN_IF_ERROR(bus.WaitIdle(kTimeout));
    Driver driver(bus, kStartMs);
    for (int i = 1; i <= options.orders; ++i)
      if (Status s = driver.Order(i); !s.ok())
        return Status(s.code(),
                      "order " + std::to_string(i) + ": " + s.message() + "\n" + system->Logs());
    result.inputs = driver.inputs();
    system->Stop();  // the broker writes the trailer as it exits
  }
  ASSIGN_OR_RETURN(auto capture, capture::ReadCapture(options.capture_path));
  ASSIGN_OR_RETURN(auto plan, PlanReplay(capture, false));
  result.messages = plan.inputs.size() + plan.captured.replies.size() + plan.captured.events.size();
  return result;
}

}  // namespace mcf::replay
