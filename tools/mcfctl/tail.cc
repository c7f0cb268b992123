// mcfctl tail: prints events from the broker's log, one JSON object per line.
//
// Without --follow it stops once caught up: the log head is read from broker.stats first, and
// the stream ends when nothing has arrived for ~300 ms after reaching it (with a topic filter
// the last matching event may lie below the head, so ~300 ms of silence is enough there);
// events appended after that head are not printed.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <zmq.hpp>

#include "lib/client/subscriber.h"
#include "schemas/body.h"
#include "schemas/bus.h"
#include "schemas/clock.h"
#include "tools/mcfctl/commands.h"
#include "tools/mcfctl/json.h"

namespace mcf::mcfctl {
namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

constexpr Millis kQuiet(300);
// Without a filter, give a busy broker this long to start streaming before giving up.
constexpr Millis kGiveUp(5000);

std::optional<uint64_t> LogHead(const std::string& broker) {
  schemas::Reply reply = CallOnce(broker, "broker.stats", schemas::EmptyBody(), Millis(3000));
  if (reply.status != Code::kOk) {
    std::cerr << "mcfctl tail: broker.stats: " << CodeName(reply.status) << ": " << reply.message
              << "\n";
    return std::nullopt;
  }
  auto stats = schemas::Decode<schemas::bus::StatsReply>(reply.body);
  if (!stats.ok() || stats->log_head < 0) {
    std::cerr << "mcfctl tail: broker.stats: "
              << (stats.ok() ? "a negative log_head" : stats.status().message()) << "\n";
    return std::nullopt;
  }
  return static_cast<uint64_t>(stats->log_head);
}

}  // namespace

int RunTail(const TailOptions& options) {
  if (options.from_seq && options.last) {
    std::cerr << "mcfctl tail: give --from or --last, not both\n";
    return kExitUsage;
  }
  auto head = LogHead(options.broker);
  if (!head) return ExitCodeFor(Code::kUnavailable);

  client::SubscriberOptions sub;
  if (!options.topics.empty()) sub.prefixes = options.topics;
  uint64_t last = options.last.value_or(10);
  sub.from_seq = options.from_seq ? std::max<uint64_t>(*options.from_seq, 1)
                                  : (*head >= last ? *head - last + 1 : 1);
  if (!options.follow && sub.from_seq > *head) return 0;  // nothing to show

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  zmq::context_t context(1);
  client::Subscriber subscriber(context, options.broker, sub);
  auto quiet_since = std::chrono::steady_clock::now();
  while (!g_stop) {
    auto event = subscriber.Next(Millis(100));
    if (!event) {
      if (options.follow) continue;
      auto quiet = std::chrono::steady_clock::now() - quiet_since;
      bool caught_up = subscriber.last_seq() >= *head || !options.topics.empty();
      if ((caught_up && quiet >= kQuiet) || quiet >= kGiveUp) break;
      continue;
    }
    quiet_since = std::chrono::steady_clock::now();
    // Without --follow the stream ends at the head seen at start, even on a busy bus.
    if (!options.follow && event->seq > *head) break;
    Json line;
    line["seq"] = event->seq;
    line["time"] = schemas::clock::Iso8601(event->time_ms);
    line["topic"] = event->topic;
    auto envelope = MsgpackToJson(event->envelope);
    line["envelope"] = envelope.ok() ? std::move(envelope).value()
                                     : Json{{"undecodable", envelope.status().message()}};
    std::cout << Dump(line) << '\n';
    if (options.follow) std::cout.flush();
    if (!options.follow && event->seq == *head) break;
  }
  std::cout.flush();
  return 0;
}

}  // namespace mcf::mcfctl
