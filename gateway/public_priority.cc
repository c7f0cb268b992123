#include "gateway/public_priority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace mcf::gateway {
namespace {

std::atomic<bool> g_enabled{false};
thread_local int t_nice = 0;

bool SetThreadNice(int nice) {
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  return ::setpriority(PRIO_PROCESS, tid, nice) == 0;
}

}  // namespace

bool PublicPriority::Enable() {
  bool raise_back = false;
  std::thread probe([&] { raise_back = SetThreadNice(kPublicNice) && SetThreadNice(0); });
  probe.join();
  g_enabled = raise_back;
  return raise_back;
}

void PublicPriority::ServeAs(bool is_public) {
  if (!g_enabled.load(std::memory_order_relaxed)) return;
  const int want = is_public ? kPublicNice : 0;
  if (t_nice == want) return;
  if (SetThreadNice(want)) t_nice = want;
}

}  // namespace mcf::gateway
