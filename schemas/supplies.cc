#include "schemas/supplies.h"

#include "schemas/body.h"
#include "schemas/msgpack.h"

namespace mcf::schemas::supplies {
namespace {

Status NonEmpty(const std::string& value, std::string_view path) {
  if (value.empty()) return Status::Invalid(std::string(path) + ": must not be empty");
  return Status::Ok();
}

Status CheckStatus(const std::string& status, std::string_view path) {
  if (status != kStatusWaiting && status != kStatusIssued)
    return Status::Invalid(std::string(path) + ": must be waiting or issued");
  return Status::Ok();
}

Result<SupplyOrder> FromBody(const Body& b) {
  SupplyOrder o;
  auto id = b.String("id");
  if (!id.ok()) return id.status();
  auto task_id = b.String("task_id");
  if (!task_id.ok()) return task_id.status();
  auto worker_id = b.String("worker_id");
  if (!worker_id.ok()) return worker_id.status();
  auto client_id = b.String("client_id");
  if (!client_id.ok()) return client_id.status();
  auto kit = b.StringList("kit");
  if (!kit.ok()) return kit.status();
  auto status = b.String("status");
  if (!status.ok()) return status.status();
  RETURN_IF_ERROR(CheckStatus(*status, b.path() + ".status"));
  auto created_at = b.Int("created_at");
  if (!created_at.ok()) return created_at.status();
  auto issued_at = b.Int("issued_at");
  if (!issued_at.ok()) return issued_at.status();
  o.id = std::move(*id);
  o.task_id = std::move(*task_id);
  o.worker_id = std::move(*worker_id);
  o.client_id = std::move(*client_id);
  o.kit = std::move(*kit);
  o.status = std::move(*status);
  o.created_at_ms = *created_at;
  o.issued_at_ms = *issued_at;
  return o;
}

}  // namespace

std::string Encode(const SupplyOrder& o) {
  return BodyWriter()
      .String("id", o.id)
      .String("task_id", o.task_id)
      .String("worker_id", o.worker_id)
      .String("client_id", o.client_id)
      .StringList("kit", o.kit)
      .String("status", o.status)
      .Int("created_at", o.created_at_ms)
      .Int("issued_at", o.issued_at_ms)
      .Finish();
}

Result<SupplyOrder> DecodeSupplyOrder(std::string_view body) {
  auto b = Body::Parse(body);
  if (!b.ok()) return b.status();
  return FromBody(*b);
}

std::string Encode(const ListRequest& r) {
  BodyWriter w;
  if (r.status) w.String("status", *r.status);
  return w.Finish();
}

Result<ListRequest> DecodeListRequest(std::string_view body) {
  auto b = Body::Parse(body);
  if (!b.ok()) return b.status();
  auto status = b->OptString("status");
  if (!status.ok()) return status.status();
  if (*status) {
    RETURN_IF_ERROR(CheckStatus(**status, "body.status"));
  }
  return ListRequest{std::move(*status)};
}

std::string Encode(const Board& board) {
  MsgpackWriter orders;
  orders.ArrayHeader(static_cast<uint32_t>(board.orders.size()));
  for (const SupplyOrder& o : board.orders) orders.Raw(Encode(o));
  return BodyWriter().Raw("orders", orders.Take()).Finish();
}

Result<Board> DecodeBoard(std::string_view body) {
  auto b = Body::Parse(body);
  if (!b.ok()) return b.status();
  auto raw = b->Raw("orders");
  if (!raw.ok()) return raw.status();
  MsgpackReader r(*raw);
  auto n = r.ReadArrayHeader();
  if (!n) return Status::Invalid("body.orders: expected an array");
  Board board;
  for (uint32_t i = 0; i < *n; ++i) {
    std::string path = "body.orders[" + std::to_string(i) + "]";
    auto item = r.ReadRaw();
    if (!item) return Status::Invalid(path + ": malformed");
    auto ob = Body::Parse(*item, path);
    if (!ob.ok()) return ob.status();
    auto o = FromBody(*ob);
    if (!o.ok()) return o.status();
    board.orders.push_back(std::move(*o));
  }
  return board;
}

std::string Encode(const IssueRequest& r) {
  return BodyWriter().String("supply_order_id", r.supply_order_id).Finish();
}

Result<IssueRequest> DecodeIssueRequest(std::string_view body) {
  auto b = Body::Parse(body);
  if (!b.ok()) return b.status();
  auto id = b->String("supply_order_id");
  if (!id.ok()) return id.status();
  RETURN_IF_ERROR(NonEmpty(*id, "body.supply_order_id"));
  return IssueRequest{std::move(*id)};
}

std::string Encode(const KitIssued& e) {
  return BodyWriter()
      .String("task_id", e.task_id)
      .String("supply_order_id", e.supply_order_id)
      .Finish();
}

Result<KitIssued> DecodeKitIssued(std::string_view body) {
  auto b = Body::Parse(body);
  if (!b.ok()) return b.status();
  auto task_id = b->String("task_id");
  if (!task_id.ok()) return task_id.status();
  RETURN_IF_ERROR(NonEmpty(*task_id, "body.task_id"));
  auto id = b->String("supply_order_id");
  if (!id.ok()) return id.status();
  RETURN_IF_ERROR(NonEmpty(*id, "body.supply_order_id"));
  return KitIssued{std::move(*task_id), std::move(*id)};
}

}  // namespace mcf::schemas::supplies
