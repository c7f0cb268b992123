#include "schemas/matching.h"

#include "schemas/body.h"
#include "schemas/msgpack.h"

namespace mcf::schemas::matching {
namespace {

Status NonEmpty(const std::string& value, std::string_view field) {
  if (value.empty()) return Status::Invalid("body." + std::string(field) + ": must not be empty");
  return Status::Ok();
}

// The elements of an array field, each a map parsed as a Body named "body.<field>[i]".
Result<std::vector<Body>> MapList(const Body& b, std::string_view field) {
  auto raw = b.Raw(field);
  if (!raw.ok()) return raw.status();
  MsgpackReader r(*raw);
  auto n = r.ReadArrayHeader();
  if (!n) return Status::Invalid(b.path() + "." + std::string(field) + ": expected an array");
  std::vector<Body> out;
  for (uint32_t i = 0; i < *n; ++i) {
    auto item = r.ReadRaw();
    std::string path = b.path() + "." + std::string(field) + "[" + std::to_string(i) + "]";
    if (!item) return Status::Invalid(path + ": malformed");
    auto body = Body::Parse(*item, path);
    if (!body.ok()) return body.status();
    out.push_back(std::move(*body));
  }
  return out;
}

}  // namespace

std::string Encode(const WorkerMatched& e) {
  return BodyWriter()
      .String("task_id", e.task_id)
      .String("worker_id", e.worker_id)
      .Int("price_minor", e.price_minor)
      .String("pipeline_version", e.pipeline_version)
      .Finish();
}

Result<WorkerMatched> DecodeWorkerMatched(std::string_view body) {
  auto b = Body::Parse(body);
  if (!b.ok()) return b.status();
  auto task_id = b->String("task_id");
  if (!task_id.ok()) return task_id.status();
  auto worker_id = b->String("worker_id");
  if (!worker_id.ok()) return worker_id.status();
  auto price = b->Int("price_minor");
  if (!price.ok()) return price.status();
  auto version = b->String("pipeline_version");
  if (!version.ok()) return version.status();
  return WorkerMatched{std::move(*task_id), std::move(*worker_id), *price, std::move(*version)};
}

std::string Encode(const NoWorkerAvailable& e) {
  return BodyWriter().String("task_id", e.task_id).String("reason", e.reason).Finish();
}

Result<NoWorkerAvailable> DecodeNoWorkerAvailable(std::string_view body) {
  auto b = Body::Parse(body);
  if (!b.ok()) return b.status();
  auto task_id = b->String("task_id");
  if (!task_id.ok()) return task_id.status();
  auto reason = b->String("reason");
  if (!reason.ok()) return reason.status();
  return NoWorkerAvailable{std::move(*task_id), std::move(*reason)};
}

std::string Encode(const MatchRequest& r) {
  return BodyWriter()
      .String("task_id", r.task_id)
      .String("client_id", r.client_id)
      .Int("starts_at", r.starts_at_ms)
      .Int("ends_at", r.ends_at_ms)
      .Finish();
}

Result<MatchRequest> DecodeMatchRequest(std::string_view body) {
  auto b = Body::Parse(body);
  if (!b.ok()) return b.status();
  auto task_id = b->String("task_id");
  if (!task_id.ok()) return task_id.status();
  RETURN_IF_ERROR(NonEmpty(*task_id, "task_id"));
  auto client_id = b->String("client_id");
  if (!client_id.ok()) return client_id.status();
  auto starts_at = b->Int("starts_at");
  if (!starts_at.ok()) return starts_at.status();
  auto ends_at = b->Int("ends_at");
  if (!ends_at.ok()) return ends_at.status();
  if (*ends_at <= *starts_at) return Status::Invalid("body.ends_at: must be after starts_at");
  return MatchRequest{std::move(*task_id), std::move(*client_id), *starts_at, *ends_at};
}

std::string Encode(const MatchResult& r) {
  return BodyWriter().String("worker_id", r.worker_id).Int("price_minor", r.price_minor).Finish();
}

Result<MatchResult> DecodeMatchResult(std::string_view body) {
  auto b = Body::Parse(body);
  if (!b.ok()) return b.status();
  auto worker_id = b->String("worker_id");
  if (!worker_id.ok()) return worker_id.status();
  auto price = b->Int("price_minor");
  if (!price.ok()) return price.status();
  return MatchResult{std::move(*worker_id), *price};
}

std::string Encode(const Pool& p) {
  MsgpackWriter workers;
  workers.ArrayHeader(static_cast<uint32_t>(p.workers.size()));
  for (const PoolWorker& w : p.workers) {
    MsgpackWriter bookings;
    bookings.ArrayHeader(static_cast<uint32_t>(w.bookings.size()));
    for (const PoolBooking& bk : w.bookings) {
      bookings.Raw(BodyWriter()
                       .String("task_id", bk.task_id)
                       .Int("starts_at", bk.starts_at_ms)
                       .Int("ends_at", bk.ends_at_ms)
                       .Finish());
    }
    workers.Raw(BodyWriter()
                    .String("worker_id", w.worker_id)
                    .String("name", w.name)
                    .StringList("strengths", w.strengths)
                    .StringList("weaknesses", w.weaknesses)
                    .Int("completed", w.completed)
                    .Int("failed", w.failed)
                    .Int("canceled", w.canceled)
                    .Raw("bookings", bookings.Take())
                    .Finish());
  }
  return BodyWriter().Raw("workers", workers.Take()).StringList("waiting", p.waiting).Finish();
}

Result<Pool> DecodePool(std::string_view body) {
  auto b = Body::Parse(body);
  if (!b.ok()) return b.status();
  Pool pool;
  auto workers = MapList(*b, "workers");
  if (!workers.ok()) return workers.status();
  for (const Body& wb : *workers) {
    PoolWorker w;
    auto id = wb.String("worker_id");
    if (!id.ok()) return id.status();
    auto name = wb.String("name");
    if (!name.ok()) return name.status();
    auto strengths = wb.StringList("strengths");
    if (!strengths.ok()) return strengths.status();
    auto weaknesses = wb.StringList("weaknesses");
    if (!weaknesses.ok()) return weaknesses.status();
    auto completed = wb.Int("completed");
    if (!completed.ok()) return completed.status();
    auto failed = wb.Int("failed");
    if (!failed.ok()) return failed.status();
    auto canceled = wb.Int("canceled");
    if (!canceled.ok()) return canceled.status();
    auto bookings = MapList(wb, "bookings");
    if (!bookings.ok()) return bookings.status();
    for (const Body& bb : *bookings) {
      auto task_id = bb.String("task_id");
      if (!task_id.ok()) return task_id.status();
      auto starts_at = bb.Int("starts_at");
      if (!starts_at.ok()) return starts_at.status();
      auto ends_at = bb.Int("ends_at");
      if (!ends_at.ok()) return ends_at.status();
      w.bookings.push_back(PoolBooking{std::move(*task_id), *starts_at, *ends_at});
    }
    w.worker_id = std::move(*id);
    w.name = std::move(*name);
    w.strengths = std::move(*strengths);
    w.weaknesses = std::move(*weaknesses);
    w.completed = *completed;
    w.failed = *failed;
    w.canceled = *canceled;
    pool.workers.push_back(std::move(w));
  }
  auto waiting = b->StringList("waiting");
  if (!waiting.ok()) return waiting.status();
  pool.waiting = std::move(*waiting);
  return pool;
}

}  // namespace mcf::schemas::matching
