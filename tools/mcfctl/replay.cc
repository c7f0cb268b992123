// `mcfctl replay FILE`: replays a capture against a fresh system and compares the outputs
// (lib/replay/replayer.h; docs/capture-format.md, "Replay"). Exit 0 identical, 1 different,
// 2 an unusable capture or a system that failed.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <unistd.h>

#include "lib/replay/replayer.h"
#include "schemas/clock.h"
#include "tools/mcfctl/commands.h"

namespace mcf::mcfctl {
namespace {

struct ReplayCliOptions {
  replay::ReplayOptions replay;
  bool json = false;
  std::string idle_timeout = "10s";
};

// The directory this executable is in: mcf-broker and the contexts are built next to mcfctl.
std::string SelfDir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "build/bin";
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

int RunReplay(ReplayCliOptions& options) {
  if (options.replay.bin_dir.empty()) options.replay.bin_dir = SelfDir();
  auto idle = ParseTimeout(options.idle_timeout);
  if (!idle) {
    std::cerr << "mcfctl replay: bad --idle-timeout \"" << options.idle_timeout << "\"\n";
    return kExitUsage;
  }
  options.replay.idle_timeout = *idle;
  auto report = replay::Replay(options.replay);
  if (!report.ok()) {
    std::cerr << "mcfctl replay: " << report.status().message() << "\n";
    return 2;
  }
  if (options.json) {
    std::cout << replay::JsonReport(*report) << "\n";
  } else {
    std::cout << replay::FormatReport(*report);
  }
  return report->identical ? 0 : 1;
}

}  // namespace

std::function<std::optional<int>()> AddReplayCommands(CLI::App& app) {
  auto options = std::make_shared<ReplayCliOptions>();
  auto* cmd = app.add_subcommand(
      "replay",
      "replay a capture against a fresh system (sim clock, empty stores) and compare its replies "
      "and events field by field; exit 0 identical, 1 different, 2 unusable capture or failed "
      "system");
  cmd->add_option("file", options->replay.capture_path, "the capture to replay")->required();
  cmd->add_flag("--stop-at-first", options->replay.stop_at_first,
                "stop feeding at the first input whose outputs differ");
  cmd->add_option("--only", options->replay.only,
                  "compare only the messages this context produced");
  cmd->add_option("--exclude", options->replay.exclude,
                  "leave this context out (not started, its commands not fed, its outputs not "
                  "expected); repeatable");
  cmd->add_flag("--json", options->json, "print the report as one JSON object");
  cmd->add_option("--output", options->replay.output_path,
                  "also write the replay's replies and events as a capture");
  cmd->add_flag("--allow-real", options->replay.allow_real,
                "replay a real-clock capture (times are then expected to differ)");
  cmd->add_option("--bin-dir", options->replay.bin_dir,
                  "where mcf-broker and mcf-<context> are (default: next to mcfctl)");
  cmd->add_option("--work-dir", options->replay.work_dir,
                  "data directory of the replay system (default: a temporary one, removed)");
  cmd->add_option("--idle-timeout", options->idle_timeout,
                  "how long one input may keep the system busy")
      ->capture_default_str();
  return [cmd, options]() -> std::optional<int> {
    if (*cmd) return RunReplay(*options);
    return std::nullopt;
  };
}

}  // namespace mcf::mcfctl
