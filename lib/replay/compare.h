// The comparison of a replay's outputs with a capture's: messages are matched by identity
// (replies by command id, events — the clock's too — by envelope id and producer) and
// compared field by field over the decoded envelope (body recursively, by key path such as
// `body.worker_id` or `body.items[2].sku`), plus an event's topic. Missing and
// extra messages are differences too. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/replay/plan.h"

namespace mcf::replay {

struct Difference {
  std::string message;  // "event tasks:12", "reply cmd-7", "clock 41"
  std::string type;     // the envelope type
  std::string field;    // key path; "" for a missing or extra message
  std::string captured;  // rendered value; "<absent>" when the field (or message) is not there
  std::string now;
  bool operator==(const Difference&) const = default;
};

// One line: `event tasks:12 tasks.task_assigned body.worker_id: captured "worker-1" now
// "worker-2"`; a whole message: `event tasks:12 tasks.task_assigned: captured <absent> now
// <present>`.
std::string FormatDifference(const Difference& d);

// A MessagePack value flattened to (key path, rendered scalar) pairs in document order; strings
// are JSON-quoted, empty maps/arrays render as {} / []. invalid for malformed bytes.
Result<std::vector<std::pair<std::string, std::string>>> Flatten(std::string_view msgpack);

// Field differences of two versions of the same message (both must describe one identity).
std::vector<Difference> CompareMessage(const OutputMessage& captured, const OutputMessage& now);

struct CompareOptions {
  std::string only;  // a context: compare only messages it produced ("" = all)
};
// Whether `m` was produced by `context` (replies: the command's service; events: producer).
bool ProducedBy(const OutputMessage& m, std::string_view context);

// Every difference between two output sets: captured messages in their order (replies, then
// events), each compared or reported missing, then the extra ones of `now`.
std::vector<Difference> CompareOutputs(const Outputs& captured, const Outputs& now,
                                       const CompareOptions& options = {});

}  // namespace mcf::replay
