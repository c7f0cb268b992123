#include "tools/mcfctl/scenario_driver.h"

#include <stdlib.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <thread>
#include <zmq.hpp>

#include "lib/capture/reader.h"
#include "lib/client/bus_client.h"
#include "lib/client/publisher.h"
#include "lib/process/local_system.h"
#include "lib/security/bus_identity.h"
#include "lib/security/key_directory.h"
#include "schemas/clock.h"
#include "schemas/envelope.h"
#include "tools/mcfctl/commands.h"
#include "tools/mcfctl/scenario.h"
#include "tools/mcfctl/scenario_io.h"

namespace mcf::mcfctl {
namespace {

namespace fs = std::filesystem;
using scenario::Request;
using scenario::Step;

constexpr Millis kCallTimeout(10000);
constexpr Millis kAdvanceTimeout(60000);
constexpr Millis kIdleTimeout(30000);
constexpr size_t kMaxShownBody = 600;

std::string Shown(const Json& body) {
  std::string text = Dump(body);
  if (text.size() > kMaxShownBody) text = text.substr(0, kMaxShownBody) + "...";
  return text;
}

// What one request answered, in the shape expectations are written against.
struct Answer {
  Json status;  // HTTP: the number; bus: the status name
  Json body;
  std::string message;  // bus: the reply's message; HTTP: a transport error
};

class Runner {
 public:
  Runner(const std::string& name, process::LocalSystem& system, zmq::context_t& context)
      : name_(name.substr(0, 60)),
        system_(system),
        context_(context),
        http_("127.0.0.1", system.gateway_port(), kCallTimeout),
        bus_(context, system.broker_endpoint(), "scenario") {}

  // Runs one step; the error names the step.
  Status Run(const Step& step) {
    if (Status s = WaitForIdle(bus_, kIdleTimeout); !s.ok()) return Fail(step, s.message());
    switch (step.kind) {
      case Step::Kind::kAdvance:
        return Advance(step);
      case Step::Kind::kCall:
        return Call(step);
      case Step::Kind::kWaitFor:
        return WaitFor(step);
      case Step::Kind::kPublish:
        return Publish(step);
    }
    return Status::Ok();
  }

  Status Settle() { return WaitForIdle(bus_, kIdleTimeout); }

 private:
  static Status Fail(const Step& step, const std::string& message) {
    return Status::Invalid(step.Label() + ": " + message);
  }

  Status Advance(const Step& step) {
    if (!step.advance_step_ms)
      return AdvanceOnce(step, {step.advance_by_ms, step.advance_to_ms}).status();
    // In steps: to each intermediate instant, idle in between, then to the target.
    ASSIGN_OR_RETURN(int64_t now, AdvanceOnce(step, {std::nullopt, std::nullopt}));
    const int64_t target = step.advance_to_ms.value_or(now + step.advance_by_ms.value_or(0));
    while (now < target) {
      if (Status s = WaitForIdle(bus_, kIdleTimeout); !s.ok()) return Fail(step, s.message());
      ASSIGN_OR_RETURN(now, AdvanceOnce(step, {std::nullopt,
                                               std::min(target, now + *step.advance_step_ms)}));
    }
    return Status::Ok();
  }

  // One clock.advance (neither field: clock.now, to learn the time); the bus time after it.
  Result<int64_t> AdvanceOnce(const Step& step, schemas::clock::Advance advance) {
    const bool read_only = !advance.by_ms && !advance.to_ms;
    schemas::Envelope command =
        read_only ? bus_.MakeCommand(schemas::clock::kNow, schemas::clock::Encode(schemas::clock::Now{}))
                  : bus_.MakeCommand(schemas::clock::kAdvance, schemas::clock::Encode(advance));
    command.id = NextId();
    schemas::Reply reply = bus_.Call(command, kAdvanceTimeout);
    if (reply.status != Code::kOk)
      return Fail(step, std::string(command.type) + ": " + std::string(CodeName(reply.status)) +
                            ": " + reply.message);
    auto now = schemas::Decode<schemas::clock::BusTime>(reply.body);
    if (!now.ok()) return Fail(step, "clock: " + now.status().message());
    if (!read_only)
      std::cerr << step.Label() << " ok: now " << schemas::clock::Iso8601(now->now_ms) << "\n";
    return now->now_ms;
  }

