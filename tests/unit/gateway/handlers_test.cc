#include "gateway/handlers.h"

#include <gtest/gtest.h>

#include "schemas/body.h"
#include "schemas/msgpack.h"

namespace mcf::gateway {
namespace {

// A deployment of the order flow's five contexts.
const std::vector<std::string> kFive = {"portal", "tasks", "matching", "hiring", "supplies"};

schemas::Reply ReplyWith(Code status, std::string message = "", std::string body = "") {
  schemas::Reply r;
  r.status = status;
  r.message = std::move(message);
  if (!body.empty()) r.body = std::move(body);
  return r;
}

TEST(HandlersTest, OkReplyBecomes200WithBodyAsJson) {
  auto body = schemas::BodyWriter().String("id", "o-1").Int("approx_cost", 1200).Finish();
  ForwardResult r = ReplyToHttp(ReplyWith(Code::kOk, "", body));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body["id"], "o-1");
  EXPECT_EQ(r.body["approx_cost"], 1200);
  EXPECT_EQ(ReplyToHttp(ReplyWith(Code::kOk, "", body), /*created=*/true).status, 201);
  EXPECT_EQ(r.ToResponse().content_type, "application/json");
}

TEST(HandlersTest, ErrorRepliesBecomeProblemsWithFieldFromDetails) {
  schemas::Reply reply = ReplyWith(Code::kInvalid, "body.age: expected an integer");
  reply.details = schemas::BodyWriter().String("field", "body.age").Finish();
  ForwardResult r = ReplyToHttp(reply);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["detail"], "body.age: expected an integer");
  EXPECT_EQ(r.body["field"], "body.age");
  EXPECT_EQ(r.ToResponse().content_type, "application/problem+json");
  EXPECT_EQ(ReplyToHttp(ReplyWith(Code::kTimeout)).status, 504);
  EXPECT_EQ(ReplyToHttp(ReplyWith(Code::kUnavailable)).status, 503);
  EXPECT_EQ(ReplyToHttp(ReplyWith(Code::kConflict, "taken")).body["type"],
            "urn:mcf:problem:conflict");
}

TEST(HandlersTest, UndecodableOkBodyIs500) {
  ForwardResult r = ReplyToHttp(ReplyWith(Code::kOk, "", std::string("\x82\xa1", 2)));
  EXPECT_EQ(r.status, 500);
}

// A broker.stats body listing `services` as {name, workers}.
std::string StatsWith(std::vector<std::pair<std::string, int>> services) {
  schemas::MsgpackWriter list;
  list.ArrayHeader(static_cast<uint32_t>(services.size()));
  for (const auto& [name, workers] : services) {
    list.Raw(schemas::BodyWriter().String("name", name).Int("workers", workers).Finish());
  }
  return schemas::BodyWriter().Int("log_head", 7).Raw("services", list.bytes()).Finish();
}

TEST(HandlersTest, HealthzIs200WhenBrokerAndEveryContextAreUp) {
  HttpResponse r = HandleHealthz(kFive, ReplyWith(Code::kOk, "",
                                           StatsWith({{"portal", 1},
                                                      {"tasks", 1},
                                                      {"matching", 2},
                                                      {"hiring", 1},
                                                      {"supplies", 1},
                                                      {"test", 0}})),
                                 {});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  auto j = Json::parse(r.body);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["gateway"], "ok");
  EXPECT_EQ(j["broker"], "ok");
  EXPECT_EQ(j["log_head"], 7);
  for (const std::string& name : kFive) EXPECT_EQ(j["contexts"][name], "ok");
  EXPECT_FALSE(j["contexts"].contains("billing")) << "a deployment of five checks five";
}

TEST(HandlersTest, HealthzOfTheWholePlatformIs503WhileBillingHasNoWorker) {
  const std::vector<std::string> all(kAllContexts.begin(), kAllContexts.end());
  HttpResponse r = HandleHealthz(
      all,
      ReplyWith(Code::kOk, "",
                StatsWith({{"portal", 1}, {"tasks", 1}, {"matching", 1}, {"hiring", 1},
                           {"supplies", 1}, {"quality", 1}, {"betting", 1}})),
      {});
  EXPECT_EQ(r.status, 503);
  auto j = Json::parse(r.body);
  EXPECT_EQ(j["contexts"].size(), 8u);
  EXPECT_EQ(j["contexts"]["billing"], "unavailable");
  EXPECT_EQ(j["contexts"]["betting"], "ok");
}

