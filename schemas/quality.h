// The quality family, each message declared once (schemas/declare.h; encoding, decoding and the
// reference come from here): the managers' commands over quality's read model of finished jobs
// and its review queue. Quality only reads: it declares no events, and nothing it does is
// consumed by another context. Times are ms since the Unix epoch (bus time).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "lib/base/status.h"
#include "schemas/codec.h"
#include "schemas/declare.h"
#include "schemas/tasks.h"

namespace mcf::schemas::quality {

using schemas::Decode;
using schemas::Encode;
using tasks::Outcome;

// Limits of the review form (bytes of UTF-8, which bounds the characters too).
inline constexpr size_t kMaxFindings = 4000;
inline constexpr size_t kMaxNote = 2000;
inline constexpr size_t kMaxHypotheses = 20;
inline constexpr size_t kMaxHypothesis = 500;
inline constexpr int64_t kMaxPage = 100;
// quality.list_reviews examines at most this many stored reviews per call, so a filter that
// matches little cannot make one request walk the whole store; the page then ends early with
// next_after set (fewer than `limit` reviews, more may follow).
inline constexpr size_t kMaxReviewScan = 1000;

// none (open, or completed and not picked) -> queued (failed/canceled, automatically) or
// under_review (picked) -> reviewed.
enum class ReviewState { kNone, kQueued, kUnderReview, kReviewed };
inline constexpr std::array<EnumName<ReviewState>, 4> kReviewStateNames = {
    {{ReviewState::kNone, "none"},
     {ReviewState::kQueued, "queued"},
     {ReviewState::kUnderReview, "under_review"},
     {ReviewState::kReviewed, "reviewed"}}};
constexpr std::span<const EnumName<ReviewState>> EnumNames(ReviewState) {
  return kReviewStateNames;
}

// One event of a job's life as quality saw it.
struct TimelineEntry {
  std::string event;  // the event type, e.g. "tasks.checked_in"
  int64_t at_ms = 0;
  bool operator==(const TimelineEntry&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("event", &TimelineEntry::event),
                      Field("at", &TimelineEntry::at_ms).Doc("the event's bus time")};
  }
};

// A photo of the job, by reference: the bytes stay in the tasks context (its `photos` store,
// under task id + "/" + kind), which shows them; quality only knows that one was taken, and when.
struct PhotoRef {
  std::string kind;  // "check_in" or "report"
  int64_t at_ms = 0;
  bool operator==(const PhotoRef&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("kind", &PhotoRef::kind).Doc("check_in | report"),
                      Field("at", &PhotoRef::at_ms).Doc("when the tasks context took it")};
  }
};

inline constexpr std::string_view kCheckInPhoto = "check_in";
inline constexpr std::string_view kReportPhoto = "report";

// Quality's read model of one job: the reply of quality.get_job and quality.pick_random, an
// item of quality.list_queue, and the quality store's record.
struct Job {
  std::string task_id;
  std::string client_id;
  std::string worker_id;
  std::string service_type_id;
  std::string description = {};
  std::string copied_from = {};
  int64_t price_minor = 0;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  int64_t checked_in_at_ms = 0;
  std::optional<Outcome> outcome;
  std::string reason;
  int64_t finished_at_ms = 0;
  std::vector<TimelineEntry> timeline;
  std::vector<PhotoRef> photos = {};
  ReviewState review_state = ReviewState::kNone;
  int64_t queued_at_ms = 0;
  std::string reviewer_id;
  int64_t reviewed_at_ms = 0;
  bool operator==(const Job&) const = default;
  static constexpr auto Fields() {
    using T = Job;
    return std::tuple{
        Field("task_id", &T::task_id),
        Field("client_id", &T::client_id),
        Field("worker_id", &T::worker_id).Doc("\"\" until assigned"),
        Field("service_type_id", &T::service_type_id),
        Field("description", &T::description).Optional(),
        Field("copied_from", &T::copied_from)
            .Optional()
            .Doc("the no-show task this job copies; \"\" for an original"),
        Field("price_minor", &T::price_minor).Optional().Doc("fixed at assignment"),
        Field("starts_at", &T::starts_at_ms),
        Field("ends_at", &T::ends_at_ms),
        Field("checked_in_at", &T::checked_in_at_ms).Doc("0 = never checked in"),
        Field("outcome", &T::outcome).Doc("absent until the task is finalized"),
        Field("reason", &T::reason).Doc("why it failed or was canceled"),
        Field("finished_at", &T::finished_at_ms).Doc("bus time of finalization"),
        Field("timeline", &T::timeline).Doc("oldest first"),
        Field("photos", &T::photos)
            .Optional()
            .Doc("check-in and report photos, shown by the tasks context"),
        Field("review_state", &T::review_state),
        Field("queued_at", &T::queued_at_ms).Doc("when it entered the review queue (0 = never)"),
        Field("reviewer_id", &T::reviewer_id).Doc("the manager who picked or reviewed it"),
        Field("reviewed_at", &T::reviewed_at_ms).Doc("0 until reviewed")};
  }
};

struct JobPage {
  std::vector<Job> jobs;
  std::optional<std::string> next_after;
  bool operator==(const JobPage&) const = default;
  static constexpr auto Fields() {
    return std::tuple{
        Field("jobs", &JobPage::jobs).Doc("newest first"),
        Field("next_after", &JobPage::next_after).Doc("pass as `after` for the next page")};
  }
};

