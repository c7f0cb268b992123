// The portal's money rules over real HTTP (decision 031): mcf-broker (sim clock), mcf-portal,
// mcf-tasks and mcf-gateway as real processes (LocalSystem); billing's events published with a
// key registered as the context `billing` (as mcf-billing would publish them). A client's
// discount makes the approximate cost of a new order; while one of their invoices is overdue,
// POST /v1/orders and POST /v1/orders/{id}/copy answer 409 naming it (and nothing is requested),
// and `paid` lifts it: 201 again. A worker's invoice or another client's blocks nobody.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "lib/client/bus_client.h"
#include "lib/client/publisher.h"
#include "lib/process/local_system.h"
#include "lib/security/bus_identity.h"
#include "lib/security/key_directory.h"
#include "schemas/billing.h"
#include "schemas/envelope.h"
#include "schemas/portal.h"
#include "schemas/registry.h"
#include "tests/integration/gateway_harness.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace mcf::testing {
namespace {

using std::chrono::milliseconds;
using gateway::Http;
using gateway::Json;
using gateway::Response;
namespace billing = schemas::billing;
namespace portal = schemas::portal;

class PortalBillingHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!gateway::HavePortal()) GTEST_SKIP() << "no mcf-portal in this build";
    process::SystemOptions options = gateway::PortalSystem(dir_.Sub("system"));
    options.contexts.push_back("tasks");
    auto system = process::LocalSystem::Start(options);
    ASSERT_TRUE(system.ok()) << system.status().ToString();
    system_ = std::move(*system);
    // billing's key, registered as a context: the broker picks the registry change up by itself.
    const std::string keys = system_->keys_dir();
    ASSERT_TRUE(security::EnsureKeys(keys, {{"billing", security::PeerRole::kContext}}).ok());
    auto curve = security::LoadClientCurve(security::KeyFileOf(keys, "billing"));
    ASSERT_TRUE(curve.ok() && curve->has_value()) << curve.status().ToString();
    billing_ = std::make_unique<client::Publisher>(context_, system_->broker_endpoint(), "billing",
                                                   1, &**curve);
    http_ = std::make_unique<Http>(system_->gateway_port());
  }
  void TearDown() override {
    billing_.reset();
    if (system_) system_->Stop();
  }

  // Signs `employee` in; their client id and token.
  std::pair<std::string, std::string> SignIn(const std::string& employee) {
    Response r = http_->Send("POST", "/v1/session", "", Json{{"employee_id", employee}, {"name", "Murka"}});
    EXPECT_EQ(r.status, 201) << gateway::Describe(r);
    return {r.body.value("client_id", ""), r.body.value("token", "")};
  }

  // Publishes `event` as billing (the registry reload may take a moment: bounded retries).
  template <typename E>
  void AsBilling(const E& event) {
    schemas::Envelope e;
    e.id = "billing:" + std::to_string(++published_);
    e.type = std::string(E::kInfo.type);
    if (const auto* t = schemas::FindMessageType(e.type)) e.version = t->version;
    e.producer = "billing";
    e.time_ms = 1'767'600'000'000;
    e.body = schemas::Encode(event);
    billing_->Publish(e.type, schemas::Encode(e));
    ASSERT_TRUE(billing_->Flush(milliseconds(10000)).ok()) << system_->Logs();
  }

  // portal.check_standing as the client until `done(reply)` holds (the portal consumes billing's
  // events asynchronously); the last reply.
  template <typename Done>
  schemas::Reply StandingUntil(const std::string& client_id, Done done) {
    client::BusClient bus(context_, system_->broker_endpoint(), "portal-billing-it");
    schemas::Reply reply;
    const auto end = std::chrono::steady_clock::now() + milliseconds(10000);
    do {
      schemas::Envelope command =
          bus.MakeCommand(portal::kCheckStanding, schemas::Encode(portal::CheckStanding{}));
      command.principal = schemas::Principal{"client", client_id};
      reply = bus.Call(command, milliseconds(2000));
      if (done(reply)) break;
      std::this_thread::sleep_for(milliseconds(20));  // pacing a retry loop, not correctness
    } while (std::chrono::steady_clock::now() < end);
    return reply;
  }

  Response Order(const std::string& token) {
    return http_->Send("POST", "/v1/orders", token,
                       Json{{"service_type_id", "chores"},
                            {"description", "toss the jars"},
                            {"desired_at", gateway::kDesiredAt}});
  }

  TempDir dir_;
  zmq::context_t context_{1};
  std::unique_ptr<process::LocalSystem> system_;
  std::unique_ptr<client::Publisher> billing_;
  std::unique_ptr<Http> http_;
  uint64_t published_ = 0;
};

