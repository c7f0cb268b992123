// The v1 steps of the matching pipeline (SPEC 3, matching):
//   drop_booked  removes workers booked at a time overlapping the reference's appointment;
//   pick_random  keeps one candidate, drawn from the task-seeded StepContext::random.
// Stateless; any thread.
#pragma once

#include <string_view>

#include "workers/matching/matching_step.h"

namespace mcf::matching {

inline constexpr std::string_view kDropBooked = "drop_booked";
inline constexpr std::string_view kPickRandom = "pick_random";

class DropBookedStep : public MatchingStep {
 public:
  std::string_view name() const override { return kDropBooked; }
  Status Apply(const ReferenceSample& reference, std::vector<NormalSample>& candidates,
               StepContext& context) override;
};

class PickRandomStep : public MatchingStep {
 public:
  std::string_view name() const override { return kPickRandom; }
  // Keeps exactly one of a non-empty list (candidates[random() % size]: modulo rather than a
  // std distribution, whose output differs between standard libraries and would break replays).
  Status Apply(const ReferenceSample& reference, std::vector<NormalSample>& candidates,
               StepContext& context) override;
};

}  // namespace mcf::matching
