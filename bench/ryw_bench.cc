#include "bench/ryw_bench.h"

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "lib/client/bus_client.h"
#include "lib/client/publisher.h"
#include "lib/process/child_process.h"
#include "schemas/body.h"
#include "schemas/envelope.h"
#include "schemas/registry.h"

namespace mcf::bench {
namespace {

using SteadyTime = std::chrono::steady_clock;
constexpr const char* kFeeder = "bench-ryw-feeder";

std::string FedEnvelope(uint64_t n) {
  schemas::Envelope e;
  e.id = std::string(kFeeder) + ":" + std::to_string(n);
  e.type = "test.fed";
  e.version = schemas::FindMessageType("test.fed")->version;
  e.producer = kFeeder;
  e.time_ms = WallMillis();
  e.body = schemas::BodyWriter().String("name", "ryw").Int("amount", 1).Finish();
  return schemas::Encode(e);
}

// test.get {name: "fed:ryw"}: the number of test.fed events the worker has applied, or the
// reply's error.
Result<int64_t> FedCount(client::BusClient& client) {
  const schemas::Reply reply = client.Call(
      client.MakeCommand("test.get", schemas::BodyWriter().String("name", "fed:ryw").Finish()),
      Millis(5000));
  if (reply.status != Code::kOk) return Status(reply.status, reply.message);
  ASSIGN_OR_RETURN(const auto body, schemas::Body::Parse(reply.body));
  return body.Int("total");
}

// One worker's round trips: started with `flags`, waited for, warmed up, then timed; appended
// to `us`. Its subscription must be live: it applies test.fed events while measured.
Status TimeWorker(zmq::context_t& context, const std::string& endpoint, const std::string& bin_dir,
                  const std::string& dir, const std::string& key_file,
                  std::vector<std::string> flags, size_t samples, bool expect_events,
                  std::vector<double>& us) {
  std::vector<std::string> argv = {
      bin_dir + "/mcf-test-worker", "--broker", endpoint, "--data", dir, "--key", key_file};
  argv.insert(argv.end(), flags.begin(), flags.end());
  process::ChildProcess worker = process::ChildProcess::Start(argv, dir + ".log");
  client::BusClient client(context, endpoint, "bench-ryw");
  Result<int64_t> first =
      Status::Unavailable("mcf-test-worker did not answer; log " + dir + ".log");
  for (const auto end = SteadyTime::now() + Millis(15000);
       SteadyTime::now() < end && !(first = FedCount(client)).ok();) {
    std::this_thread::sleep_for(Millis(20));  // pacing the wait for registration
  }
  if (!first.ok()) return first.status();
  for (size_t i = 0; i < samples / 4; ++i) RETURN_IF_ERROR(FedCount(client).status());  // warm-up
  int64_t last = *first;
  for (size_t i = 0; i < samples; ++i) {
    const auto t0 = SteadyTime::now();
    ASSIGN_OR_RETURN(last, FedCount(client));
    us.push_back(std::chrono::duration<double, std::micro>(SteadyTime::now() - t0).count());
  }
  worker.Stop();
  if (expect_events && last <= *first)
    return Status::Internal("the worker applied no test.fed event while measured (" +
                            std::to_string(*first) + " -> " + std::to_string(last) + ")");
  return Status::Ok();
}

}  // namespace

Result<ReadYourWritesCost> MeasureReadYourWrites(zmq::context_t& context,
                                                 const std::string& endpoint,
                                                 const std::string& bin_dir,
                                                 const std::string& data_dir,
                                                 const std::string& key_file, size_t samples,
                                                 int rounds, std::optional<Millis> event_every) {
  ReadYourWritesCost out;
  std::atomic<bool> stop{!event_every.has_value()};
  std::atomic<uint64_t> published{0};
  std::thread feeder([&] {
    if (stop.load()) return;
    client::Publisher publisher(context, endpoint, kFeeder);
    uint64_t n = 0;
    for (auto next = SteadyTime::now(); !stop.load(); next += *event_every) {
      publisher.Publish("test.fed", FedEnvelope(++n));
      publisher.PollAcks(Millis(0));
      std::this_thread::sleep_until(next);  // the pace
    }
    (void)publisher.Flush(Millis(5000));
    published = n;
  });
  // Alternating rounds, so that whatever else the machine does falls on both alike.
  std::vector<double> no_wait, caught_up;
  Status status;
  for (int round = 0; round < rounds && status.ok(); ++round) {
    status =
        TimeWorker(context, endpoint, bin_dir, data_dir + "/ryw-no-wait", key_file,
                   {"--no-read-your-writes"}, samples / rounds, event_every.has_value(), no_wait);
    if (status.ok())
      status = TimeWorker(context, endpoint, bin_dir, data_dir + "/ryw-caught-up", key_file, {},
                          samples / rounds, event_every.has_value(), caught_up);
  }
  stop = true;
  feeder.join();
  RETURN_IF_ERROR(status);
  out.no_wait = Summarize(std::move(no_wait));
  out.caught_up = Summarize(std::move(caught_up));
  out.events = published.load();
  return out;
}

}  // namespace mcf::bench
