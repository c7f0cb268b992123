#include "bench/flood_bench.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "bench/broker_bench.h"

namespace mcf::bench {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

constexpr size_t kListed = 10;  // the staff request's page size, full before the quiet run
constexpr auto kReplyTimeout = std::chrono::seconds(5);

std::string ApplicationBody(const std::string& contact) {
  return Json{{"name", "Flood"},          {"age", 3},          {"breed", "Tabby"},
              {"coat_colour", "grey"},    {"contact", contact}, {"photo", "aGVsbG8="}}
      .dump();
}

std::string ApplicationRequest(const std::string& contact) {
  const std::string body = ApplicationBody(contact);
  return "POST /v1/applications HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// One request on a new connection from `source` to 127.0.0.1:`port` (httplib's client cannot
// choose its source address): the response's status, or -1 when there was none in time. The
// connection is closed after the status line and headers; the body is not needed.
int OneShot(const std::string& source, int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  // The port is picked at connect(), per destination: the fixed-address threads would run out
  // of ports at bind() otherwise.
  ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &yes, sizeof yes);
  timeval timeout{std::chrono::duration_cast<std::chrono::seconds>(kReplyTimeout).count(), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  int status = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0 &&
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    std::string head;
    char chunk[2048];
    const auto deadline = Clock::now() + kReplyTimeout;
    while (head.find("\r\n\r\n") == std::string::npos && Clock::now() < deadline) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      head.append(chunk, static_cast<size_t>(n));
    }
    if (head.size() >= 12 && head.compare(0, 5, "HTTP/") == 0 &&
        head.find("\r\n\r\n") != std::string::npos) {
      status = std::atoi(head.c_str() + 9);
    }
  }
  ::close(fd);
  return status;
}

struct FloodTally {
  size_t attempts = 0, accepted = 0, limited = 0, unavailable = 0, other = 0, no_response = 0;
  int first_other = 0;
};

// Thread `thread`'s source for attempt `i`: the first half of the threads each keep one address
// (127.0.0.2, ...), the others take a new one per connection (127.40.0.1, ...).
std::string FloodSource(size_t thread, size_t threads, size_t i) {
  if (thread < threads / 2) return "127.0.0." + std::to_string(2 + thread);
  return "127." + std::to_string(40 + thread) + "." + std::to_string(i / 250 % 250) + "." +
         std::to_string(1 + i % 250);
}

void Flood(int port, size_t thread, size_t threads, const std::atomic<bool>& stop,
           FloodTally& t) {
  for (size_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
    ++t.attempts;
    const int status =
        OneShot(FloodSource(thread, threads, i), port,
                ApplicationRequest("f" + std::to_string(thread) + "-" + std::to_string(i) +
                                   "@x.org"));
    switch (status) {
      case 201: ++t.accepted; break;
      case 429: ++t.limited; break;
      case 503: ++t.unavailable; break;
      case -1: ++t.no_response; break;
      default:
        if (t.other++ == 0) t.first_other = status;
    }
  }
}

// CPU time of this process (all threads), in microseconds.
double SelfCpuMicros() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto us = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e6 + t.tv_usec; };
  return us(u.ru_utime) + us(u.ru_stime);
}

// Busy CPU time of the whole machine (all cores; /proc/stat: all but idle and iowait), in
// microseconds; nullopt when unreadable.
std::optional<double> MachineBusyMicros() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) ||
      cpu != "cpu")
    return std::nullopt;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return (user + nice + system + irq + softirq + steal) * 1e6 / ticks;
}

Status SetUpFailed(const std::string& what, const httplib::Result& res) {
  return Status::Unavailable("flood set-up: " + what + " answered " +
                             (res ? std::to_string(res->status) + " " + res->body.substr(0, 200)
                                  : "nothing"));
}

// The loads of several rounds as one: their latencies together, their rates averaged.
HttpLoad Merge(const std::vector<HttpLoad>& loads) {
  HttpLoad out;
  for (const HttpLoad& l : loads) {
    out.latencies_us.insert(out.latencies_us.end(), l.latencies_us.begin(), l.latencies_us.end());
    out.per_second += l.per_second / static_cast<double>(loads.size());
    out.requests += l.requests;
    out.all_requests += l.all_requests;
    out.errors += l.errors;
    if (out.first_error.empty()) out.first_error = l.first_error;
  }
  const Latency latency = Summarize(out.latencies_us);
  out.p50_us = latency.p50_us;
  out.p99_us = latency.p99_us;
  return out;
}

// What the flood rounds add up to: the tallies, and the CPU they took in microseconds.
struct FloodSums {
  std::vector<FloodTally> tallies;
  double seconds = 0, gateway_us = 0, machine_us = 0, self_us = 0;
  bool gateway_read = true, machine_read = true;
};

