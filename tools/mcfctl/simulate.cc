#include "tools/mcfctl/simulate.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <iostream>
#include <map>
#include <queue>
#include <thread>
#include <zmq.hpp>

#include "lib/client/bus_client.h"
#include "lib/process/child_process.h"
#include "schemas/body.h"
#include "schemas/clock.h"
#include "tools/mcfctl/commands.h"
#include "tools/mcfctl/json.h"
#include "tools/mcfctl/scenario_io.h"
#include "tools/mcfctl/simulate_hiring.h"
#include "tools/mcfctl/simulate_betting.h"
#include "tools/mcfctl/simulate_quality.h"

namespace mcf::mcfctl {

std::vector<PlannedOrder> PlanDay(std::mt19937_64& rng, int64_t day_start_ms, int64_t now_ms,
                                  int orders, int clients) {
  const int64_t from = std::max(day_start_ms + 7 * kHourMs, now_ms + kMinuteMs);
  const int64_t to = std::max(day_start_ms + 15 * kHourMs, from + kHourMs);
  const uint64_t minutes = static_cast<uint64_t>((to - from) / kMinuteMs);
  std::vector<PlannedOrder> out;
  for (int i = 0; i < orders; ++i) {
    PlannedOrder p;
    p.client = clients > 0 ? static_cast<int>(rng() % static_cast<uint64_t>(clients)) : 0;
    p.place_at_ms = from + static_cast<int64_t>(rng() % minutes) * kMinuteMs;
    const int64_t next_hour = (p.place_at_ms / kHourMs + 1) * kHourMs;
    p.desired_at_ms = next_hour + static_cast<int64_t>(rng() % 3) * kHourMs;
    out.push_back(p);
  }
  std::stable_sort(out.begin(), out.end(), [](const PlannedOrder& a, const PlannedOrder& b) {
    return a.place_at_ms < b.place_at_ms;
  });
  return out;
}

AppointmentOutcome DrawOutcome(std::mt19937_64& rng) {
  const uint64_t r = rng() % 100;
  if (r < 5) return AppointmentOutcome::kNoShow;
  if (r < 10) return AppointmentOutcome::kFail;
  return AppointmentOutcome::kComplete;
}

namespace {

constexpr Millis kCallTimeout(10000);
constexpr Millis kAdvanceTimeout(120000);
constexpr Millis kIdleTimeout(60000);
constexpr int kCheckInAttempts = 5;
constexpr char kCheckInPhoto[] = "aGVsbG8=";
constexpr char kReportPhoto[] = "c2lnbmVk";
constexpr int kRateLimitAttempts = 30;  // 429s in a row before a public request counts as an error
constexpr double kPublicBurst = 20;     // below the gateway's per-address burst of 30
constexpr int kMaxListRounds = 100;     // pages of received applications per manager round
constexpr int kFirstRoundHour = 9;      // the manager screens at every full hour 09:00..17:00
constexpr int kLastRoundHour = 17;

constexpr std::array kWorkerNames = {"Barsik", "Murzik", "Pushok", "Ryzhik",
                                     "Tishka", "Simba",  "Kuzya",  "Vaska"};
constexpr std::array kBreeds = {"Siberian", "Maine Coon", "British Shorthair", "Persian",
                                "Sphynx"};
constexpr std::array kCoats = {"grey tabby", "ginger", "black", "white", "calico"};
constexpr std::array kSkills = {"jars", "boxes", "laser dots", "mornings", "keyboards",
                                "curtains"};
constexpr std::array kClientNames = {"Murka", "Musya", "Dusya", "Busya", "Manya",
                                     "Sonya", "Lusya", "Zhuzha", "Nyusha", "Fenya"};
constexpr std::array kDescriptions = {"toss the jars off the shelf", "test the new cardboard box",
                                      "inspect the curtains", "nap on the keyboard",
                                      "chase the laser dot"};
constexpr std::array kFailReasons = {"the jar was glued to the shelf", "fell asleep in the box",
                                     "the laser dot escaped"};
constexpr std::array kTestNotes = {"keen", "distracted by a moth", "steady paws", "napped halfway"};

template <typename Array>
std::string Pick(std::mt19937_64& rng, const Array& items) {
  return items[rng() % items.size()];
}

struct Counts {
  int orders = 0, completed = 0, failed = 0, no_shows = 0, copies = 0, unmatched = 0, errors = 0;
  // Supplies: kits issued, and kits whose fortune cookie had not come by the appointment.
  int kits_issued = 0, kits_without_cookie = 0;
  // Hiring: forms stored (201), double submissions refused (409), junk refused (400/413), 429s
  // waited out, decisions, rule versions published, dry runs answered.
  int applied = 0, duplicates_refused = 0, junk_refused = 0, rate_limited = 0, accepted = 0,
      rejected = 0, rules_published = 0, dry_runs = 0;
  void Add(const Counts& o) {
    orders += o.orders, completed += o.completed, failed += o.failed, no_shows += o.no_shows;
    copies += o.copies, unmatched += o.unmatched, errors += o.errors;
    kits_issued += o.kits_issued, kits_without_cookie += o.kits_without_cookie;
    applied += o.applied, duplicates_refused += o.duplicates_refused;
    junk_refused += o.junk_refused, rate_limited += o.rate_limited, accepted += o.accepted;
    rejected += o.rejected, rules_published += o.rules_published, dry_runs += o.dry_runs;
  }
  void Fill(Json& out) const {
    out["orders"] = orders;
    out["completed"] = completed;
    out["failed"] = failed;
    out["no_shows"] = no_shows;
    out["copies"] = copies;
    out["unmatched"] = unmatched;
    out["kits_issued"] = kits_issued;
    out["kits_without_cookie"] = kits_without_cookie;
    out["applied"] = applied;
    out["duplicates_refused"] = duplicates_refused;
    out["junk_refused"] = junk_refused;
    out["rate_limited"] = rate_limited;
    out["accepted"] = accepted;
    out["rejected"] = rejected;
    out["rules_published"] = rules_published;
    out["dry_runs"] = dry_runs;
    out["errors"] = errors;
  }
};

struct Account {
  std::string id;
  std::string token;
};

struct Order {
  std::string id;
  int client = 0;
  int64_t starts_at_ms = 0;
  std::string worker_id;  // once seen assigned
};

enum class Action {
  kPlace, kAppointment, kFinish, kNoShowCheck, kEndOfDay, kApply, kManagerRound, kChangeRules
};

struct Event {
  int64_t at_ms = 0;
  uint64_t seq = 0;  // ties keep the order they were scheduled in
  Action action = Action::kPlace;
  int index = 0;  // kPlace: planned order; kAppointment..kNoShowCheck: order; kEndOfDay: day;
                  // kApply: planned application
  AppointmentOutcome outcome = AppointmentOutcome::kComplete;
  bool operator>(const Event& o) const {
    return at_ms != o.at_ms ? at_ms > o.at_ms : seq > o.seq;
  }
};

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

class Simulation {
 public:
  Simulation(const SimulateOptions& options, GatewayHttp& http, client::BusClient& bus)
      : options_(options), http_(http), bus_(bus), plan_rng_(options.seed),
        run_rng_(options.seed ^ 0x9e3779b97f4a7c15ULL),
        hire_rng_(options.seed ^ 0xc2b2ae3d27d4eb4fULL),
        days_(static_cast<size_t>(options.days)) {}

