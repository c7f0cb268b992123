// StartBrokerProcess: a real mcf-broker for an integration test, on a free 127.0.0.1 port.
// Owned by the test thread that started it; stopped by its ChildProcess (pid) like any child.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace mcf::testing {

struct StartedBroker {
  ChildProcess process;
  std::string endpoint;  // what it bound, e.g. tcp://127.0.0.1:41234
};

// Starts build/bin/mcf-broker with its store in `data_dir`, output appended to `log_path`, plus
// `extra` flags (e.g. {"--clock", "sim", "--heartbeat-ms", "100"}), on `endpoint` (default: any
// free port), and waits up to 10 s for the endpoint it bound. nullopt if it did not come up
// (the process is killed then; its log says why).
std::optional<StartedBroker> StartBrokerProcess(const std::string& data_dir,
                                                const std::string& log_path,
                                                const std::vector<std::string>& extra = {},
                                                const std::string& endpoint = "tcp://127.0.0.1:*");

}  // namespace mcf::testing
