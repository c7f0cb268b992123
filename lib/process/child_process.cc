#include "lib/process/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace mcf::process {

ChildProcess::ChildProcess(ChildProcess&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }
ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (running()) Kill();
    pid_ = other.pid_;
    other.pid_ = -1;
  }
  return *this;
}
ChildProcess::~ChildProcess() {
  if (running()) Kill();
}

ChildProcess ChildProcess::Start(const std::vector<std::string>& argv, const std::string& log_path) {
  ChildProcess p;
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  p.pid_ = pid;
  return p;
}

bool ChildProcess::Signal(int sig) {
  if (!running()) return false;
  kill(pid_, sig);
  if (sig == SIGKILL) {
    int status;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  return true;
}

std::optional<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
  if (!running()) return std::nullopt;
  auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() >= end) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::optional<int> ChildProcess::Stop(std::chrono::milliseconds grace) {
  if (!running()) return std::nullopt;
  kill(pid_, SIGTERM);
  if (auto s = Wait(grace)) return s;
  Kill();
  return -SIGKILL;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<std::string> WaitForFileLine(const std::string& path,
                                           std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    std::string s = ReadFile(path);
    auto nl = s.find('\n');
    if (nl != std::string::npos) return s.substr(0, nl);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

}  // namespace mcf::process
