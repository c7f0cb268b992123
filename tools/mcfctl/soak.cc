#include "tools/mcfctl/soak.h"

#include <httplib.h>
#include <lmdb.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <zmq.hpp>

#include "lib/base/log.h"
#include "lib/client/bus_client.h"
#include "schemas/body.h"
#include "schemas/clock.h"
#include "schemas/registry.h"

namespace mcf::soak {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;

constexpr int kEmployees = 4;  // the fixed set of clients that sign in again and again
constexpr int kWorkers = 3;    // imported at set-up, so every order is matched
constexpr size_t kMaxErrorExamples = 10;
constexpr size_t kMaxLogHits = 50;
constexpr Millis kBusTimeout{10000};
constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 24 * kHourMs;

// What came back for one HTTP request.
struct Answer {
  int status = -1;  // -1: no response
  std::string body;
  std::string error;  // httplib's error when there was no response
};

// One keep-alive connection to the gateway. Generous timeouts: a slow answer is not an error
// here, a missing one is. Owned by one thread.
class Http {
 public:
  explicit Http(int port) : client_("127.0.0.1", port) {
    client_.set_keep_alive(true);
    client_.set_tcp_nodelay(true);
    client_.set_connection_timeout(std::chrono::seconds(10));
    client_.set_read_timeout(std::chrono::seconds(60));
    client_.set_write_timeout(std::chrono::seconds(30));
  }

  Answer Call(const std::string& method, const std::string& path, const std::string& token,
              const std::string& body = "") {
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    httplib::Result res = method == "GET" ? client_.Get(path, headers)
                          : method == "PATCH"
                              ? client_.Patch(path, headers, body, "application/json")
                              : client_.Post(path, headers, body, "application/json");
    Answer out;
    if (!res) {
      out.error = httplib::to_string(res.error());
      return out;
    }
    out.status = res->status;
    out.body = std::move(res->body);
    return out;
  }

 private:
  httplib::Client client_;
};

std::string Describe(const Answer& a) {
  if (a.status < 0) return "no response (" + a.error + ")";
  return "HTTP " + std::to_string(a.status) + " " + a.body.substr(0, 300);
}

// A value out of a JSON answer; "" when the body is not JSON or lacks it.
std::string Field(const Answer& a, const char* key) {
  Json body = Json::parse(a.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains(key) || !body[key].is_string()) return "";
  return body[key].get<std::string>();
}

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Client {
  std::string employee_id;
  std::string token;
  std::string client_id;
  std::string order_id;  // placed at set-up
};

// Who the traffic acts as, made by the set-up.
struct Cast {
  std::string manager;       // token
  std::string service_type;  // the id PATCHed
  std::vector<Client> clients;
  int64_t first_appointment_ms = 0;  // orders are an hour apart from here
};

// Tallies shared by the traffic threads.
class Tally {
 public:
  Tally() : recorded_(SoakContexts().size()) {}

  void Ok() { requests_.fetch_add(1, std::memory_order_relaxed); }
  void Error(const std::string& what) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(mu_);
    if (examples_.size() >= kMaxErrorExamples) return;  // counted; the first few are enough
    spdlog::warn("event=soak_error what={}", Quoted(what));
    examples_.push_back(what);
  }
  uint64_t requests() const { return requests_.load(std::memory_order_relaxed); }
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }
  std::vector<std::string> examples() const {
    std::lock_guard<std::mutex> lock(mu_);
    return examples_;
  }
  void AddRoutes(const std::map<std::string, uint64_t>& routes) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [route, n] : routes) by_route_[route] += n;
  }
  std::map<std::string, uint64_t> by_route() const {
    std::lock_guard<std::mutex> lock(mu_);
    return by_route_;
  }

  // One HTTP write, which sends one mutating bus command to each of `contexts` (those record a
  // reply; nothing else the soak sends does).
  void Wrote(std::initializer_list<std::string_view> contexts = {"portal"}) {
    writes.fetch_add(1, std::memory_order_relaxed);
    for (std::string_view c : contexts) {
      const auto& all = SoakContexts();
      const size_t i = static_cast<size_t>(std::find(all.begin(), all.end(), c) - all.begin());
      if (i < recorded_.size()) recorded_[i].fetch_add(1, std::memory_order_relaxed);
    }
  }
  // Mutating commands sent to `context` so far.
  uint64_t recorded(const std::string& context) const {
    const auto& all = SoakContexts();
    const size_t i = static_cast<size_t>(std::find(all.begin(), all.end(), context) - all.begin());
    return i < recorded_.size() ? recorded_[i].load(std::memory_order_relaxed) : 0;
  }

  std::atomic<uint64_t> writes{0}, sign_ins{0}, orders{0}, patches{0};

 private:
  std::atomic<uint64_t> requests_{0}, errors_{0};
  std::vector<std::atomic<uint64_t>> recorded_;  // by SoakContexts() index
  mutable std::mutex mu_;
  std::vector<std::string> examples_;
  std::map<std::string, uint64_t> by_route_;
};