// One flood round: `flood_threads` flooding while `staff` runs for `window` (after its warm-up,
// which is the flood's ramp-up, so that the staff requests counted all meet the flood at full
// rate), then stopped. The gateway's RSS peak goes to `rss_peak_mib`.
HttpLoad FloodRound(int port, pid_t gateway, size_t flood_threads, std::chrono::milliseconds window,
                    const RequestMaker& staff, FloodSums& sums, double& rss_peak_mib) {
  auto rss = [gateway] {
    auto m = ReadMemory(gateway);
    return m ? m->vm_rss_mib : 0.0;
  };
  std::atomic<bool> stop{false};
  sums.tallies.resize(flood_threads);
  std::vector<std::thread> flooders;
  const std::optional<double> gateway_cpu = CpuMicros(gateway), machine_cpu = MachineBusyMicros();
  const double self_cpu = SelfCpuMicros();
  const auto start = Clock::now();
  for (size_t k = 0; k < flood_threads; ++k) {
    flooders.emplace_back(
        [&, k] { Flood(port, k, flood_threads, stop, sums.tallies[k]); });
  }
  std::thread sampler([&] {
    while (!stop.load()) {
      rss_peak_mib = std::max(rss_peak_mib, rss());
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  HttpLoad load = RequestLoad(port, 1, window, staff, 200);
  stop = true;
  for (auto& t : flooders) t.join();
  sums.seconds += std::chrono::duration<double>(Clock::now() - start).count();
  const std::optional<double> gateway_now = CpuMicros(gateway), machine_now = MachineBusyMicros();
  sums.self_us += SelfCpuMicros() - self_cpu;
  if (gateway_cpu && gateway_now) sums.gateway_us += *gateway_now - *gateway_cpu;
  else sums.gateway_read = false;
  if (machine_cpu && machine_now) sums.machine_us += *machine_now - *machine_cpu;
  else sums.machine_read = false;
  sampler.join();
  rss_peak_mib = std::max(rss_peak_mib, rss());
  return load;
}

}  // namespace

Result<FloodResult> MeasureFlood(const std::string& bin_dir, const std::string& data_dir,
                                 std::chrono::milliseconds window, size_t flood_threads,
                                 int rounds) {
  ASSIGN_OR_RETURN(auto system, OrderSystem::Start(bin_dir, data_dir, 0));
  const int port = system->port();
  const pid_t gateway = system->pid("gateway");
  ASSIGN_OR_RETURN(const std::string manager, system->StaffToken("manager"));

  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(std::chrono::seconds(10));
  for (size_t n = 0; n < kListed; ++n) {
    auto res = client.Post("/v1/applications", ApplicationBody("quiet" + std::to_string(n) + "@x.org"),
                           "application/json");
    if (!res || res->status != 201) return SetUpFailed("POST /v1/applications", res);
  }
  const std::string path = "/v1/applications?limit=" + std::to_string(kListed);
  auto res = client.Get(path, {{"Authorization", "Bearer " + manager}});
  if (!res || res->status != 200) return SetUpFailed("GET " + path, res);
  const size_t listed = Json::parse(res->body).value("applications", Json::array()).size();
  if (listed != kListed)
    return Status::Unavailable("flood set-up: the manager lists " + std::to_string(listed) +
                               " applications, not " + std::to_string(kListed));
  const RequestMaker staff = [&](size_t, size_t) {
    return HttpRequestSpec{"GET", path, manager, ""};
  };

  FloodResult out;
  FloodSums sums;
  std::vector<HttpLoad> quiet, flooded;
  for (int round = 0; round < rounds; ++round) {
    for (const bool flood : {round % 2 == 1, round % 2 == 0}) {
      if (!flood) {
        quiet.push_back(RequestLoad(port, 1, window, staff, 200));
        continue;
      }
      if (flooded.empty()) {
        auto m = ReadMemory(gateway);
        out.rss_before_mib = out.rss_peak_mib = m ? m->vm_rss_mib : 0.0;
      }
      flooded.push_back(
          FloodRound(port, gateway, flood_threads, window, staff, sums, out.rss_peak_mib));
      auto m = ReadMemory(gateway);
      out.rss_after_mib = m ? m->vm_rss_mib : 0.0;
    }
  }
  system->Stop();
  out.quiet = Merge(quiet);
  out.flooded = Merge(flooded);
  out.flood_seconds = sums.seconds;
  if (sums.seconds > 0) {
    const double us = sums.seconds * 1e6;
    out.gateway_cores = sums.gateway_read ? sums.gateway_us / us : 0;
    out.machine_cores = sums.machine_read ? sums.machine_us / us : 0;
    out.bench_cores = sums.self_us / us;
  }
  for (const FloodTally& t : sums.tallies) {
    out.attempts += t.attempts;
    out.accepted += t.accepted;
    out.limited += t.limited;
    out.unavailable += t.unavailable;
    out.other_status += t.other;
    out.no_response += t.no_response;
    if (out.first_problem.empty() && t.other > 0)
      out.first_problem = "HTTP " + std::to_string(t.first_other);
  }
  return out;
}

}  // namespace mcf::bench