  // The body `times` times (${i} = 1..N) as events of the step's producer, at the bus time, each
  // acknowledged by the broker before the step ends.
  Status Publish(const Step& step) {
    const Request& request = step.request;
    ASSIGN_OR_RETURN(client::Publisher * publisher, PublisherOf(step, request.as));
    ASSIGN_OR_RETURN(const int64_t now, AdvanceOnce(step, {std::nullopt, std::nullopt}));
    for (int64_t i = 1; i <= step.times; ++i) {
      vars_.Set("i", i);
      auto body = vars_.Expand(request.body);
      vars_.Erase("i");
      if (!body.ok()) return Fail(step, body.status().message());
      schemas::Envelope event;
      event.id = NextId();
      event.type = request.target;
      event.producer = request.as;
      event.time_ms = now;
      event.correlation_id = event.id;
      event.body.clear();
      Json::to_msgpack(*body, event.body);
      publisher->Publish(request.target, schemas::Encode(event));
    }
    if (Status s = publisher->Flush(kCallTimeout); !s.ok()) return Fail(step, s.message());
    std::cerr << step.Label() << " ok\n";
    return Status::Ok();
  }

  // The publisher of `producer`, with the key of role outside the system made for it.
  Result<client::Publisher*> PublisherOf(const Step& step, const std::string& producer) {
    auto& publisher = publishers_[producer];
    if (publisher) return publisher.get();
    auto curve = security::LoadClientCurve(security::KeyFileOf(system_.keys_dir(), producer));
    if (!curve.ok()) return Fail(step, curve.status().message());
    if (!curve->has_value()) return Fail(step, "no bus key for the producer " + producer);
    publisher = std::make_unique<client::Publisher>(context_, system_.broker_endpoint(), producer,
                                                    1, &**curve);
    return publisher.get();
  }

  Status Call(const Step& step) {
    ASSIGN_OR_RETURN(auto answer, Send(step));
    RETURN_IF_ERROR(Check(step, step.expect, answer));
    RETURN_IF_ERROR(Save(step, answer));
    std::cerr << step.Label() << " ok: " << Dump(answer.status) << "\n";
    return Status::Ok();
  }

  Status WaitFor(const Step& step) {
    const auto end = std::chrono::steady_clock::now() + step.timeout;
    while (true) {
      ASSIGN_OR_RETURN(auto answer, Send(step));
      Status matched = Check(step, step.expect, answer);
      if (matched.ok()) {
        RETURN_IF_ERROR(Save(step, answer));
        std::cerr << step.Label() << " ok\n";
        return Status::Ok();
      }
      if (std::chrono::steady_clock::now() >= end)
        return Status::Timeout(matched.message() + " (still, after " +
                               std::to_string(step.timeout.count()) + " ms)");
      std::this_thread::sleep_for(Millis(50));
      if (Status s = WaitForIdle(bus_, kIdleTimeout); !s.ok()) return Fail(step, s.message());
    }
  }

  // The expectation (after substitution) against the answer.
  Status Check(const Step& step, const Json& raw_expect, const Answer& answer) {
    if (raw_expect.is_null()) return Status::Ok();
    auto expect = vars_.Expand(raw_expect);
    if (!expect.ok()) return Fail(step, expect.status().message());
    if (expect->contains("status")) {
      if (auto m = scenario::Mismatch((*expect)["status"], answer.status, "status"))
        return Fail(step, *m + (answer.message.empty() ? "" : " (" + answer.message + ")") +
                              "; body: " + Shown(answer.body));
    }
    if (expect->contains("body")) {
      if (auto m = scenario::Mismatch((*expect)["body"], answer.body, "body"))
        return Fail(step, *m + "; body: " + Shown(answer.body));
    }
    return Status::Ok();
  }

  Status Save(const Step& step, const Answer& answer) {
    for (const auto& [name, path] : step.save) {
      auto value = scenario::Lookup(answer.body, path);
      if (!value.ok())
        return Fail(step, "save " + name + ": " + value.status().message() +
                              "; body: " + Shown(answer.body));
      vars_.Set(name, std::move(*value));
    }
    return Status::Ok();
  }

  Result<Answer> Send(const Step& step) {
    const Request& request = step.request;
    auto body = vars_.Expand(request.body);
    if (!body.ok()) return Fail(step, body.status().message());
    if (request.kind == Request::Kind::kHttp) {
      auto path = vars_.ExpandString(request.target);
      if (!path.ok()) return Fail(step, path.status().message());
      ASSIGN_OR_RETURN(auto token, Token(step, request.as));
      HttpResponse response = http_.Call(request.method, *path, token, *body, NextId());
      if (response.status < 0) return Fail(step, "no HTTP response: " + response.error);
      return Answer{response.status, response.body, ""};
    }
    std::optional<schemas::Principal> principal;
    if (!request.as.empty()) {
      auto as = vars_.ExpandString(request.as);
      if (!as.ok()) return Fail(step, as.status().message());
      if (*as == "admin") {
        principal = schemas::Principal{"admin", "bootstrap"};
      } else {
        const auto colon = as->find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == as->size())
          return Fail(step, "a bus \"as\" must be \"admin\" or ROLE:ID, got \"" + *as + "\"");
        principal = schemas::Principal{as->substr(0, colon), as->substr(colon + 1)};
      }
    }
    std::string encoded;
    Json::to_msgpack(*body, encoded);
    schemas::Envelope command = bus_.MakeCommand(request.target, std::move(encoded));
    command.id = NextId();
    command.principal = principal;
    schemas::Reply reply = bus_.Call(command, kCallTimeout);
    Answer answer{std::string(CodeName(reply.status)), nullptr, reply.message};
    if (!reply.body.empty()) {
      auto decoded = MsgpackToJson(reply.body);
      answer.body = decoded.ok() ? *decoded : Json(decoded.status().message());
    }
    return answer;
  }