// Checks one answer: the status, and a piece of the body that only the right answer has.
// `route` names it in the per-route counts.
bool Check(Tally& tally, std::map<std::string, uint64_t>& routes, const std::string& route,
           const std::string& path, const Answer& a, int status, const std::string& must_contain) {
  if (a.status == status && a.body.find(must_contain) != std::string::npos) {
    tally.Ok();
    ++routes[route];
    return true;
  }
  std::string method = route.substr(0, route.find(' '));
  tally.Error(method + " " + path + ": " + Describe(a) +
              (a.status == status ? " (expected it to contain " + must_contain + ")" : ""));
  return false;
}

// `returning`: the employees the pacer signs in again and again (a client keeps only its newest
// 8 tokens, so the readers' clients must not be among them).
std::string SignInBody(int k, bool returning = false) {
  const std::string who = (returning ? "E-soak-returning-" : "E-soak-") + std::to_string(k + 1);
  return Json{{"employee_id", who}, {"name", "Soak client " + std::to_string(k + 1)}}.dump();
}

std::string OrderBody(int64_t starts_at_ms, uint64_t n) {
  return Json{{"service_type_id", "chores"},
              {"description", "soak order " + std::to_string(n) + ": toss the jars"},
              {"desired_at", schemas::clock::Iso8601(starts_at_ms)}}
      .dump();
}

Result<Cast> SetUp(Http& http, const std::string& admin, Tally& tally) {
  Cast cast;
  auto fail = [](const std::string& what, const Answer& a) {
    return Status::Unavailable("set-up: " + what + ": " + Describe(a));
  };
  Answer manager = http.Call("POST", "/v1/staff", admin,
                             Json{{"role", "manager"}, {"name", "Soak manager"}}.dump());
  tally.Wrote();
  cast.manager = Field(manager, "token");
  if (manager.status != 201 || cast.manager.empty()) return fail("POST /v1/staff", manager);
  for (int w = 0; w < kWorkers; ++w) {
    Answer worker = http.Call("POST", "/v1/workers", admin,
                              Json{{"name", "Soak worker " + std::to_string(w + 1)},
                                   {"age", 4},
                                   {"breed", "Siberian"},
                                   {"coat_colour", "grey"},
                                   {"strengths", {"poking"}},
                                   {"weaknesses", {"baths"}}}
                                  .dump());
    tally.Wrote({"hiring", "portal"});  // hiring.import_worker, portal.grant_worker_token
    if (worker.status != 201) return fail("POST /v1/workers", worker);
  }
  Answer type = http.Call("POST", "/v1/service-types", cast.manager,
                          Json{{"name", "Soak"}, {"description", "rev 0"}}.dump());
  tally.Wrote();
  cast.service_type = Field(type, "id");
  if (type.status != 201 || cast.service_type.empty()) return fail("POST /v1/service-types", type);

  // Appointments a week out on whole hours, one hour apart: never overlapping, so each order is
  // matched whichever worker it gets, and never due while the soak runs.
  cast.first_appointment_ms = (WallMs() / kHourMs + 1) * kHourMs + 7 * kDayMs;
  for (int k = 0; k < kEmployees; ++k) {
    Answer session = http.Call("POST", "/v1/session", "", SignInBody(k));
    tally.Wrote();
    Client c;
    c.employee_id = "E-soak-" + std::to_string(k + 1);
    c.token = Field(session, "token");
    c.client_id = Field(session, "client_id");
    if (session.status != 201 || c.token.empty() || c.client_id.empty())
      return fail("POST /v1/session", session);
    Answer order = http.Call("POST", "/v1/orders", c.token,
                             OrderBody(cast.first_appointment_ms + k * kHourMs, k));
    tally.Wrote();
    c.order_id = Field(order, "id");
    if (order.status != 201 || c.order_id.empty()) return fail("POST /v1/orders", order);
    cast.clients.push_back(std::move(c));
  }
  return cast;
}

