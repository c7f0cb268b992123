#include "lib/worker/handler_context.h"

#include <cstdio>

#include "schemas/registry.h"

namespace mcf::worker {

uint64_t StableHash(uint64_t seed, std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  uint64_t z = h ^ (seed + 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

HandlerContext::HandlerContext(store::Txn& txn, const schemas::Envelope& message, int64_t now_ms,
                               uint64_t seed)
    : txn_(txn),
      message_(message),
      now_ms_(now_ms),
      id_hash_(StableHash(seed, message.id)),
      random_(id_hash_) {}

std::string HandlerContext::NewId(std::string_view kind) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "-%016llx-%llu", static_cast<unsigned long long>(id_hash_),
                static_cast<unsigned long long>(next_id_++));
  return std::string(kind) + buf;
}

Status HandlerContext::Publish(std::string_view type, std::string body) {
  const schemas::MessageType* t = schemas::FindMessageType(type);
  if (t == nullptr || t->kind != schemas::MessageKind::kEvent)
    return Status::Invalid("publish: " + std::string(type) + " is not a registered event type");
  published_.emplace_back(std::string(type), std::move(body));
  return Status::Ok();
}

}  // namespace mcf::worker