  // The bearer token of an actor: "" anonymous, "admin" the gateway's bootstrap token, a saved
  // variable of that name, or "client:NAME" signed in on first use.
  Result<std::string> Token(const Step& step, const std::string& actor) {
    if (actor.empty()) return std::string();
    if (actor == "admin") return system_.admin_token();
    if (const Json* saved = vars_.Find(actor)) {
      if (saved->is_string()) return saved->get<std::string>();
      return Fail(step, "actor " + actor + " is saved but not a token string");
    }
    if (actor.rfind("client:", 0) == 0 && actor.size() > 7) {
      const std::string name = actor.substr(7);
      HttpResponse r = http_.Call("POST", "/v1/session", "",
                                  Json{{"employee_id", name}, {"name", name}}, NextId());
      if (r.status != 201 || !r.body.is_object() || !r.body.contains("token"))
        return Fail(step, "signing in " + actor + ": HTTP " + std::to_string(r.status) + " " +
                              Shown(r.body) + r.error);
      vars_.Set(actor, r.body["token"]);
      vars_.Set(actor + ".id", r.body.value("client_id", ""));
      std::cerr << step.Label() << ": signed in " << actor << " as "
                << r.body.value("client_id", "?") << "\n";
      return r.body["token"].get<std::string>();
    }
    return Fail(step, "unknown actor \"" + actor +
                          "\" (use admin, client:NAME, or a token saved earlier under that name)");
  }

  // Ids of the commands the scenario sends (bus command ids, HTTP Idempotency-Keys): the same
  // in every run, so regenerated goldens differ only where the system's behaviour did.
  std::string NextId() { return "scn-" + name_ + "-" + std::to_string(++sent_); }

  std::string name_;
  uint64_t sent_ = 0;
  process::LocalSystem& system_;
  zmq::context_t& context_;
  std::map<std::string, std::unique_ptr<client::Publisher>> publishers_;
  GatewayHttp http_;
  client::BusClient bus_;
  scenario::Vars vars_;
};

// A fresh temp dir for the system's stores and logs.
Result<std::string> MakeTempDir() {
  const char* tmp = getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/mcf-scenario-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr)
    return Status::Unavailable("cannot create a temp dir under " + pattern);
  return pattern;
}

}  // namespace

std::string SelfDirectory() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : self.parent_path().string();
}

int CheckScenarios(const std::vector<std::string>& files) {
  int rc = 0;
  for (const auto& file : files) {
    auto loaded = scenario::LoadScenario(file);
    if (!loaded.ok()) {
      std::cerr << "mcfctl scenario: " << loaded.status().message() << "\n";
      rc = kExitUsage;
      continue;
    }
    std::cout << file << ": " << loaded->name << ", " << loaded->steps.size() << " steps\n";
    for (const auto& step : loaded->steps) std::cout << "  " << step.Label() << "\n";
  }
  return rc;
}

