#include "schemas/portal.h"

namespace mcf::schemas::portal {

Status CheckLength(std::string_view field, const std::string& value, size_t min, size_t max) {
  auto invalid = [&](const std::string& problem) {
    return Status::Invalid("body." + std::string(field) + ": " + problem);
  };
  if (value.size() < min)
    return invalid(min == 1 ? "must not be empty" : "at least " + std::to_string(min) + " bytes");
  if (value.size() > max) return invalid("at most " + std::to_string(max) + " bytes");
  return Status::Ok();
}

}  // namespace mcf::schemas::portal
