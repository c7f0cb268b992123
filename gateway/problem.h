// Problem: an `application/problem+json` error body (RFC 7807) and the one table that maps bus
// reply statuses to HTTP statuses.
//
// Every error the gateway answers goes through here, so a status code is decided in one place.
// ProblemOr<T> carries either a value or the Problem to answer with. Plain values; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "lib/base/status.h"

namespace mcf::gateway {

inline constexpr std::string_view kProblemContentType = "application/problem+json";

// HTTP statuses the gateway produces itself, beside those of the bus table.
inline constexpr int kHttpOk = 200;
inline constexpr int kHttpCreated = 201;
inline constexpr int kHttpBadRequest = 400;
inline constexpr int kHttpUnauthorized = 401;
inline constexpr int kHttpForbidden = 403;
inline constexpr int kHttpNotFound = 404;
inline constexpr int kHttpRequestTimeout = 408;
inline constexpr int kHttpPayloadTooLarge = 413;
inline constexpr int kHttpUnsupportedMediaType = 415;
inline constexpr int kHttpTooManyRequests = 429;
inline constexpr int kHttpInternal = 500;
inline constexpr int kHttpUnavailable = 503;

struct Problem {
  int status = kHttpInternal;        // the HTTP status
  std::string type;                  // "urn:mcf:problem:<slug>", see MakeProblem
  std::string title;                 // short, fixed per status ("Bad Request")
  std::string detail;                // what went wrong this time
  std::optional<std::string> field;  // the offending request field ("body.name"), if any
  bool operator==(const Problem&) const = default;
};

// The HTTP status for a bus reply status: ok 200 (201 when `created`), invalid 400,
// not_found 404, conflict 409, forbidden 403, unavailable 503, timeout 504, internal 500.
int HttpStatusFor(Code code, bool created = false);

// A problem for `http_status` with its fixed type and title. Unknown statuses get a generic
// title; callers should stick to the statuses named in this file and the bus table.
Problem MakeProblem(int http_status, std::string detail,
                    std::optional<std::string> field = std::nullopt);

// The problem answering a non-ok bus Status (REQUIRES: !status.ok()).
Problem ProblemFromStatus(const Status& status, std::optional<std::string> field = std::nullopt);

// The problem+json body: {"type","title","status","detail"[,"field"]}.
std::string ProblemJson(const Problem& problem);

// Either a T or the Problem to answer with.
template <typename T>
class ProblemOr {
 public:
  ProblemOr(T value) : value_(std::move(value)) {}            // NOLINT: implicit on purpose
  ProblemOr(Problem problem) : value_(std::move(problem)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(value_); }
  // REQUIRES: ok().
  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  // REQUIRES: !ok().
  const Problem& problem() const { return std::get<Problem>(value_); }

 private:
  std::variant<T, Problem> value_;
};

}  // namespace mcf::gateway
