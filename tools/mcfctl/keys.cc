// mcfctl keys init|add|new|list|revoke|rotate: the bus's key directory (var/keys, or --dir), edited
// on the broker's host; the broker picks every change up within a quarter second, without a
// restart (docs/security.md). Keys are made here by libzmq; secrets never leave their 0600
// files, and what is printed is key ids and public keys only.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "lib/security/bus_identity.h"
#include "lib/security/curve_keys.h"
#include "lib/security/key_directory.h"
#include "lib/security/peer_registry.h"
#include "tools/mcfctl/commands.h"

namespace mcf::mcfctl {
namespace {

namespace sec = security;

std::string DefaultKeysDir() {
  const char* var = std::getenv("MCF_VAR");
  return std::string(var && *var ? var : "var") + "/keys";
}

int Fail(const Status& s) {
  std::cerr << "mcfctl keys: " << s.message() << "\n";
  return s.code() == Code::kInvalid ? kExitUsage : kExitLocalError;
}

std::optional<sec::PeerRole> RoleOrUsage(const std::string& name) {
  auto role = sec::ParseRole(name);
  if (!role) std::cerr << "mcfctl keys: unknown role \"" << name
                       << "\" (operator, gateway, context, outside, trusted)\n";
  return role;
}

// The Z85 key itself, or the public key in a key or public key file.
Result<std::string> PublicKeyArgument(const std::string& text) {
  if (sec::IsZ85Key(text)) return text;
  if (auto pub = sec::ReadPublicKeyFile(text); pub.ok()) return *pub;
  if (auto pair = sec::ReadKeyFile(text); pair.ok()) return pair->public_key;
  return Status::Invalid("--public-key: neither a Z85 key nor a readable key file: " + text);
}

int List(const std::string& dir) {
  auto registry = sec::PeerRegistry::Load(sec::RegistryFileOf(dir));
  if (!registry.ok()) return Fail(registry.status());
  std::printf("%-20s %-9s %-16s %s\n", "NAME", "ROLE", "KEY", "STATE");
  for (const auto& e : registry->entries())
    std::printf("%-20s %-9s %-16s %s\n", e.name.c_str(), std::string(sec::RoleName(e.role)).c_str(),
                sec::KeyId(e.public_key).c_str(), e.revoked ? "revoked" : "active");
  return 0;
}

}  // namespace

Status UseOperatorKey(const std::string& key_file, const std::string& broker_key_file) {
  std::string key = key_file;
  const char* env = std::getenv("MCF_KEY");
  if (key.empty() && !(env && *env)) {
    const std::string fallback = sec::KeyFileOf(DefaultKeysDir(), "operator");
    if (std::filesystem::exists(fallback)) key = fallback;
  }
  return sec::UseKeyFiles(key, broker_key_file);
}

std::function<std::optional<int>()> AddKeysCommands(CLI::App& app) {
  struct Options {
    std::string dir = DefaultKeysDir();
    std::vector<std::string> specs;
    std::string name, role, public_key, revoke, file;
  };
  auto o = std::make_shared<Options>();
  auto* keys = app.add_subcommand("keys", "the bus's keys and who may do what (docs/security.md)");
  keys->require_subcommand(1);
  keys->add_option("--dir", o->dir, "key directory (default: $MCF_VAR/keys, else var/keys)");
  auto* init = keys->add_subcommand(
      "init", "make the broker's key and NAME:ROLE keys that are missing, register them");
  init->add_option("peers", o->specs, "e.g. operator:operator gateway:gateway portal:context");
  auto* add = keys->add_subcommand(
      "add", "register NAME with ROLE: its key in DIR/NAME.key (made if missing), or --public-key");
  add->add_option("name", o->name, "peer name, e.g. portal")->required();
  add->add_option("role", o->role, "operator | gateway | context | outside | trusted")->required();
  add->add_option("--public-key", o->public_key,
                  "a peer on another host: its Z85 public key or a file holding it");
  auto* make = keys->add_subcommand(
      "new", "a key pair in FILE (0600), registered nowhere: for a peer on another host; prints "
             "the public key to register on the broker's host with `keys add --public-key`");
  make->add_option("file", o->file, "e.g. /etc/mcf/keys/supplies.key")->required();
  auto* list = keys->add_subcommand("list", "every registered key: name, role, key id, state");
  auto* revoke = keys->add_subcommand(
      "revoke", "cut a key (by key id or Z85) or every key of a peer (by name) off the bus");
  revoke->add_option("key", o->revoke, "k:0123456789ab, a Z85 key, or a peer name")->required();
  auto* rotate = keys->add_subcommand(
      "rotate", "a new key for NAME (old one stays valid until revoked): restart, then revoke");
  rotate->add_option("name", o->name, "peer name")->required();
  rotate->add_option("role", o->role, "its role")->required();

  return [=]() -> std::optional<int> {
    if (!*keys) return std::nullopt;
    if (*init) {
      std::vector<sec::PeerSpec> peers;
      for (const auto& spec : o->specs) {
        const auto colon = spec.find(':');
        auto role = RoleOrUsage(colon == std::string::npos ? "" : spec.substr(colon + 1));
        if (!role) return kExitUsage;
        peers.push_back({spec.substr(0, colon), *role});
      }
      if (Status s = sec::EnsureKeys(o->dir, peers); !s.ok()) return Fail(s);
      return 0;
    }
    if (*add || *rotate) {
      auto role = RoleOrUsage(o->role);
      if (!role) return kExitUsage;
      if (*rotate) {
        auto key = sec::RotateKey(o->dir, {o->name, *role});
        if (!key.ok()) return Fail(key.status());
        std::cout << o->name << " " << sec::KeyId(*key) << " " << sec::KeyFileOf(o->dir, o->name)
                  << "\n";
        return 0;
      }
      if (o->public_key.empty()) {
        if (Status s = sec::EnsureKeys(o->dir, {{o->name, *role}}); !s.ok()) return Fail(s);
        auto pair = sec::ReadKeyFile(sec::KeyFileOf(o->dir, o->name));
        if (!pair.ok()) return Fail(pair.status());
        std::cout << o->name << " " << sec::KeyId(pair->public_key) << " "
                  << sec::KeyFileOf(o->dir, o->name) << "\n";
        return 0;
      }
      auto key = PublicKeyArgument(o->public_key);
      if (!key.ok()) return Fail(key.status());
      if (Status s = sec::EnsureKeys(o->dir, {}); !s.ok()) return Fail(s);
      auto registry = sec::PeerRegistry::Load(sec::RegistryFileOf(o->dir));
      if (!registry.ok()) return Fail(registry.status());
      if (Status s = registry->Add({o->name, *role, *key}); !s.ok()) return Fail(s);
      if (Status s = registry->Save(sec::RegistryFileOf(o->dir)); !s.ok()) return Fail(s);
      std::cout << o->name << " " << sec::KeyId(*key) << "\n";
      return 0;
    }
    if (*list) return List(o->dir);
    if (*make) {
      if (std::filesystem::exists(o->file))
        return Fail(Status::Conflict(o->file + " exists; keys are never overwritten here"));
      auto pair = sec::GenerateCurveKeyPair();
      if (!pair.ok()) return Fail(pair.status());
      if (Status s = sec::WriteKeyFile(o->file, *pair); !s.ok()) return Fail(s);
      std::cout << pair->public_key << "\n";
      return 0;
    }
    if (*revoke) {
      auto registry = sec::PeerRegistry::Load(sec::RegistryFileOf(o->dir));
      if (!registry.ok()) return Fail(registry.status());
      auto n = registry->Revoke(o->revoke);
      if (!n.ok()) return Fail(n.status());
      if (Status s = registry->Save(sec::RegistryFileOf(o->dir)); !s.ok()) return Fail(s);
      std::cout << "revoked " << *n << " key(s)\n";
      return 0;
    }
    return std::nullopt;
  };
}

}  // namespace mcf::mcfctl
