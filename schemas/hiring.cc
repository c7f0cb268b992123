#include "schemas/hiring.h"

#include "schemas/body.h"

namespace mcf::schemas::hiring {
namespace {

// UTF-8 code points (continuation bytes are not counted); byte length for invalid UTF-8 is
// close enough for a limit.
size_t CharCount(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

Status CheckText(std::string_view value, std::string_view field, size_t min, size_t max) {
  size_t n = CharCount(value);
  if (n < min || n > max)
    return Status::Invalid("body." + std::string(field) + ": must be " + std::to_string(min) +
                           ".." + std::to_string(max) + " characters");
  return Status::Ok();
}

Status CheckList(const std::vector<std::string>& values, std::string_view field) {
  if (values.size() > kMaxListItems)
    return Status::Invalid("body." + std::string(field) + ": at most " +
                           std::to_string(kMaxListItems) + " items");
  for (size_t i = 0; i < values.size(); ++i) {
    if (Status s = CheckText(values[i], std::string(field) + "[" + std::to_string(i) + "]", 1,
                             kMaxTextChars);
        !s.ok())
      return s;
  }
  return Status::Ok();
}

}  // namespace

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

std::string Encode(const ImportWorker& c) {
  return BodyWriter()
      .String("name", c.name)
      .Int("age", c.age)
      .String("breed", c.breed)
      .String("coat_colour", c.coat_colour)
      .StringList("strengths", c.strengths)
      .StringList("weaknesses", c.weaknesses)
      .Finish();
}

Result<ImportWorker> DecodeImportWorker(std::string_view body) {
  auto b = Body::Parse(body);
  if (!b.ok()) return b.status();
  ImportWorker c;
  auto name = b->String("name");
  if (!name.ok()) return name.status();
  RETURN_IF_ERROR(CheckText(*name, "name", 1, kMaxNameChars));
  auto age = b->Int("age");
  if (!age.ok()) return age.status();
  if (*age < 0 || *age > kMaxAge)
    return Status::Invalid("body.age: must be 0.." + std::to_string(kMaxAge));
  auto breed = b->String("breed");
  if (!breed.ok()) return breed.status();
  RETURN_IF_ERROR(CheckText(*breed, "breed", 0, kMaxTextChars));
  auto coat = b->String("coat_colour");
  if (!coat.ok()) return coat.status();
  RETURN_IF_ERROR(CheckText(*coat, "coat_colour", 0, kMaxTextChars));
  auto strengths = b->StringList("strengths");
  if (!strengths.ok()) return strengths.status();
  RETURN_IF_ERROR(CheckList(*strengths, "strengths"));
  auto weaknesses = b->StringList("weaknesses");
  if (!weaknesses.ok()) return weaknesses.status();
  RETURN_IF_ERROR(CheckList(*weaknesses, "weaknesses"));
  c.name = std::move(*name);
  c.age = *age;
  c.breed = std::move(*breed);
  c.coat_colour = std::move(*coat);
  c.strengths = std::move(*strengths);
  c.weaknesses = std::move(*weaknesses);
  return c;
}

std::string Encode(const WorkerRef& r) {
  return BodyWriter().String("worker_id", r.worker_id).Finish();
}

Result<WorkerRef> DecodeWorkerRef(std::string_view body) {
  auto b = Body::Parse(body);
  if (!b.ok()) return b.status();
  auto id = b->String("worker_id");
  if (!id.ok()) return id.status();
  if (id->empty()) return Status::Invalid("body.worker_id: must not be empty");
  return WorkerRef{std::move(*id)};
}

std::string Encode(const WorkerProfile& p) {
  return BodyWriter()
      .String("worker_id", p.worker_id)
      .String("name", p.name)
      .Int("age", p.age)
      .String("breed", p.breed)
      .String("coat_colour", p.coat_colour)
      .StringList("strengths", p.strengths)
      .StringList("weaknesses", p.weaknesses)
      .Int("hired_at", p.hired_at_ms)
      .Finish();
}

Result<WorkerProfile> DecodeWorkerProfile(std::string_view body) {
  auto b = Body::Parse(body);
  if (!b.ok()) return b.status();
  WorkerProfile p;
  auto id = b->String("worker_id");
  if (!id.ok()) return id.status();
  auto name = b->String("name");
  if (!name.ok()) return name.status();
  auto age = b->Int("age");
  if (!age.ok()) return age.status();
  auto breed = b->String("breed");
  if (!breed.ok()) return breed.status();
  auto coat = b->String("coat_colour");
  if (!coat.ok()) return coat.status();
  auto strengths = b->StringList("strengths");
  if (!strengths.ok()) return strengths.status();
  auto weaknesses = b->StringList("weaknesses");
  if (!weaknesses.ok()) return weaknesses.status();
  auto hired_at = b->Int("hired_at");
  if (!hired_at.ok()) return hired_at.status();
  p.worker_id = std::move(*id);
  p.name = std::move(*name);
  p.age = *age;
  p.breed = std::move(*breed);
  p.coat_colour = std::move(*coat);
  p.strengths = std::move(*strengths);
  p.weaknesses = std::move(*weaknesses);
  p.hired_at_ms = *hired_at;
  return p;
}

}  // namespace mcf::schemas::hiring
