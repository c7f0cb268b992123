// The supplies family, each message declared once (schemas/declare.h; encoding, decoding and the
// reference come from here): the supply order board (supplies.list), the issue action
// (supplies.issue) and the event other contexts consume, supplies.kit_issued. Orders are made
// from tasks.task_assigned. Times are ms since the Unix epoch (bus time).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "lib/base/status.h"
#include "schemas/codec.h"
#include "schemas/declare.h"

namespace mcf::schemas::supplies {

using schemas::Decode;
using schemas::Encode;

// waiting -> issued, once.
enum class SupplyStatus { kWaiting, kIssued };
inline constexpr std::array<EnumName<SupplyStatus>, 2> kSupplyStatusNames = {
    {{SupplyStatus::kWaiting, "waiting"}, {SupplyStatus::kIssued, "issued"}}};
constexpr std::span<const EnumName<SupplyStatus>> EnumNames(SupplyStatus) {
  return kSupplyStatusNames;
}
inline constexpr SupplyStatus kStatusWaiting = SupplyStatus::kWaiting;
inline constexpr SupplyStatus kStatusIssued = SupplyStatus::kIssued;

// One supply order: an item of the board, the reply of supplies.issue, and the supplies
// store's record.
struct SupplyOrder {
  std::string id;
  std::string task_id;
  std::string worker_id;
  std::string client_id;
  std::vector<std::string> kit;
  SupplyStatus status = SupplyStatus::kWaiting;
  int64_t created_at_ms = 0;
  int64_t issued_at_ms = 0;
  bool operator==(const SupplyOrder&) const = default;
  static constexpr auto Fields() {
    using T = SupplyOrder;
    return std::tuple{Field("id", &T::id),
                      Field("task_id", &T::task_id),
                      Field("worker_id", &T::worker_id),
                      Field("client_id", &T::client_id),
                      Field("kit", &T::kit).Doc("the consumables, in packing order"),
                      Field("status", &T::status),
                      Field("created_at", &T::created_at_ms),
                      Field("issued_at", &T::issued_at_ms).Doc("0 until issued")};
  }
};

struct Board {
  std::vector<SupplyOrder> orders;
  bool operator==(const Board&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("orders", &Board::orders).Doc("oldest first")};
  }
};

// ---- commands ----

// Supplies staff, managers or admins.
struct ListRequest {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("supplies.list", "the supply order board, optionally by status");
  using Reply = Board;
  std::optional<SupplyStatus> status;
  bool operator==(const ListRequest&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("status", &ListRequest::status).Doc("absent: every order")};
  }
};

// Supplies staff (or an admin); `conflict` when already issued.
struct IssueRequest {
  static constexpr MessageInfo kInfo =
      Command("supplies.issue", "supplies staff: mark a supply order issued (once)");
  using Reply = SupplyOrder;
  std::string supply_order_id;
  bool operator==(const IssueRequest&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("supply_order_id", &IssueRequest::supply_order_id).NonEmpty()};
  }
};

// ---- events ----

struct KitIssued {
  static constexpr MessageInfo kInfo =
      Event("supplies.kit_issued", "a task's kit left the warehouse");
  std::string task_id;
  std::string supply_order_id;
  bool operator==(const KitIssued&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("task_id", &KitIssued::task_id).NonEmpty(),
                      Field("supply_order_id", &KitIssued::supply_order_id).NonEmpty()};
  }
};

inline constexpr std::string_view kList = ListRequest::kInfo.type;
inline constexpr std::string_view kIssue = IssueRequest::kInfo.type;
inline constexpr std::string_view kKitIssued = KitIssued::kInfo.type;

// The declared messages of this family, for the registry.
using Messages = std::tuple<ListRequest, IssueRequest, KitIssued>;

}  // namespace mcf::schemas::supplies
