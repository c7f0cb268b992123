// ChildProcess: a real process started by a test or a tool (broker, a worker, the gateway),
// stopped by pid only.
//
// Start() forks and execs `argv[0]` with the rest as arguments, stdout/stderr appended to
// `log_path` (so a failing run can print it). The destructor kills (SIGKILL) and reaps a child
// still running, so a failure never leaves processes behind. Owned by one thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace mcf::process {

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();

  static ChildProcess Start(const std::vector<std::string>& argv, const std::string& log_path);

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  // Sends `signal`; for SIGKILL also reaps. Returns false if not running.
  bool Signal(int signal);
  void Kill() { Signal(9); }
  // Waits up to `timeout` for exit; the exit status (or -signal) when it exited.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL if it has not exited within `grace`. Returns the exit status.
  std::optional<int> Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));

 private:
  pid_t pid_ = -1;
};

// Reads a whole file ("" if missing).
std::string ReadFile(const std::string& path);
// Polls `path` until it exists and is non-empty (at most `timeout`), returning its first line.
std::optional<std::string> WaitForFileLine(const std::string& path,
                                           std::chrono::milliseconds timeout);

}  // namespace mcf::process
