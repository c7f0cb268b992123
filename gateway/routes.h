// Routes: the one list of what the gateway serves, shared by the server (which registers
// exactly these) and the OpenAPI document's test (which checks the document lists exactly
// these), plus the embedded docs/openapi.json.
// Constants only; thread-safe.
#pragma once

#include <array>
#include <string_view>

namespace mcf::gateway {

struct RouteSpec {
  std::string_view method;  // "GET", "POST", ...
  std::string_view path;    // OpenAPI form: "/v1/orders/{id}"
  bool operator==(const RouteSpec&) const = default;
};

inline constexpr RouteSpec kHealthz{"GET", "/healthz"};
inline constexpr RouteSpec kMetrics{"GET", "/metrics"};
inline constexpr RouteSpec kOpenApi{"GET", "/v1/openapi.json"};
inline constexpr RouteSpec kMe{"GET", "/v1/me"};

inline constexpr std::array<RouteSpec, 4> kRoutes = {kHealthz, kMetrics, kOpenApi, kMe};

// The metrics label for requests that matched no route.
inline constexpr std::string_view kUnmatchedRoute = "unmatched";

// docs/openapi.json as it was at build time (embedded by CMake).
std::string_view OpenApiDocument();

}  // namespace mcf::gateway
