// The portal family on the wire: the names of the portal context's commands (their bodies are
// read field by field in workers/portal/handlers.cc and documented in workers/portal/README.md)
// and the body of the one event it publishes, portal.help_requested. Times are ms since the
// Unix epoch (bus time); money is integer minor units. Plain values; Decode returns `invalid`
// naming the field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lib/base/status.h"

namespace mcf::schemas::portal {

// Commands served by the portal context.
inline constexpr std::string_view kSignIn = "portal.sign_in";
inline constexpr std::string_view kProvisionStaff = "portal.provision_staff";
inline constexpr std::string_view kGrantWorkerToken = "portal.grant_worker_token";
inline constexpr std::string_view kAuthenticate = "portal.authenticate";
inline constexpr std::string_view kListServiceTypes = "portal.list_service_types";
inline constexpr std::string_view kCreateServiceType = "portal.create_service_type";
inline constexpr std::string_view kUpdateServiceType = "portal.update_service_type";
inline constexpr std::string_view kRequestHelp = "portal.request_help";
inline constexpr std::string_view kListOrders = "portal.list_orders";
inline constexpr std::string_view kGetOrder = "portal.get_order";

// Events published by the portal context.
inline constexpr std::string_view kHelpRequested = "portal.help_requested";

// portal.help_requested {order_id, client_id, service_type_id, description, starts_at, ends_at,
// approx_cost}: a client asked for help; the tasks context makes the task with id = order_id.
// The appointment is the half-open interval [starts_at, ends_at); ends_at > starts_at.
struct HelpRequested {
  std::string order_id;  // non-empty
  std::string client_id;
  std::string service_type_id;
  std::string description;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  int64_t approx_cost = 0;  // minor units
  bool operator==(const HelpRequested&) const = default;
};
std::string Encode(const HelpRequested& e);
Result<HelpRequested> DecodeHelpRequested(std::string_view body);

}  // namespace mcf::schemas::portal
