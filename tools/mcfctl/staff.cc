// mcfctl staff add ROLE NAME | staff worker-token WORKER_ID: provision credentials through the
// portal as the operator (principal admin:mcfctl). The token is minted here and travels in the
// command, like the gateway's; the portal's reply (with the token) is printed as JSON.
#include <CLI/CLI.hpp>
#include <iostream>

#include "lib/base/secret_token.h"
#include "schemas/body.h"
#include "tools/mcfctl/commands.h"
#include "tools/mcfctl/json.h"

namespace mcf::mcfctl {
namespace {

constexpr Millis kTimeout{5000};
const schemas::Principal kOperator{"admin", "mcfctl"};

int CallPortal(const std::string& broker, const std::string& type, std::string body) {
  schemas::Reply reply = CallOnce(broker, type, std::move(body), kTimeout, kOperator);
  std::cout << Dump(ReplyToJson(reply), 2) << std::endl;
  return ExitCodeFor(reply.status);
}

}  // namespace

std::function<std::optional<int>()> AddStaffCommands(CLI::App& app, const std::string& broker) {
  struct Options {
    std::string role, name, worker_id;
  };
  auto options = std::make_shared<Options>();
  auto* staff = app.add_subcommand("staff", "provision staff or worker sign-in tokens (as admin)");
  staff->require_subcommand(1);
  auto* add = staff->add_subcommand("add", "a manager, supplies or admin account -> {id, token}");
  add->add_option("role", options->role, "manager | supplies | admin")
      ->required()
      ->check(CLI::IsMember({"manager", "supplies", "admin"}));
  add->add_option("name", options->name, "the person's name")->required();
  auto* worker = staff->add_subcommand("worker-token", "a sign-in token for an imported worker");
  worker->add_option("worker_id", options->worker_id, "e.g. worker-3f2a...-1")->required();
  return [=, &broker]() -> std::optional<int> {
    if (*add) {
      return CallPortal(broker, "portal.provision_staff",
                        schemas::BodyWriter()
                            .String("role", options->role)
                            .String("name", options->name)
                            .String("token", NewSecretToken())
                            .Finish());
    }
    if (*worker) {
      return CallPortal(broker, "portal.grant_worker_token",
                        schemas::BodyWriter()
                            .String("worker_id", options->worker_id)
                            .String("token", NewSecretToken())
                            .Finish());
    }
    return std::nullopt;
  };
}

}  // namespace mcf::mcfctl