// One closed-loop client: the reads and the PATCH in turn, as fast as they are answered.
void ClientLoop(int index, int port, const Cast& cast, SteadyClock::time_point end, Tally& tally) {
  Http http(port);
  std::map<std::string, uint64_t> routes;
  const Client& me = cast.clients[static_cast<size_t>(index) % cast.clients.size()];
  const std::string type_path = "/v1/service-types/" + cast.service_type;
  for (uint64_t n = 0; SteadyClock::now() < end; ++n) {
    switch ((n + static_cast<uint64_t>(index)) % 6) {
      case 0:
        Check(tally, routes, "GET /v1/orders", "/v1/orders",
              http.Call("GET", "/v1/orders", me.token), 200, me.order_id);
        break;
      case 1:
        Check(tally, routes, "GET /v1/orders/{id}", "/v1/orders/" + me.order_id,
              http.Call("GET", "/v1/orders/" + me.order_id, me.token), 200, me.order_id);
        break;
      case 2:
        Check(tally, routes, "GET /v1/service-types", "/v1/service-types",
              http.Call("GET", "/v1/service-types", me.token), 200, cast.service_type);
        break;
      case 3:
        Check(tally, routes, "GET /v1/me", "/v1/me", http.Call("GET", "/v1/me", me.token), 200,
              me.client_id);
        break;
      case 4:
        Check(tally, routes, "GET /healthz", "/healthz", http.Call("GET", "/healthz", ""), 200,
              "\"status\":\"ok\"");
        break;
      default: {
        const std::string description = "rev " + std::to_string(index) + "." + std::to_string(n);
        tally.Wrote();
        ++tally.patches;
        Check(
            tally, routes, "PATCH /v1/service-types/{id}", type_path,
            http.Call("PATCH", type_path, cast.manager, Json{{"description", description}}.dump()),
            200, description);
        break;
      }
    }
  }
  tally.AddRoutes(routes);
}

// Sign-ins and orders at their rates until `end`.
void PaceLoop(int port, const Cast& cast, const TrafficOptions& options,
              SteadyClock::time_point start, SteadyClock::time_point end, Tally& tally) {
  Http http(port);
  std::map<std::string, uint64_t> routes;
  auto next_sign_in = start + options.sign_in_every;
  const bool ordering = options.order_every.count() > 0 && options.max_orders > 0;
  auto next_order = ordering ? start + options.order_every : end;
  uint64_t sign_ins = 0, orders = 0;
  std::vector<std::string> returning_clients(kEmployees);
  while (true) {
    const auto due = std::min({next_sign_in, next_order, end});
    std::this_thread::sleep_until(due);
    if (SteadyClock::now() >= end) break;
    if (SteadyClock::now() >= next_sign_in) {
      const int k = static_cast<int>(sign_ins++ % kEmployees);
      tally.Wrote();
      ++tally.sign_ins;
      // The same employee always signs in as the same client.
      Answer session = http.Call("POST", "/v1/session", "", SignInBody(k, /*returning=*/true));
      if (returning_clients[k].empty()) returning_clients[k] = Field(session, "client_id");
      Check(tally, routes, "POST /v1/session", "/v1/session", session, 201,
            returning_clients[k].empty() ? std::string("client_id") : returning_clients[k]);
      // A pacer that fell behind skips what it missed rather than catching up in a burst
      // (which the gateway's per-address limit would refuse).
      next_sign_in = std::max(next_sign_in + options.sign_in_every,
                              SteadyClock::now() + options.sign_in_every / 2);
    }
    if (ordering && SteadyClock::now() >= next_order) {
      const uint64_t n = kEmployees + orders++;
      const Client& c = cast.clients[n % cast.clients.size()];
      tally.Wrote();
      ++tally.orders;
      Check(tally, routes, "POST /v1/orders", "/v1/orders",
            http.Call("POST", "/v1/orders", c.token,
                      OrderBody(cast.first_appointment_ms + static_cast<int64_t>(n) * kHourMs, n)),
            201, "\"requested\"");
      next_order = orders < static_cast<uint64_t>(options.max_orders)
                       ? std::max(next_order + options.order_every,
                                  SteadyClock::now() + options.order_every / 2)
                       : end;
    }
  }
  tally.AddRoutes(routes);
}

