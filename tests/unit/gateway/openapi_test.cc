// The OpenAPI document and the server agree: every registered route is documented, and the
// document lists nothing the server does not serve.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "gateway/auth.h"
#include "gateway/business_routes.h"
#include "gateway/json_body.h"
#include "gateway/routes.h"
#include "gateway/server.h"

namespace mcf::gateway {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Json Document() { return Json::parse(OpenApiDocument().begin(), OpenApiDocument().end()); }

TEST(OpenApiTest, DocumentIsOpenApi3) {
  Json doc = Document();
  ASSERT_TRUE(doc.contains("openapi"));
  EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  EXPECT_TRUE(doc["paths"].is_object());
}

TEST(OpenApiTest, EveryRegisteredRouteIsDocumented) {
  InMemoryTokenStore tokens;
  ServerConfig config;
  config.port = 0;
  Server server(config, tokens);  // registers routes; never binds
  ASSERT_FALSE(server.registered_routes().empty());
  EXPECT_TRUE(std::equal(server.registered_routes().begin(), server.registered_routes().end(),
                         kRoutes.begin(), kRoutes.end()));
  Json paths = Document()["paths"];
  for (const RouteSpec& route : server.registered_routes()) {
    const std::string path(route.path);
    ASSERT_TRUE(paths.contains(path)) << path;
    EXPECT_TRUE(paths[path].contains(Lower(route.method))) << route.method << " " << path;
  }
}

TEST(OpenApiTest, DocumentListsOnlyRegisteredRoutes) {
  static constexpr std::array<std::string_view, 8> kMethods = {"get",     "put",  "post",  "delete",
                                                               "options", "head", "patch", "trace"};
  InMemoryTokenStore tokens;
  ServerConfig config;
  config.port = 0;
  Server server(config, tokens);  // what the server really registers, not just kRoutes
  const auto& registered = server.registered_routes();
  const auto document = Document();  // the loop below views it: keep it alive
  for (const auto& [path, item] : document["paths"].items()) {
    for (const auto& [key, op] : item.items()) {
      if (std::find(kMethods.begin(), kMethods.end(), key) == kMethods.end()) continue;
      const bool served =
          std::any_of(registered.begin(), registered.end(),
                      [&](const RouteSpec& r) { return r.path == path && Lower(r.method) == key; });
      EXPECT_TRUE(served) << key << " " << path << " is documented but not served";
    }
  }
}

TEST(OpenApiTest, EveryOperationHasResponsesAndProtectedOnesDeclareBearer) {
  const Json doc = Document();
  for (const RouteSpec& route : kRoutes) {
    const Json& op = doc.at("paths").at(std::string(route.path)).at(Lower(route.method));
    ASSERT_TRUE(op.contains("responses")) << route.method << " " << route.path;
    const BusinessRoute* business = FindBusinessRoute(route);
    const bool is_public = business != nullptr ? business->is_public
                                               : route.path == "/healthz" ||
                                                     route.path == "/metrics" ||
                                                     route.path == "/v1/openapi.json" ||
                                                     route == kConsolePage || route == kConsoleFiles ||
                                                     route == kConsoleSignIn ||
                                                     route == kConsoleSignOut;
    EXPECT_EQ(op.contains("security"), !is_public) << route.method << " " << route.path;
    if (!is_public) {
      EXPECT_TRUE(op["responses"].contains("401")) << route.method << " " << route.path;
    }
  }
}

}  // namespace
}  // namespace mcf::gateway
