// StreamBacklog: the last N events the live stream handled (GET /v1/stream, gateway/event_stream.h),
// so a client that reconnects with `Last-Event-ID` gets what it missed, and the rule that decides
// when it cannot (docs/decisions/028): a Last-Event-ID older than the backlog reaches, or newer
// than anything the log has, starts the stream afresh with an `event: reset`.
//
// Bounded: at most `capacity` events, each a rendered frame. Pure logic, no I/O, no clock; not
// thread-safe (the stream hub's one thread owns it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/problem.h"
#include "gateway/stream_audience.h"

namespace mcf::gateway {

struct BacklogEvent {
  uint64_t seq = 0;
  StreamAudience audience;
  std::string frame;  // the rendered Server-Sent Event (RenderStreamEvent)
};

class StreamBacklog {
 public:
  // REQUIRES: capacity >= 1.
  explicit StreamBacklog(size_t capacity) : capacity_(capacity) {}

  // Starts over: the events of interest with seq > `floor` are all going to be Add()ed, in order,
  // and `head` is the log's head when the stream began (seq <= head already happened).
  void Reset(uint64_t floor, uint64_t head);
  // Appends an event (seq above every earlier one), forgetting the oldest beyond capacity.
  void Add(BacklogEvent event);

  // Where a new stream starts: every event up to here counts as seen (the log head at start, or
  // the last event handled when later).
  uint64_t now() const { return std::max(last_, head_); }
  size_t size() const { return events_.size(); }

  // What a stream resuming after `last_event_id` gets.
  struct Resume {
    bool reset = false;           // start afresh: the client must refetch
    uint64_t cursor = 0;          // the stream has seen everything up to here
    std::vector<const BacklogEvent*> events;  // seq > last_event_id, concerning `principal`
  };
  // nullopt last_event_id: a fresh stream (no replay). A reset when last_event_id is below what
  // the backlog still holds or beyond now(), or when the events to replay would take more than
  // `max_bytes` (the stream's queue): the client would be dropped as a slow reader anyway.
  // The pointers are valid until the next Add or Reset.
  Resume ResumeAfter(std::optional<uint64_t> last_event_id, const schemas::Principal& principal,
                     size_t max_bytes) const;

 private:
  size_t capacity_;
  uint64_t floor_ = 0;  // every event of interest with seq > floor_ is in events_ (or to come)
  uint64_t head_ = 0;
  uint64_t last_ = 0;   // seq of the last event added
  std::deque<BacklogEvent> events_;
};

// The Last-Event-ID request header: nullopt when absent or empty (a fresh stream); a decimal
// sequence number (at most 19 digits); anything else is the 400 problem naming
// header.Last-Event-ID.
ProblemOr<std::optional<uint64_t>> ParseLastEventId(std::optional<std::string_view> header);

}  // namespace mcf::gateway
