#include "lib/base/status.h"

#include <array>

namespace mcf {
namespace {
constexpr std::array<std::string_view, 8> kNames = {
    "ok", "invalid", "not_found", "conflict", "forbidden", "unavailable", "timeout", "internal"};
}  // namespace

std::string_view CodeName(Code code) {
  auto i = static_cast<size_t>(code);
  return i < kNames.size() ? kNames[i] : "internal";
}

std::optional<Code> CodeFromName(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Code>(i);
  }
  return std::nullopt;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string s(CodeName(code_));
  s += ": ";
  s += message_;
  return s;
}

}  // namespace mcf
