#include "schemas/hiring.h"

#include "schemas/body.h"

namespace mcf::schemas::hiring {

std::string Encode(const WorkerHired& e) {
  return BodyWriter()
      .String("worker_id", e.worker_id)
      .String("name", e.name)
      .StringList("strengths", e.strengths)
      .StringList("weaknesses", e.weaknesses)
      .Finish();
}

Result<WorkerHired> DecodeWorkerHired(std::string_view body) {
  auto b = Body::Parse(body);
  if (!b.ok()) return b.status();
  WorkerHired e;
  auto id = b->String("worker_id");
  if (!id.ok()) return id.status();
  if (id->empty()) return Status::Invalid("body.worker_id: must not be empty");
  auto name = b->String("name");
  if (!name.ok()) return name.status();
  auto strengths = b->StringList("strengths");
  if (!strengths.ok()) return strengths.status();
  auto weaknesses = b->StringList("weaknesses");
  if (!weaknesses.ok()) return weaknesses.status();
  e.worker_id = std::move(*id);
  e.name = std::move(*name);
  e.strengths = std::move(*strengths);
  e.weaknesses = std::move(*weaknesses);
  return e;
}

}  // namespace mcf::schemas::hiring
