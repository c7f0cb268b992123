#include "lib/base/clock.h"

namespace mcf {

const Clock& SteadyClock::Instance() {
  static const SteadyClock clock;
  return clock;
}

long long WallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace mcf
