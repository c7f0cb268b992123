#include "lib/worker/handler_context.h"

#include <cstdio>

#include "schemas/registry.h"

namespace mcf::worker {

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
