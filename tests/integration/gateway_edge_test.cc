// Hostile input at the edge, as a table, against a real system (lib/process LocalSystem: broker on
// the simulated clock at 2026-01-05T08:00:00Z, portal, tasks, matching, hiring, supplies,
// gateway), sent byte for byte over 127.0.0.1 (RawExchange). Each row: the request, the status it
// must get and the field the problem must name; and after each row nothing has been written: the
// broker's log head, the orders, the service types and the supplies board are as before, and so
// is every LMDB database of every store and of the log, byte for byte (store_snapshot.h).
//
// In the table, "${client}" (any role) stands for that role's token, and "${client:%}" for the
// same token with its first character percent-encoded (the same token once decoded).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/gateway_harness.h"
#include "tests/support/process.h"
#include "tests/support/store_snapshot.h"
#include "tests/support/temp_dir.h"

namespace mcf::testing::gateway {
namespace {

struct EdgeCase {
  std::string what;
  std::string raw;  // when set: the whole request, sent as is instead of the fields below
  std::string method = "POST";
  std::string path = "/v1/orders";
  std::string as = "client";  // the role whose "Authorization: Bearer" is sent; "" = none
  std::string body;           // sent as is, with Content-Length
  std::string headers;        // extra header lines ("Name: value\r\n"); a Content-Type here
                              // replaces the default application/json
  int status = 400;
  std::string field;  // the problem's field; "" = must name none
  // The context that refuses it itself ("" = the gateway does): its answer is a recorded
  // error reply (docs/decisions/003-error-replies-are-recorded.md), the one write allowed.
  std::string recorded_by;
};

std::string Order(const std::string& desired_at, const std::string& extra = "") {
  return R"({"service_type_id":"chores","description":"toss the jars","desired_at":")" +
         desired_at + "\"" + extra + "}";
}

std::string Profile(const std::string& extra) {
  return R"({"name":"Tom","age":4,"breed":"Siberian","coat_colour":"grey",)"
         R"("strengths":["poking"],"weaknesses":["baths"])" +
         extra + "}";
}

const std::string kPad = std::string(64u << 10, 'x');  // one 64 KiB string

std::vector<EdgeCase> Table() {
  const std::string copy = "/v1/orders/order-x/copy";
  const std::string types = "/v1/service-types";
  const std::string chunk16k = "4000\r\n" + std::string(0x4000, ' ') + "\r\n";
  return {
      // --- 1. RFC 3339 date-times on the calendar, in 2000..9999 -------------------------------
      {.what = "Feb 29 in a common year",
       .body = Order("2027-02-29T10:00:00Z"),
       .field = "body.desired_at"},
      {.what = "Feb 30", .body = Order("2026-02-30T10:00:00Z"), .field = "body.desired_at"},
      {.what = "April 31", .body = Order("2026-04-31T10:00:00Z"), .field = "body.desired_at"},
      {.what = "a leap second", .body = Order("2026-12-31T23:59:60Z"), .field = "body.desired_at"},
      {.what = "hour 24", .body = Order("2026-01-06T24:00:00Z"), .field = "body.desired_at"},
      {.what = "no seconds", .body = Order("2026-01-06T10:00Z"), .field = "body.desired_at"},
      {.what = "no offset", .body = Order("2026-01-06T10:00:00"), .field = "body.desired_at"},
      {.what = "not a date-time", .body = Order("next tuesday"), .field = "body.desired_at"},
      {.what = "ends_at in year 10000",
       .body = Order("9999-12-31T23:59:59Z"),
       .field = "body.desired_at"},
      {.what = "before 2000", .body = Order("1999-12-31T23:59:59Z"), .field = "body.desired_at"},
      {.what = "in the past (the portal's starts_at)",
       .body = Order("2026-01-01T10:00:00Z"),
       .field = "body.desired_at",
       .recorded_by = "portal"},
      {.what = "copy: Feb 29 in a common year",
       .path = copy,
       .body = R"({"desired_at":"2027-02-29T10:00:00Z"})",
       .field = "body.desired_at"},
      {.what = "copy: in the past (tasks' starts_at)",
       .path = copy,
       .body = R"({"desired_at":"2026-01-01T10:00:00Z"})",
       .field = "body.desired_at",
       .recorded_by = "tasks"},
      // --- 2. duplicate keys
      // ----------------------------------------------------------------------
      {.what = "duplicate top-level key",
       .path = types,
       .as = "manager",
       .body = R"({"name":"Naps","name":"Zz","description":"zz"})",
       .field = "body.name"},
      {.what = "duplicate desired_at",
       .body = Order("2026-01-06T10:00:00Z", R"(,"desired_at":"2026-01-07T10:00:00Z")"),
       .field = "body.desired_at"},
      {.what = "duplicate nested key",
       .path = "/v1/workers",
       .as = "admin",
       .body = Profile(R"(,"extra":{"a":1,"a":2})"),
       .field = "body.extra.a"},
      // --- 3. media type
      // ---------------------------------------------------------------------------
      {.what = "no Content-Type",
       .body = Order("2026-01-06T10:00:00Z"),
       .headers = "Content-Type:\r\n",
       .status = 415,
       .field = "header.Content-Type"},
      {.what = "text/plain",
       .body = Order("2026-01-06T10:00:00Z"),
       .headers = "Content-Type: text/plain\r\n",
       .status = 415,
       .field = "header.Content-Type"},
      {.what = "a form",
       .path = "/v1/session",
       .as = "",
       .body = "employee_id=E-9&name=Nine",
       .headers = "Content-Type: application/x-www-form-urlencoded\r\n",
       .status = 415,
       .field = "header.Content-Type"},
      {.what = "charset latin1",
       .body = Order("2026-01-06T10:00:00Z"),
       .headers = "Content-Type: application/json; charset=latin1\r\n",
       .status = 415,
       .field = "header.Content-Type"},
      {.what = "gzip content coding",
       .body = Order("2026-01-06T10:00:00Z"),
       .headers = "Content-Encoding: gzip\r\n",
       .status = 415,
       .field = "header.Content-Encoding"},
      // --- 4. control characters
      // -------------------------------------------------------------------
      {.what = "NUL in a name",
       .path = types,
       .as = "manager",
       .body = R"({"name":"Na\u0000ps","description":"zz"})",
       .field = "body.name"},
      {.what = "newline in a name",
       .path = types,
       .as = "manager",
       .body = R"({"name":"Na\nps","description":"zz"})",
       .field = "body.name"},
      {.what = "BEL in a description",
       .path = types,
       .as = "manager",
       .body = R"({"name":"Naps","description":"ring \u0007"})",
       .field = "body.description"},
      {.what = "DEL in an order description",
       .body =
           R"({"service_type_id":"chores","description":"x\u007f","desired_at":"2026-01-06T10:00:00Z"})",
       .field = "body.description"},
      {.what = "ESC in an employee id",
       .path = "/v1/session",
       .as = "",
       .body = R"({"employee_id":"E\u001b[2J","name":"Nine"})",
       .field = "body.employee_id"},
      {.what = "C1 NEL in a strength",
       .path = "/v1/workers",
       .as = "admin",
       .body =
           R"({"name":"Tom","age":4,"breed":"S","coat_colour":"g","strengths":["\u0085"],"weaknesses":[]})",
       .field = "body.strengths[0]"},
      {.what = "NUL in a fail reason",
       .path = "/v1/jobs/task-x/fail",
       .as = "worker",
       .body = R"({"reason":"rain\u0000"})",
       .field = "body.reason"},
      {.what = "%00 in a path id",
       .method = "GET",
       .path = "/v1/orders/order%00x",
       .field = "path.id"},
      {.what = "a control byte in Idempotency-Key",
       .body = Order("2026-01-06T10:00:00Z"),
       .headers = "Idempotency-Key: k\x01y\r\n",
       .field = "header.Idempotency-Key"},
      // --- 5. null for a non-nullable field ------------------------------------------------------
      {.what = "PATCH name null",
       .method = "PATCH",
       .path = "/v1/service-types/chores",
       .as = "manager",
       .body = R"({"name":null})",
       .field = "body.name"},
      {.what = "PATCH active null",
       .method = "PATCH",
       .path = "/v1/service-types/chores",
       .as = "manager",
       .body = R"({"active":null})",
       .field = "body.active"},
      {.what = "duration_minutes null",
       .body = Order("2026-01-06T10:00:00Z", R"(,"duration_minutes":null)"),
       .field = "body.duration_minutes"},
      {.what = "desired_at null",
       .body = R"({"service_type_id":"chores","description":"x","desired_at":null})",
       .field = "body.desired_at"},
      {.what = "employee_id null",
       .path = "/v1/session",
       .as = "",
       .body = R"({"employee_id":null,"name":"Nine"})",
       .field = "body.employee_id"},
      // --- 6. the Authorization header as sent
      // -------------------------------------------------------
      {.what = "token then %00junk",
       .method = "GET",
       .as = "",
       .headers = "Authorization: Bearer ${client}%00junk\r\n",
       .status = 401},
      {.what = "token then a NUL byte",
       .method = "GET",
       .as = "",
       .headers = std::string("Authorization: Bearer ${client}\0junk\r\n", 38),
       .status = 401},
      {.what = "token percent-encoded",
       .method = "GET",
       .as = "",
       .headers = "Authorization: Bearer ${client:%}\r\n",
       .status = 401},
      {.what = "two Authorization headers",
       .method = "GET",
       .as = "",
       .headers = "Authorization: Bearer ${client}\r\nAuthorization: Bearer ${client}\r\n",
       .status = 401},
      {.what = "a 63-character token",
       .method = "GET",
       .as = "",
       .headers = "Authorization: Bearer "
                  "123456789012345678901234567890123456789012345678901234567890123\r\n",
       .status = 401},
      {.what = "Basic credentials",
       .method = "GET",
       .as = "",
       .headers = "Authorization: Basic dXNlcjpwYXNz\r\n",
       .status = 401},
      {.what = "no token", .method = "GET", .as = "", .status = 401},
      {.what = "an unknown token",
       .method = "GET",
       .as = "",
       .headers = "Authorization: Bearer " + std::string(64, 'f') + "\r\n",
       .status = 401},
      {.what = "the wrong role",
       .as = "manager",
       .body = Order("2026-01-06T10:00:00Z"),
       .status = 403},
      // --- 9. sizes and framing, before the body is read
      // ---------------------------------------------
      {.what = "Content-Length over 64 KiB, no body sent",
       .raw = "POST /v1/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${client}\r\n"
              "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
       .status = 413},
      {.what = "chunked over 64 KiB, never finished",
       .raw = "POST /v1/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${client}\r\n"
              "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
              chunk16k + chunk16k + chunk16k + chunk16k + chunk16k,
       .status = 413},
      {.what = "a 64 KiB + 1 body",
       .path = types,
       .as = "manager",
       .body = R"({"pad":")" + std::string((64u << 10) + 1 - 10, 'x') + "\"}",
       .status = 413},
      {.what = "a photo over 5 MiB decoded",
       .path = "/v1/jobs/task-x/complete",
       .as = "worker",
       .body = R"({"photo":")" + std::string(((5u << 20) + 3) / 3 * 4, 'A') + "\"}",
       .status = 413,
       .field = "body.photo"},
      {.what = "Content-Length and chunked",
       .body = Order("2026-01-06T10:00:00Z"),
       .headers = "Transfer-Encoding: chunked\r\n",
       .field = "header.Content-Length"},
      {.what = "a GET with a body", .method = "GET", .body = "{}", .field = "body"},
      // --- what gateway_routes_test checks route by route
      // -------------------------------------------
      {.what = "malformed JSON", .body = R"({"name": )", .field = "body"},
      {.what = "an array body", .body = "[1, 2]", .field = "body"},
      {.what = "a missing field",
       .body = R"({"service_type_id":"chores","description":"x"})",
       .field = "body.desired_at"},
      {.what = "an empty POST without Content-Length",
       .raw = "POST /v1/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${client}\r\n\r\n",
       .field = "body.service_type_id"},
      {.what = "a 4001-byte description",
       .body = R"({"service_type_id":"chores","description":")" + std::string(4001, 'd') +
               R"(","desired_at":"2026-01-06T10:00:00Z"})",
       .field = "body.description"},
      {.what = "a number as a name",
       .path = types,
       .as = "manager",
       .body = R"({"name":12345,"description":"zz"})",
       .field = "body.name"},
      {.what = "a 64 KiB description",
       .path = types,
       .as = "manager",
       .body = R"({"name":"n","description":")" + kPad.substr(0, (64u << 10) - 60) + "\"}",
       .field = "body.description"},
      {.what = "limit=0", .method = "GET", .path = "/v1/orders?limit=0", .field = "query.limit"},
      {.what = "limit=101",
       .method = "GET",
       .path = "/v1/orders?limit=101",
       .field = "query.limit"},
      {.what = "include_inactive=maybe",
       .method = "GET",
       .path = "/v1/service-types?include_inactive=maybe",
       .field = "query.include_inactive"},
      {.what = "a 129-byte order id",
       .method = "GET",
       .path = "/v1/orders/" + std::string(129, 'o'),
       .field = "path.id"},
      {.what = "a 101-byte Idempotency-Key",
       .body = Order("2026-01-06T10:00:00Z"),
       .headers = "Idempotency-Key: " + std::string(101, 'k') + "\r\n",
       .field = "header.Idempotency-Key"},
      {.what = "a photo that is not base64",
       .path = "/v1/jobs/task-x/check-in",
       .as = "worker",
       .body = R"({"photo":"not base64!"})",
       .field = "body.photo"},
      {.what = "no such route", .method = "GET", .path = "/v1/nothing", .status = 404},
      {.what = "an unknown method", .raw = "BREW /v1/orders HTTP/1.1\r\nHost: x\r\n\r\n"},
  };
}

