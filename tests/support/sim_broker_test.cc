#include "tests/support/sim_broker_test.h"

#include <algorithm>
#include <filesystem>
#include <thread>

#include "lib/client/bus_client.h"
#include "lib/client/subscriber.h"
#include "schemas/body.h"
#include "schemas/envelope.h"
#include "schemas/registry.h"
#include "tests/support/broker_process.h"

namespace mcf::testing {

void SimBrokerTest::SetUp() {
  auto broker = StartBrokerProcess(
      dir_.Sub("broker"), dir_.Sub("broker.log"),
      {"--clock", "sim", "--start", "2026-01-05T08:00:00Z", "--heartbeat-ms", "100"});
  ASSERT_TRUE(broker.has_value()) << Logs();
  broker_ = std::move(broker->process);
  endpoint_ = broker->endpoint;
}

ChildProcess SimBrokerTest::StartContext(const std::string& service, std::string data,
                                         const std::vector<std::string>& extra) {
  if (data.empty()) data = service;
  std::vector<std::string> argv = {BinDir() + "/mcf-" + service,
                                   "--broker",
                                   endpoint_,
                                   "--data",
                                   dir_.Sub(data),
                                   "--heartbeat-ms",
                                   "100",
                                   "--seed",
                                   "5"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return ChildProcess::Start(argv, dir_.Sub(data + ".log"));
}

std::string SimBrokerTest::Logs() const {
  std::vector<std::string> logs;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path(), ec))
    if (entry.path().extension() == ".log") logs.push_back(entry.path().string());
  std::sort(logs.begin(), logs.end());
  std::string out;
  for (const auto& path : logs)
    out += "--- " + std::filesystem::path(path).filename().string() + "\n" + ReadFile(path);
  return out;
}

void SimBrokerTest::Publish(client::Publisher& publisher, std::string_view type, std::string body) {
  schemas::Envelope e;
  e.id = "feeder:" + std::to_string(++published_);
  e.type = std::string(type);
  if (const auto* t = schemas::FindMessageType(type)) e.version = t->version;
  e.producer = "feeder";
  e.time_ms = kStartMs;
  e.body = std::move(body);
  publisher.Publish(type, schemas::Encode(e));
}

std::optional<uint64_t> SimBrokerTest::LogHead() {
  client::BusClient bus(context_, endpoint_, "sim-broker-test");
  schemas::Reply reply = bus.Call(bus.MakeCommand("broker.stats", schemas::EmptyBody()),
                                  std::chrono::milliseconds(2000));
  if (reply.status != Code::kOk) return std::nullopt;
  auto body = schemas::Body::Parse(reply.body);
  if (!body.ok()) return std::nullopt;
  auto head = body->Int("log_head");
  if (!head.ok() || *head < 0) return std::nullopt;
  return static_cast<uint64_t>(*head);
}

SimBrokerTest::Events SimBrokerTest::ReadLog(const std::string& prefix,
                                             const std::function<bool(const Events&)>& done,
                                             std::chrono::milliseconds wait) {
  using std::chrono::milliseconds;
  using std::chrono::steady_clock;
  // Every topic, so the subscriber's last_seq reaches the head even when the newest events do
  // not match `prefix`; the filter is applied here.
  client::SubscriberOptions opts;
  opts.from_seq = 1;
  opts.heartbeat = milliseconds(100);
  client::Subscriber sub(context_, endpoint_, opts);
  Events events;
  const auto end = steady_clock::now() + wait;
  // Reads every event up to `head`; false if the deadline passed first.
  auto drain_to = [&](uint64_t head) {
    while (sub.last_seq() < head) {
      if (steady_clock::now() >= end) return false;
      auto ev = sub.Next(milliseconds(200));
      if (!ev) continue;
      if (ev->topic.rfind(prefix, 0) != 0) continue;
      auto env = schemas::DecodeEnvelope(ev->envelope);
      if (env.ok()) events.push_back({ev->topic, env->body});
    }
    return true;
  };
  while (steady_clock::now() < end) {
    auto head = LogHead();
    if (head && drain_to(*head) && done(events)) {
      // Whatever was published with the last matching event (same batch, same handler) is in
      // the log by now or shortly after: read to the head once more.
      if (auto again = LogHead()) drain_to(*again);
      return events;
    }
    std::this_thread::sleep_for(milliseconds(50));  // pacing a polling loop, not correctness
  }
  return events;
}

size_t SimBrokerTest::Count(const Events& events, std::string_view topic) {
  size_t n = 0;
  for (const auto& e : events) n += e.topic == topic;
  return n;
}

}  // namespace mcf::testing
