// Clock: the injected source of transport time (heartbeats, deadlines, retries).
//
// This is *not* the bus clock that contexts read (that time arrives in messages, see
// lib/worker/context.h); it is the monotonic time the broker and the runtime use for liveness and
// deadlines, injected so tests can drive it without sleeping.
// Thread-safety: SteadyClock is stateless; FakeClock is not synchronised (one owning thread).
#pragma once

#include <chrono>

namespace mcf {

using Millis = std::chrono::milliseconds;
using TimePoint = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SteadyClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  // A process-wide instance, for components given no other clock.
  static const Clock& Instance();
};

class FakeClock final : public Clock {
 public:
  TimePoint Now() const override { return now_; }
  void Advance(Millis by) { now_ += by; }

 private:
  TimePoint now_{};
};

// Wall-clock milliseconds since the Unix epoch. Only the broker's real-time clock and log lines
// may read it; contexts get time from the bus.
long long WallMillis();

}  // namespace mcf