  // Set-up failures are returned; problems during the run are counted as errors.
  Status SetUp() {
    schemas::Reply now = bus_.Call(
        bus_.MakeCommand(schemas::clock::kNow, schemas::EmptyBody()), kCallTimeout);
    if (now.status != Code::kOk)
      return Status::Unavailable("clock.now at " + options_.broker + ": " +
                                 std::string(CodeName(now.status)) + ": " + now.message);
    auto decoded = schemas::Decode<schemas::clock::BusTime>(now.body);
    if (!decoded.ok()) return Status::Internal("clock.now: " + decoded.status().message());
    if (decoded->mode != "sim")
      return Status::Invalid(
          "the bus clock is " + decoded->mode +
          ": simulate moves time itself and needs a broker on the simulated clock "
          "(./mcf up --clock sim --start 2026-01-05T08:00:00Z)");
    now_ms_ = decoded->now_ms;
    day0_ms_ = now_ms_ / kDayMs * kDayMs;
    RETURN_IF_ERROR(WaitForIdle(bus_, kIdleTimeout));
    // Idempotency keys: the seed and the log head at the start, so a fresh system gets the same
    // command ids every time and a second run on the same system does not collide with the first.
    schemas::Reply health = bus_.Call(
        bus_.MakeCommand("broker.health", schemas::EmptyBody()), kCallTimeout);
    auto body = MsgpackToJson(health.body);
    const int64_t head = body.ok() && body->is_object() ? body->value("log_head", int64_t{0}) : 0;
    key_prefix_ = "sim-" + std::to_string(options_.seed) + "-" + std::to_string(head) + "-";

    RETURN_IF_ERROR(FindAdminToken());
    for (int i = 0; i < options_.workers; ++i) {
      std::string name = kWorkerNames[i % kWorkerNames.size()];
      if (i >= static_cast<int>(kWorkerNames.size()))
        name += " " + std::to_string(i / kWorkerNames.size() + 1);
      Json profile{{"name", name},
                   {"age", 1 + static_cast<int>(plan_rng_() % 14)},
                   {"breed", Pick(plan_rng_, kBreeds)},
                   {"coat_colour", Pick(plan_rng_, kCoats)},
                   {"strengths", Json::array({Pick(plan_rng_, kSkills)})},
                   {"weaknesses", Json::array({Pick(plan_rng_, kSkills)})}};
      HttpResponse r = Http("POST", "/v1/workers", admin_, profile);
      if (r.status != 201) return Unexpected("import worker " + name, r);
      workers_[r.body.value("worker_id", "")] = r.body.value("token", "");
    }
    HttpResponse staff =
        Http("POST", "/v1/staff", admin_, {{"role", "supplies"}, {"name", "Simulated supplies"}});
    if (staff.status != 201) return Unexpected("provision the supplies account", staff);
    supplies_ = staff.body.value("token", "");
    for (int i = 0; i < options_.clients; ++i) {
      const std::string employee = "sim-" + std::to_string(options_.seed) + "-" + std::to_string(i);
      const std::string name =
          std::string(kClientNames[i % kClientNames.size()]) + " " + std::to_string(i);
      HttpResponse r = Public("/v1/session", {{"employee_id", employee}, {"name", name}});
      if (r.status != 201) return Unexpected("sign in " + employee, r);
      clients_.push_back({r.body.value("client_id", ""), r.body.value("token", "")});
    }
    RETURN_IF_ERROR(quality_.SetUp(admin_));
    RETURN_IF_ERROR(bettors_.SetUp(admin_));
    if (options_.applications_per_day > 0) {
      HttpResponse m = Http("POST", "/v1/staff", admin_,
                            {{"role", "manager"}, {"name", "Simulated hiring manager"}});
      if (m.status != 201) return Unexpected("provision the manager", m);
      manager_ = m.body.value("token", "");
      RETURN_IF_ERROR(PublishAndActivate(InitialRules()));
    }
    std::cerr << "mcfctl simulate: " << workers_.size() << " workers, " << clients_.size()
              << " clients, a supplies account"
              << (manager_.empty() ? "" : ", a hiring manager with rules v1") << "; from "
              << schemas::clock::Iso8601(now_ms_) << "\n";
    return Status::Ok();
  }

