// What a replay needs from a capture (docs/capture-format.md, "Replay"): the inputs to feed
// (commands from outside the system and the events of outside producers, interleaved in
// captured record order, with their bus time), the contexts to start, the outside producers
// (not started: the replay publishes their events as them), the seed, and the captured outputs
// (replies to the fed commands and every event, the fed ones included) to compare with. Pure
// functions over a read capture; thread-compatible.
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
  // Replies: the command id; events: the envelope id (`<service>:<producer_seq>`; the clock's
  // derive from the minute they stand for); "seq N" for an envelope that does not decode.
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
  // A command sent to the system, or an event an outside producer published (fed by
  // publishing its exact envelope under that producer's identity, followed by the barrier).
  enum class Kind { kCommand, kOutsideEvent };
  Kind kind = Kind::kCommand;
  int64_t bus_ms = 0;   // bus time of the record (commands: received; events: in the log)
  std::string service{};  // commands: the REQUEST's service; outside events: the producer
  std::string id{};       // command id; outside events: the envelope id
  std::string type{};     // the envelope type
  std::string envelope{};
  std::string topic{};    // outside events: the topic
  uint64_t seq = 0;     // outside events: the captured log sequence
};

struct ReplayPlan {
  capture::Header header;
  std::vector<Input> inputs;
  std::vector<std::string> contexts;  // sorted; outside producers are never among them
  // Outside producers: the header's `outside` and the trailer's, sorted and unique.
  std::vector<std::string> outside;
  // Commands addressed to an outside producer's service (its adapter is not running in a
  // replay): not fed, their replies not compared.
  size_t outside_commands = 0;
  std::optional<int64_t> seed;        // header seeds["*"]
  Outputs captured;
};

// True for a command service that is an input: not broker.* and not clock.now.
bool IsInputCommand(std::string_view service, std::string_view type);

// The outside producers of a capture: header `outside` plus the end trailer's `outside` (keys
// registered while it ran), sorted and unique. Captures older than these keys: none.
std::vector<std::string> OutsideProducers(const capture::Capture& capture);
// Whether an event of `topic` comes from one of `outside` (sorted): the topic's first segment
// names it. The broker checked that prefix against the publishing key (lib/security/
// permissions.h); the envelope's own `producer` text is not checked, so it is not used.
bool IsOutsideTopic(std::string_view topic, const std::vector<std::string>& outside);

// Builds the plan. Errors (code invalid): an incomplete capture (no trailer, or drops), a
// real-clock capture unless `allow_real`, a command whose envelope does not decode.
Result<ReplayPlan> PlanReplay(const capture::Capture& capture, bool allow_real);

// Leaves `context` out of the plan, as if the captured run had never had it: it is not
// started, the commands addressed to it are not fed, and what it produced (its replies and
// events) is not expected. What remains must then replay identically when the rest of the
// system does not depend on it (the betting context: docs/decisions/032).
void ExcludeContext(ReplayPlan& plan, std::string_view context);

}  // namespace mcf::replay
