// The matching algorithm's own vocabulary: the client's task is the "reference sample", each
// worker of the pool a "normal sample" (SPEC 3, matching). These words stay inside this context;
// the handlers translate from and to the bus's tasks/workers. Plain values, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mcf::matching {

// The client's task to be matched. The appointment is the half-open interval
// [starts_at_ms, ends_at_ms) in bus ms.
struct ReferenceSample {
  std::string task_id;
  std::string client_id;
  std::string service_type_id;  // "" when unknown (matching.match dry runs)
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
};

// A task a worker is booked for, [starts_at_ms, ends_at_ms).
struct Booking {
  std::string task_id;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
};

// A worker's finalized tasks, by outcome.
struct PastResults {
  int64_t completed = 0;
  int64_t failed = 0;
  int64_t canceled = 0;
};

// One worker of the pool, with everything a step may weigh.
struct NormalSample {
  std::string worker_id;
  std::string name;
  std::vector<std::string> strengths;
  std::vector<std::string> weaknesses;
  PastResults results;
  std::vector<Booking> bookings;
};

// Half-open intervals overlap when each starts before the other ends: [a,b) and [b,c) do not.
inline bool Overlaps(int64_t a_start, int64_t a_end, int64_t b_start, int64_t b_end) {
  return a_start < b_end && b_start < a_end;
}

// True when `sample` has a booking overlapping the reference's appointment.
inline bool IsBookedDuring(const NormalSample& sample, const ReferenceSample& reference) {
  for (const Booking& b : sample.bookings)
    if (Overlaps(b.starts_at_ms, b.ends_at_ms, reference.starts_at_ms, reference.ends_at_ms))
      return true;
  return false;
}

}  // namespace mcf::matching