StoreSample AskStore(client::BusClient& bus, const std::string& context) {
  StoreSample s;
  schemas::Reply reply = bus.Call(
      bus.MakeCommand(context + "." + std::string(schemas::kStoreStatusVerb), schemas::EmptyBody()),
      kBusTimeout);
  if (reply.status != Code::kOk) return s;
  auto body = schemas::Body::Parse(reply.body);
  if (!body.ok()) return s;
  auto used = body->Int("used_bytes");
  auto map = body->Int("map_bytes");
  auto ceiling = body->Int("ceiling_bytes");
  auto full = body->Bool("full");
  auto pruned = body->Int("replies_pruned");
  auto refused = body->Int("refused_full");
  if (!used.ok() || !map.ok() || !ceiling.ok() || !full.ok() || !pruned.ok() || !refused.ok())
    return s;
  s.answered = true;
  s.used_bytes = *used;
  s.map_bytes = *map;
  s.ceiling_bytes = *ceiling;
  s.full = *full;
  s.replies_pruned = *pruned;
  s.refused_full = *refused;
  return s;
}

int64_t AskLogUsed(client::BusClient& bus) {
  schemas::Reply reply =
      bus.Call(bus.MakeCommand("broker.stats", schemas::EmptyBody()), kBusTimeout);
  if (reply.status != Code::kOk) return -1;
  auto body = schemas::Body::Parse(reply.body);
  if (!body.ok()) return -1;
  auto used = body->Int("log_used_bytes");
  return used.ok() ? *used : -1;
}

Sample TakeSample(client::BusClient& bus, double elapsed_s, const Tally& tally) {
  Sample s;
  s.elapsed_s = elapsed_s;
  s.requests = tally.requests();
  s.errors = tally.errors();
  for (const std::string& context : SoakContexts()) {
    s.stores[context] = AskStore(bus, context);
    // Read after the store answered: what it pruned by then was sent before.
    s.stores[context].recorded_commands = tally.recorded(context);
  }
  s.log_used_bytes = AskLogUsed(bus);
  return s;
}

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string KiB(int64_t bytes) { return std::to_string(bytes / 1024); }

}  // namespace

const std::vector<std::string>& SoakContexts() {
  static const std::vector<std::string> kContexts = {"portal", "tasks", "matching", "hiring",
                                                     "supplies"};
  return kContexts;
}

process::SystemOptions SoakSystem(const SystemSpec& spec) {
  process::SystemOptions options;
  options.bin_dir = spec.bin_dir;
  options.data_dir = spec.data_dir;
  options.contexts = SoakContexts();
  options.gateway = true;
  options.worker_flags = {"--store-max-mb", std::to_string(spec.store_max_mb), "--reply-retention",
                          spec.reply_retention};
  // The map starts at 64 MiB by default; a smaller ceiling starts it at the ceiling.
  if (spec.store_max_mb < 64) {
    options.worker_flags.insert(options.worker_flags.end(),
                                {"--store-map-mb", std::to_string(spec.store_max_mb)});
  }
  options.gateway_flags = {"--command-timeout-ms", "30000", "--auth-timeout-ms", "10000",
                           "--health-timeout-ms",  "10000"};
  return options;
}

Result<TrafficReport> RunTraffic(process::LocalSystem& system, const TrafficOptions& options) {
  if (system.gateway_port() <= 0) return Status::Invalid("the system has no gateway");
  if (options.clients < 1) return Status::Invalid("clients must be at least 1");
  Tally tally;
  Http setup_http(system.gateway_port());
  ASSIGN_OR_RETURN(auto cast, SetUp(setup_http, system.admin_token(), tally));

  zmq::context_t zmq_context(1);
  client::BusClient bus(zmq_context, system.broker_endpoint(), "soak");
  TrafficReport report;
  auto record = [&](Sample s) {
    if (options.on_sample) options.on_sample(s);
    report.samples.push_back(std::move(s));
  };
  record(TakeSample(bus, 0, tally));

  const auto start = SteadyClock::now();
  const auto end = start + options.duration;
  std::vector<std::thread> threads;
  for (int i = 0; i < options.clients; ++i) {
    threads.emplace_back(ClientLoop, i, system.gateway_port(), std::cref(cast), end,
                         std::ref(tally));
  }
  threads.emplace_back(PaceLoop, system.gateway_port(), std::cref(cast), std::cref(options), start,
                       end, std::ref(tally));
  const Millis every = std::max(options.sample_every, Millis(100));
  for (auto next = start + every; next < end; next += every) {
    std::this_thread::sleep_until(next);
    record(TakeSample(bus, Seconds(SteadyClock::now() - start), tally));
  }
  for (auto& t : threads) t.join();
  report.seconds = Seconds(SteadyClock::now() - start);
  record(TakeSample(bus, report.seconds, tally));

  report.requests = tally.requests();
  report.errors = tally.errors();
  report.error_examples = tally.examples();
  report.by_route = tally.by_route();
  report.writes = tally.writes;
  report.sign_ins = tally.sign_ins;
  report.orders = tally.orders;
  report.patches = tally.patches;
  return report;
}