int RunScenario(const ScenarioRunOptions& options) {
  auto loaded = scenario::LoadScenario(options.file);
  if (!loaded.ok()) {
    std::cerr << "mcfctl scenario: " << loaded.status().message() << "\n";
    return kExitUsage;
  }
  const scenario::Scenario& scn = *loaded;
  const std::string bin_dir = options.bin_dir.empty() ? SelfDirectory() : options.bin_dir;
  if (!fs::exists(fs::path(bin_dir) / "mcf-broker") ||
      !fs::exists(fs::path(bin_dir) / "mcf-gateway")) {
    std::cerr << "mcfctl scenario: no mcf-broker/mcf-gateway in " << bin_dir
              << " (build them, or give --bin-dir)\n";
    return kExitLocalError;
  }
  std::string out_path;
  if (!options.capture.empty()) {
    std::error_code ec;
    out_path = fs::absolute(options.capture, ec).lexically_normal().string();
  }
  auto dir = MakeTempDir();
  if (!dir.ok()) {
    std::cerr << "mcfctl scenario: " << dir.status().message() << "\n";
    return kExitLocalError;
  }
  const std::string capture_path = *dir + "/capture.cap";
  const std::string seed = std::to_string(scn.seed);

  process::SystemOptions system_options;
  system_options.bin_dir = bin_dir;
  system_options.data_dir = *dir + "/system";
  system_options.contexts = scn.contexts;
  for (const auto& [name, flags] : scn.outside)
    system_options.outside.push_back({name, scenario::OutsideExecutable(name), flags});
  for (const std::string& producer : scn.publishers)
    system_options.outside.push_back({producer, "", {}, /*start=*/false});
  system_options.gateway = true;
  system_options.broker_flags = {"--clock", "sim", "--start", scn.start, "--seed", seed};
  if (!out_path.empty()) {
    system_options.broker_flags.push_back("--capture");
    system_options.broker_flags.push_back(capture_path);
  }
  // Replies only once their events are in the log: what makes the idle barrier before each step
  // a barrier (lib/replay/barrier.h). Without it a reply (supplies.issue) could come back before
  // its event (supplies.kit_issued) reached the broker, the barrier would pass, and the next step
  // (a check-in) would race the kit.
  system_options.worker_flags = {"--seed", seed, "--durable-replies"};
  std::cerr << "mcfctl scenario: " << scn.name << " (" << scn.steps.size() << " steps) in "
            << *dir << "\n";

  bool passed = false;
  {
    auto system = process::LocalSystem::Start(system_options);
    if (!system.ok()) {
      std::cerr << "mcfctl scenario: the system did not start: " << system.status().message()
                << " (logs in " << system_options.data_dir << ")\n";
      return kExitLocalError;
    }
    zmq::context_t context(1);
    {
      Runner runner(scn.name, **system, context);
      Status failed;
      for (const Step& step : scn.steps) {
        if (!step.note.empty()) std::cerr << step.Label() << ": " << step.note << "\n";
        failed = runner.Run(step);
        if (!failed.ok()) break;
      }
      if (failed.ok()) failed = runner.Settle();
      if (!failed.ok()) {
        std::cerr << "mcfctl scenario: " << options.file << ": " << failed.message() << "\n";
      } else {
        passed = true;
      }
    }
    (*system)->Stop();
  }
  if (!passed) {
    std::cerr << "mcfctl scenario: FAILED; stores and logs kept in " << *dir << "\n";
    return kExitLocalError;
  }

  Json summary;
  summary["scenario"] = scn.name;
  summary["steps"] = scn.steps.size();
  if (!out_path.empty()) {
    auto capture = capture::ReadCapture(capture_path);
    if (!capture.ok() || !capture->complete) {
      std::cerr << "mcfctl scenario: the capture is not complete: "
                << (capture.ok() ? "no trailer or dropped records" : capture.status().message())
                << " (kept in " << *dir << ")\n";
      return kExitLocalError;
    }
    std::error_code ec;
    fs::create_directories(fs::path(out_path).parent_path(), ec);
    fs::copy_file(capture_path, out_path, fs::copy_options::overwrite_existing, ec);
    if (ec) {
      std::cerr << "mcfctl scenario: cannot write " << out_path << ": " << ec.message() << "\n";
      return kExitLocalError;
    }
    summary["capture"] = out_path;
    summary["records"] = capture->records.size();
  }
  if (options.keep) {
    summary["dir"] = *dir;
  } else {
    std::error_code ec;
    fs::remove_all(*dir, ec);
  }
  std::cout << Dump(summary) << std::endl;
  return 0;
}

}  // namespace mcf::mcfctl

namespace mcf::mcfctl {

std::function<std::optional<int>()> AddScenarioCommands(CLI::App& app) {
  auto options = std::make_shared<ScenarioRunOptions>();
  auto files = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand(
      "scenario", "play a scenario (tests/scenarios/*.json) against a fresh system");
  cmd->require_subcommand(1);
  auto* run = cmd->add_subcommand(
      "run", "start a fresh sim system, play FILE, check its expectations, record a capture");
  run->add_option("file", options->file, "the scenario, a JSON file")->required();
  run->add_option("--capture", options->capture, "write the capture here (only when it passed)");
  run->add_option("--bin-dir", options->bin_dir,
                  "where mcf-broker, mcf-<context>, mcf-gateway are (default: next to mcfctl)");
  run->add_flag("--keep", options->keep, "keep the temp dir (stores, logs) and print its path");
  auto* check = cmd->add_subcommand("check", "parse scenario files and list their steps");
  check->add_option("files", *files, "scenario files")->required();
  return [run, check, options, files]() -> std::optional<int> {
    if (*run) return RunScenario(*options);
    if (*check) return CheckScenarios(*files);
    return std::nullopt;
  };
}

}  // namespace mcf::mcfctl