  // Plays every day; prints the day lines and the totals. Returns the totals.
  Counts Run() {
    for (int d = 0; d < options_.days; ++d) {
      const int64_t day_start = day0_ms_ + d * kDayMs;
      for (const PlannedOrder& p :
           PlanDay(plan_rng_, day_start, now_ms_, options_.orders_per_day, options_.clients)) {
        planned_.push_back(p);
        Schedule(p.place_at_ms, Action::kPlace, static_cast<int>(planned_.size() - 1));
      }
      if (options_.applications_per_day > 0) PlanHiringDay(d, day_start);
      Schedule(day_start + kDayMs, Action::kEndOfDay, d);
    }
    while (!queue_.empty()) {
      const Event e = queue_.top();
      queue_.pop();
      if (e.at_ms > day0_ms_ + options_.days * kDayMs) continue;  // after the last day
      if (!AdvanceTo(e.at_ms)) {
        Today().errors++;
        if (e.action != Action::kEndOfDay) continue;
      }
      switch (e.action) {
        case Action::kPlace:
          Place(planned_[e.index]);
          break;
        case Action::kAppointment:
          Appointment(e.index);
          break;
        case Action::kFinish:
          Finish(e.index, e.outcome);
          break;
        case Action::kNoShowCheck:
          NoShowCheck(e.index);
          break;
        case Action::kEndOfDay:
          EndOfDay(e.index);
          break;
        case Action::kApply:
          Apply(applications_[e.index]);
          break;
        case Action::kManagerRound:
          ManagerRound();
          break;
        case Action::kChangeRules:
          if (Status s = ChangeRules(); !s.ok()) {
            Today().errors++;
            std::cerr << "mcfctl simulate: " << schemas::clock::Iso8601(now_ms_) << " "
                      << s.message() << "\n";
          }
          break;
      }
    }
    (void)WaitForIdle(bus_, kIdleTimeout);
    Json total;
    total["total"] = true;
    total["days"] = options_.days;
    total["from"] = schemas::clock::Iso8601(day0_ms_);
    total["to"] = schemas::clock::Iso8601(now_ms_);
    totals_.Fill(total);
    quality_.FillTotal(total);
    bettors_.FillTotal(total);
    std::cout << Dump(total) << std::endl;
    return totals_;
  }

