// What a replay needs from a capture (docs/capture-format.md, "Replay"): the inputs to feed
// (commands from outside the system, in captured order, with their bus time), the contexts to
// start, the seed, and the captured outputs (replies to those inputs and every event) to
// compare with. Pure functions over a read capture; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/base/status.h"
#include "lib/capture/reader.h"

namespace mcf::replay {

// One message the system produced: a reply to an input or an event in the log.
struct OutputMessage {
  enum class Kind { kReply, kEvent, kClock };
  Kind kind = Kind::kReply;
  // Replies: the command id; events: the envelope id (`<service>:<producer_seq>`); clock
  // events: the log sequence (they are matched by it).
  std::string key;
  std::string type;      // envelope type ("" when undecodable)
  std::string producer;  // events: envelope producer; replies: the command's service
  uint64_t seq = 0;      // events: log sequence
  std::string name;      // capture record name: service (replies) or topic (events)
  int64_t bus_ms = 0;
  std::string envelope;  // exact bytes
};
std::string_view KindLabel(OutputMessage::Kind kind);  // "reply", "event", "clock"
// Matching identity: kind + key (+ producer for events).
std::string MatchKey(const OutputMessage& m);

struct Outputs {
  std::vector<OutputMessage> replies;  // in input order
  std::vector<OutputMessage> events;   // in log order (events and clock events)
};

struct Input {
  int64_t bus_ms = 0;
  std::string service;  // the REQUEST's service
  std::string id;       // command id
  std::string type;     // command type
  std::string envelope;
};

struct ReplayPlan {
  capture::Header header;
  std::vector<Input> inputs;
  std::vector<std::string> contexts;  // sorted
  std::optional<int64_t> seed;        // header seeds["*"]
  Outputs captured;
};

// True for a command service that is an input: not broker.* and not clock.now.
bool IsInputCommand(std::string_view service, std::string_view type);

// Builds the plan. Errors (code invalid): an incomplete capture (no trailer, or drops), a
// real-clock capture unless `allow_real`, a command whose envelope does not decode.
Result<ReplayPlan> PlanReplay(const capture::Capture& capture, bool allow_real);

}  // namespace mcf::replay
