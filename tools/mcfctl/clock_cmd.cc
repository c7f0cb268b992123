// mcfctl clock now | clock advance DURATION | clock advance --to ISO: the bus clock.
#include <iostream>

#include "schemas/body.h"
#include "schemas/clock.h"
#include "schemas/registry.h"
#include "tools/mcfctl/commands.h"
#include "tools/mcfctl/json.h"

namespace mcf::mcfctl {
namespace {

int PrintNow(const schemas::Reply& reply) {
  if (reply.status != Code::kOk) {
    std::cerr << "mcfctl clock: " << CodeName(reply.status) << ": " << reply.message << "\n";
    return ExitCodeFor(reply.status);
  }
  auto now = schemas::Decode<schemas::clock::BusTime>(reply.body);
  if (!now.ok()) {
    std::cerr << "mcfctl clock: unexpected reply body: " << now.status().message() << "\n";
    return kExitLocalError;
  }
  Json out;
  out["now"] = schemas::clock::Iso8601(now->now_ms);
  out["now_ms"] = now->now_ms;
  out["mode"] = now->mode;
  if (reply.type == schemas::clock::kAdvance) out["events"] = now->events;
  std::cout << Dump(out) << std::endl;
  return 0;
}

}  // namespace

int RunClockNow(const ClockOptions& options) {
  auto timeout = ParseTimeout(options.timeout);
  if (!timeout) {
    std::cerr << "mcfctl clock: bad --timeout \"" << options.timeout << "\"\n";
    return kExitUsage;
  }
  return PrintNow(
      CallOnce(options.broker, std::string(schemas::clock::kNow), schemas::EmptyBody(), *timeout));
}

int RunClockAdvance(const ClockOptions& options) {
  schemas::clock::Advance advance;
  if (!options.to.empty() == !options.duration.empty()) {
    std::cerr << "mcfctl clock advance: give exactly one of DURATION (e.g. 90m) or --to ISO\n";
    return kExitUsage;
  }
  if (!options.duration.empty()) {
    auto by = schemas::clock::ParseDuration(options.duration);
    if (!by || *by <= 0) {
      std::cerr << "mcfctl clock advance: bad duration \"" << options.duration
                << "\" (e.g. 90m, 2h, 7d)\n";
      return kExitUsage;
    }
    advance.by_ms = *by;
  } else {
    auto to = schemas::clock::ParseIso8601(options.to);
    if (!to) {
      std::cerr << "mcfctl clock advance: bad time \"" << options.to
                << "\" (e.g. 2026-01-05T08:00:00Z)\n";
      return kExitUsage;
    }
    advance.to_ms = *to;
  }
  auto timeout = ParseTimeout(options.timeout);
  if (!timeout) {
    std::cerr << "mcfctl clock: bad --timeout \"" << options.timeout << "\"\n";
    return kExitUsage;
  }
  return PrintNow(CallOnce(options.broker, std::string(schemas::clock::kAdvance),
                           schemas::clock::Encode(advance), *timeout));
}

int RunBrokerService(const std::string& broker, const std::string& type, Millis timeout) {
  schemas::Reply reply = CallOnce(broker, type, schemas::EmptyBody(), timeout);
  if (reply.status != Code::kOk) {
    std::cerr << "mcfctl: " << type << ": " << CodeName(reply.status) << ": " << reply.message
              << "\n";
    return ExitCodeFor(reply.status);
  }
  auto body = MsgpackToJson(reply.body);
  if (!body.ok()) {
    std::cerr << "mcfctl: " << type << ": " << body.status().message() << "\n";
    return kExitLocalError;
  }
  if (type == "broker.stats" && body->contains("services") && (*body)["services"].is_array()) {
    // Each served context's store against its ceiling (<context>.store_status).
    Json stores = Json::object();
    for (const Json& service : (*body)["services"]) {
      if (!service.is_object() || !service.contains("name") || !service["name"].is_string())
        continue;
      const std::string name = service["name"].get<std::string>();
      if (service.value("workers", 0) <= 0) continue;
      schemas::Reply st = CallOnce(broker, name + "." + std::string(schemas::kStoreStatusVerb),
                                   schemas::EmptyBody(), timeout);
      auto st_body = MsgpackToJson(st.body);
      stores[name] = st.status == Code::kOk && st_body.ok()
                         ? *st_body
                         : Json{{"status", std::string(CodeName(st.status))}};
    }
    (*body)["stores"] = std::move(stores);
  }
  std::cout << Dump(*body, 2) << std::endl;
  if (type == "broker.health") {
    auto it = body->find("status");
    if (it == body->end() || !it->is_string() || it->get<std::string>() != "ok") {
      return kExitLocalError;
    }
  }
  return 0;
}

}  // namespace mcf::mcfctl
