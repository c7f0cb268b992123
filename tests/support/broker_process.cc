#include "tests/support/broker_process.h"

#include <chrono>
#include <filesystem>

#include "tests/support/test_keys.h"

namespace mcf::testing {

std::optional<StartedBroker> StartBrokerProcess(const std::string& data_dir,
                                                const std::string& log_path,
                                                const std::vector<std::string>& extra,
                                                const std::string& endpoint) {
  const std::string endpoint_file = log_path + ".endpoint";
  std::error_code ec;
  std::filesystem::remove(endpoint_file, ec);  // a restart must not read the last run's port
  std::vector<std::string> argv = {BinDir() + "/mcf-broker",
                                   "--endpoint",
                                   endpoint,
                                   "--endpoint-file",
                                   endpoint_file,
                                   "--data",
                                   data_dir};
  argv.insert(argv.end(), extra.begin(), extra.end());
  AddTestKeys(argv);
  StartedBroker broker{ChildProcess::Start(argv, log_path), ""};
  auto line = WaitForFileLine(endpoint_file, std::chrono::milliseconds(10000));
  if (!line) return std::nullopt;
  broker.endpoint = *line;
  return broker;
}

}  // namespace mcf::testing
