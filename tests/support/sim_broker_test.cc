#include "tests/support/sim_broker_test.h"

#include <algorithm>
#include <filesystem>

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

void SimBrokerTest::Publish(client::Publisher& publisher, std::string_view type,
                            std::string body) {
  schemas::Envelope e;
  e.id = "feeder:" + std::to_string(++published_);
  e.type = std::string(type);
  if (const auto* t = schemas::FindMessageType(type)) e.version = t->version;
  e.producer = "feeder";
  e.time_ms = kStartMs;
  e.body = std::move(body);
  publisher.Publish(type, schemas::Encode(e));
}

}  // namespace mcf::testing
