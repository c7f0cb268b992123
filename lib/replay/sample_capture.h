// A recorded sample capture for replay's own tests and benchmark: starts a system (sim broker
// with --capture, portal, tasks, matching, hiring, supplies, and the cookie contractor's
// simulator with no delay) and drives `orders` complete order flows over the bus as the
// principals would (admin imports a worker, a client signs in and requests help, the board's kit
// is issued once its cookie came, the assigned worker checks in and completes, the
// client reads the order, the clock moves a minute), waiting for quiescence (barrier.h) after
// every command so the recording is itself deterministic. Runs on the calling thread.
#pragma once

#include <cstdint>
#include <string>

#include "lib/base/status.h"

namespace mcf::replay {

struct SampleOptions {
  std::string bin_dir;
  std::string data_dir;      // the system's stores and logs
  std::string capture_path;  // written by the broker
  int orders = 1;
  int64_t seed = 7;
};

struct SampleResult {
  uint64_t inputs = 0;    // commands sent (the replay's inputs)
  uint64_t messages = 0;  // inputs + replies + events in the capture
};

Result<SampleResult> RecordSampleCapture(const SampleOptions& options);

}  // namespace mcf::replay
