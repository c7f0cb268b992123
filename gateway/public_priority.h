// PublicPriority: a thread serving a public request (the application form, sign-in) runs at a
// lower CPU priority than one serving staff and workers, so that a flood that saturates the CPU
// — refused cheaply, but refused by the thousand — still leaves the CPU to the staff's requests
// (SPEC 4: capacity the public routes cannot exhaust). Linux per-thread nice: setpriority() on
// the thread id, +19 for public, 0 otherwise; the CFS weight of nice 19 is 15 against nice 0's
// 1024, so the flood's threads run when the staff's have nothing to do. (Measured by
// `./mcf bench --hiring-only`: staff p99 during the flood went from about 7x the quiet p99 with
// no lowering to 1.5-3.2x at 19; 3.7-4.2x at 10.)
//
// Lowering a thread is always allowed; raising it back needs CAP_SYS_NICE or RLIMIT_NICE >= 20.
// Enable() tries both once on a scratch thread and stays off when the raise is refused, so a
// serving thread is never left low for a staff request. Thread-safe: Enable() once at start,
// then ServeAs() from any serving thread (it acts on the calling thread only).
#pragma once

namespace mcf::gateway {

class PublicPriority {
 public:
  static constexpr int kPublicNice = 19;

  // Turns the feature on if this process may raise a thread's priority back; returns whether
  // it did.
  static bool Enable();
  // Before serving a request on the calling thread: public at kPublicNice, else at 0. No-op
  // unless enabled, and when the thread is already there.
  static void ServeAs(bool is_public);
};

}  // namespace mcf::gateway
