// IncomingCommand: a command as the worker loop hands it to Dispatcher::Apply, for the unit tests
// that drive a real Dispatcher by hand (tests/unit/worker). A plain value; header-only.
#pragma once

#include <string>
#include <utility>

#include "lib/base/clock.h"
#include "lib/worker/dispatcher.h"
#include "schemas/envelope.h"

namespace mcf::worker {

// `id` is the command id (the inbox key); the deadline is `budget` from now (negative: passed).
inline Incoming IncomingCommand(const std::string& id, const std::string& type, std::string body,
                                Millis budget = Millis(5000), int64_t bus_time_ms = 1000) {
  schemas::Envelope e;
  e.id = id;
  e.type = type;
  e.producer = "t";
  e.body = std::move(body);
  Incoming in;
  in.kind = Incoming::Kind::kCommand;
  in.request_id = 1;
  in.deadline = SteadyClock::Instance().Now() + budget;
  in.bus_time_ms = bus_time_ms;
  in.envelope = schemas::Encode(e);
  return in;
}

}  // namespace mcf::worker