TEST(HandlersTest, HealthzIs503NamingTheContextWithoutWorkers) {
  HttpResponse r = HandleHealthz(
      kFive, ReplyWith(Code::kOk, "",
                       StatsWith({{"portal", 0}, {"tasks", 1}, {"matching", 1}, {"hiring", 1}})),
      {});
  EXPECT_EQ(r.status, 503);
  auto j = Json::parse(r.body);
  EXPECT_EQ(j["status"], "unavailable");
  EXPECT_EQ(j["broker"], "ok");
  EXPECT_EQ(j["contexts"]["portal"], "unavailable");    // listed without workers
  EXPECT_EQ(j["contexts"]["supplies"], "unavailable");  // not listed
  EXPECT_EQ(j["contexts"]["tasks"], "ok");
}

TEST(HandlersTest, HealthzIs503WhenBrokerDoesNotAnswer) {
  HttpResponse r = HandleHealthz(kFive, ReplyWith(Code::kTimeout, "no reply within 1000 ms"), {});
  EXPECT_EQ(r.status, 503);
  auto j = Json::parse(r.body);
  EXPECT_EQ(j["status"], "unavailable");
  EXPECT_EQ(j["broker"], "timeout");
  EXPECT_EQ(j["gateway"], "ok");
  EXPECT_EQ(j["contexts"]["portal"], "unavailable");
}

std::string StoreWith(int64_t used, int64_t ceiling, bool full) {
  return schemas::BodyWriter()
      .Int("used_bytes", used)
      .Int("map_bytes", ceiling)
      .Int("ceiling_bytes", ceiling)
      .Bool("full", full)
      .Finish();
}

TEST(HandlersTest, HealthzIs503DegradedNamingAFullStoreAndMetricsShowIt) {
  const auto stats = ReplyWith(
      Code::kOk, "",
      StatsWith({{"portal", 1}, {"tasks", 1}, {"matching", 1}, {"hiring", 1}, {"supplies", 1}}));
  StoreStatusReplies stores = {
      {"portal", ReplyWith(Code::kOk, "", StoreWith(950, 1000, true))},
      {"tasks", ReplyWith(Code::kOk, "", StoreWith(10, int64_t{4} << 30, false))},
      {"matching", ReplyWith(Code::kTimeout)}};
  HttpResponse r = HandleHealthz(kFive, stats, stores);
  EXPECT_EQ(r.status, 503);
  auto j = Json::parse(r.body);
  EXPECT_EQ(j["status"], "degraded");
  EXPECT_EQ(j["contexts"]["portal"], "store_full");
  EXPECT_EQ(j["contexts"]["tasks"], "ok");
  EXPECT_EQ(j["stores"]["portal"]["used_bytes"], 950);
  EXPECT_EQ(j["stores"]["portal"]["full"], true);
  EXPECT_EQ(j["stores"]["tasks"]["ceiling_bytes"], int64_t{4} << 30);  // beyond 32 bits
  EXPECT_FALSE(j["stores"].contains("matching"));
  const std::string metrics = RenderStoreMetrics(stores);
  EXPECT_NE(metrics.find("mcf_store_full{context=\"portal\"} 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("mcf_store_used_bytes{context=\"tasks\"} 10\n"), std::string::npos);
  EXPECT_EQ(metrics.find("matching"), std::string::npos);
  // Not full: 200 with the stores listed.
  stores[0].second = ReplyWith(Code::kOk, "", StoreWith(500, 1000, false));
  stores.pop_back();
  EXPECT_EQ(HandleHealthz(kFive, stats, stores).status, 200);
}

TEST(HandlersTest, MeNeedsAKnownBearerToken) {
  InMemoryTokenStore tokens;
  const std::string token(64, 'c');
  tokens.Add(token, {"worker", "w-9"});
  HttpRequest req;
  HttpResponse none = HandleMe(tokens, req);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.content_type, "application/problem+json");
  req.authorization = "Bearer " + std::string(64, 'd');
  EXPECT_EQ(HandleMe(tokens, req).status, 401);
  req.authorization = "Bearer " + token;
  HttpResponse ok = HandleMe(tokens, req);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(Json::parse(ok.body), (Json{{"role", "worker"}, {"id", "w-9"}}));
}

TEST(HandlersTest, NotFoundNamesMethodAndPath) {
  HttpRequest req;
  req.method = "POST";
  req.path = "/v1/nothing";
  HttpResponse r = HandleNotFound(req);
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("POST /v1/nothing"), std::string::npos);
}

}  // namespace
}  // namespace mcf::gateway
