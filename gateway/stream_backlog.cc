#include "gateway/stream_backlog.h"

#include <algorithm>
#include <utility>

namespace mcf::gateway {

void StreamBacklog::Reset(uint64_t floor, uint64_t head) {
  events_.clear();
  floor_ = floor;
  head_ = head;
  last_ = floor;
}

void StreamBacklog::Add(BacklogEvent event) {
  last_ = event.seq;
  events_.push_back(std::move(event));
  if (events_.size() > capacity_) {
    floor_ = events_.front().seq;
    events_.pop_front();
  }
}

StreamBacklog::Resume StreamBacklog::ResumeAfter(std::optional<uint64_t> last_event_id,
                                                 const schemas::Principal& principal,
                                                 size_t max_bytes) const {
  Resume out;
  out.cursor = now();
  if (!last_event_id) return out;
  const uint64_t after = *last_event_id;
  if (after < floor_ || after > now()) {
    out.reset = true;
    return out;
  }
  // The events still to come (after < seq <= head_, while the log is read up to the head) are
  // delivered live; the cursor stays at `after` so that none of them is skipped.
  out.cursor = std::max(after, last_);
  size_t bytes = 0;
  auto it = std::upper_bound(events_.begin(), events_.end(), after,
                             [](uint64_t seq, const BacklogEvent& e) { return seq < e.seq; });
  for (; it != events_.end(); ++it) {
    if (!Concerns(it->audience, principal)) continue;
    bytes += it->frame.size();
    if (bytes > max_bytes) {
      out.events.clear();
      out.reset = true;
      out.cursor = now();
      return out;
    }
    out.events.push_back(&*it);
  }
  return out;
}

ProblemOr<std::optional<uint64_t>> ParseLastEventId(std::optional<std::string_view> header) {
  if (!header || header->empty()) return std::optional<uint64_t>();
  const bool digits = header->size() <= 19 && std::all_of(header->begin(), header->end(), [](char c) {
                        return c >= '0' && c <= '9';
                      });
  if (!digits) {
    return MakeProblem(kHttpBadRequest, "Last-Event-ID must be the id of an event (a number)",
                       "header.Last-Event-ID");
  }
  uint64_t value = 0;
  for (char c : *header) value = value * 10 + static_cast<uint64_t>(c - '0');
  return std::optional<uint64_t>(value);
}

}  // namespace mcf::gateway
