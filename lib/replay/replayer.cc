#include "lib/replay/replayer.h"

#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <zmq.hpp>

#include "lib/capture/reader.h"
#include "lib/capture/writer.h"
#include "lib/client/publisher.h"
#include "lib/process/local_system.h"
#include "lib/replay/barrier.h"
#include "lib/security/bus_identity.h"
#include "lib/security/key_directory.h"
#include "schemas/body.h"
#include "schemas/clock.h"
#include "schemas/envelope.h"

namespace mcf::replay {
namespace {

namespace clk = schemas::clock;

Result<std::string> MakeWorkDir(const ReplayOptions& options) {
  if (!options.work_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.work_dir, ec);
    if (ec) return Status::Unavailable("cannot create " + options.work_dir + ": " + ec.message());
    return options.work_dir;
  }
  return MakeScratchDir("mcf-replay-");
}

// Bus time from a clock.now / clock.advance reply.
Result<int64_t> NowOf(const std::string& reply_bytes) {
  ASSIGN_OR_RETURN(auto reply, schemas::DecodeReply(reply_bytes));
  if (reply.status != Code::kOk)
    return Status::Unavailable(reply.type + " answered " + std::string(CodeName(reply.status)) +
                               ": " + reply.message);
  ASSIGN_OR_RETURN(auto now, clk::Decode<clk::BusTime>(reply.body));
  return now.now_ms;
}

OutputMessage EventMessage(const CollectedEvent& e) {
  OutputMessage m;
  m.seq = e.seq;
  m.name = e.topic;
  m.bus_ms = e.time_ms;
  m.envelope = e.envelope;
  auto env = schemas::DecodeEnvelope(e.envelope);
  if (env.ok()) {
    m.type = env->type;
    m.producer = env->producer;
  }
  m.kind = m.producer == "clock" ? OutputMessage::Kind::kClock : OutputMessage::Kind::kEvent;
  m.key = env.ok() ? env->id : "seq " + std::to_string(e.seq);
  return m;
}

class Run {
 public:
  Run(const ReplayOptions& options, ReplayPlan plan) : options_(options), plan_(std::move(plan)) {
    for (const auto* set : {&plan_.captured.replies, &plan_.captured.events})
      for (const auto& m : *set) captured_.emplace(MatchKey(m), &m);
  }

  Result<ReplayReport> Go() {
    ReplayReport report;
    report.inputs = plan_.inputs.size();
    report.contexts = plan_.contexts;
    ASSIGN_OR_RETURN(auto dir, MakeWorkDir(options_));
    report.work_dir = dir;
    Result<ReplayReport> result = Feed(dir, std::move(report));
    if (options_.work_dir.empty() && !options_.keep_work_dir) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
    return result;
  }

