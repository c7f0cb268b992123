#include "gateway/reply_times.h"

#include <string>

#include "schemas/clock.h"

namespace mcf::gateway {

std::string RenderMillis(int64_t ms) {
  std::string iso = schemas::clock::Iso8601(ms);
  int64_t frac = ms % 1000;
  if (frac < 0) frac += 1000;
  if (frac != 0 && !iso.empty() && iso.back() == 'Z') {
    const char digits[] = {'.', static_cast<char>('0' + frac / 100),
                           static_cast<char>('0' + frac / 10 % 10),
                           static_cast<char>('0' + frac % 10)};
    iso.insert(iso.size() - 1, digits, sizeof digits);
  }
  return iso;
}

bool IsTimeKey(std::string_view key) {
  return key == "at" || (key.size() > 3 && key.substr(key.size() - 3) == "_at");
}

void RenderTimes(Json& value) {
  if (value.is_array()) {
    for (Json& item : value) RenderTimes(item);
    return;
  }
  if (!value.is_object()) return;
  for (auto& [key, child] : value.items()) {
    if (IsTimeKey(key) && (child.is_number_integer() || child.is_number_unsigned())) {
      if (child.is_number_unsigned() && child.get<uint64_t>() > uint64_t{INT64_MAX}) continue;
      const int64_t ms = child.get<int64_t>();
      child = ms == 0 ? Json(nullptr) : Json(RenderMillis(ms));
    } else {
      RenderTimes(child);
    }
  }
}

}  // namespace mcf::gateway
