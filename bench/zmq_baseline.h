// Raw ZeroMQ baselines measured in the same run as the broker: what the transport alone can do
// on this machine, so the broker's figures read as ratios rather than absolute numbers.
//
// Each function starts its own threads and sockets over tcp://127.0.0.1 (ephemeral ports),
// measures for `duration`, drains what is still in flight and stops everything it started.
// Call from one thread; the context is shared (sockets are not).
#pragma once

#include <chrono>
#include <cstddef>
#include <zmq.hpp>

namespace mcf::bench {

struct RoundTrips {
  double per_second = 0;
  size_t count = 0;
  size_t errors = 0;  // replies that were not what was sent
};

// DEALER -> ROUTER echo (one hop), keeping `in_flight` requests outstanding.
RoundTrips EchoRoundTrips(zmq::context_t& context, size_t in_flight,
                          std::chrono::milliseconds duration, size_t payload_bytes);

// DEALER -> ROUTER|zmq::proxy|DEALER -> DEALER echo (two hops through a plain relay), the shape
// of a request through a broker without any of its logic. With `curve`, both hops are CurveZMQ
// (fresh keys, no ZAP handler): what encryption alone costs libzmq, one frame per message.
RoundTrips RelayRoundTrips(zmq::context_t& context, size_t in_flight,
                           std::chrono::milliseconds duration, size_t payload_bytes,
                           bool curve = false);

// Runs a closed loop on `socket` (a connected DEALER whose peer answers every message with one
// message): primes `in_flight` requests made by `make`, then for each reply checks it with
// `check` and sends another, until `duration` has passed; then drains the outstanding replies.
// Shared by the raw and the broker measurements so both count the same way.
template <typename Make, typename Check>
RoundTrips ClosedLoop(zmq::socket_t& socket, size_t in_flight, std::chrono::milliseconds duration,
                      Make make, Check check);

}  // namespace mcf::bench

#include "bench/closed_loop_inl.h"
