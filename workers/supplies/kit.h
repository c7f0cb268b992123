// The supplies domain without store or bus: what goes in a kit, and the one state change of a
// supply order (waiting -> issued, once). Pure functions over schemas::supplies::SupplyOrder;
// thread-safe. The fortune cookie (SPEC 3, supplies) is not part of the kit yet.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/base/status.h"
#include "schemas/supplies.h"

namespace mcf::supplies {

inline constexpr std::string_view kJobAcceptanceForm = "Job Acceptance Form";

// The consumables every kit holds, in packing order.
std::vector<std::string> BasicKit();

// A new order for an assigned task, status waiting, created at `now_ms` (bus time).
schemas::supplies::SupplyOrder NewOrder(std::string id, std::string task_id, std::string worker_id,
                                        std::string client_id, int64_t now_ms);

// Marks `order` issued at `now_ms`; conflict (order unchanged) when it already is.
Status Issue(schemas::supplies::SupplyOrder& order, int64_t now_ms);

}  // namespace mcf::supplies
