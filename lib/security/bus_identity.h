// BusIdentity: the CurveZMQ credentials this process talks to the broker with — its own key pair
// and the broker's public key — and the one place bus sockets get them (ApplyClientCurve), so
// every DEALER a process opens (BusClient, Subscriber, Publisher, the worker runtime) is
// authenticated the same way without each caller threading keys through.
//
// Where they come from: a process's --key flag, else $MCF_KEY (a key file, lib/security/
// curve_keys.h); the broker's public key from --broker-key, else $MCF_BROKER_KEY, else
// "broker.pub" beside the key file. No key file named: plain connections, which only a broker
// started with --insecure accepts. Child processes inherit $MCF_KEY, which is how test harnesses
// hand their key to the workers they start.
//
// Threads: SetProcessCurve at start-up (or in a test, between sockets); the rest may be called
// from any thread.
#pragma once

#include <optional>
#include <string>
#include <zmq.hpp>

#include "lib/base/status.h"
#include "lib/security/curve_keys.h"

namespace mcf::security {

struct ClientCurve {
  std::string broker_public_key;  // Z85
  CurveKeyPair own;
};

// Reads the identity named by `key_file` (or $MCF_KEY) and `broker_key_file` (or
// $MCF_BROKER_KEY, or broker.pub beside the key file). nullopt when no key file is named.
Result<std::optional<ClientCurve>> LoadClientCurve(const std::string& key_file = "",
                                                   const std::string& broker_key_file = "");

// What a process's --key / --broker-key flags do: loads those files (or what the environment
// names) and makes them the process identity. An error names the file and what is wrong with it;
// the process should then exit rather than connect as nobody.
Status UseKeyFiles(const std::string& key_file, const std::string& broker_key_file);

// Every bus socket this process opens from now on uses `curve` (nullopt: plain). Without a call,
// the environment decides (LoadClientCurve()) each time a socket is opened.
void SetProcessCurve(std::optional<ClientCurve> curve);
// Back to "the environment decides".
void ResetProcessCurve();
// The identity the next socket gets; an unreadable key is logged and means plain (the broker
// then refuses the connection, which is the safe failure).
std::optional<ClientCurve> ProcessCurve();

// Makes `socket` (a DEALER, before connect) a CURVE client of the broker with `curve`.
void ApplyClientCurve(zmq::socket_t& socket, const ClientCurve& curve);

// A DEALER connected to the broker at `endpoint` with ProcessCurve() and linger 0: how every bus
// peer opens its socket. Throws zmq::error_t as cppzmq does (a bad endpoint).
zmq::socket_t ConnectToBroker(zmq::context_t& context, const std::string& endpoint);
// The same with an explicit identity instead of ProcessCurve().
zmq::socket_t ConnectToBroker(zmq::context_t& context, const std::string& endpoint,
                              const ClientCurve& curve);

}  // namespace mcf::security