 private:
  Result<ReplayReport> Feed(const std::string& dir, ReplayReport report) {
    const bool sim = plan_.header.clock_mode == "sim";
    process::SystemOptions so;
    so.bin_dir = options_.bin_dir;
    so.data_dir = dir + "/system";
    so.contexts = plan_.contexts;
    // Outside producers are not started: their key (role outside) is all the replay needs, to
    // publish their captured events as them.
    for (const auto& name : plan_.outside)
      so.outside.push_back(process::OutsideProcess{name, "", {}, /*start=*/false});
    if (sim) so.broker_flags = {"--clock", "sim", "--start", clk::Iso8601(plan_.header.start_ms)};
    so.worker_flags = {"--durable-replies"};  // what makes the barrier a barrier (barrier.h)
    if (plan_.seed) {
      so.worker_flags.push_back("--seed");
      so.worker_flags.push_back(std::to_string(*plan_.seed));
    }
    auto system = process::LocalSystem::Start(so);
    if (!system.ok())
      return Status::Unavailable("the replay system did not start: " + system.status().message());

    zmq::context_t context(1);
    BusDriver bus(context, (*system)->broker_endpoint());
    auto fail = [&](const Status& s) -> Status {
      spdlog::error("event=replay_failed error={} logs={}", s.message(), (*system)->Logs());
      return s;
    };
    int64_t bus_now = 0;
    if (sim) {
      auto now = bus.Call("clock.now", schemas::EmptyBody(), options_.reply_timeout);
      if (!now.ok()) return fail(now.status());
      auto ms = NowOf(*now);
      if (!ms.ok()) return fail(ms.status());
      bus_now = *ms;
    }
    if (Status s = bus.WaitIdle(options_.idle_timeout); !s.ok()) return fail(s);

    // One publisher per outside producer, with that producer's own key: the broker checks the
    // producer and topic against it, exactly as for the adapter in the captured run.
    std::map<std::string, std::unique_ptr<client::Publisher>> publishers;
    auto publisher_of = [&](const std::string& name) -> Result<client::Publisher*> {
      auto& p = publishers[name];
      if (p) return p.get();
      std::optional<security::ClientCurve> curve;
      if (const std::string keys = (*system)->keys_dir(); !keys.empty()) {
        ASSIGN_OR_RETURN(curve, security::LoadClientCurve(security::KeyFileOf(keys, name)));
      }
      p = std::make_unique<client::Publisher>(context, (*system)->broker_endpoint(), name, 1,
                                              curve ? &*curve : nullptr);
      return p.get();
    };

    const auto started = std::chrono::steady_clock::now();
    size_t events_seen = 0;
    for (const Input& input : plan_.inputs) {
      if (sim && input.bus_ms > bus_now) {
        auto advanced =
            bus.Call("clock.advance", clk::Encode(clk::Advance{std::nullopt, input.bus_ms}),
                     options_.reply_timeout);
        if (!advanced.ok()) return fail(advanced.status());
        auto ms = NowOf(*advanced);
        if (!ms.ok()) return fail(ms.status());
        bus_now = *ms;
        if (Status s = bus.WaitIdle(options_.idle_timeout); !s.ok()) return fail(s);
      }
      if (input.kind == Input::Kind::kOutsideEvent) {
        auto publisher = publisher_of(input.service);
        if (!publisher.ok())
          return fail(Status::Unavailable("the key of outside producer " + input.service + ": " +
                                          publisher.status().message()));
        (*publisher)->Publish(input.topic, input.envelope);
        if (Status s = (*publisher)->Flush(options_.reply_timeout); !s.ok())
          return fail(Status::Unavailable("feeding outside event " + input.id + " (" +
                                          input.topic + "): " + s.message()));
        ++report.inputs_fed;
        if (Status s = bus.WaitIdle(options_.idle_timeout); !s.ok()) return fail(s);
        if (options_.stop_at_first) {
          std::vector<Difference> diffs = NewEventDifferences(bus, events_seen);
          if (!diffs.empty()) {
            report.differences = std::move(diffs);
            report.stopped_early = report.inputs_fed < report.inputs;
            break;
          }
        }
        continue;
      }
      auto reply = bus.Request(input.service, input.envelope, options_.reply_timeout);
      if (!reply.ok()) return fail(reply.status());
      OutputMessage m;
      m.kind = OutputMessage::Kind::kReply;
      m.key = input.id;
      m.producer = input.service;
      m.name = input.service;
      m.bus_ms = bus_now;
      m.envelope = std::move(*reply);
      if (auto r = schemas::DecodeReply(m.envelope); r.ok()) {
        m.type = r->type;
        if (sim && r->type == "clock.advance" && r->status == Code::kOk)
          if (auto ms = NowOf(m.envelope); ms.ok()) bus_now = *ms;
      }
      now_.replies.push_back(std::move(m));
      ++report.inputs_fed;
      if (Status s = bus.WaitIdle(options_.idle_timeout); !s.ok()) return fail(s);

      if (options_.stop_at_first) {
        std::vector<Difference> diffs = CompareOne(now_.replies.back());
        auto events = NewEventDifferences(bus, events_seen);
        diffs.insert(diffs.end(), events.begin(), events.end());
        if (!diffs.empty()) {
          report.differences = std::move(diffs);
          report.stopped_early = report.inputs_fed < report.inputs;
          break;
        }
      }
    }
    for (const auto& e : bus.events()) now_.events.push_back(EventMessage(e));
    std::stable_sort(now_.events.begin(), now_.events.end(),
                     [](const OutputMessage& a, const OutputMessage& b) { return a.seq < b.seq; });
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    report.outputs = now_.replies.size() + now_.events.size();
    (*system)->Stop();

    if (!options_.stop_at_first || report.differences.empty())
      report.differences = CompareOutputs(plan_.captured, now_, {options_.only});
    report.identical = report.differences.empty();
    if (!options_.output_path.empty()) {
      capture::Header header = plan_.header;
      header.outside = plan_.outside;  // the trailer's names too
      RETURN_IF_ERROR(WriteOutputs(options_.output_path, header, now_));
    }
    return report;
  }

