#include "gateway/problem.h"

#include <array>
#include <nlohmann/json.hpp>

namespace mcf::gateway {
namespace {

struct BusMapping {
  Code code;
  int http_status;
};

// The single bus status -> HTTP status table (kOk is special-cased for 201 in HttpStatusFor).
constexpr std::array<BusMapping, 8> kBusTable = {{
    {Code::kOk, 200},
    {Code::kInvalid, 400},
    {Code::kNotFound, 404},
    {Code::kConflict, 409},
    {Code::kForbidden, 403},
    {Code::kUnavailable, 503},
    {Code::kTimeout, 504},
    {Code::kInternal, 500},
}};

struct HttpInfo {
  int status;
  std::string_view slug;
  std::string_view title;
};

constexpr std::array<HttpInfo, 13> kHttpTable = {{
    {400, "invalid", "Bad Request"},
    {401, "unauthorized", "Unauthorized"},
    {403, "forbidden", "Forbidden"},
    {404, "not_found", "Not Found"},
    {405, "method_not_allowed", "Method Not Allowed"},
    {409, "conflict", "Conflict"},
    {413, "payload_too_large", "Payload Too Large"},
    {415, "unsupported_media_type", "Unsupported Media Type"},
    {429, "rate_limited", "Too Many Requests"},
    {500, "internal", "Internal Server Error"},
    {503, "unavailable", "Service Unavailable"},
    {504, "timeout", "Gateway Timeout"},
    {408, "request_timeout", "Request Timeout"},
}};

}  // namespace

int HttpStatusFor(Code code, bool created) {
  if (code == Code::kOk) return created ? kHttpCreated : kHttpOk;
  for (const auto& m : kBusTable) {
    if (m.code == code) return m.http_status;
  }
  return kHttpInternal;
}

Problem MakeProblem(int http_status, std::string detail, std::optional<std::string> field) {
  Problem p;
  p.status = http_status;
  p.detail = std::move(detail);
  p.field = std::move(field);
  p.type = "urn:mcf:problem:error";
  p.title = http_status >= 500 ? "Server Error" : "Client Error";
  for (const auto& info : kHttpTable) {
    if (info.status == http_status) {
      p.type = "urn:mcf:problem:" + std::string(info.slug);
      p.title = std::string(info.title);
      break;
    }
  }
  return p;
}

Problem ProblemFromStatus(const Status& status, std::optional<std::string> field) {
  return MakeProblem(HttpStatusFor(status.code()), status.message(), std::move(field));
}

std::string ProblemJson(const Problem& problem) {
  nlohmann::ordered_json j;
  j["type"] = problem.type;
  j["title"] = problem.title;
  j["status"] = problem.status;
  j["detail"] = problem.detail;
  if (problem.field) j["field"] = *problem.field;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mcf::gateway
