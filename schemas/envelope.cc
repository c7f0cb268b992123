#include "schemas/envelope.h"

#include "schemas/msgpack.h"

namespace mcf::schemas {
namespace {

Status FieldError(std::string_view field, std::string_view problem) {
  return Status::Invalid("envelope." + std::string(field) + ": " + std::string(problem));
}

void PutHeader(MsgpackWriter& w, std::string_view id, std::string_view type, uint32_t version,
               std::string_view producer, int64_t time_ms, std::string_view correlation_id,
               std::string_view causation_id) {
  w.String("id").String(id);
  w.String("type").String(type);
  w.String("version").Uint(version);
  w.String("producer").String(producer);
  w.String("time").Int(time_ms);
  w.String("correlation_id").String(correlation_id);
  w.String("causation_id").String(causation_id);
}
constexpr uint32_t kHeaderFields = 7;

// Reads the fields common to envelopes and replies; `extra` handles the rest and returns
// false for keys it does not know (they are skipped). Required keys are checked by the caller.
template <typename Target, typename Extra>
Status DecodeMap(std::string_view bytes, Target& t, uint32_t& seen, Extra extra) {
  if (bytes.size() > kMaxEnvelopeBytes) return Status::Invalid("envelope: larger than 16 MiB");
  MsgpackReader r(bytes);
  if (r.Peek() != MsgType::kMap) return Status::Invalid("envelope: expected a map");
  auto n = r.ReadMapHeader();
  if (!n) return Status::Invalid("envelope: truncated map header");
  for (uint32_t i = 0; i < *n; ++i) {
    auto key = r.ReadString();
    if (!key) return Status::Invalid("envelope: map keys must be strings");
    std::string_view k = *key;
    auto read_string = [&](std::string& out, uint32_t bit) -> Status {
      auto s = r.ReadString();
      if (!s) return FieldError(k, "expected a string");
      out = std::string(*s);
      seen |= bit;
      return Status::Ok();
    };
    Status s;
    if (k == "id") {
      s = read_string(t.id, 1);
    } else if (k == "type") {
      s = read_string(t.type, 2);
    } else if (k == "version") {
      auto v = r.ReadUint();
      if (!v || *v > UINT32_MAX) return FieldError(k, "expected a small unsigned integer");
      t.version = static_cast<uint32_t>(*v);
      seen |= 4;
    } else if (k == "producer") {
      s = read_string(t.producer, 8);
    } else if (k == "time") {
      auto v = r.ReadInt();
      if (!v) return FieldError(k, "expected an integer");
      t.time_ms = *v;
      seen |= 16;
    } else if (k == "correlation_id") {
      s = read_string(t.correlation_id, 0);
    } else if (k == "causation_id") {
      s = read_string(t.causation_id, 0);
    } else if (k == "body") {
      if (r.Peek() != MsgType::kMap) return FieldError(k, "expected a map");
      auto raw = r.ReadRaw();
      if (!raw) return FieldError(k, "truncated");
      t.body = std::string(*raw);
      seen |= 32;
    } else {
      auto handled = extra(k, r, s);
      if (!handled && !r.Skip()) return FieldError(k, "truncated value");
    }
    RETURN_IF_ERROR(s);
  }
  if (!r.AtEnd()) return Status::Invalid("envelope: trailing bytes after the map");
  return Status::Ok();
}

Status CheckRequired(uint32_t seen) {
  static constexpr std::string_view kNames[] = {"id",       "type", "version",
                                                "producer", "time", "body"};
  for (int i = 0; i < 6; ++i)
    if (!(seen & (1u << i))) return FieldError(kNames[i], "missing required field");
  return Status::Ok();
}

}  // namespace

std::string Encode(const Envelope& e) {
  MsgpackWriter w;
  uint32_t fields = kHeaderFields + 1 + (e.principal ? 1 : 0) + (e.deadline_ms ? 1 : 0);
  w.MapHeader(fields);
  PutHeader(w, e.id, e.type, e.version, e.producer, e.time_ms, e.correlation_id, e.causation_id);
  if (e.principal) {
    w.String("principal").MapHeader(2);
    w.String("role").String(e.principal->role);
    w.String("id").String(e.principal->id);
  }
  if (e.deadline_ms) w.String("deadline").Int(e.deadline_ms);
  w.String("body").Raw(e.body);
  return w.Take();
}

std::string Encode(const Reply& r) {
  MsgpackWriter w;
  uint32_t fields = kHeaderFields + 3 + (r.details.empty() ? 0 : 1);
  w.MapHeader(fields);
  PutHeader(w, r.id, r.type, r.version, r.producer, r.time_ms, r.correlation_id, r.causation_id);
  w.String("status").String(CodeName(r.status));
  w.String("message").String(r.message);
  if (!r.details.empty()) w.String("details").Raw(r.details);
  w.String("body").Raw(r.body);
  return w.Take();
}

Result<Envelope> DecodeEnvelope(std::string_view bytes) {
  Envelope e;
  uint32_t seen = 0;
  Status s = DecodeMap(bytes, e, seen, [&](std::string_view k, MsgpackReader& r, Status& err) {
    if (k == "principal") {
      auto n = r.ReadMapHeader();
      if (!n) {
        err = FieldError(k, "expected a map");
        return true;
      }
      Principal p;
      for (uint32_t i = 0; i < *n; ++i) {
        auto pk = r.ReadString();
        if (!pk) {
          err = FieldError(k, "map keys must be strings");
          return true;
        }
        std::string* target = *pk == "role" ? &p.role : *pk == "id" ? &p.id : nullptr;
        if (!target) {
          if (!r.Skip()) err = FieldError(k, "truncated value");
          if (!err.ok()) return true;
          continue;
        }
        auto v = r.ReadString();
        if (!v) {
          err = FieldError("principal." + std::string(*pk), "expected a string");
          return true;
        }
        *target = std::string(*v);
      }
      if (p.role.empty()) err = FieldError("principal.role", "missing required field");
      e.principal = std::move(p);
      return true;
    }
    if (k == "deadline") {
      auto v = r.ReadInt();
      if (!v)
        err = FieldError(k, "expected an integer");
      else
        e.deadline_ms = *v;
      return true;
    }
    return false;
  });
  RETURN_IF_ERROR(s);
  RETURN_IF_ERROR(CheckRequired(seen));
  if (e.id.empty()) return FieldError("id", "must not be empty");
  if (e.type.empty()) return FieldError("type", "must not be empty");
  return e;
}

Result<Reply> DecodeReply(std::string_view bytes) {
  Reply reply;
  uint32_t seen = 0;
  bool has_status = false;
  Status s = DecodeMap(bytes, reply, seen, [&](std::string_view k, MsgpackReader& r, Status& err) {
    if (k == "status") {
      auto v = r.ReadString();
      auto code = v ? CodeFromName(*v) : std::nullopt;
      if (!code)
        err = FieldError(k,
                         "expected one of ok, invalid, not_found, conflict, "
                         "forbidden, unavailable, timeout, internal");
      else
        reply.status = *code;
      has_status = true;
      return true;
    }
    if (k == "message") {
      auto v = r.ReadString();
      if (!v)
        err = FieldError(k, "expected a string");
      else
        reply.message = std::string(*v);
      return true;
    }
    if (k == "details") {
      if (r.Peek() == MsgType::kNil) {
        r.ReadNil();
        return true;
      }
      if (r.Peek() != MsgType::kMap) {
        err = FieldError(k, "expected a map");
        return true;
      }
      auto raw = r.ReadRaw();
      if (!raw)
        err = FieldError(k, "truncated");
      else
        reply.details = std::string(*raw);
      return true;
    }
    return false;
  });
  RETURN_IF_ERROR(s);
  RETURN_IF_ERROR(CheckRequired(seen));
  if (!has_status) return FieldError("status", "missing required field");
  return reply;
}

Reply ErrorReply(const Envelope& command, Status status, std::string_view producer,
                 int64_t time_ms) {
  Reply r = ErrorReply(command.type, command.id, std::move(status), producer, time_ms);
  r.correlation_id = command.correlation_id;
  return r;
}

Reply ErrorReply(std::string_view command_type, std::string_view command_id, Status status,
                 std::string_view producer, int64_t time_ms) {
  Reply r;
  r.id = std::string(command_id) + ":reply";
  r.type = std::string(command_type);
  r.producer = std::string(producer);
  r.time_ms = time_ms;
  r.causation_id = std::string(command_id);
  r.status = status.code();
  r.message = status.message();
  r.details = ErrorDetails(r.status, r.message);
  return r;
}

std::string ErrorDetails(Code code, std::string_view message) {
  auto field = FieldOfError(code, message);
  if (!field) return {};
  MsgpackWriter w;
  w.MapHeader(1).String("field").String(*field);
  return w.Take();
}

std::optional<std::string> FieldOfError(Code code, std::string_view message) {
  const bool names_input = code == Code::kInvalid || code == Code::kConflict;
  if (!names_input || !message.starts_with("body.")) return std::nullopt;
  const auto colon = message.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view field = message.substr(0, colon);
  for (char c : field) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '[' || c == ']';
    if (!allowed) return std::nullopt;
  }
  return std::string(field);
}

std::optional<int64_t> PeekDeadline(std::string_view envelope) {
  return FindTopLevelInt(envelope, "deadline", "body");
}

}  // namespace mcf::schemas