std::vector<std::string> FindStoreFullInLogs(const std::string& data_dir) {
  std::vector<std::string> hits;
  std::error_code ec;
  std::vector<fs::path> logs;
  for (const auto& entry : fs::directory_iterator(data_dir, ec)) {
    if (entry.path().extension() == ".log") logs.push_back(entry.path());
  }
  std::sort(logs.begin(), logs.end());
  for (const fs::path& path : logs) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line) && hits.size() < kMaxLogHits) {
      if (line.find("MDB_MAP_FULL") != std::string::npos ||
          line.find("store_full") != std::string::npos) {
        hits.push_back(path.filename().string() + ": " + line);
      }
    }
  }
  return hits;
}

std::map<std::string, uint64_t> StoreEntries(const std::string& store_dir) {
  std::map<std::string, uint64_t> out;
  MDB_env* env = nullptr;
  if (mdb_env_create(&env) != 0) return out;
  struct Closer {
    MDB_env* env;
    ~Closer() { mdb_env_close(env); }
  } closer{env};
  mdb_env_set_maxdbs(env, 256);
  if (mdb_env_open(env, store_dir.c_str(), MDB_RDONLY, 0644) != 0) return out;
  MDB_txn* txn = nullptr;
  if (mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn) != 0) return out;
  MDB_dbi main_dbi = 0;
  MDB_cursor* cursor = nullptr;
  if (mdb_dbi_open(txn, nullptr, 0, &main_dbi) == 0 &&
      mdb_cursor_open(txn, main_dbi, &cursor) == 0) {
    MDB_val key{}, value{};
    std::vector<std::string> names;
    for (int rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)) {
      names.emplace_back(static_cast<const char*>(key.mv_data), key.mv_size);
    }
    mdb_cursor_close(cursor);
    for (const std::string& name : names) {
      MDB_dbi dbi = 0;
      MDB_stat stat{};
      // A key of the main database that is not a named database does not open: skipped.
      if (mdb_dbi_open(txn, name.c_str(), 0, &dbi) != 0) continue;
      if (mdb_stat(txn, dbi, &stat) == 0) out[name] = stat.ms_entries;
    }
  }
  mdb_txn_abort(txn);
  return out;
}