 private:
  void Schedule(int64_t at_ms, Action action, int index,
                AppointmentOutcome outcome = AppointmentOutcome::kComplete) {
    queue_.push(Event{at_ms, next_seq_++, action, index, outcome});
  }

  Counts& Today() {
    int64_t d = (now_ms_ - day0_ms_) / kDayMs;
    d = std::clamp<int64_t>(d, 0, static_cast<int64_t>(days_.size()) - 1);
    return days_[d];
  }

  Status Unexpected(const std::string& what, const HttpResponse& r) {
    return Status::Unavailable(what + ": HTTP " + std::to_string(r.status) + " " +
                               (r.status < 0 ? r.error : Dump(r.body)));
  }

  // Counts and reports an unexpected answer during the run.
  void Error(const std::string& what, const HttpResponse& r) {
    Today().errors++;
    std::cerr << "mcfctl simulate: " << schemas::clock::Iso8601(now_ms_) << " "
              << Unexpected(what, r).message() << "\n";
  }

  bool Failed(const std::string& what, const HttpResponse& r) {
    Error(what, r);
    return false;
  }

  HttpResponse Http(const std::string& method, const std::string& path, const std::string& token,
                    const Json& body = nullptr) {
    if (Status s = WaitForIdle(bus_, kIdleTimeout); !s.ok()) {
      HttpResponse r;
      r.error = s.message();
      return r;
    }
    return http_.Call(method, path, token, body, key_prefix_ + std::to_string(++sent_));
  }

  bool AdvanceTo(int64_t at_ms) {
    if (at_ms <= now_ms_) return true;
    if (Status s = WaitForIdle(bus_, kIdleTimeout); !s.ok()) {
      std::cerr << "mcfctl simulate: " << s.message() << "\n";
      return false;
    }
    schemas::Envelope command = bus_.MakeCommand(
        schemas::clock::kAdvance, schemas::clock::Encode(schemas::clock::Advance{{}, at_ms}));
    command.id = key_prefix_ + std::to_string(++sent_);
    schemas::Reply reply = bus_.Call(command, kAdvanceTimeout);
    if (reply.status != Code::kOk) {
      std::cerr << "mcfctl simulate: clock.advance to " << schemas::clock::Iso8601(at_ms) << ": "
                << CodeName(reply.status) << ": " << reply.message << "\n";
      return false;
    }
    now_ms_ = at_ms;
    return true;
  }

  void Place(const PlannedOrder& p) {
    const Account& client = clients_[p.client];
    Today().orders++;
    HttpResponse r = Http("POST", "/v1/orders", client.token,
                          {{"service_type_id", "chores"},
                           {"description", Pick(run_rng_, kDescriptions)},
                           {"desired_at", schemas::clock::Iso8601(p.desired_at_ms)}});
    if (r.status != 201) return Error("order for " + client.id, r);
    orders_.push_back({r.body.value("id", ""), p.client, p.desired_at_ms, ""});
    Schedule(p.desired_at_ms, Action::kAppointment, static_cast<int>(orders_.size() - 1));
    Today().errors += bettors_.OnOrderPlaced(schemas::clock::Iso8601(now_ms_), orders_.back().id);
  }

