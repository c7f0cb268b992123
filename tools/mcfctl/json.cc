#include "tools/mcfctl/json.h"

#include "schemas/clock.h"

namespace mcf::mcfctl {

Result<Json> MsgpackToJson(std::string_view bytes) {
  try {
    return Json::from_msgpack(bytes.begin(), bytes.end(), /*strict=*/true);
  } catch (const nlohmann::json::exception& e) {
    return Status::Invalid(std::string("not valid MessagePack: ") + e.what());
  }
}

Result<std::string> JsonObjectToMsgpack(std::string_view text) {
  Json value;
  try {
    value = Json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    return Status::Invalid(std::string("body is not valid JSON: ") + e.what());
  }
  if (!value.is_object()) {
    return Status::Invalid("body must be a JSON object, got " + std::string(value.type_name()));
  }
  std::string out;
  Json::to_msgpack(value, out);
  return out;
}

namespace {
// A nested map that may be empty (details) or malformed (from an untrusted peer): decode what
// we can and say so otherwise, never fail the whole reply.
Json MapOrNote(std::string_view bytes) {
  if (bytes.empty()) return nullptr;
  auto decoded = MsgpackToJson(bytes);
  if (!decoded.ok()) return Json{{"undecodable", decoded.status().message()}};
  return std::move(decoded).value();
}
}  // namespace

Json ReplyToJson(const schemas::Reply& reply) {
  Json out;
  out["status"] = std::string(CodeName(reply.status));
  out["message"] = reply.message;
  out["details"] = MapOrNote(reply.details);
  out["body"] = MapOrNote(reply.body);
  out["type"] = reply.type;
  out["producer"] = reply.producer;
  out["time"] = schemas::clock::Iso8601(reply.time_ms);
  out["id"] = reply.id;
  out["causation_id"] = reply.causation_id;
  if (!reply.correlation_id.empty()) out["correlation_id"] = reply.correlation_id;
  return out;
}

std::string Dump(const Json& json, int indent) {
  return json.dump(indent, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mcf::mcfctl
