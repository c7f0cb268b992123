#include "bench/replay_bench.h"

#include <algorithm>
#include <chrono>

#include "lib/replay/replayer.h"
#include "lib/replay/sample_capture.h"

namespace mcf::bench {

namespace {
constexpr uint64_t kMessagesPerOrder = 26;  // measured: 9 inputs, 9 replies, ~8 events
}  // namespace

Result<ReplayThroughput> ReplayCapture(const std::string& bin_dir, const std::string& dir,
                                       uint64_t messages) {
  replay::SampleOptions sample;
  sample.bin_dir = bin_dir;
  sample.data_dir = dir + "/recorded";
  sample.capture_path = dir + "/bench.cap";
  sample.orders = static_cast<int>(std::max<uint64_t>(1, messages / kMessagesPerOrder));
  auto recorded = replay::RecordSampleCapture(sample);
  if (!recorded.ok()) return recorded.status();

  replay::ReplayOptions options;
  options.capture_path = sample.capture_path;
  options.bin_dir = bin_dir;
  options.work_dir = dir + "/replay";
  const auto start = std::chrono::steady_clock::now();
  auto report = replay::Replay(options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!report.ok()) return report.status();
  ReplayThroughput out;
  out.messages = recorded->messages;
  out.inputs = recorded->inputs;
  out.seconds = seconds;
  out.per_second = seconds > 0 ? static_cast<double>(out.messages) / seconds : 0;
  out.identical = report->identical;
  out.differences = report->differences.size();
  return out;
}

}  // namespace mcf::bench
