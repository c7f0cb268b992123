#include "lib/replay/plan.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "schemas/envelope.h"

namespace mcf::replay {

std::string_view KindLabel(OutputMessage::Kind kind) {
  switch (kind) {
    case OutputMessage::Kind::kReply:
      return "reply";
    case OutputMessage::Kind::kEvent:
      return "event";
    case OutputMessage::Kind::kClock:
      return "clock";
  }
  return "?";
}

std::string MatchKey(const OutputMessage& m) {
  std::string k(KindLabel(m.kind));
  k += '\0';
  k += m.key;
  if (m.kind == OutputMessage::Kind::kEvent) {
    k += '\0';
    k += m.producer;
  }
  return k;
}

bool IsInputCommand(std::string_view service, std::string_view type) {
  if (service == "broker" || service.rfind("broker.", 0) == 0 || type.rfind("broker.", 0) == 0)
    return false;
  if (type == "clock.now") return false;
  return true;
}

namespace {

// The context an event came from: the envelope's producer when it names the topic's context.
std::string_view TopicContext(std::string_view topic) {
  return topic.substr(0, topic.find('.'));
}

}  // namespace

std::vector<std::string> OutsideProducers(const capture::Capture& capture) {
  std::set<std::string> names(capture.header.outside.begin(), capture.header.outside.end());
  for (const capture::Record& r : capture.records) {
    if (r.kind != capture::RecordKind::kEnd) continue;
    if (auto end = capture::DecodeEndBody(r.envelope))
      names.insert(end->outside.begin(), end->outside.end());
  }
  return {names.begin(), names.end()};
}

bool IsOutsideTopic(std::string_view topic, const std::vector<std::string>& outside) {
  if (outside.empty() || topic.find('.') == std::string_view::npos) return false;
  return std::binary_search(outside.begin(), outside.end(), TopicContext(topic));
}

Result<ReplayPlan> PlanReplay(const capture::Capture& capture, bool allow_real) {
  if (!capture.complete) {
    if (capture.dropped > 0)
      return Status::Invalid("the capture is incomplete: " + std::to_string(capture.dropped) +
                             " records were dropped while recording");
    return Status::Invalid(
        "the capture is incomplete: it has no end trailer (the recording was cut short)");
  }
  if (capture.header.clock_mode != "sim" && !allow_real)
    return Status::Invalid("the capture was recorded on the " + capture.header.clock_mode +
                           " clock; replay needs a sim capture (--allow-real replays it anyway, "
                           "times will differ)");
  ReplayPlan plan;
  plan.header = capture.header;
  if (auto it = capture.header.seeds.find("*"); it != capture.header.seeds.end())
    plan.seed = it->second;
  plan.outside = OutsideProducers(capture);
  auto is_outside = [&](std::string_view name) {
    return std::binary_search(plan.outside.begin(), plan.outside.end(), name);
  };

  std::set<std::string> contexts;
  std::unordered_map<std::string, size_t> input_index;  // command id -> input
  std::vector<std::optional<OutputMessage>> replies;
  for (const capture::Record& r : capture.records) {
    switch (r.kind) {
      case capture::RecordKind::kCommand: {
        auto env = schemas::DecodeEnvelope(r.envelope);
        if (!env.ok())
          return Status::Invalid("command record for '" + r.name +
                                 "' does not decode: " + env.status().message());
        if (!IsInputCommand(r.name, env->type)) break;
        if (is_outside(r.name)) {  // its adapter does not run in a replay: nobody would answer
          ++plan.outside_commands;
          break;
        }
        if (input_index.contains(env->id)) break;  // a retry with the same id: one input
        input_index[env->id] = plan.inputs.size();
        plan.inputs.push_back(Input{.kind = Input::Kind::kCommand,
                                    .bus_ms = r.bus_ms,
                                    .service = r.name,
                                    .id = env->id,
                                    .type = env->type,
                                    .envelope = r.envelope});
        replies.emplace_back();
        break;
      }
      case capture::RecordKind::kReply: {
        auto reply = schemas::DecodeReply(r.envelope);
        if (!reply.ok()) break;
        auto it = input_index.find(reply->causation_id);
        if (it == input_index.end() || replies[it->second]) break;
        if (reply->producer != "broker" && reply->producer != "clock")
          contexts.insert(reply->producer);
        replies[it->second] = OutputMessage{OutputMessage::Kind::kReply,
                                            reply->causation_id,
                                            reply->type,
                                            plan.inputs[it->second].service,
                                            0,
                                            r.name,
                                            r.bus_ms,
                                            r.envelope};
        break;
      }
      case capture::RecordKind::kEvent:
      case capture::RecordKind::kClock: {
        OutputMessage m;
        m.kind = r.kind == capture::RecordKind::kClock ? OutputMessage::Kind::kClock
                                                       : OutputMessage::Kind::kEvent;
        m.seq = r.seq;
        m.name = r.name;
        m.bus_ms = r.bus_ms;
        m.envelope = r.envelope;
        auto env = schemas::DecodeEnvelope(r.envelope);
        if (env.ok()) {
          m.type = env->type;
          m.producer = env->producer;
        }
        m.key = env.ok() ? env->id : "seq " + std::to_string(r.seq);
        if (m.kind == OutputMessage::Kind::kEvent && IsOutsideTopic(r.name, plan.outside)) {
          // An outside producer's event: an input, fed where it stands in the record order;
          // it is still in the log afterwards, so it is compared like every other event.
          plan.inputs.push_back(Input{.kind = Input::Kind::kOutsideEvent,
                                      .bus_ms = r.bus_ms,
                                      .service = std::string(TopicContext(r.name)),
                                      .id = m.key,
                                      .type = m.type,
                                      .envelope = r.envelope,
                                      .topic = r.name,
                                      .seq = r.seq});
          replies.emplace_back();  // keeps `replies` parallel to `inputs`; never filled
        } else if (m.kind == OutputMessage::Kind::kEvent && env.ok() &&
                   TopicContext(r.name) == env->producer && env->producer != "broker") {
          contexts.insert(env->producer);
        }
        plan.captured.events.push_back(std::move(m));
        break;
      }
      default:
        break;
    }
  }
  for (auto& r : replies)
    if (r) plan.captured.replies.push_back(std::move(*r));
  contexts.erase("broker");
  contexts.erase("clock");
  for (const auto& name : plan.outside) contexts.erase(name);
  plan.contexts.assign(contexts.begin(), contexts.end());
  std::stable_sort(plan.captured.events.begin(), plan.captured.events.end(),
                   [](const OutputMessage& a, const OutputMessage& b) { return a.seq < b.seq; });
  return plan;
}

void ExcludeContext(ReplayPlan& plan, std::string_view context) {
  std::erase(plan.contexts, context);
  std::erase_if(plan.inputs, [&](const Input& in) {
    return in.kind == Input::Kind::kCommand && in.service == context;
  });
  for (auto* set : {&plan.captured.replies, &plan.captured.events})
    std::erase_if(*set, [&](const OutputMessage& m) { return m.producer == context; });
}

}  // namespace mcf::replay
