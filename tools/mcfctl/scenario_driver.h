// `mcfctl scenario run FILE [--capture OUT]`: plays a scenario (scenario.h) against a FRESH
// system — mcf-broker on the simulated clock at the scenario's start with its seed, the
// scenario's contexts and mcf-gateway, as real processes in a temp dir (lib/process
// LocalSystem) — checking every expectation, and records the run as a capture (the broker's
// --capture, from its first message to its exit, so the capture is complete and replayable).
//
// Before every step the driver waits until the system is idle (scenario_io.h), so every reply
// it reads is the one a replay of the capture produces. OUT is written only when every step
// passed. Single-threaded; owns the system it starts.
#pragma once

#include <string>
#include <vector>

namespace mcf::mcfctl {

struct ScenarioRunOptions {
  std::string file;     // the scenario (JSON)
  std::string capture;  // where to write the capture; "" = none
  std::string bin_dir;  // mcf-broker, mcf-<context>, mcf-gateway; "" = this mcfctl's directory
  bool keep = false;    // keep the temp dir (stores, logs) and print its path
};

// Exit codes: 0 every step passed (and the capture is complete); 1 a step failed (the message
// names the step and the field) or the system did not start; 2 the scenario file is invalid.
int RunScenario(const ScenarioRunOptions& options);

// `scenario check FILE...`: parses each file and prints its steps; 2 when one is invalid.
int CheckScenarios(const std::vector<std::string>& files);

// The directory of the running executable (for default --bin-dir); "" when unknown.
std::string SelfDirectory();

}  // namespace mcf::mcfctl
