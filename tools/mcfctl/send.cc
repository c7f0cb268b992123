// mcfctl send SERVICE TYPE JSON: one command, its reply printed as JSON.
#include <iostream>

#include "tools/mcfctl/commands.h"
#include "tools/mcfctl/json.h"

namespace mcf::mcfctl {

int RunSend(const SendOptions& options) {
  if (options.service.empty()) {
    std::cerr << "mcfctl send: SERVICE is empty\n";
    return kExitUsage;
  }
  // "add" means "<service>.add"; a full type must belong to the service it is sent to.
  std::string type = options.type;
  if (type.find('.') == std::string::npos) {
    type = options.service + "." + type;
  } else if (type.rfind(options.service + ".", 0) != 0) {
    std::cerr << "mcfctl send: type \"" << type << "\" does not belong to service \""
              << options.service << "\"\n";
    return kExitUsage;
  }
  auto body = JsonObjectToMsgpack(options.json);
  if (!body.ok()) {
    std::cerr << "mcfctl send: " << body.status().message() << "\n";
    return kExitUsage;
  }
  auto timeout = ParseTimeout(options.timeout);
  if (!timeout) {
    std::cerr << "mcfctl send: bad --timeout \"" << options.timeout << "\" (e.g. 5s, 1500ms)\n";
    return kExitUsage;
  }
  std::optional<schemas::Principal> principal;
  if (!options.as.empty()) {
    auto colon = options.as.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == options.as.size()) {
      std::cerr << "mcfctl send: --as must be ROLE:ID, got \"" << options.as << "\"\n";
      return kExitUsage;
    }
    principal = schemas::Principal{options.as.substr(0, colon), options.as.substr(colon + 1)};
  }
  schemas::Reply reply =
      CallOnce(options.broker, type, std::move(body).value(), *timeout, principal);
  std::cout << Dump(ReplyToJson(reply), 2) << std::endl;
  return ExitCodeFor(reply.status);
}

}  // namespace mcf::mcfctl
