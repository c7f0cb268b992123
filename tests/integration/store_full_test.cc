// A store filled on purpose, end to end: the whole system with a tiny store ceiling, service
// types with long descriptions written over HTTP until the portal's store is full. Then writes
// get 503 naming the store, reads keep working, /healthz and /metrics say so; after the portal
// restarts with a higher ceiling every accepted write is still there and writes work again.
// A refused write changes no store (tests/support/store_snapshot.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/gateway_harness.h"
#include "tests/support/process.h"
#include "tests/support/store_snapshot.h"
#include "tests/support/temp_dir.h"

namespace mcf::testing::gateway {
namespace {

using std::chrono::milliseconds;

Json ServiceType(int i) {
  return Json{{"name", "type-" + std::to_string(i)},
              {"description", std::string(1900, static_cast<char>('a' + i % 26))}};
}

TEST(StoreFullTest, WritesAreRefusedNamingTheStoreReadsWorkAndARaisedCeilingRecoversAll) {
  if (!HavePortal()) GTEST_SKIP() << "mcf-portal is not built";
  TempDir dir;
  process::SystemOptions options = FullSystem(dir.Sub("data"));
  options.worker_flags.insert(options.worker_flags.end(),
                              {"--store-map-mb", "1", "--store-max-mb", "2"});
  auto system = process::LocalSystem::Start(options);
  ASSERT_TRUE(system.ok()) << system.status().ToString();
  Http http((*system)->gateway_port());
  auto tokens = SignInEveryone(http, (*system)->admin_token());
  const std::string& manager = tokens.at("manager");

  std::vector<std::string> accepted;  // ids of service types the portal accepted
  Response refused;
  for (int i = 0; i < 2000; ++i) {
    Response r = http.Send("POST", "/v1/service-types", manager, ServiceType(i),
                           "fill-" + std::to_string(i));
    if (r.status == 201) {
      accepted.push_back(r.body.value("id", ""));
      continue;
    }
    refused = r;
    break;
  }
  ASSERT_EQ(refused.status, 503) << Describe(refused) << (*system)->Logs();
  EXPECT_EQ(refused.content_type, "application/problem+json");
  EXPECT_NE(refused.body.value("detail", "").find("store of portal is full"), std::string::npos)
      << Describe(refused);
  ASSERT_GT(accepted.size(), 20u);

  // A second write is refused too and changes nothing (every store and the log, byte for byte:
  // an `unavailable` is not a recorded reply); reads are served.
  auto before = SettledSnapshot(dir.Sub("data"), (*system)->broker_endpoint(), milliseconds(30000));
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  Response again = http.Send("POST", "/v1/service-types", manager, ServiceType(9999), "again");
  EXPECT_EQ(again.status, 503);
  Response list = http.Send("GET", "/v1/service-types?include_inactive=true", manager);
  ASSERT_EQ(list.status, 200) << Describe(list);
  Response me = http.Send("GET", "/v1/me", tokens.at("client"));
  EXPECT_EQ(me.status, 200) << Describe(me);
  auto unchanged =
      SettledSnapshot(dir.Sub("data"), (*system)->broker_endpoint(), milliseconds(30000));
  ASSERT_TRUE(unchanged.ok()) << unchanged.status().ToString();
  EXPECT_EQ(DiffStores(*before, *unchanged), "");

  Response health = http.Send("GET", "/healthz", "");
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(health.body["status"], "degraded") << health.raw_body;
  EXPECT_EQ(health.body["contexts"]["portal"], "store_full") << health.raw_body;
  EXPECT_EQ(health.body["stores"]["portal"]["full"], true);
  EXPECT_EQ(health.body["stores"]["portal"]["ceiling_bytes"], 2 << 20);
  EXPECT_EQ(health.body["contexts"]["tasks"], "ok");
  Response metrics = http.Send("GET", "/metrics", "");
  EXPECT_NE(metrics.raw_body.find("mcf_store_full{context=\"portal\"} 1"), std::string::npos);

  // Raise the ceiling and restart the portal: everything accepted is there, writes work.
  ASSERT_TRUE((*system)->Restart("portal", {"--store-max-mb", "64"}).ok());
  Response after;
  for (int attempt = 0; attempt < 100; ++attempt) {  // until the portal has registered again
    after = http.Send("POST", "/v1/service-types", manager, ServiceType(5000), "after-restart");
    if (after.status == 201) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_EQ(after.status, 201) << Describe(after) << (*system)->Logs();
  list = http.Send("GET", "/v1/service-types?include_inactive=true", manager);
  ASSERT_EQ(list.status, 200);
  std::vector<std::string> listed;
  const Json& items = list.body["service_types"];
  for (const Json& t : items) listed.push_back(t.value("id", ""));
  for (const std::string& id : accepted)
    EXPECT_NE(std::find(listed.begin(), listed.end(), id), listed.end()) << id << " lost";
  health = http.Send("GET", "/healthz", "");
  EXPECT_EQ(health.status, 200) << health.raw_body;
  EXPECT_EQ(health.body["stores"]["portal"]["full"], false);
}

}  // namespace
}  // namespace mcf::testing::gateway