// `text` with each "${role}" as that role's token, "${role:%}" with its first character encoded.
std::string Fill(std::string text, const std::map<std::string, std::string>& tokens) {
  for (const auto& [role, token] : tokens) {
    char encoded[8];
    std::snprintf(encoded, sizeof encoded, "%%%02X", static_cast<unsigned char>(token[0]));
    for (const auto& [pattern, value] : {std::pair{"${" + role + ":%}", encoded + token.substr(1)},
                                         std::pair{"${" + role + "}", token}}) {
      for (size_t pos; (pos = text.find(pattern)) != std::string::npos;) {
        text.replace(pos, pattern.size(), value);
      }
    }
  }
  return text;
}

std::string RequestOf(const EdgeCase& c, const std::map<std::string, std::string>& tokens) {
  if (!c.raw.empty()) return Fill(c.raw, tokens);
  std::string r = c.method + " " + c.path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!c.as.empty()) r += "Authorization: Bearer " + tokens.at(c.as) + "\r\n";
  r += Fill(c.headers, tokens);
  if (!c.body.empty()) {
    if (c.headers.find("Content-Type:") == std::string::npos) {
      r += "Content-Type: application/json\r\n";
    }
    r += "Content-Length: " + std::to_string(c.body.size()) + "\r\n";
  }
  return r + "Connection: close\r\n\r\n" + c.body;
}

class GatewayEdgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HavePortal()) GTEST_SKIP() << "mcf-portal is not in " << BinDir();
    auto system = process::LocalSystem::Start(FullSystem(dir_.Sub("system")));
    ASSERT_TRUE(system.ok()) << system.status().ToString();
    system_ = std::move(system).value();
    http_ = std::make_unique<Http>(system_->gateway_port());
    tokens_ = SignInEveryone(*http_, system_->admin_token());
    ASSERT_FALSE(HasFailure());
  }
  void TearDown() override {
    if (HasFailure() && system_) ADD_FAILURE() << system_->Logs();
  }

  TempDir dir_;
  std::unique_ptr<process::LocalSystem> system_;
  std::unique_ptr<Http> http_;
  std::map<std::string, std::string> tokens_;
};

TEST_F(GatewayEdgeTest, EveryHostileInputIsRefusedNamingTheFieldAndWritesNothing) {
  // Settled first: nothing of the set-up (hiring's worker_hired) may land during the table.
  auto stores = SettledSnapshot(dir_.Sub("system"), system_->broker_endpoint(),
                                std::chrono::milliseconds(30000));
  ASSERT_TRUE(stores.ok()) << stores.status().ToString();
  const Written before = Snapshot(*http_, tokens_);
  ASSERT_GE(before.log_head, 1);
  for (const EdgeCase& c : Table()) {
    const Response r = RawExchange(system_->gateway_port(), RequestOf(c, tokens_));
    const std::string field = r.body.is_object() ? r.body.value("field", "") : "";
    std::printf("[ edge     ] %-44s -> %d %s\n", c.what.c_str(), r.status, field.c_str());
    EXPECT_EQ(r.status, c.status) << c.what << ": " << Describe(r);
    EXPECT_EQ(field, c.field) << c.what << ": " << Describe(r);
    EXPECT_EQ(r.content_type, "application/problem+json") << c.what << ": " << Describe(r);
    const Written after = Snapshot(*http_, tokens_);
    EXPECT_EQ(after, before) << c.what << " wrote something: " << Describe(after) << " vs "
                             << Describe(before);
    auto stores_after = SettledSnapshot(dir_.Sub("system"), system_->broker_endpoint(),
                                        std::chrono::milliseconds(30000));
    ASSERT_TRUE(stores_after.ok()) << stores_after.status().ToString();
    std::vector<AllowedChange> allowed;
    if (!c.recorded_by.empty()) {
      const std::string why = c.recorded_by + " refused it: a recorded error reply";
      allowed = {{"_inbox", c.recorded_by, why}, {"_inbox_by_time", c.recorded_by, why}};
      EXPECT_NE(DiffStores(*stores, *stores_after), "") << c.what << ": no recorded reply";
    }
    EXPECT_EQ(DiffStores(*stores, *stores_after, allowed), "") << c.what << " wrote something";
    stores = std::move(stores_after);
  }
  // The same system still takes a good order (the table did not break it).
  auto good = http_->Send("POST", "/v1/orders", tokens_["client"],
                          Order("2028-02-29T10:00:00+01:00"), "", {});
  EXPECT_EQ(good.status, 201) << Describe(good);
  EXPECT_EQ(good.body.value("starts_at", ""), "2028-02-29T09:00:00Z");
}

}  // namespace
}  // namespace mcf::testing::gateway