  void Appointment(int index) {
    Order& order = orders_[index];
    const Account& client = clients_[order.client];
    HttpResponse r = Http("GET", "/v1/orders/" + order.id, client.token);
    if (r.status != 200) return Error("get order " + order.id, r);
    const std::string status = r.body.value("status", "");
    if (status == "requested") {  // no worker was free at that hour
      Today().unmatched++;
      return;
    }
    if (status != "assigned") return Error("order " + order.id + " is " + status, r);
    const std::string worker_id = r.body.value("worker_id", "");
    auto worker = workers_.find(worker_id);
    if (worker == workers_.end()) {
      // Assigned to a worker this run did not import (an earlier run's): nobody comes.
      Today().unmatched++;
      return;
    }
    order.worker_id = worker_id;
    const AppointmentOutcome outcome = DrawOutcome(run_rng_);
    if (outcome == AppointmentOutcome::kNoShow) {
      // The tasks context cancels on the first tick past starts_at + 30 min grace.
      Schedule(order.starts_at_ms + 31 * kMinuteMs, Action::kNoShowCheck, index);
      return;
    }
    switch (IssueKit(order)) {
      case Kit::kIssued:
        break;
      case Kit::kWithoutCookie:  // the worker cannot check in: tasks cancels it as a no-show
        Schedule(order.starts_at_ms + 31 * kMinuteMs, Action::kNoShowCheck, index);
        return;
      case Kit::kError:
        return;
    }
    HttpResponse in;
    for (int attempt = 0; attempt < kCheckInAttempts; ++attempt) {
      in = Http("POST", "/v1/jobs/" + order.id + "/check-in", worker->second,
                {{"photo", kCheckInPhoto}});
      if (in.status != 409) break;  // 409: the kit event has not reached tasks yet
    }
    if (in.status != 200) return Error("check in " + order.id, in);
    const int64_t work = static_cast<int64_t>(30 + run_rng_() % 26) * kMinuteMs;
    Schedule(order.starts_at_ms + work, Action::kFinish, index, outcome);
  }

  // Supplies staff look the job's order up and issue it. A kit still waiting for its fortune
  // cookie (the contractor failed or is late) cannot be issued: the worker cannot check in, and
  // the job ends as a no-show.
  enum class Kit { kIssued, kWithoutCookie, kError };
  Kit IssueKit(const Order& order) {
    HttpResponse board = Http("GET", "/v1/supply-orders?task_id=" + order.id, supplies_);
    if (board.status != 200) {
      Error("supply board", board);
      return Kit::kError;
    }
    const Json orders = board.body.value("orders", Json::array());
    if (orders.empty()) {
      Error("no supply order for " + order.id + " on the board", board);
      return Kit::kError;
    }
    const std::string supply_id = orders[0].value("id", "");
    if (!orders[0].value("complete", false)) {
      Today().kits_without_cookie++;
      return Kit::kWithoutCookie;
    }
    HttpResponse issued = Http("POST", "/v1/supply-orders/" + supply_id + "/issue", supplies_);
    if (issued.status != 200) {
      Error("issue " + supply_id, issued);
      return Kit::kError;
    }
    Today().kits_issued++;
    return Kit::kIssued;
  }

  void Finish(int index, AppointmentOutcome outcome) {
    const Order& order = orders_[index];
    const std::string& worker_token = workers_[order.worker_id];
    if (outcome == AppointmentOutcome::kFail) {
      HttpResponse f = Http("POST", "/v1/jobs/" + order.id + "/fail", worker_token,
                            {{"reason", Pick(run_rng_, kFailReasons)}});
      if (f.status != 200) return Error("fail " + order.id, f);
      Today().failed++;
      return;
    }
    HttpResponse c =
        Http("POST", "/v1/jobs/" + order.id + "/complete", worker_token, {{"photo", kReportPhoto}});
    if (c.status != 200) return Error("complete " + order.id, c);
    Today().completed++;
  }

  void NoShowCheck(int index) {
    const Order order = orders_[index];
    const Account& client = clients_[order.client];
    HttpResponse r = Http("GET", "/v1/orders/" + order.id, client.token);
    if (r.status != 200 || r.body.value("status", "") != "canceled" ||
        !r.body.value("copy_offered", false))
      return Error("no-show " + order.id + " not canceled with a copy offered", r);
    Today().no_shows++;
    const int64_t again = order.starts_at_ms + kDayMs;
    HttpResponse copy = Http("POST", "/v1/orders/" + order.id + "/copy", client.token,
                             {{"desired_at", schemas::clock::Iso8601(again)}});
    if (copy.status != 201) return Error("copy " + order.id, copy);
    Today().copies++;
    orders_.push_back({copy.body.value("id", ""), order.client, again, ""});
    Schedule(again, Action::kAppointment, static_cast<int>(orders_.size() - 1));
  }

