// Bodies of the supplies family: the supply order board (supplies.list), the issue action
// (supplies.issue) and the event other contexts consume, supplies.kit_issued. Plain values;
// Decode returns `invalid` naming the field. Orders are made from tasks.task_assigned.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/status.h"

namespace mcf::schemas::supplies {

inline constexpr std::string_view kList = "supplies.list";
inline constexpr std::string_view kIssue = "supplies.issue";
inline constexpr std::string_view kKitIssued = "supplies.kit_issued";

inline constexpr std::string_view kStatusWaiting = "waiting";
inline constexpr std::string_view kStatusIssued = "issued";

// One supply order: {id, task_id, worker_id, client_id, kit: [str], status: waiting|issued,
// created_at, issued_at (0 until issued)} — bus ms.
struct SupplyOrder {
  std::string id;
  std::string task_id;
  std::string worker_id;
  std::string client_id;
  std::vector<std::string> kit;
  std::string status;  // kStatusWaiting or kStatusIssued
  int64_t created_at_ms = 0;
  int64_t issued_at_ms = 0;
  bool operator==(const SupplyOrder&) const = default;
};
std::string Encode(const SupplyOrder& o);
Result<SupplyOrder> DecodeSupplyOrder(std::string_view body);

// supplies.list {status?: waiting|issued} -> Board
struct ListRequest {
  std::optional<std::string> status;
  bool operator==(const ListRequest&) const = default;
};
std::string Encode(const ListRequest& r);
Result<ListRequest> DecodeListRequest(std::string_view body);

// {orders: [SupplyOrder]} oldest first.
struct Board {
  std::vector<SupplyOrder> orders;
  bool operator==(const Board&) const = default;
};
std::string Encode(const Board& b);
Result<Board> DecodeBoard(std::string_view body);

// supplies.issue {supply_order_id} -> the issued SupplyOrder
struct IssueRequest {
  std::string supply_order_id;  // non-empty
  bool operator==(const IssueRequest&) const = default;
};
std::string Encode(const IssueRequest& r);
Result<IssueRequest> DecodeIssueRequest(std::string_view body);

// supplies.kit_issued {task_id, supply_order_id}
struct KitIssued {
  std::string task_id;
  std::string supply_order_id;
  bool operator==(const KitIssued&) const = default;
};
std::string Encode(const KitIssued& e);
Result<KitIssued> DecodeKitIssued(std::string_view body);

}  // namespace mcf::schemas::supplies
