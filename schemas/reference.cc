#include "schemas/reference.h"

#include <vector>

#include "schemas/registry.h"

namespace mcf::schemas {
namespace {

// A table cell: a "|" would end it.
std::string Cell(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

void RenderFields(const std::vector<FieldInfo>& fields, std::string& out) {
  if (fields.empty()) {
    out += "No fields: an empty map `{}`.\n";
    return;
  }
  out += "| field | type | required | rules | notes |\n|---|---|---|---|---|\n";
  for (const FieldInfo& f : fields)
    out += "| `" + f.name + "` | " + Cell(f.type) + " | " + (f.required ? "yes" : "no") + " | " +
           Cell(f.rules) + " | " + Cell(f.doc) + " |\n";
}

void RenderType(const MessageType& t, std::string& out) {
  out += "### `" + std::string(t.type) + "`\n\n";
  out += t.kind == MessageKind::kCommand ? "command" : "event";
  out += ", version " + std::to_string(t.version);
  if (t.kind == MessageKind::kCommand)
    out += t.effect == Effect::kReadOnly ? ", read-only" : ", mutating";
  out += ": " + std::string(t.summary) + "\n\n";
  if (t.kind == MessageKind::kCommand) out += "Request body:\n\n";
  RenderFields(t.body(), out);
  out += "\n";
  if (t.reply) {
    out += "Reply body:\n\n";
    RenderFields(t.reply(), out);
    out += "\n";
  }
}

}  // namespace

std::string RenderReference() {
  std::string out =
      "# Messages on the bus\n\n"
      "Generated from the declarations in `schemas/` by `./mcf schema > docs/messages.md`;\n"
      "a test fails when this file is stale. Unknown fields are ignored; an optional field may\n"
      "be absent or nil. Times are bus ms since the Unix epoch, money integer minor units.\n\n";
  std::string_view family;
  for (const MessageType& t : AllMessageTypes()) {
    if (ServiceOf(t.type) != family) {
      family = ServiceOf(t.type);
      out += "## " + std::string(family) + "\n\n";
    }
    RenderType(t, out);
  }
  return out;
}

std::string RenderReference(std::string_view type) {
  const MessageType* t = FindMessageType(type);
  if (!t) return {};
  std::string out;
  RenderType(*t, out);
  return out;
}

}  // namespace mcf::schemas
