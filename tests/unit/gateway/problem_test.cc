#include "gateway/problem.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace mcf::gateway {
namespace {

TEST(ProblemTest, MapsEveryBusStatusToItsHttpStatus) {
  EXPECT_EQ(HttpStatusFor(Code::kOk), 200);
  EXPECT_EQ(HttpStatusFor(Code::kOk, /*created=*/true), 201);
  EXPECT_EQ(HttpStatusFor(Code::kInvalid), 400);
  EXPECT_EQ(HttpStatusFor(Code::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(Code::kConflict), 409);
  EXPECT_EQ(HttpStatusFor(Code::kForbidden), 403);
  EXPECT_EQ(HttpStatusFor(Code::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(Code::kTimeout), 504);
  EXPECT_EQ(HttpStatusFor(Code::kInternal), 500);
}

TEST(ProblemTest, GatewayOwnStatusesHaveTypesAndTitles) {
  EXPECT_EQ(MakeProblem(401, "x").type, "urn:mcf:problem:unauthorized");
  EXPECT_EQ(MakeProblem(413, "x").title, "Payload Too Large");
  EXPECT_EQ(MakeProblem(429, "x").type, "urn:mcf:problem:rate_limited");
  EXPECT_EQ(MakeProblem(504, "x").title, "Gateway Timeout");
}

TEST(ProblemTest, FromStatusKeepsMessageAsDetail) {
  Problem p = ProblemFromStatus(Status::Conflict("order already taken"));
  EXPECT_EQ(p.status, 409);
  EXPECT_EQ(p.detail, "order already taken");
  EXPECT_EQ(p.type, "urn:mcf:problem:conflict");
}

TEST(ProblemTest, JsonHasRfc7807MembersAndFieldOnlyWhenSet) {
  auto j = nlohmann::json::parse(ProblemJson(MakeProblem(400, "body.name: required", "body.name")));
  EXPECT_EQ(j["type"], "urn:mcf:problem:invalid");
  EXPECT_EQ(j["title"], "Bad Request");
  EXPECT_EQ(j["status"], 400);
  EXPECT_EQ(j["detail"], "body.name: required");
  EXPECT_EQ(j["field"], "body.name");
  auto k = nlohmann::json::parse(ProblemJson(MakeProblem(404, "no such route")));
  EXPECT_FALSE(k.contains("field"));
}

TEST(ProblemTest, JsonSurvivesInvalidUtf8InDetail) {
  auto text = ProblemJson(MakeProblem(400, std::string("bad \xff byte")));
  EXPECT_NO_THROW(nlohmann::json::parse(text));
}

}  // namespace
}  // namespace mcf::gateway
