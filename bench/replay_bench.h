// Replay throughput: records a capture of order flows (lib/replay/sample_capture.h; not timed),
// then times `mcf::replay::Replay` on it — fresh stores, simulated clock, every input followed
// by the quiescence barrier, the comparison included — and reports messages (inputs + replies
// + events) per second. Runs on the calling thread (plus the processes it starts).
#pragma once

#include <cstdint>
#include <string>

#include "lib/base/status.h"

namespace mcf::bench {

struct ReplayThroughput {
  uint64_t messages = 0;  // inputs + replies + events in the capture
  uint64_t inputs = 0;
  double seconds = 0;     // the whole replay: start-up, feeding, comparison, shutdown
  double per_second = 0;  // messages / seconds
  bool identical = false;
  size_t differences = 0;
};

// Records about `messages` messages (whole order flows, ~27 each; the capture file goes under
// `dir`, the recording system's stores to scratch space), then replays it as `mcfctl replay`
// does (fresh stores under replay::ScratchRoot()).
Result<ReplayThroughput> ReplayCapture(const std::string& bin_dir, const std::string& dir,
                                       uint64_t messages);

}  // namespace mcf::bench