Verdict Judge(const TrafficReport& report, const PlateauOptions& options,
              const std::vector<std::string>& store_full_log_lines) {
  Verdict v;
  const auto& samples = report.samples;
  if (samples.size() < 4) {
    v.failures.push_back("only " + std::to_string(samples.size()) +
                         " samples: too few to tell a plateau (run longer or sample more often)");
    return v;
  }
  // The last sample at or before two thirds of the run: where the last third starts.
  v.last_third_from_s = report.seconds * 2.0 / 3.0;
  size_t at = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    if (samples[i].elapsed_s <= v.last_third_from_s) at = i;
  }
  const Sample& final_sample = samples.back();
  v.requests_last_third = final_sample.requests - samples[at].requests;
  const double retention_s = static_cast<double>(options.reply_retention.count()) / 1000.0;

  if (report.errors > 0) {
    v.failures.push_back(std::to_string(report.errors) + " of " +
                         std::to_string(report.requests + report.errors) +
                         " requests did not get their expected answer; first: " +
                         (report.error_examples.empty() ? "?" : report.error_examples.front()));
  }
  if (!store_full_log_lines.empty()) {
    v.failures.push_back(std::to_string(store_full_log_lines.size()) +
                         " log lines mention a full store; first: " + store_full_log_lines.front());
  }
  for (const auto& [context, unused] : samples.front().stores) {
    StoreVerdict s;
    s.context = context;
    // What sample i says of this store (a default, unanswered one when it is missing).
    auto store = [&](size_t i) -> StoreSample {
      auto it = samples[i].stores.find(context);
      return it == samples[i].stores.end() ? StoreSample{} : it->second;
    };
    // Mutating commands sent within the retention window ending at sample i: the replies the
    // store may hold then. The window starts at the last sample at or before its start (so it
    // is a little longer, never shorter); one that starts before the traffic counts set-up too.
    auto held = [&](size_t i) -> uint64_t {
      uint64_t before = 0;
      for (size_t j = 0; j < i; ++j) {
        if (samples[j].elapsed_s <= samples[i].elapsed_s - retention_s) {
          before = store(j).recorded_commands;
        }
      }
      return store(i).recorded_commands - before;
    };
    bool have_any = false;
    for (size_t i = 0; i < samples.size(); ++i) {
      const StoreSample st = store(i);
      (i <= at ? s.held_peak_before : s.held_peak_last) =
          std::max(i <= at ? s.held_peak_before : s.held_peak_last, held(i));
      if (!st.answered) {
        s.always_answered = false;
        continue;
      }
      if (!have_any) s.first = st.used_bytes;
      have_any = true;
      s.max = std::max(s.max, st.used_bytes);
      s.ever_full = s.ever_full || st.full || st.refused_full > 0;
    }
    const StoreSample at_third = store(at);
    const StoreSample last = store(samples.size() - 1);
    const bool measured = at_third.answered && last.answered;
    s.recorded_commands = last.recorded_commands;
    if (measured) {
      s.at_last_third = at_third.used_bytes;
      s.last = last.used_bytes;
      s.replies_pruned = last.replies_pruned;
      s.growth = s.last - s.at_last_third;
      const uint64_t extra =
          s.held_peak_last > s.held_peak_before ? s.held_peak_last - s.held_peak_before : 0;
      s.allowance = options.bytes_per_held_reply * static_cast<int64_t>(extra);
      s.bound = std::max(options.min_growth_bytes,
                         static_cast<int64_t>(options.growth_fraction *
                                              static_cast<double>(s.at_last_third))) +
                s.allowance;
      s.plateau = s.growth <= s.bound;
    }
    if (!s.always_answered) {
      v.failures.push_back(context + " did not answer store_status in every sample");
    }
    if (s.ever_full) {
      v.failures.push_back("the store of " + context + " was full (or refused writes as full)");
    }
    if (measured && !s.plateau) {
      v.failures.push_back(context + " grew by " + KiB(s.growth) + " KiB over the last third (" +
                           KiB(s.at_last_third) + " -> " + KiB(s.last) + " KiB), more than " +
                           KiB(s.bound) + " KiB: no plateau");
    }
    // A read records nothing, so only the writes' commands leave replies to prune.
    if (s.replies_pruned > static_cast<int64_t>(s.recorded_commands)) {
      v.failures.push_back(context + " pruned " + std::to_string(s.replies_pruned) +
                           " recorded replies but the writes sent it only " +
                           std::to_string(s.recorded_commands) +
                           " mutating commands: replies of read-only commands are being recorded");
    }
    v.stores.push_back(std::move(s));
  }
  if (v.requests_last_third < options.min_requests_last_third) {
    v.failures.push_back(
        "only " + std::to_string(v.requests_last_third) + " requests in the last third (at least " +
        std::to_string(options.min_requests_last_third) + " make a flat size mean something)");
  }
  v.ok = v.failures.empty();
  return v;
}

std::string FormatSamples(const TrafficReport& report) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%8s %9s %7s %7s", "t(s)", "requests", "errors", "req/s");
  out += line;
  if (!report.samples.empty()) {
    for (const auto& [context, unused] : report.samples.front().stores) {
      std::snprintf(line, sizeof line, " %12s", (context + "_KiB").c_str());
      out += line;
    }
  }
  out += "   log_KiB\n";
  const Sample* previous = nullptr;
  for (const Sample& s : report.samples) {
    double rate = 0;
    if (previous != nullptr && s.elapsed_s > previous->elapsed_s) {
      rate = static_cast<double>(s.requests - previous->requests) /
             (s.elapsed_s - previous->elapsed_s);
    }
    std::snprintf(line, sizeof line, "%8.1f %9llu %7llu %7.0f", s.elapsed_s,
                  static_cast<unsigned long long>(s.requests),
                  static_cast<unsigned long long>(s.errors), rate);
    out += line;
    for (const auto& [context, st] : s.stores) {
      std::snprintf(line, sizeof line, " %12s", st.answered ? KiB(st.used_bytes).c_str() : "-");
      out += line;
    }
    std::snprintf(line, sizeof line, " %9s\n",
                  s.log_used_bytes >= 0 ? KiB(s.log_used_bytes).c_str() : "-");
    out += line;
    previous = &s;
  }
  std::snprintf(line, sizeof line,
                "%.1f s: %llu requests (%.0f/s), %llu errors; writes %llu (PATCH %llu, sign-ins "
                "%llu, orders %llu, set-up the rest)\n",
                report.seconds, static_cast<unsigned long long>(report.requests),
                report.seconds > 0 ? static_cast<double>(report.requests) / report.seconds : 0.0,
                static_cast<unsigned long long>(report.errors),
                static_cast<unsigned long long>(report.writes),
                static_cast<unsigned long long>(report.patches),
                static_cast<unsigned long long>(report.sign_ins),
                static_cast<unsigned long long>(report.orders));
  out += line;
  for (const auto& [route, n] : report.by_route) {
    std::snprintf(line, sizeof line, "  %-32s %9llu\n", route.c_str(),
                  static_cast<unsigned long long>(n));
    out += line;
  }
  for (const std::string& e : report.error_examples) out += "  error: " + e + "\n";
  return out;
}

