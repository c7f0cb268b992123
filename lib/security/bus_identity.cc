#include "lib/security/bus_identity.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "lib/base/log.h"

namespace mcf::security {
namespace {

std::mutex g_mutex;
bool g_set = false;
std::optional<ClientCurve> g_curve;

std::string FromEnv(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

}  // namespace

Result<std::optional<ClientCurve>> LoadClientCurve(const std::string& key_file,
                                                   const std::string& broker_key_file) {
  const std::string key_path = key_file.empty() ? FromEnv("MCF_KEY") : key_file;
  if (key_path.empty()) return std::optional<ClientCurve>();
  std::string broker_path = broker_key_file.empty() ? FromEnv("MCF_BROKER_KEY") : broker_key_file;
  if (broker_path.empty())
    broker_path = (std::filesystem::path(key_path).parent_path() / "broker.pub").string();
  ASSIGN_OR_RETURN(auto own, ReadKeyFile(key_path));
  ASSIGN_OR_RETURN(auto broker, ReadPublicKeyFile(broker_path));
  return std::optional<ClientCurve>(ClientCurve{std::move(broker), std::move(own)});
}

Status UseKeyFiles(const std::string& key_file, const std::string& broker_key_file) {
  ASSIGN_OR_RETURN(auto curve, LoadClientCurve(key_file, broker_key_file));
  SetProcessCurve(std::move(curve));
  return Status::Ok();
}

void SetProcessCurve(std::optional<ClientCurve> curve) {
  std::lock_guard lock(g_mutex);
  g_set = true;
  g_curve = std::move(curve);
}

void ResetProcessCurve() {
  std::lock_guard lock(g_mutex);
  g_set = false;
  g_curve.reset();
}

std::optional<ClientCurve> ProcessCurve() {
  {
    std::lock_guard lock(g_mutex);
    if (g_set) return g_curve;
  }
  auto loaded = LoadClientCurve();
  if (loaded.ok()) return *loaded;
  spdlog::error("event=bus_key_unreadable error={}", Quoted(loaded.status().message()));
  return std::nullopt;
}

void ApplyClientCurve(zmq::socket_t& socket, const ClientCurve& curve) {
  socket.set(zmq::sockopt::curve_serverkey, curve.broker_public_key);
  socket.set(zmq::sockopt::curve_publickey, curve.own.public_key);
  socket.set(zmq::sockopt::curve_secretkey, curve.own.secret_key);
}

zmq::socket_t ConnectToBroker(zmq::context_t& context, const std::string& endpoint) {
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  socket.set(zmq::sockopt::linger, 0);
  if (auto curve = ProcessCurve()) ApplyClientCurve(socket, *curve);
  socket.connect(endpoint);
  return socket;
}

zmq::socket_t ConnectToBroker(zmq::context_t& context, const std::string& endpoint,
                              const ClientCurve& curve) {
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  socket.set(zmq::sockopt::linger, 0);
  ApplyClientCurve(socket, curve);
  socket.connect(endpoint);
  return socket;
}

}  // namespace mcf::security
