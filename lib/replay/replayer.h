// Replay of a capture (docs/capture-format.md, "Replay"): starts a fresh broker on the sim clock
// at the capture's start and the contexts the capture names, in a temporary directory with
// empty stores (lib/process/local_system.h), with a key of role outside (and no process) for each
// outside producer; feeds the captured inputs in captured order — commands, and the outside
// producers' events published as them — each at its captured bus time (clock.advance to_ms
// first) and each followed by the quiescence barrier (lib/replay/barrier.h); collects the
// replies and every event of the replay broker's log (the fed ones included); and compares them
// with the captured ones (lib/replay/compare.h).
// Runs on the calling thread; owns the processes it starts (stopped before returning).
#pragma once

#include <string>
#include <vector>

#include "lib/base/clock.h"
#include "lib/base/status.h"
#include "lib/replay/compare.h"
#include "lib/replay/plan.h"

namespace mcf::replay {

struct ReplayOptions {
  std::string capture_path;
  std::string bin_dir;     // mcf-broker and mcf-<context>
  std::string work_dir;    // "" = a fresh directory under ScratchRoot(), removed afterwards
  bool keep_work_dir = false;
  bool stop_at_first = false;  // stop feeding at the first input whose outputs differ
  std::string only;            // compare only what this context produced
  std::vector<std::string> exclude;  // contexts left out of the replay (ExcludeContext)
  bool allow_real = false;     // replay a real-clock capture (times will differ)
  std::string output_path;     // also write the replay's outputs as a capture
  Millis reply_timeout{10000};
  Millis idle_timeout{10000};  // per input
};

struct ReplayReport {
  bool identical = false;
  size_t inputs = 0;      // inputs in the capture (commands and outside producers' events)
  size_t inputs_fed = 0;  // inputs fed (fewer after --stop-at-first)
  size_t outputs = 0;     // replies and events the replay produced
  bool stopped_early = false;
  std::vector<Difference> differences;
  std::vector<std::string> contexts;
  double seconds = 0;  // wall time of the feeding and collection (not the start-up)
  std::string work_dir;
};

// Where throwaway system directories go: /dev/shm when it is a writable directory (RAM: the
// stores' fsyncs cost nothing, and nothing there has to survive), else $TMPDIR, else /tmp.
std::string ScratchRoot();
// A fresh directory "<ScratchRoot()>/<prefix>XXXXXX".
Result<std::string> MakeScratchDir(const std::string& prefix);

// An error Status means the capture is unusable (unreadable, truncated, corrupt, newer version,
// incomplete, real clock) or the system failed (did not start, did not answer, stayed busy):
// `mcfctl replay` exits 2 for it. Differences are in the report (exit 1).
Result<ReplayReport> Replay(const ReplayOptions& options);

// The replay's outputs as a capture: the header (this build, wall time 0), the replies in input
// order, then every event by sequence, then the trailer. Deterministic bytes.
Status WriteOutputs(const std::string& path, const capture::Header& source, const Outputs& now);

// Text report: one FormatDifference line per difference, then a summary line.
std::string FormatReport(const ReplayReport& report);
// {identical, inputs, outputs, differences:[{message, type, field, captured, now}], ...}
std::string JsonReport(const ReplayReport& report);

}  // namespace mcf::replay