  // The differences of the events collected since `seen` (which moves past them).
  std::vector<Difference> NewEventDifferences(const BusDriver& bus, size_t& seen) {
    std::vector<Difference> diffs;
    for (; seen < bus.events().size(); ++seen) {
      auto d = CompareOne(EventMessage(bus.events()[seen]));
      diffs.insert(diffs.end(), d.begin(), d.end());
    }
    return diffs;
  }

  // One output of the replay against its captured counterpart (extra when there is none).
  std::vector<Difference> CompareOne(const OutputMessage& m) {
    if (!ProducedBy(m, options_.only)) return {};
    auto it = captured_.find(MatchKey(m));
    if (it == captured_.end())
      return {Difference{std::string(KindLabel(m.kind)) + " " + m.key, m.type, "", "<absent>",
                         "<present>"}};
    return CompareMessage(*it->second, m);
  }

  const ReplayOptions& options_;
  ReplayPlan plan_;
  std::unordered_map<std::string, const OutputMessage*> captured_;
  Outputs now_;
};

}  // namespace

std::string ScratchRoot() {
  if (access("/dev/shm", W_OK | X_OK) == 0 && std::filesystem::is_directory("/dev/shm"))
    return "/dev/shm";
  const char* tmp = getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}

Result<std::string> MakeScratchDir(const std::string& prefix) {
  std::string tmpl = ScratchRoot() + "/" + prefix + "XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr)
    return Status::Unavailable("cannot create a directory like " + tmpl);
  return tmpl;
}

Result<ReplayReport> Replay(const ReplayOptions& options) {
  ASSIGN_OR_RETURN(auto capture, capture::ReadCapture(options.capture_path));
  auto plan = PlanReplay(capture, options.allow_real);
  if (!plan.ok()) return Status(plan.status().code(), options.capture_path + ": " +
                                                          plan.status().message());
  for (const std::string& context : options.exclude) ExcludeContext(*plan, context);
  Run run(options, std::move(*plan));
  return run.Go();
}

Status WriteOutputs(const std::string& path, const capture::Header& source, const Outputs& now) {
  capture::Header h;
  h.build_id = std::string(capture::BuildId());
  h.clock_mode = source.clock_mode;
  h.start_ms = source.start_ms;
  h.seeds = source.seeds;
  h.outside = source.outside;
  h.started_wall_ms = 0;  // so two replays of one capture write the same bytes
  ASSIGN_OR_RETURN(auto writer, capture::CaptureWriter::Create(path, h));
  for (const auto& r : now.replies)
    writer->Append(capture::RecordKind::kReply, r.bus_ms, 0, r.name, r.envelope);
  for (const auto& e : now.events)
    writer->Append(e.kind == OutputMessage::Kind::kClock ? capture::RecordKind::kClock
                                                         : capture::RecordKind::kEvent,
                   e.bus_ms, e.seq, e.name, e.envelope);
  const uint64_t records = writer->records();
  writer->Append(capture::RecordKind::kEnd, 0, 0, "", capture::EncodeEndBody(records, 0));
  return writer->Close();
}

std::string FormatReport(const ReplayReport& report) {
  std::string out;
  for (const auto& d : report.differences) out += FormatDifference(d) + "\n";
  out += report.identical ? "identical" : "different";
  out += ": " + std::to_string(report.inputs_fed) + "/" + std::to_string(report.inputs) +
         " inputs fed, " + std::to_string(report.outputs) + " outputs, " +
         std::to_string(report.differences.size()) + " differences";
  if (report.stopped_early) out += " (stopped at the first input whose outputs differ)";
  return out + "\n";
}

std::string JsonReport(const ReplayReport& report) {
  nlohmann::ordered_json j;
  j["identical"] = report.identical;
  j["inputs"] = report.inputs;
  j["inputs_fed"] = report.inputs_fed;
  j["outputs"] = report.outputs;
  j["stopped_early"] = report.stopped_early;
  j["contexts"] = report.contexts;
  auto& diffs = j["differences"] = nlohmann::ordered_json::array();
  for (const auto& d : report.differences)
    diffs.push_back({{"message", d.message},
                     {"type", d.type},
                     {"field", d.field},
                     {"captured", d.captured},
                     {"now", d.now}});
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace mcf::replay
