// Routes: the one list of what the gateway serves, shared by the server (which registers
// exactly these) and the OpenAPI document's test (which checks the document lists exactly
// these), plus the embedded docs/openapi.json.
// Constants only; thread-safe.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace mcf::gateway {

struct RouteSpec {
  std::string_view method;  // "GET", "POST", ...
  std::string_view path;    // OpenAPI form: "/v1/orders/{id}"
  bool large_body =
      false;  // photo routes: ServerConfig::large_body_bytes instead of the small limit
  // The last "{name}" segment takes the rest of the path, slashes included (/static/{path}).
  bool rest = false;
  bool operator==(const RouteSpec&) const = default;
};

inline constexpr RouteSpec kHealthz{"GET", "/healthz"};
inline constexpr RouteSpec kMetrics{"GET", "/metrics"};
inline constexpr RouteSpec kOpenApi{"GET", "/v1/openapi.json"};
inline constexpr RouteSpec kMe{"GET", "/v1/me"};
// The web console (issue 15, docs/decisions/026): its page and files (gateway/static_files.h),
// and its cookie sign-in and sign-out (gateway/auth.h kSessionCookie).
inline constexpr RouteSpec kConsolePage{"GET", "/"};
inline constexpr RouteSpec kConsoleFiles{"GET", "/static/{path}", false, true};
inline constexpr RouteSpec kConsoleSignIn{"POST", "/v1/console/session"};
inline constexpr RouteSpec kConsoleSignOut{"DELETE", "/v1/console/session"};

// Live updates, Server-Sent Events (gateway/event_stream.h, docs/decisions/028).
inline constexpr RouteSpec kStream{"GET", "/v1/stream"};
// Business routes (issue 3; docs/openapi.json and /work/shared/SPEC.md section 4).
inline constexpr RouteSpec kSession{"POST", "/v1/session"};
inline constexpr RouteSpec kStaff{"POST", "/v1/staff"};
inline constexpr RouteSpec kWorkers{"POST", "/v1/workers"};
inline constexpr RouteSpec kListServiceTypes{"GET", "/v1/service-types"};
inline constexpr RouteSpec kCreateServiceType{"POST", "/v1/service-types"};
inline constexpr RouteSpec kUpdateServiceType{"PATCH", "/v1/service-types/{id}"};
inline constexpr RouteSpec kCreateOrder{"POST", "/v1/orders"};
inline constexpr RouteSpec kListOrders{"GET", "/v1/orders"};
inline constexpr RouteSpec kGetOrder{"GET", "/v1/orders/{id}"};
inline constexpr RouteSpec kCopyOrder{"POST", "/v1/orders/{id}/copy"};
inline constexpr RouteSpec kListJobs{"GET", "/v1/jobs"};
inline constexpr RouteSpec kCheckIn{"POST", "/v1/jobs/{id}/check-in", true};
inline constexpr RouteSpec kComplete{"POST", "/v1/jobs/{id}/complete", true};
inline constexpr RouteSpec kFail{"POST", "/v1/jobs/{id}/fail"};
inline constexpr RouteSpec kListSupplyOrders{"GET", "/v1/supply-orders"};
inline constexpr RouteSpec kGetSupplyOrder{"GET", "/v1/supply-orders/{id}"};
inline constexpr RouteSpec kIssueSupplyOrder{"POST", "/v1/supply-orders/{id}/issue"};
// Hiring (issue 12).
inline constexpr RouteSpec kSubmitApplication{"POST", "/v1/applications", true};
inline constexpr RouteSpec kApplicationStatus{"GET", "/v1/applications/{id}/status"};
inline constexpr RouteSpec kListApplications{"GET", "/v1/applications"};
inline constexpr RouteSpec kGetApplication{"GET", "/v1/applications/{id}"};
inline constexpr RouteSpec kAssignTests{"POST", "/v1/applications/{id}/tests"};
inline constexpr RouteSpec kRecordResult{"POST", "/v1/applications/{id}/results"};
inline constexpr RouteSpec kProposeDecision{"GET", "/v1/applications/{id}/proposal"};
inline constexpr RouteSpec kDecide{"POST", "/v1/applications/{id}/decision"};
inline constexpr RouteSpec kGetScreeningRules{"GET", "/v1/screening-rules"};
inline constexpr RouteSpec kPublishScreeningRules{"PUT", "/v1/screening-rules"};
inline constexpr RouteSpec kActivateScreeningRules{"POST", "/v1/screening-rules/{version}/activate"};
inline constexpr RouteSpec kDryRunScreeningRules{"POST", "/v1/screening-rules/dry-run"};

// Quality (docs/decisions/023). kRandomReview comes before kSubmitReview: "random" would also
// match {task_id}, and the first match wins (MatchRoute, and httplib's registration order).
inline constexpr RouteSpec kReviewQueue{"GET", "/v1/reviews/queue"};
inline constexpr RouteSpec kRandomReview{"POST", "/v1/reviews/random"};
inline constexpr RouteSpec kSubmitReview{"POST", "/v1/reviews/{task_id}"};
inline constexpr RouteSpec kListReviews{"GET", "/v1/reviews"};

// Betting (docs/decisions/032).
inline constexpr RouteSpec kPlaceBet{"POST", "/v1/bets"};
inline constexpr RouteSpec kMyBets{"GET", "/v1/bets"};
inline constexpr RouteSpec kGetPot{"GET", "/v1/bets/pots/{task_id}"};

// Billing (docs/decisions/029, 030): statements and invoices of their owner; managers' credits.
inline constexpr RouteSpec kStatement{"GET", "/v1/statement"};
inline constexpr RouteSpec kListInvoices{"GET", "/v1/invoices"};
inline constexpr RouteSpec kCreditWorker{"POST", "/v1/workers/{id}/credits"};

inline constexpr std::array<RouteSpec, 48> kRoutes = {
    kHealthz,           kMetrics,           kOpenApi,           kMe,
    kConsolePage,       kConsoleFiles,      kConsoleSignIn,     kConsoleSignOut,    kStream,
    kSession,           kStaff,             kWorkers,           kListServiceTypes,
    kCreateServiceType, kUpdateServiceType, kCreateOrder,       kListOrders,
    kGetOrder,          kCopyOrder,         kListJobs,          kCheckIn,
    kComplete,          kFail,              kListSupplyOrders,  kGetSupplyOrder,    kIssueSupplyOrder,
    kSubmitApplication, kApplicationStatus, kListApplications,  kGetApplication,
    kAssignTests,       kRecordResult,      kProposeDecision,   kDecide,
    kGetScreeningRules, kPublishScreeningRules, kActivateScreeningRules, kDryRunScreeningRules,
    kReviewQueue,       kRandomReview,      kSubmitReview,      kListReviews,
    kPlaceBet,          kMyBets,            kGetPot,            kStatement,
    kListInvoices,      kCreditWorker};

// The metrics label for requests that matched no route.
inline constexpr std::string_view kUnmatchedRoute = "unmatched";

// The route `method path` (a concrete path, "/v1/jobs/t-1/check-in") matches, if any.
const RouteSpec* MatchRoute(std::string_view method, std::string_view path);

// The httplib pattern of an OpenAPI path: each "{name}" becomes "([^/]+)", the last one "(.+)"
// when `rest`.
std::string PathPattern(std::string_view openapi_path, bool rest = false);

// docs/openapi.json as it was at build time (embedded by CMake).
std::string_view OpenApiDocument();

}  // namespace mcf::gateway