  void EndOfDay(int day) {
    Json line;
    days_[day].errors += quality_.EndOfDay(schemas::clock::Iso8601(now_ms_), line);
    bettors_.EndOfDay(line);
    const Counts& c = days_[day];
    line["day"] = day + 1;
    line["date"] = schemas::clock::DateOf(day0_ms_ + day * kDayMs);
    c.Fill(line);
    std::cout << Dump(line) << std::endl;
    totals_.Add(c);
  }

  // --- hiring ---

  // One public request (no token), paced in wall time below the gateway's public gate; a 429
  // is waited out (its Retry-After is at least 1 s) and sent again with the same
  // Idempotency-Key, so the command ids do not depend on how fast the machine is.
  HttpResponse Public(const std::string& path, const Json& body) {
    const std::string key = key_prefix_ + std::to_string(++sent_);
    HttpResponse r;
    for (int attempt = 0; attempt < kRateLimitAttempts; ++attempt) {
      Pace();
      if (Status s = WaitForIdle(bus_, kIdleTimeout); !s.ok()) {
        r = HttpResponse{};
        r.error = s.message();
        return r;
      }
      r = http_.Call("POST", path, "", body, key);
      if (r.status != 429) break;
      Today().rate_limited++;
      std::this_thread::sleep_for(Millis(1000));
    }
    return r;
  }

  // A token bucket in wall time: kPublicBurst at once, then public_per_second.
  void Pace() {
    const auto now = std::chrono::steady_clock::now();
    const double rate = options_.public_per_second;
    if (paced_once_) {
      const std::chrono::duration<double> since = now - last_public_;
      public_tokens_ = std::min(kPublicBurst, public_tokens_ + since.count() * rate);
    }
    paced_once_ = true;
    last_public_ = now;
    if (public_tokens_ < 1) {
      const auto wait = std::chrono::duration<double>((1 - public_tokens_) / rate);
      std::this_thread::sleep_for(wait);
      public_tokens_ = 1;
      last_public_ = std::chrono::steady_clock::now();
    }
    public_tokens_ -= 1;
  }

  // The day's applicants, the manager's hourly rounds and, on the middle day, the rule change.
  void PlanHiringDay(int day, int64_t day_start) {
    for (const PlannedApplication& a :
         PlanApplications(hire_rng_, day_start, now_ms_, options_.applications_per_day)) {
      applications_.push_back(a);
      Schedule(a.at_ms, Action::kApply, static_cast<int>(applications_.size() - 1));
    }
    for (int hour = kFirstRoundHour; hour <= kLastRoundHour; ++hour)
      if (day_start + hour * kHourMs > now_ms_)
        Schedule(day_start + hour * kHourMs, Action::kManagerRound, day);
    if (day == options_.days / 2)  // between two rounds, so no application is half screened
      Schedule(std::max(day_start + 12 * kHourMs + 30 * kMinuteMs, now_ms_ + kMinuteMs),
               Action::kChangeRules, day);
  }

  void Apply(const PlannedApplication& a) {
    const uint64_t serial = ++applicants_;
    const Json form = ApplicationForm(hire_rng_, a.kind, serial, key_prefix_ + "x");
    const std::string what = "application " + std::to_string(serial);
    HttpResponse r = Public("/v1/applications", form);
    if (r.status == 429) return Error(what + " still rate-limited", r);
    switch (a.kind) {
      case ApplicationKind::kValid:
      case ApplicationKind::kDuplicate:
        if (r.status != 201) return Error(what, r);
        Today().applied++;
        if (a.kind == ApplicationKind::kValid) return;
        r = Public("/v1/applications", form);  // pressed send twice
        if (r.status != 409) return Error(what + " sent twice", r);
        Today().duplicates_refused++;
        return;
      case ApplicationKind::kJunkHugePhoto:
        if (r.status != 413) return Error(what + " (photo over the limit)", r);
        Today().junk_refused++;
        return;
      default:
        if (r.status != 400) return Error(what + " (junk)", r);
        Today().junk_refused++;
        return;
    }
  }

