// Implementation of ClosedLoop (a template, see zmq_baseline.h). Not for direct inclusion.
#pragma once

#include "lib/transport/protocol.h"

namespace mcf::bench {

template <typename Make, typename Check>
RoundTrips ClosedLoop(zmq::socket_t& socket, size_t in_flight, std::chrono::milliseconds duration,
                      Make make, Check check) {
  using Clock = std::chrono::steady_clock;
  RoundTrips out;
  socket.set(zmq::sockopt::rcvtimeo, 5000);  // a lost reply ends the run instead of hanging it
  proto::Frames frames;
  size_t outstanding = 0;
  for (size_t i = 0; i < in_flight; ++i) {
    proto::Frames request = make();
    if (!proto::SendFrames(socket, request)) return out;
    ++outstanding;
  }
  // The first quarter warms the path up (connections, allocator, caches) and is not counted.
  const auto start = Clock::now();
  const auto warm_end = start + duration / 4;
  const auto end = start + duration + duration / 4;
  auto measure_start = start;
  size_t measure_base = 0;
  bool warming = true, sending = true;
  while (outstanding > 0) {
    if (!proto::RecvFrames(socket, frames)) {
      ++out.errors;  // timed out: the peer lost replies
      break;
    }
    --outstanding;
    if (!check(frames)) ++out.errors;
    ++out.count;
    if ((out.count & 15) == 0) {
      const auto now = Clock::now();
      if (warming && now >= warm_end) {
        warming = false;
        measure_start = now;
        measure_base = out.count;
      }
      if (sending && now >= end) sending = false;
    }
    if (sending) {
      proto::Frames request = make();
      if (!proto::SendFrames(socket, request)) break;
      ++outstanding;
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - measure_start).count();
  out.per_second =
      seconds > 0 ? static_cast<double>(out.count - measure_base) / seconds : 0;
  return out;
}

}  // namespace mcf::bench
