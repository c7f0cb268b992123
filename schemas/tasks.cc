#include "schemas/tasks.h"

#include <utility>

#include "schemas/body.h"

namespace mcf::schemas::tasks {

std::string Encode(const TaskRequested& e) {
  return BodyWriter()
      .String("task_id", e.task_id)
      .String("client_id", e.client_id)
      .String("service_type_id", e.service_type_id)
      .Int("starts_at", e.starts_at_ms)
      .Int("ends_at", e.ends_at_ms)
      .String("description", e.description)
      .String("copied_from", e.copied_from)
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
  auto description = b->OptString("description");
  if (!description.ok()) return description.status();
  auto copied_from = b->OptString("copied_from");
  if (!copied_from.ok()) return copied_from.status();
  TaskRequested e;
  e.description = description->value_or("");
  e.copied_from = copied_from->value_or("");
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
      .String("reason", e.reason)
      .Int("price_minor", e.price_minor)
      .String("client_id", e.client_id)
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
  auto reason = b->OptString("reason");
  if (!reason.ok()) return reason.status();
  auto price = b->OptInt("price_minor");
  if (!price.ok()) return price.status();
  auto client_id = b->OptString("client_id");
  if (!client_id.ok()) return client_id.status();
  e.task_id = std::move(*task_id);
  e.worker_id = std::move(*worker_id);
  e.reason = reason->value_or("");
  e.price_minor = price->value_or(0);
  e.client_id = client_id->value_or("");
  return e;
}

std::string Encode(const TaskAssigned& e) {
  return BodyWriter()
      .String("task_id", e.task_id)
      .String("client_id", e.client_id)
      .String("worker_id", e.worker_id)
      .Int("price_minor", e.price_minor)
      .Int("starts_at", e.starts_at_ms)
      .Int("ends_at", e.ends_at_ms)
      .Finish();
}

Result<TaskAssigned> DecodeTaskAssigned(std::string_view body) {
  auto b = Body::Parse(body);
  if (!b.ok()) return b.status();
  TaskAssigned e;
  for (auto [field, out] : {std::pair{"task_id", &e.task_id}, std::pair{"client_id", &e.client_id},
                            std::pair{"worker_id", &e.worker_id}}) {
    auto v = b->String(field);
    if (!v.ok()) return v.status();
    *out = std::move(*v);
  }
  if (e.task_id.empty()) return Status::Invalid("body.task_id: must not be empty");
  if (e.worker_id.empty()) return Status::Invalid("body.worker_id: must not be empty");
  for (auto [field, out] :
       {std::pair{"price_minor", &e.price_minor}, std::pair{"starts_at", &e.starts_at_ms},
        std::pair{"ends_at", &e.ends_at_ms}}) {
    auto v = b->Int(field);
    if (!v.ok()) return v.status();
    *out = *v;
  }
  return e;
}

std::string Encode(const CheckedIn& e) {
  return BodyWriter()
      .String("task_id", e.task_id)
      .String("worker_id", e.worker_id)
      .Int("at", e.at_ms)
      .Finish();
}

Result<CheckedIn> DecodeCheckedIn(std::string_view body) {
  auto b = Body::Parse(body);
  if (!b.ok()) return b.status();
  auto task_id = b->String("task_id");
  if (!task_id.ok()) return task_id.status();
  if (task_id->empty()) return Status::Invalid("body.task_id: must not be empty");
  auto worker_id = b->String("worker_id");
  if (!worker_id.ok()) return worker_id.status();
  auto at = b->Int("at");
  if (!at.ok()) return at.status();
  return CheckedIn{std::move(*task_id), std::move(*worker_id), *at};
}

std::string Encode(const CopyOffered& e) {
  return BodyWriter().String("task_id", e.task_id).String("client_id", e.client_id).Finish();
}

Result<CopyOffered> DecodeCopyOffered(std::string_view body) {
  auto b = Body::Parse(body);
  if (!b.ok()) return b.status();
  auto task_id = b->String("task_id");
  if (!task_id.ok()) return task_id.status();
  if (task_id->empty()) return Status::Invalid("body.task_id: must not be empty");
  auto client_id = b->String("client_id");
  if (!client_id.ok()) return client_id.status();
  return CopyOffered{std::move(*task_id), std::move(*client_id)};
}

}  // namespace mcf::schemas::tasks
