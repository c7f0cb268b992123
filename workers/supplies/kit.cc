#include "workers/supplies/kit.h"

#include <utility>

namespace mcf::supplies {

namespace wire = schemas::supplies;

std::vector<std::string> BasicKit() { return {std::string(kJobAcceptanceForm)}; }

wire::SupplyOrder NewOrder(std::string id, std::string task_id, std::string worker_id,
                           std::string client_id, int64_t now_ms) {
  wire::SupplyOrder o;
  o.id = std::move(id);
  o.task_id = std::move(task_id);
  o.worker_id = std::move(worker_id);
  o.client_id = std::move(client_id);
  o.kit = BasicKit();
  o.status = wire::kStatusWaiting;
  o.created_at_ms = now_ms;
  return o;
}

Status Issue(wire::SupplyOrder& order, int64_t now_ms) {
  if (order.status == wire::kStatusIssued)
    return Status::Conflict("supply order \"" + order.id + "\" is already issued");
  order.status = wire::kStatusIssued;
  order.issued_at_ms = now_ms;
  return Status::Ok();
}

}  // namespace mcf::supplies
