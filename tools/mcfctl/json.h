// MessagePack <-> JSON for mcfctl: envelopes, replies and bodies become JSON a person (or jq)
// can read, and a JSON object typed on the command line becomes a MessagePack body.
//
// Conversion goes through nlohmann::json (from_msgpack / to_msgpack); its exceptions are caught
// here and come back as Status. Binary values print as nlohmann's {"bytes":[..],"subtype":..}.
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "lib/base/status.h"
#include "schemas/envelope.h"

namespace mcf::mcfctl {

using Json = nlohmann::ordered_json;

// Decodes one MessagePack value (the whole input) to JSON; invalid on malformed input.
Result<Json> MsgpackToJson(std::string_view bytes);

// Parses `text` as JSON and encodes it as MessagePack. REQUIRES nothing of the text: a parse
// error, or a value that is not an object, is an `invalid` Status whose message says why.
Result<std::string> JsonObjectToMsgpack(std::string_view text);

// A reply as JSON: status, message, details and body first, then the header fields.
Json ReplyToJson(const schemas::Reply& reply);

// One line of JSON; invalid UTF-8 in strings is replaced rather than failing. `indent` < 0 is
// compact.
std::string Dump(const Json& json, int indent = -1);

}  // namespace mcf::mcfctl
