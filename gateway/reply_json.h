// ReplyJson: an ok reply's MessagePack body written straight to the JSON text the HTTP edge
// answers with — times rendered (reply_times.h), the route's shape applied — without building a
// JSON document first (for a list of orders that tree was most of the gateway's CPU). The text
// is exactly DumpJson(ShapeReply(shape, MsgpackToJson(body))) for a body with no key repeated
// in one map (our encoders never repeat one); what this writer does not render
// (a float, binary, an extension, a key that is not a string, text that is not UTF-8, a body
// that is not a map) gives nullopt, and the caller takes that slower path, which knows those.
// Pure function; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gateway/business_routes.h"

namespace mcf::gateway {

std::optional<std::string> RenderReplyJson(std::string_view msgpack_body, ReplyShape shape);

}  // namespace mcf::gateway
