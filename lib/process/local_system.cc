#include "lib/process/local_system.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <thread>
#include <zmq.hpp>

#include "lib/base/log.h"
#include "lib/client/bus_client.h"
#include "lib/security/bus_identity.h"
#include "lib/security/key_directory.h"
#include "schemas/body.h"
#include "schemas/bus.h"
#include "schemas/envelope.h"
#include "schemas/msgpack.h"

namespace mcf::process {
namespace {

using std::chrono::milliseconds;

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// The services broker.stats lists with at least one worker.
std::set<std::string> RegisteredServices(const schemas::Reply& reply) {
  std::set<std::string> out;
  if (reply.status != Code::kOk) return out;
  auto stats = schemas::Decode<schemas::bus::StatsReply>(reply.body);
  if (!stats.ok()) return out;
  for (const auto& service : stats->services)
    if (service.workers > 0) out.insert(service.name);
  return out;
}

}  // namespace

Result<std::unique_ptr<LocalSystem>> LocalSystem::Start(SystemOptions options) {
  std::unique_ptr<LocalSystem> system(new LocalSystem(std::move(options)));
  if (Status s = system->StartAll(); !s.ok()) {
    spdlog::error("event=system_start_failed error={} logs={}", Quoted(s.message()),
                  Quoted(system->Logs()));
    return s;
  }
  return system;
}

LocalSystem::~LocalSystem() { Stop(); }

void LocalSystem::Launch(Child& child) {
  child.process = ChildProcess::Start(child.argv, options_.data_dir + "/" + child.name + ".log");
}

Status LocalSystem::StartAll() {
  const std::string& data = options_.data_dir;
  std::error_code ec;
  std::filesystem::create_directories(data, ec);
  if (ec) return Status::Internal("cannot create " + data + ": " + ec.message());

  const std::string keys = keys_dir();
  if (!keys.empty()) {
    std::vector<security::PeerSpec> peers = {{"operator", security::PeerRole::kOperator},
                                             {"gateway", security::PeerRole::kGateway}};
    for (const auto& c : options_.contexts) peers.push_back({c, security::PeerRole::kContext});
    for (const auto& o : options_.outside) peers.push_back({o.name, security::PeerRole::kOutside});
    RETURN_IF_ERROR(security::EnsureKeys(keys, peers));
    RETURN_IF_ERROR(security::UseKeyFiles(security::KeyFileOf(keys, "operator"), ""));
  }
  // `--keys DIR` for the broker, `--key DIR/<name>.key` for a peer; --insecure without keys.
  auto key_flags = [&](const std::string& name) -> std::vector<std::string> {
    if (keys.empty()) return name == "broker" ? std::vector<std::string>{"--insecure"}
                                              : std::vector<std::string>{};
    if (name == "broker") return {"--keys", keys};
    return {"--key", security::KeyFileOf(keys, name)};
  };

  for (const OutsideProcess& o : options_.outside) {
    if (!security::IsPeerName(o.name))
      return Status::Invalid("outside process: not a peer name: " + Quoted(o.name));
    if (!o.start) continue;
    const std::string exe = options_.bin_dir + "/" + o.executable;
    if (o.executable.empty() || !std::filesystem::is_regular_file(exe, ec))
      return Status::NotFound("outside process " + o.name + ": no executable " + exe);
  }

  const std::string endpoint_file = data + "/broker.endpoint";
  std::filesystem::remove(endpoint_file, ec);
  Child broker{"broker",
               {options_.bin_dir + "/mcf-broker", "--endpoint", "tcp://127.0.0.1:*",
                "--endpoint-file", endpoint_file, "--data", data + "/broker"},
               {}};
  broker.argv.insert(broker.argv.end(), options_.broker_flags.begin(), options_.broker_flags.end());
  for (auto& flag : key_flags("broker")) broker.argv.push_back(std::move(flag));
  Launch(children_.emplace_back(std::move(broker)));
  auto endpoint = WaitForFileLine(endpoint_file, options_.ready_timeout);
  if (!endpoint) return Status::Unavailable("mcf-broker did not bind (see broker.log)");
  broker_endpoint_ = *endpoint;

  for (const std::string& context : options_.contexts) {
    Child worker{context,
                 {options_.bin_dir + "/mcf-" + context, "--broker", broker_endpoint_, "--data",
                  data + "/" + context},
                 {}};
    worker.argv.insert(worker.argv.end(), options_.worker_flags.begin(),
                       options_.worker_flags.end());
    for (auto& flag : key_flags(context)) worker.argv.push_back(std::move(flag));
    Launch(children_.emplace_back(std::move(worker)));
  }
  for (const OutsideProcess& o : options_.outside) {
    if (!o.start) continue;
    Child adapter{o.name,
                  {options_.bin_dir + "/" + o.executable, "--broker", broker_endpoint_, "--data",
                   data + "/" + o.name},
                  {}};
    adapter.argv.insert(adapter.argv.end(), options_.worker_flags.begin(),
                        options_.worker_flags.end());
    adapter.argv.insert(adapter.argv.end(), o.flags.begin(), o.flags.end());
    for (auto& flag : key_flags(o.name)) adapter.argv.push_back(std::move(flag));
    Launch(children_.emplace_back(std::move(adapter)));
  }
  RETURN_IF_ERROR(WaitUntilRegistered());

  if (options_.gateway) {
    const std::string port_file = data + "/gateway.port";
    const std::string token_file = data + "/admin.token";
    std::filesystem::remove(port_file, ec);
    Child gateway{"gateway",
                  {options_.bin_dir + "/mcf-gateway", "--listen", "127.0.0.1:0", "--port-file",
                   port_file, "--broker", broker_endpoint_, "--admin-token-file", token_file},
                  {}};
    // /healthz requires the contexts this system runs, not the whole platform's.
    if (!options_.contexts.empty()) {
      std::string contexts;
      for (const auto& c : options_.contexts) contexts += (contexts.empty() ? "" : ",") + c;
      gateway.argv.insert(gateway.argv.end(), {"--contexts", contexts});
    }
    gateway.argv.insert(gateway.argv.end(), options_.gateway_flags.begin(),
                        options_.gateway_flags.end());
    for (auto& flag : key_flags("gateway")) gateway.argv.push_back(std::move(flag));
    Launch(children_.emplace_back(std::move(gateway)));
    auto port = WaitForFileLine(port_file, options_.ready_timeout);
    if (!port) return Status::Unavailable("mcf-gateway did not listen (see gateway.log)");
    gateway_port_ = std::stoi(*port);
    admin_token_ = Trimmed(ReadFile(token_file));
  }
  spdlog::info("event=system_started broker={} contexts={} outside={} gateway_port={}",
               broker_endpoint_, options_.contexts.size(), options_.outside.size(), gateway_port_);
  return Status::Ok();
}

Status LocalSystem::WaitUntilRegistered() {
  std::vector<std::string> services = options_.contexts;
  for (const auto& o : options_.outside)
    if (o.start) services.push_back(o.name);
  if (services.empty()) return Status::Ok();
  zmq::context_t zmq_context(1);
  client::BusClient client(zmq_context, broker_endpoint_, "local-system");
  const auto end = std::chrono::steady_clock::now() + options_.ready_timeout;
  std::set<std::string> registered;
  while (std::chrono::steady_clock::now() < end) {
    registered = RegisteredServices(
        client.Call(client.MakeCommand("broker.stats", schemas::EmptyBody()), milliseconds(1000)));
    bool all = true;
    for (const auto& c : services) all = all && registered.count(c) > 0;
    if (all) return Status::Ok();
    std::this_thread::sleep_for(milliseconds(20));
  }
  std::string missing;
  for (const auto& c : services)
    if (!registered.count(c)) missing += (missing.empty() ? "" : ", ") + c;
  return Status::Unavailable("processes did not register with the broker: " + missing);
}

std::string LocalSystem::keys_dir() const {
  return options_.insecure ? std::string() : options_.data_dir + "/keys";
}

ChildProcess* LocalSystem::Find(std::string_view name) {
  for (auto& c : children_)
    if (c.name == name) return &c.process;
  return nullptr;
}

Status LocalSystem::Restart(std::string_view name, const std::vector<std::string>& flags) {
  if (flags.size() % 2 != 0) return Status::Invalid("Restart: flags come in --flag value pairs");
  for (auto& c : children_) {
    if (c.name != name) continue;
    if (c.process.running()) c.process.Stop();
    for (size_t f = 0; f < flags.size(); f += 2) {
      auto it = std::find(c.argv.begin(), c.argv.end(), flags[f]);
      if (it != c.argv.end() && it + 1 != c.argv.end()) {
        *(it + 1) = flags[f + 1];
      } else {
        c.argv.push_back(flags[f]);
        c.argv.push_back(flags[f + 1]);
      }
    }
    Launch(c);
    return Status::Ok();
  }
  return Status::NotFound("no process named " + std::string(name));
}

std::string LocalSystem::Logs() const {
  std::string out;
  for (const auto& c : children_)
    out += "--- " + c.name + ".log\n" + ReadFile(options_.data_dir + "/" + c.name + ".log");
  return out;
}

void LocalSystem::Stop() {
  for (auto it = children_.rbegin(); it != children_.rend(); ++it)
    if (it->process.running()) it->process.Stop();
}

}  // namespace mcf::process
