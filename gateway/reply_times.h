// Times in HTTP replies: the bus carries ms since the epoch; over HTTP every time is an ISO-8601
// UTC string. RenderTimes rewrites a reply body in place, recursively through objects and
// arrays. Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/json_body.h"

namespace mcf::gateway {

// True for the keys that hold bus times: "at" and names ending in "_at".
bool IsTimeKey(std::string_view key);

// One bus time as its ISO-8601 UTC string ("2026-01-05T08:00:00Z", ".123Z" with milliseconds).
std::string RenderMillis(int64_t ms);

// Every integer under a time key becomes "2026-01-05T08:00:00Z" (fractional ms kept as
// ".123Z"); 0 (the bus's "not yet", e.g. issued_at of a waiting supply order) becomes null.
// Other values are left alone.
void RenderTimes(Json& value);

}  // namespace mcf::gateway