  // Screens every received application, oldest first (the list is newest first).
  void ManagerRound() {
    for (int round = 0; round < kMaxListRounds; ++round) {
      HttpResponse list = Http("GET", "/v1/applications?status=received&limit=100", manager_);
      if (list.status != 200) return Error("list received applications", list);
      const Json page = list.body.value("applications", Json::array());
      int screened = 0;
      for (auto it = page.rbegin(); it != page.rend(); ++it)
        screened += Screen(it->value("application_id", "")) ? 1 : 0;
      if (screened == 0) return;  // none left, or only ones that fail (each counted an error)
    }
  }

  // Tests assigned, results recorded, the proposal confirmed; the accepted join the roster.
  bool Screen(const std::string& id) {
    const std::string base = "/v1/applications/" + id;
    HttpResponse t = Http("POST", base + "/tests", manager_, {{"tests", rule_tests_}});
    if (t.status != 200) return Failed("assign tests to " + id, t);
    for (const std::string& test : rule_tests_) {
      HttpResponse r = Http("POST", base + "/results", manager_,
                            {{"test", test},
                             {"score", DrawScore(hire_rng_)},
                             {"notes", Pick(hire_rng_, kTestNotes)}});
      if (r.status != 200) return Failed("record " + test + " for " + id, r);
    }
    HttpResponse p = Http("GET", base + "/proposal", manager_);
    if (p.status != 200) return Failed("proposal for " + id, p);
    const std::string outcome = p.body.value("outcome", "");
    HttpResponse d = Http("POST", base + "/decision", manager_, {{"expect_outcome", outcome}});
    if (d.status != 201) return Failed("decide " + id, d);
    if (outcome == "accepted") {
      Today().accepted++;
      workers_[d.body.value("worker_id", "")] = d.body.value("worker_token", "");
    } else {
      Today().rejected++;
    }
    return true;
  }

  // Publishes `body` ({"rules": ...}) and activates that version; its tests are assigned from
  // then on.
  Status PublishAndActivate(const Json& body) {
    HttpResponse pub = Http("PUT", "/v1/screening-rules", manager_, body);
    if (pub.status != 201) return Unexpected("publish screening rules", pub);
    const int64_t version = pub.body.value("version", int64_t{0});
    Today().rules_published++;
    HttpResponse act = Http("POST", "/v1/screening-rules/" + std::to_string(version) + "/activate",
                            manager_);
    if (act.status != 200) return Unexpected("activate rules v" + std::to_string(version), act);
    rule_tests_ = RuleTests(body);
    return Status::Ok();
  }

  // Mid-run: the manager looks at what the stricter rules would have decided, then uses them.
  Status ChangeRules() {
    const Json changed = ChangedRules();
    HttpResponse dry = Http("POST", "/v1/screening-rules/dry-run", manager_,
                            {{"rules", changed["rules"]}, {"last", 50}});
    if (dry.status != 200) return Unexpected("dry run of the changed rules", dry);
    Today().dry_runs++;
    return PublishAndActivate(changed);
  }

  Status FindAdminToken() {
    std::vector<std::string> files;
    if (!options_.admin_token_file.empty()) {
      files.push_back(options_.admin_token_file);
    } else {
      files = {"var/admin.token", "var/sim/admin.token"};
    }
    std::string tried;
    for (const auto& file : files) {
      const std::string token = Trimmed(process::ReadFile(file));
      tried += (tried.empty() ? "" : ", ") + file;
      if (token.empty()) {
        tried += " (missing)";
        continue;
      }
      HttpResponse me = http_.Call("GET", "/v1/me", token);
      if (me.status == 200 && me.body.value("role", "") == "admin") {
        admin_ = token;
        return Status::Ok();
      }
      tried += " (HTTP " + std::to_string(me.status) + (me.status < 0 ? " " + me.error : "") + ")";
    }
    return Status::Unavailable("no admin token the gateway at " + options_.gateway +
                               " accepts; tried " + tried + " (give --admin-token-file)");
  }