// One stored review: the reply of quality.submit_review, an item of quality.list_reviews.
struct Review {
  std::string task_id;
  std::string worker_id;
  std::string client_id;
  Outcome outcome = Outcome::kCompleted;
  std::string findings;
  std::string client_call_note;
  std::vector<std::string> hypotheses;
  std::string reviewer_id;
  int64_t reviewed_at_ms = 0;
  bool operator==(const Review&) const = default;
  static constexpr auto Fields() {
    using T = Review;
    return std::tuple{
        Field("task_id", &T::task_id),           Field("worker_id", &T::worker_id),
        Field("client_id", &T::client_id),       Field("outcome", &T::outcome),
        Field("findings", &T::findings),         Field("client_call_note", &T::client_call_note),
        Field("hypotheses", &T::hypotheses),     Field("reviewer_id", &T::reviewer_id),
        Field("reviewed_at", &T::reviewed_at_ms)};
  }
};

struct ReviewPage {
  std::vector<Review> reviews;
  std::optional<std::string> next_after;
  bool operator==(const ReviewPage&) const = default;
  static constexpr auto Fields() {
    return std::tuple{
        Field("reviews", &ReviewPage::reviews).Doc("newest first"),
        Field("next_after", &ReviewPage::next_after).Doc("pass as `after` for the next page")};
  }
};

// ---- commands (managers or admins) ----

// not_found when no completed job is left unreviewed and unpicked.
struct PickRandom {
  static constexpr MessageInfo kInfo = Command(
      "quality.pick_random",
      "managers: a random completed job, not reviewed nor under review, marked under review");
  using Reply = Job;
  bool operator==(const PickRandom&) const = default;
  static constexpr auto Fields() { return std::tuple{}; }
};

struct ListQueue {
  static constexpr MessageInfo kInfo = ReadOnlyCommand(
      "quality.list_queue",
      "managers: the review queue (failed/canceled jobs and picked ones), newest first");
  using Reply = JobPage;
  int64_t limit = 50;
  std::string after;
  bool operator==(const ListQueue&) const = default;
  static constexpr auto Fields() {
    return std::tuple{
        Field("limit", &ListQueue::limit).Optional().Min(1).Max(kMaxPage).Doc("default 50"),
        Field("after", &ListQueue::after).Optional().Doc("the task id to page after")};
  }
};

// not_found for an unknown task; conflict (with the reason) when it is not finished, not in the
// queue (a completed job must be picked first) or already reviewed.
struct SubmitReview {
  static constexpr MessageInfo kInfo =
      Command("quality.submit_review", "managers: the review of a job in the queue (once)");
  using Reply = Review;
  std::string task_id;
  std::string findings;
  std::string client_call_note;
  std::vector<std::string> hypotheses;
  bool operator==(const SubmitReview&) const = default;
  static constexpr auto Fields() {
    using T = SubmitReview;
    return std::tuple{Field("task_id", &T::task_id).NonEmpty(),
                      Field("findings", &T::findings).NonEmpty().MaxLength(kMaxFindings),
                      Field("client_call_note", &T::client_call_note)
                          .Optional()
                          .MaxLength(kMaxNote)
                          .Doc("a note of any call with the client"),
                      Field("hypotheses", &T::hypotheses)
                          .Optional()
                          .MaxLength(kMaxHypotheses)
                          .Doc("ideas for improving the business, each 1..500 bytes")};
  }
  static Status Validate(const SubmitReview& r);
};

struct ListReviews {
  static constexpr MessageInfo kInfo = ReadOnlyCommand(
      "quality.list_reviews", "managers: reviews by worker, outcome and bus time, newest first");
  using Reply = ReviewPage;
  std::string worker_id;
  std::optional<Outcome> outcome;
  std::optional<int64_t> from_ms;
  std::optional<int64_t> to_ms;
  int64_t limit = 50;
  std::string after;
  bool operator==(const ListReviews&) const = default;
  static constexpr auto Fields() {
    using T = ListReviews;
    return std::tuple{Field("worker_id", &T::worker_id).Optional().Doc("\"\" = every worker"),
                      Field("outcome", &T::outcome),
                      Field("from", &T::from_ms).Min(0).Doc("reviewed at or after"),
                      Field("to", &T::to_ms).Min(0).Doc("reviewed before (after from)"),
                      Field("limit", &T::limit).Optional().Min(1).Max(kMaxPage).Doc("default 50"),
                      Field("after", &T::after).Optional().Doc("the task id to page after")};
  }
  static Status Validate(const ListReviews& r);
};

struct GetJob {
  static constexpr MessageInfo kInfo =
      ReadOnlyCommand("quality.get_job", "managers: quality's read model of one job");
  using Reply = Job;
  std::string task_id;
  bool operator==(const GetJob&) const = default;
  static constexpr auto Fields() {
    return std::tuple{Field("task_id", &GetJob::task_id).NonEmpty()};
  }
};

inline constexpr std::string_view kPickRandom = PickRandom::kInfo.type;
inline constexpr std::string_view kListQueue = ListQueue::kInfo.type;
inline constexpr std::string_view kSubmitReview = SubmitReview::kInfo.type;
inline constexpr std::string_view kListReviews = ListReviews::kInfo.type;
inline constexpr std::string_view kGetJob = GetJob::kInfo.type;

// The declared messages of this family, for the registry. No events: quality publishes nothing.
using Messages = std::tuple<PickRandom, ListQueue, SubmitReview, ListReviews, GetJob>;

}  // namespace mcf::schemas::quality