std::string FormatVerdict(const Verdict& v) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "last third from %.1f s: %llu requests\n", v.last_third_from_s,
                static_cast<unsigned long long>(v.requests_last_third));
  out += line;
  for (const StoreVerdict& s : v.stores) {
    std::snprintf(line, sizeof line,
                  "  %-9s first %7s KiB, at 2/3 %7s KiB, last %7s KiB, max %7s KiB: growth %6s KiB "
                  "(bound %s KiB) %s%s; replies held at most %llu then %llu, pruned %lld of %llu "
                  "recorded\n",
                  s.context.c_str(), KiB(s.first).c_str(), KiB(s.at_last_third).c_str(),
                  KiB(s.last).c_str(), KiB(s.max).c_str(), KiB(s.growth).c_str(),
                  KiB(s.bound).c_str(), s.plateau ? "plateau" : "NO PLATEAU",
                  s.ever_full ? ", FULL" : "", static_cast<unsigned long long>(s.held_peak_before),
                  static_cast<unsigned long long>(s.held_peak_last),
                  static_cast<long long>(s.replies_pruned),
                  static_cast<unsigned long long>(s.recorded_commands));
    out += line;
  }
  for (const std::string& f : v.failures) out += "  FAIL: " + f + "\n";
  out += v.ok ? "verdict: pass\n" : "verdict: FAIL\n";
  return out;
}

// --- mcfctl soak ------------------------------------------------------------------------------

namespace {

Json SampleLine(const Sample& s, double rate) {
  Json stores = Json::object();
  for (const auto& [context, st] : s.stores) {
    stores[context] = st.answered ? Json(st.used_bytes) : Json(nullptr);
  }
  return Json{{"elapsed_s", std::round(s.elapsed_s * 10) / 10},
              {"requests", s.requests},
              {"errors", s.errors},
              {"req_per_s", std::round(rate)},
              {"used_bytes", std::move(stores)},
              {"log_used_bytes", s.log_used_bytes}};
}

bool HasExecutables(const std::string& bin_dir, std::string* missing) {
  std::vector<std::string> names = {"mcf-broker", "mcf-gateway"};
  for (const auto& c : SoakContexts()) names.push_back("mcf-" + c);
  for (const auto& n : names) {
    if (::access((bin_dir + "/" + n).c_str(), X_OK) != 0) {
      *missing = bin_dir + "/" + n;
      return false;
    }
  }
  return true;
}

}  // namespace

