// PublicPriority on real threads: where this process may raise a thread back (root, or
// RLIMIT_NICE >= 20, as in CI), a public request's thread runs at nice 19 and a staff request's
// at 0 again; elsewhere nothing changes, so no thread is left low.
#include "gateway/public_priority.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <thread>

namespace mcf::gateway {
namespace {

int ThreadNice() {
  errno = 0;
  return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
}

TEST(PublicPriorityTest, PublicRequestsRunLowerAndStaffRequestsAtNormalPriority) {
  const bool enabled = PublicPriority::Enable();
  std::thread serving([&] {
    ASSERT_EQ(ThreadNice(), 0);
    PublicPriority::ServeAs(true);
    EXPECT_EQ(ThreadNice(), enabled ? PublicPriority::kPublicNice : 0);
    PublicPriority::ServeAs(true);
    EXPECT_EQ(ThreadNice(), enabled ? PublicPriority::kPublicNice : 0);
    PublicPriority::ServeAs(false);
    EXPECT_EQ(ThreadNice(), 0);
  });
  serving.join();
  // Only the serving thread was touched.
  EXPECT_EQ(ThreadNice(), 0);
  if (::geteuid() == 0) EXPECT_TRUE(enabled) << "root may always raise a thread back";
}

}  // namespace
}  // namespace mcf::gateway
