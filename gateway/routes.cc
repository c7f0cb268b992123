#include "gateway/routes.h"

namespace mcf::gateway {
namespace {

// Splits off the next "/segment" of `path` (without the slash); false at the end.
bool NextSegment(std::string_view& path, std::string_view& segment) {
  if (path.empty() || path[0] != '/') return false;
  path.remove_prefix(1);
  const size_t end = path.find('/');
  segment = path.substr(0, end);
  path = end == std::string_view::npos ? std::string_view() : path.substr(end);
  return true;
}

bool IsParameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool PathMatches(std::string_view pattern, std::string_view path, bool rest) {
  std::string_view want, got;
  while (true) {
    const bool more_pattern = NextSegment(pattern, want);
    const std::string_view remaining = path;
    const bool more_path = NextSegment(path, got);
    if (!more_pattern || !more_path) return more_pattern == more_path && path.empty();
    if (rest && pattern.empty() && IsParameter(want)) return remaining.size() > 1;
    if (IsParameter(want)) {
      if (got.empty()) return false;
    } else if (want != got) {
      return false;
    }
  }
}

}  // namespace

const RouteSpec* MatchRoute(std::string_view method, std::string_view path) {
  for (const RouteSpec& route : kRoutes) {
    if (route.method == method && PathMatches(route.path, path, route.rest)) return &route;
  }
  return nullptr;
}

std::string PathPattern(std::string_view openapi_path, bool rest_param) {
  std::string out;
  std::string_view rest = openapi_path, segment;
  while (NextSegment(rest, segment)) {
    out += '/';
    if (IsParameter(segment)) {
      out += rest_param && rest.empty() ? "(.+)" : "([^/]+)";
      continue;
    }
    for (char c : segment) {
      if (c == '.') out += '\\';
      out += c;
    }
  }
  return out.empty() ? std::string(openapi_path) : out;
}

}  // namespace mcf::gateway
