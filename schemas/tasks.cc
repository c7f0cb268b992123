#include "schemas/tasks.h"

#include "schemas/body.h"

namespace mcf::schemas::tasks {

std::string Encode(const TaskRequested& e) {
  return BodyWriter()
      .String("task_id", e.task_id)
      .String("client_id", e.client_id)
      .String("service_type_id", e.service_type_id)
      .Int("starts_at", e.starts_at_ms)
      .Int("ends_at", e.ends_at_ms)
      .Finish();
}

Result<TaskRequested> DecodeTaskRequested(std::string_view body) {
  auto b = Body::Parse(body);
  if (!b.ok()) return b.status();
  auto task_id = b->String("task_id");
  if (!task_id.ok()) return task_id.status();
  if (task_id->empty()) return Status::Invalid("body.task_id: must not be empty");
  auto client_id = b->String("client_id");
  if (!client_id.ok()) return client_id.status();
  auto service_type_id = b->String("service_type_id");
  if (!service_type_id.ok()) return service_type_id.status();
  auto starts_at = b->Int("starts_at");
  if (!starts_at.ok()) return starts_at.status();
  auto ends_at = b->Int("ends_at");
  if (!ends_at.ok()) return ends_at.status();
  if (*ends_at <= *starts_at) return Status::Invalid("body.ends_at: must be after starts_at");
  TaskRequested e;
  e.task_id = std::move(*task_id);
  e.client_id = std::move(*client_id);
  e.service_type_id = std::move(*service_type_id);
  e.starts_at_ms = *starts_at;
  e.ends_at_ms = *ends_at;
  return e;
}

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kCompleted:
      return "completed";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kCanceled:
      return "canceled";
  }
  return "completed";
}

std::string Encode(const TaskFinalized& e) {
  return BodyWriter()
      .String("task_id", e.task_id)
      .String("worker_id", e.worker_id)
      .String("outcome", OutcomeName(e.outcome))
      .Finish();
}

Result<TaskFinalized> DecodeTaskFinalized(std::string_view body) {
  auto b = Body::Parse(body);
  if (!b.ok()) return b.status();
  auto task_id = b->String("task_id");
  if (!task_id.ok()) return task_id.status();
  if (task_id->empty()) return Status::Invalid("body.task_id: must not be empty");
  auto worker_id = b->String("worker_id");
  if (!worker_id.ok()) return worker_id.status();
  auto outcome = b->String("outcome");
  if (!outcome.ok()) return outcome.status();
  TaskFinalized e;
  if (*outcome == "completed") {
    e.outcome = Outcome::kCompleted;
  } else if (*outcome == "failed") {
    e.outcome = Outcome::kFailed;
  } else if (*outcome == "canceled") {
    e.outcome = Outcome::kCanceled;
  } else {
    return Status::Invalid("body.outcome: expected completed, failed or canceled, got " + *outcome);
  }
  e.task_id = std::move(*task_id);
  e.worker_id = std::move(*worker_id);
  return e;
}

}  // namespace mcf::schemas::tasks