int RunSoak(const SoakOptions& options) {
  constexpr int kUsage = 2;
  if (!(options.minutes > 0) || options.minutes > 24 * 60) {
    std::cerr << "mcfctl soak: --minutes must be more than 0 and at most 1440\n";
    return kUsage;
  }
  if (options.clients < 1 || options.clients > 64) {
    std::cerr << "mcfctl soak: --clients must be 1..64 (the gateway serves 64 at once)\n";
    return kUsage;
  }
  if (options.store_max_mb < 4) {
    std::cerr << "mcfctl soak: --store-max-mb must be at least 4\n";
    return kUsage;
  }
  auto retention = schemas::clock::ParseDuration(options.reply_retention);
  if (!retention || *retention <= 0) {
    std::cerr << "mcfctl soak: --reply-retention: expected a duration like 10s or 5m, got \""
              << options.reply_retention << "\"\n";
    return kUsage;
  }
  std::string missing;
  if (!HasExecutables(options.bin_dir, &missing)) {
    std::cerr << "mcfctl soak: no " << missing << " (build it, or give --bin-dir)\n";
    return 1;
  }
  std::string dir = options.data;
  const bool temporary = dir.empty();
  std::error_code ec;
  if (temporary) {
    const char* tmp = getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/mcf-soak-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::cerr << "mcfctl soak: cannot create a temp dir like " << pattern << "\n";
      return 1;
    }
    dir = pattern;
  } else {
    if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
      std::cerr << "mcfctl soak: --data " << dir
                << " is not empty; a soak starts from empty stores (give a new directory)\n";
      return kUsage;
    }
    fs::create_directories(dir, ec);
    if (ec) {
      std::cerr << "mcfctl soak: cannot create " << dir << ": " << ec.message() << "\n";
      return 1;
    }
  }
  dir = fs::absolute(dir, ec).lexically_normal().string();

  SystemSpec spec{options.bin_dir, dir, options.store_max_mb, options.reply_retention};
  std::cerr << "mcfctl soak: " << options.minutes << " min, " << options.clients
            << " clients, --store-max-mb " << options.store_max_mb << ", --reply-retention "
            << options.reply_retention << ", data in " << dir << "\n";
  auto system = process::LocalSystem::Start(SoakSystem(spec));
  if (!system.ok()) {
    std::cerr << "mcfctl soak: the system did not start: " << system.status().message()
              << " (logs in " << dir << ")\n";
    return 1;
  }

  TrafficOptions traffic;
  traffic.duration = std::chrono::seconds(static_cast<int64_t>(options.minutes * 60 + 0.5));
  traffic.clients = options.clients;
  traffic.max_orders = 120;
  // A line at the start, then about every 10 s (samples come every 2 s), and at the end.
  const double duration_s = static_cast<double>(traffic.duration.count());
  double next_print_s = 0;
  std::optional<Sample> last_printed;
  traffic.on_sample = [&](const Sample& s) {
    const bool last = s.elapsed_s + 0.5 >= duration_s;
    if (s.elapsed_s + 0.5 < next_print_s && !last) return;
    double rate = 0;
    if (last_printed && s.elapsed_s > last_printed->elapsed_s) {
      rate = static_cast<double>(s.requests - last_printed->requests) /
             (s.elapsed_s - last_printed->elapsed_s);
    }
    std::cout << SampleLine(s, rate).dump() << std::endl;
    last_printed = s;
    next_print_s = std::floor((s.elapsed_s + 0.5) / 10) * 10 + 10;
  };
  auto report = RunTraffic(**system, traffic);
  (*system)->Stop();
  if (!report.ok()) {
    std::cerr << "mcfctl soak: " << report.status().message() << " (logs in " << dir << ")\n";
    return 1;
  }
  PlateauOptions plateau;
  plateau.reply_retention = Millis(*retention);
  const Verdict verdict = Judge(*report, plateau, FindStoreFullInLogs(dir));
  const auto portal = StoreEntries(dir + "/portal");

  Json stores = Json::object();
  for (const StoreVerdict& s : verdict.stores) {
    stores[s.context] = Json{{"first", s.first},
                             {"last", s.last},
                             {"max", s.max},
                             {"at_last_third", s.at_last_third},
                             {"growth_last_third", s.growth},
                             {"bound", s.bound},
                             {"held_peak_before", s.held_peak_before},
                             {"held_peak_last", s.held_peak_last},
                             {"recorded_commands", s.recorded_commands},
                             {"plateau", s.plateau},
                             {"full", s.ever_full},
                             {"replies_pruned", s.replies_pruned}};
  }
  Json summary{
      {"summary", true},
      {"minutes", options.minutes},
      {"seconds", std::round(report->seconds * 10) / 10},
      {"clients", options.clients},
      {"requests", report->requests},
      {"errors", report->errors},
      {"req_per_s",
       std::round(report->seconds > 0 ? static_cast<double>(report->requests) / report->seconds
                                      : 0)},
      {"requests_last_third", verdict.requests_last_third},
      {"writes", report->writes},
      {"patches", report->patches},
      {"sign_ins", report->sign_ins},
      {"orders", report->orders},
      {"by_route", report->by_route},
      {"stores", std::move(stores)},
      {"broker_log_used_bytes", Json{{"first", report->samples.front().log_used_bytes},
                                     {"last", report->samples.back().log_used_bytes}}},
      {"portal_tokens", portal.count("tokens") ? Json(portal.at("tokens")) : Json(nullptr)},
      {"portal_recorded_replies",
       portal.count("_inbox") ? Json(portal.at("_inbox")) : Json(nullptr)},
      {"plateau", std::all_of(verdict.stores.begin(), verdict.stores.end(),
                              [](const StoreVerdict& s) { return s.plateau; })},
      {"ok", verdict.ok},
      {"failures", verdict.failures},
  };
  if (!temporary || !verdict.ok) summary["data"] = dir;
  std::cerr << FormatVerdict(verdict);
  for (const std::string& e : report->error_examples) std::cerr << "  error: " << e << "\n";
  std::cout << summary.dump() << std::endl;
  if (temporary && verdict.ok) {
    fs::remove_all(dir, ec);
  } else if (!verdict.ok) {
    std::cerr << "mcfctl soak: FAILED; stores and logs kept in " << dir << "\n";
  }
  return verdict.ok ? 0 : 1;
}

}  // namespace mcf::soak
