// Helpers shared by the subcommands that talk to the broker: one-shot calls and exit codes.
#include <zmq.hpp>

#include "lib/client/bus_client.h"
#include "schemas/clock.h"
#include "tools/mcfctl/commands.h"

namespace mcf::mcfctl {

int ExitCodeFor(Code code) {
  if (code == Code::kOk) return 0;
  return 9 + static_cast<int>(code);  // kInvalid = 1 -> 10 ... kInternal = 7 -> 16
}

std::string ExitCodeHelp() {
  std::string text = "Exit codes: 0 ok, 1 local error, 2 usage error";
  for (Code c : {Code::kInvalid, Code::kNotFound, Code::kConflict, Code::kForbidden,
                 Code::kUnavailable, Code::kTimeout, Code::kInternal}) {
    text += ", " + std::to_string(ExitCodeFor(c)) + " " + std::string(CodeName(c));
  }
  return text + ".";
}

schemas::Reply CallOnce(const std::string& endpoint, const std::string& type, std::string body,
                        Millis timeout, const std::optional<schemas::Principal>& principal) {
  zmq::context_t context(1);
  client::BusClient bus(context, endpoint, "mcfctl");
  schemas::Envelope command = bus.MakeCommand(type, std::move(body));
  command.principal = principal;
  return bus.Call(command, timeout);
}

std::optional<Millis> ParseTimeout(const std::string& text) {
  auto ms = schemas::clock::ParseDuration(text);
  if (!ms || *ms <= 0) return std::nullopt;
  return Millis(*ms);
}

}  // namespace mcf::mcfctl
