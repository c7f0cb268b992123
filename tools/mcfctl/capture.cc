// mcfctl capture FILE [--for DURATION]: records what crosses a running broker into FILE
// (broker.capture_start, renewed every second, broker.capture_stop on SIGINT/SIGTERM or after
// --for), then prints {file, records, dropped}.
// mcfctl capture dump FILE [--follow]: the capture as JSON lines — a header line, then one object
// per record with its envelope decoded (and, on a command, the sender's key id as "key") — for
// review diffs of golden captures.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>
#include <zmq.hpp>

#include "lib/capture/reader.h"
#include "lib/client/bus_client.h"
#include "schemas/body.h"
#include "schemas/clock.h"
#include "tools/mcfctl/commands.h"
#include "tools/mcfctl/json.h"

namespace mcf::mcfctl {
namespace {

using capture::RecordKind;
using SteadyTime = std::chrono::steady_clock;

volatile sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

void InstallStopHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

constexpr int64_t kLeaseMs = 5000;
constexpr Millis kRenewEvery(1000);
constexpr Millis kCallTimeout(3000);

struct CaptureOptions {
  std::string file;
  std::string duration;  // --for; empty = until a signal
  bool follow = false;   // dump: wait for more records until the trailer or Ctrl-C
};

schemas::Reply Call(client::BusClient& bus, std::string_view type, std::string body) {
  return bus.Call(bus.MakeCommand(type, std::move(body)), kCallTimeout);
}

int Fail(std::string_view what, const schemas::Reply& reply) {
  std::cerr << "mcfctl capture: " << what << ": " << CodeName(reply.status) << ": " << reply.message
            << "\n";
  return ExitCodeFor(reply.status);
}

int RunCapture(const std::string& broker, const CaptureOptions& options) {
  if (options.file.empty()) {
    std::cerr << "mcfctl capture: give FILE (or `capture dump FILE`)\n";
    return kExitUsage;
  }
  std::optional<Millis> run_for;
  if (!options.duration.empty()) {
    run_for = ParseTimeout(options.duration);
    if (!run_for) {
      std::cerr << "mcfctl capture: bad --for \"" << options.duration << "\" (e.g. 30s, 5m)\n";
      return kExitUsage;
    }
  }
  std::error_code ec;
  const std::string path = std::filesystem::absolute(options.file, ec).lexically_normal().string();
  if (ec) {
    std::cerr << "mcfctl capture: " << options.file << ": " << ec.message() << "\n";
    return kExitLocalError;
  }
  InstallStopHandlers();  // before starting: a signal from now on still stops the capture
  zmq::context_t context(1);
  client::BusClient bus(context, broker, "mcfctl");
  schemas::Reply started =
      Call(bus, "broker.capture_start",
           schemas::BodyWriter().String("path", path).Int("lease_ms", kLeaseMs).Finish());
  if (started.status != Code::kOk) return Fail("broker.capture_start", started);
  auto body = schemas::Body::Parse(started.body);
  auto id = body.ok() ? body->String("capture_id") : Result<std::string>(body.status());
  if (!id.ok()) {
    std::cerr << "mcfctl capture: broker.capture_start: " << id.status().message() << "\n";
    return kExitLocalError;
  }
  std::cerr << "mcfctl capture: recording to " << path << " (" << *id << "); Ctrl-C stops\n";

  const auto start = SteadyTime::now();
  auto next_renew = start + kRenewEvery;
  while (!g_stop) {
    const auto now = SteadyTime::now();
    if (run_for && now - start >= *run_for) break;
    if (now >= next_renew) {
      schemas::Reply renewed = Call(bus, "broker.capture_renew",
                                    schemas::BodyWriter().String("capture_id", *id).Finish());
      // not_found: the broker ended it (lease lapsed, broker restarted); nothing left to stop.
      if (renewed.status == Code::kNotFound) return Fail("the capture ended early", renewed);
      if (renewed.status != Code::kOk)
        std::cerr << "mcfctl capture: renew: " << CodeName(renewed.status) << ": "
                  << renewed.message << " (retrying)\n";
      next_renew = SteadyTime::now() + kRenewEvery;
    }
    std::this_thread::sleep_for(Millis(50));
  }
  schemas::Reply stopped =
      Call(bus, "broker.capture_stop", schemas::BodyWriter().String("capture_id", *id).Finish());
  if (stopped.status != Code::kOk) return Fail("broker.capture_stop", stopped);
  auto counts = MsgpackToJson(stopped.body);
  Json out;
  out["file"] = path;
  out["records"] = counts.ok() ? (*counts)["records"] : Json();
  out["dropped"] = counts.ok() ? (*counts)["dropped"] : Json();
  std::cout << Dump(out) << std::endl;
  return 0;
}

// The envelope with the fields a reviewer reads first, then the rest in their encoded order.
Json EnvelopeJson(std::string_view bytes) {
  auto decoded = MsgpackToJson(bytes);
  if (!decoded.ok() || !decoded->is_object())
    return Json{{"undecodable", decoded.ok() ? "not a map" : decoded.status().message()}};
  Json out = Json::object();
  for (const char* key :
       {"type", "id", "status", "message", "principal", "correlation_id", "causation_id", "body"}) {
    auto it = decoded->find(key);
    if (it != decoded->end()) out[key] = *it;
  }
  for (auto& [key, value] : decoded->items())
    if (!out.contains(key)) out[key] = value;
  return out;
}

Json RecordJson(const capture::Record& r) {
  Json line;
  line["kind"] = std::string(capture::KindName(r.kind));
  line["bus_ms"] = r.bus_ms;
  line["time"] = schemas::clock::Iso8601(r.bus_ms);
  switch (r.kind) {
    case RecordKind::kCommand:
    case RecordKind::kReply:
      line["service"] = r.name;
      line["envelope"] = EnvelopeJson(r.envelope);
      // The sender's key id (never key material); absent from --insecure and pre-3 captures.
      // After the envelope, so a line still reads `"service":...,"envelope":{"type":...` (what
      // tools/regen-goldens filters the idle-barrier polls by).
      if (r.kind == RecordKind::kCommand && !r.key.empty()) line["key"] = r.key;
      break;
    case RecordKind::kEvent:
    case RecordKind::kClock:
      line["seq"] = r.seq;
      line["topic"] = r.name;
      line["envelope"] = EnvelopeJson(r.envelope);
      break;
    case RecordKind::kDropped:
      line["count"] = r.seq;
      break;
    case RecordKind::kEnd:
      if (auto end = capture::DecodeEndBody(r.envelope)) {
        line["records"] = end->records;
        line["dropped"] = end->dropped;
        if (!end->outside.empty()) line["outside"] = end->outside;
      }
      break;
  }
  return line;
}

int RunDump(const CaptureOptions& options) {
  auto reader = capture::CaptureReader::Open(options.file);
  if (!reader.ok()) {
    std::cerr << "mcfctl capture dump: " << reader.status().message() << "\n";
    return kExitLocalError;
  }
  const capture::Header& h = (*reader)->header();
  Json header;
  header["format_version"] = h.format_version;
  header["build_id"] = h.build_id;
  header["clock_mode"] = h.clock_mode;
  header["start"] = schemas::clock::Iso8601(h.start_ms);
  header["start_ms"] = h.start_ms;
  header["seeds"] = Json::object();
  for (const auto& [service, seed] : h.seeds) header["seeds"][service] = seed;
  header["started_wall_ms"] = h.started_wall_ms;
  if (!h.outside.empty()) header["outside"] = h.outside;
  std::cout << Dump(Json{{"header", header}}) << '\n';
  if (options.follow) InstallStopHandlers();
  while (true) {
    auto record = (*reader)->Next();
    const bool waiting =
        record.ok() ? !record->has_value() : record.status().code() == Code::kUnavailable;
    if (waiting && options.follow && !(*reader)->saw_end() && !g_stop) {
      std::cout.flush();
      std::this_thread::sleep_for(Millis(100));
      continue;
    }
    if (!record.ok()) {
      std::cout.flush();
      std::cerr << "mcfctl capture dump: " << record.status().message() << "\n";
      return kExitLocalError;
    }
    if (!*record) break;
    std::cout << Dump(RecordJson(**record)) << '\n';
  }
  std::cout.flush();
  return 0;
}

}  // namespace

std::function<std::optional<int>()> AddCaptureCommands(CLI::App& app, const std::string& broker) {
  auto options = std::make_shared<CaptureOptions>();
  auto* cmd = app.add_subcommand(
      "capture", "record every command, reply and event crossing the broker into FILE");
  cmd->add_option("file", options->file, "the capture file to write");
  cmd->add_option("--for", options->duration, "stop after this long, e.g. 30s (default: Ctrl-C)");
  auto* dump = cmd->add_subcommand("dump", "print a capture as JSON lines");
  dump->add_option("file", options->file, "the capture file to read")->required();
  dump->add_flag("--follow,-f", options->follow, "wait for records still being written");
  return [cmd, dump, options, &broker]() -> std::optional<int> {
    if (*dump) return RunDump(*options);
    if (*cmd) return RunCapture(broker, *options);
    return std::nullopt;
  };
}

}  // namespace mcf::mcfctl
