// The message reference (docs/messages.md, `mcfctl schema`), rendered from the registry: every
// type with its kind, version, effect, purpose and, once declared, the fields of its body (and
// of a command's reply). Pure function of the registry; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace mcf::schemas {

// Markdown of every type, or of the one named (empty string when it is not registered).
std::string RenderReference();
std::string RenderReference(std::string_view type);

}  // namespace mcf::schemas