  const SimulateOptions& options_;
  GatewayHttp& http_;
  client::BusClient& bus_;
  std::mt19937_64 plan_rng_;  // set-up profiles and the daily plans
  std::mt19937_64 run_rng_;   // outcomes, descriptions, durations, in event order
  std::mt19937_64 hire_rng_;  // applicants' plans and forms, scores (apart: orders stay as they were)
  std::string key_prefix_;
  uint64_t sent_ = 0;
  int64_t now_ms_ = 0;
  int64_t day0_ms_ = 0;
  std::string admin_;
  std::string supplies_;
  std::string manager_;
  std::vector<std::string> rule_tests_;  // of the active rules
  std::vector<PlannedApplication> applications_;
  uint64_t applicants_ = 0;
  double public_tokens_ = kPublicBurst;
  bool paced_once_ = false;
  std::chrono::steady_clock::time_point last_public_;
  std::map<std::string, std::string> workers_;  // worker_id -> token
  std::vector<Account> clients_;
  std::vector<PlannedOrder> planned_;
  std::vector<Order> orders_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> queue_;
  uint64_t next_seq_ = 0;
  std::vector<Counts> days_;
  Counts totals_;
  QualityReviewer quality_{options_.seed, [this](const std::string& m, const std::string& p,
                                                 const std::string& t, const Json& b) {
                             return Http(m, p, t, b);
                           }};
  Bettors bettors_{options_.seed, [this](const std::string& m, const std::string& p,
                                         const std::string& t, const Json& b) {
                     return Http(m, p, t, b);
                   }};
};

}  // namespace

int RunSimulate(const SimulateOptions& options) {
  if (options.days < 1 || options.days > 366 || options.orders_per_day < 0 ||
      options.orders_per_day > 10000 || options.workers < 1 || options.clients < 1 ||
      options.applications_per_day < 0 || options.applications_per_day > 100000 ||
      !(options.public_per_second > 0)) {
    std::cerr << "mcfctl simulate: --days 1..366, --orders-per-day 0..10000, --workers >= 1, "
                 "--clients >= 1, --applications-per-day 0..100000, --public-per-second > 0\n";
    return kExitUsage;
  }
  auto host_port = ParseHostPort(options.gateway);
  if (!host_port) {
    std::cerr << "mcfctl simulate: bad --gateway \"" << options.gateway
              << "\" (e.g. 127.0.0.1:8080)\n";
    return kExitUsage;
  }
  GatewayHttp http(host_port->first, host_port->second, kCallTimeout);
  zmq::context_t context(1);
  client::BusClient bus(context, options.broker, "mcfctl-simulate");
  Simulation simulation(options, http, bus);
  if (Status s = simulation.SetUp(); !s.ok()) {
    std::cerr << "mcfctl simulate: " << s.message() << "\n";
    return kExitLocalError;
  }
  const auto totals = simulation.Run();
  return totals.errors == 0 ? 0 : kExitLocalError;
}

}  // namespace mcf::mcfctl

namespace mcf::mcfctl {

std::function<std::optional<int>()> AddSimulateCommand(CLI::App& app, const std::string& broker) {
  auto options = std::make_shared<SimulateOptions>();
  auto* cmd = app.add_subcommand(
      "simulate",
      "drive a running sim system through the gateway with seeded traffic; moves the bus clock");
  cmd->add_option("--days", options->days, "simulated days")->capture_default_str();
  cmd->add_option("--orders-per-day", options->orders_per_day, "orders placed per day")
      ->capture_default_str();
  cmd->add_option("--seed", options->seed, "seed of every random choice")->capture_default_str();
  cmd->add_option("--gateway", options->gateway, "the gateway, HOST:PORT")->capture_default_str();
  cmd->add_option("--admin-token-file", options->admin_token_file,
                  "the gateway's bootstrap admin token (default: var/admin.token, then "
                  "var/sim/admin.token)");
  cmd->add_option("--workers", options->workers, "workers imported at set-up")
      ->capture_default_str();
  cmd->add_option("--clients", options->clients, "clients signed in at set-up")
      ->capture_default_str();
  cmd->add_option("--applications-per-day", options->applications_per_day,
                  "public applications a day (a few duplicates and junk); 0: no hiring")
      ->capture_default_str();
  cmd->add_option("--public-per-second", options->public_per_second,
                  "wall-time pace of public requests (the gateway admits 5/s per route)")
      ->capture_default_str();
  return [cmd, options, &broker]() -> std::optional<int> {
    if (!*cmd) return std::nullopt;
    options->broker = broker;
    return RunSimulate(*options);
  };
}

}  // namespace mcf::mcfctl