TEST_F(PortalBillingHttpTest, DiscountAppliesAndAnOverdueInvoiceBlocksRequestsUntilPaid) {
  const auto [client_id, token] = SignIn("hcb-17");
  const auto [other_id, other_token] = SignIn("hcb-18");
  Response before = Order(token);
  ASSERT_EQ(before.status, 201) << gateway::Describe(before);
  EXPECT_EQ(before.body.value("approx_cost", -1), 10'000);

  AsBilling(billing::DiscountChanged{client_id, 5, 1'000'000});
  auto standing = StandingUntil(client_id, [](const schemas::Reply& r) {
    auto s = schemas::Decode<portal::Standing>(r.body);
    return r.status == Code::kOk && s.ok() && s->discount_percent == 5;
  });
  ASSERT_EQ(standing.status, Code::kOk) << standing.message << system_->Logs();
  Response discounted = Order(token);
  ASSERT_EQ(discounted.status, 201) << gateway::Describe(discounted);
  EXPECT_EQ(discounted.body.value("approx_cost", -1), 9'500);  // 10000 - 5 %

  // A worker's overdue-looking invoice and another client's change nothing for this client.
  AsBilling(billing::InvoiceStatusChanged{"inv-w", billing::InvoiceKind::kWorker, client_id,
                                          billing::InvoiceStatus::kOverdue, 100, "2026-01"});
  AsBilling(billing::InvoiceStatusChanged{"inv-9", billing::InvoiceKind::kClient, other_id,
                                          billing::InvoiceStatus::kOverdue, 100, "2026-W02"});
  AsBilling(billing::InvoiceStatusChanged{"inv-1", billing::InvoiceKind::kClient, client_id,
                                          billing::InvoiceStatus::kOverdue, 9'500, "2026-W02"});
  standing = StandingUntil(client_id,
                           [](const schemas::Reply& r) { return r.status == Code::kConflict; });
  ASSERT_EQ(standing.status, Code::kConflict) << standing.message << system_->Logs();

  Response blocked = Order(token);
  EXPECT_EQ(blocked.status, 409) << gateway::Describe(blocked);
  EXPECT_EQ(blocked.content_type.rfind("application/problem+json", 0), 0u) << blocked.content_type;
  const std::string detail = blocked.body.value("detail", "");
  EXPECT_NE(detail.find("\"inv-1\""), std::string::npos) << detail;
  EXPECT_NE(detail.find("pay it"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("inv-w"), std::string::npos) << detail;
  Response copy =
      http_->Send("POST", "/v1/orders/" + before.body.value("id", "") + "/copy", token,
                  Json{{"desired_at", gateway::kDesiredAt}});
  EXPECT_EQ(copy.status, 409) << gateway::Describe(copy);
  EXPECT_NE(copy.body.value("detail", "").find("\"inv-1\""), std::string::npos)
      << gateway::Describe(copy);
  Response list = http_->Send("GET", "/v1/orders", token);
  ASSERT_EQ(list.status, 200) << gateway::Describe(list);
  EXPECT_EQ(list.body["orders"].size(), 2u);  // the refused request made no order

  AsBilling(billing::InvoiceStatusChanged{"inv-1", billing::InvoiceKind::kClient, client_id,
                                          billing::InvoiceStatus::kPaid, 9'500, "2026-W02"});
  standing = StandingUntil(client_id, [](const schemas::Reply& r) { return r.status == Code::kOk; });
  ASSERT_EQ(standing.status, Code::kOk) << standing.message << system_->Logs();
  Response after = Order(token);
  EXPECT_EQ(after.status, 201) << gateway::Describe(after);
  EXPECT_EQ(after.body.value("approx_cost", -1), 9'500);
  // The copy now reaches tasks, which refuses it for its own reason (not a no-show): not 409 of ours.
  copy = http_->Send("POST", "/v1/orders/" + before.body.value("id", "") + "/copy", token,
                     Json{{"desired_at", gateway::kDesiredAt}});
  EXPECT_EQ(copy.body.value("detail", "").find("inv-1"), std::string::npos)
      << gateway::Describe(copy);
  // The other client stays blocked by their own invoice.
  Response theirs = Order(other_token);
  EXPECT_EQ(theirs.status, 409) << gateway::Describe(theirs);
  EXPECT_NE(theirs.body.value("detail", "").find("\"inv-9\""), std::string::npos);
}

}  // namespace
}  // namespace mcf::testing
