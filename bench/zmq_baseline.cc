#include "bench/zmq_baseline.h"

#include <atomic>
#include <optional>
#include <string>
#include <thread>

#include "lib/security/bus_identity.h"
#include "lib/transport/protocol.h"

namespace mcf::bench {
namespace {

// Echoes every message received on `socket` back on it, until `stop`. Owns nothing; the socket
// belongs to this thread while it runs.
void EchoLoop(zmq::socket_t& socket, const std::atomic<bool>& stop) {
  proto::Frames frames;
  zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
  while (!stop.load(std::memory_order_relaxed)) {
    zmq::poll(&item, 1, std::chrono::milliseconds(50));
    while (proto::RecvFrames(socket, frames, /*dontwait=*/true)) proto::SendFrames(socket, frames);
  }
}

// Closed sockets release their inproc names asynchronously: every relay gets a fresh one.
std::atomic<int> next_relay_id{0};

void Tune(zmq::socket_t& socket) {
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::sndhwm, 100000);
  socket.set(zmq::sockopt::rcvhwm, 100000);
}

RoundTrips RunClient(zmq::context_t& context, const std::string& endpoint, size_t in_flight,
                     std::chrono::milliseconds duration, size_t payload_bytes,
                     const std::optional<security::ClientCurve>& curve) {
  zmq::socket_t client(context, zmq::socket_type::dealer);
  Tune(client);
  if (curve) security::ApplyClientCurve(client, *curve);
  client.connect(endpoint);
  const std::string payload(payload_bytes, 'x');
  return ClosedLoop(
      client, in_flight, duration,
      [&] {
        proto::Frames f;
        f.emplace_back(payload.data(), payload.size());
        return f;
      },
      [&](const proto::Frames& f) { return f.size() == 1 && f[0].size() == payload.size(); });
}

}  // namespace

RoundTrips EchoRoundTrips(zmq::context_t& context, size_t in_flight,
                          std::chrono::milliseconds duration, size_t payload_bytes) {
  zmq::socket_t server(context, zmq::socket_type::router);
  Tune(server);
  server.bind("tcp://127.0.0.1:*");
  const std::string endpoint = server.get(zmq::sockopt::last_endpoint);
  std::atomic<bool> stop{false};
  std::thread echo([&] { EchoLoop(server, stop); });
  RoundTrips result = RunClient(context, endpoint, in_flight, duration, payload_bytes, {});
  stop = true;
  echo.join();
  return result;
}

RoundTrips RelayRoundTrips(zmq::context_t& context, size_t in_flight,
                           std::chrono::milliseconds duration, size_t payload_bytes, bool curve) {
  // One relay pair and one peer pair for both ends; no ZAP handler, so libzmq lets any CURVE
  // client in and the cost is the encryption alone.
  std::optional<security::ClientCurve> peer;
  std::string relay_secret;
  if (curve) {
    auto relay_pair = security::GenerateCurveKeyPair();
    auto peer_pair = security::GenerateCurveKeyPair();
    if (!relay_pair.ok() || !peer_pair.ok()) return RoundTrips{0, 0, 1};
    relay_secret = relay_pair->secret_key;
    peer = security::ClientCurve{relay_pair->public_key, *peer_pair};
  }
  // The relay gets its own context (its own I/O thread), as the broker, a separate process,
  // has; the client and the worker share `context`, as they do in the broker measurement.
  zmq::context_t relay_context(1);
  zmq::socket_t frontend(relay_context, zmq::socket_type::router);
  zmq::socket_t backend(relay_context, zmq::socket_type::dealer);
  zmq::socket_t control(relay_context, zmq::socket_type::pair);
  Tune(frontend);
  Tune(backend);
  if (peer) {
    for (zmq::socket_t* side : {&frontend, &backend}) {
      side->set(zmq::sockopt::curve_server, 1);
      side->set(zmq::sockopt::curve_secretkey, relay_secret);
    }
  }
  frontend.bind("tcp://127.0.0.1:*");
  backend.bind("tcp://127.0.0.1:*");
  const std::string control_endpoint =
      "inproc://relay-control-" + std::to_string(next_relay_id.fetch_add(1));
  control.bind(control_endpoint);
  const std::string front_endpoint = frontend.get(zmq::sockopt::last_endpoint);
  const std::string back_endpoint = backend.get(zmq::sockopt::last_endpoint);

  zmq::socket_t worker(context, zmq::socket_type::dealer);
  Tune(worker);
  if (peer) security::ApplyClientCurve(worker, *peer);
  worker.connect(back_endpoint);

  std::thread relay([&] {
    zmq::socket_t steer(relay_context, zmq::socket_type::pair);
    steer.connect(control_endpoint);
    try {
      zmq::proxy_steerable(frontend, backend, zmq::socket_ref(), steer);
    } catch (const zmq::error_t&) {
    }
  });
  std::atomic<bool> stop{false};
  std::thread echo([&] { EchoLoop(worker, stop); });

  RoundTrips result = RunClient(context, front_endpoint, in_flight, duration, payload_bytes, peer);
  stop = true;
  echo.join();
  control.send(zmq::str_buffer("TERMINATE"), zmq::send_flags::none);
  relay.join();
  return result;
}

}  // namespace mcf::bench
