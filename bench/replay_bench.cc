#include "bench/replay_bench.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "lib/replay/replayer.h"
#include "lib/replay/sample_capture.h"

namespace mcf::bench {

namespace {
constexpr uint64_t kMessagesPerOrder = 27;  // measured: 9 inputs, 9 replies, 9 events
}  // namespace

Result<ReplayThroughput> ReplayCapture(const std::string& bin_dir, const std::string& dir,
                                       uint64_t messages) {
  // The recording's stores go to scratch space (RAM when there is /dev/shm) like the replay's:
  // the recording is set-up, not what is measured.
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Unavailable("cannot create " + dir + ": " + ec.message());
  ASSIGN_OR_RETURN(auto scratch, replay::MakeScratchDir("mcf-replay-bench-"));
  struct Cleanup {
    std::string path;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } cleanup{scratch};
  replay::SampleOptions sample;
  sample.bin_dir = bin_dir;
  sample.data_dir = scratch + "/recorded";
  sample.capture_path = dir + "/bench.cap";
  sample.orders = static_cast<int>(std::max<uint64_t>(1, messages / kMessagesPerOrder));
  ASSIGN_OR_RETURN(auto recorded, replay::RecordSampleCapture(sample));

  replay::ReplayOptions options;
  options.capture_path = sample.capture_path;
  options.bin_dir = bin_dir;
  // work_dir "": a fresh directory under replay::ScratchRoot(), as `mcfctl replay` does.
  const auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(auto report, replay::Replay(options));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ReplayThroughput out;
  out.messages = recorded.messages;
  out.inputs = recorded.inputs;
  out.seconds = seconds;
  out.per_second = seconds > 0 ? static_cast<double>(out.messages) / seconds : 0;
  out.identical = report.identical;
  out.differences = report.differences.size();
  return out;
}

}  // namespace mcf::bench
