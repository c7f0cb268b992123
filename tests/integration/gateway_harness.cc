#include "tests/integration/gateway_harness.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "tests/support/process.h"

namespace mcf::testing::gateway {
namespace {

using Clock = std::chrono::steady_clock;

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

int RemainingMs(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// Owns a socket descriptor.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string Describe(const Response& r) {
  if (r.status < 0) return "no response (" + r.error + ")";
  return "status " + std::to_string(r.status) + " body " +
         (r.body.is_discarded() ? r.raw_body.substr(0, 300) : r.body.dump());
}

Http::Http(int port) : client_("127.0.0.1", port) {
  client_.set_keep_alive(true);
  client_.set_connection_timeout(std::chrono::seconds(5));
  client_.set_read_timeout(std::chrono::seconds(20));
  client_.set_write_timeout(std::chrono::seconds(20));
}

Response Http::Send(const std::string& method, const std::string& path, const std::string& token,
                    const std::string& body, const std::string& idempotency_key,
                    const Headers& headers) {
  httplib::Request req;
  req.method = method;
  req.path = path;
  if (!token.empty()) req.headers.emplace("Authorization", "Bearer " + token);
  if (!idempotency_key.empty()) req.headers.emplace("Idempotency-Key", idempotency_key);
  bool has_content_type = false;
  for (const auto& [name, value] : headers) {
    req.headers.emplace(name, value);
    has_content_type = has_content_type || Lower(name) == "content-type";
  }
  if (!body.empty()) {
    req.body = body;
    if (!has_content_type) req.headers.emplace("Content-Type", "application/json");
  }
  httplib::Result res = client_.send(req);
  Response out;
  if (!res) {
    out.error = httplib::to_string(res.error());
    return out;
  }
  out.status = res->status;
  out.raw_body = res->body;
  out.body = Json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  out.content_type = res->get_header_value("Content-Type");
  out.retry_after = res->get_header_value("Retry-After");
  out.connection = res->get_header_value("Connection");
  return out;
}

Response Http::Send(const std::string& method, const std::string& path, const std::string& token,
                    const Json& body, const std::string& idempotency_key) {
  return Send(method, path, token, body.is_null() ? std::string() : body.dump(), idempotency_key);
}

Response RawExchange(int port, std::string_view request, std::chrono::milliseconds timeout) {
  Response out;
  const auto deadline = Clock::now() + timeout;
  Fd sock;
  sock.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock.fd < 0) {
    out.error = std::string("socket: ") + std::strerror(errno);
    return out;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(sock.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    out.error = std::string("connect: ") + std::strerror(errno);
    return out;
  }
  // Write everything; a server that answers early and stops reading is not an error as long
  // as its answer can be read afterwards.
  size_t sent = 0;
  while (sent < request.size()) {
    pollfd p{sock.fd, POLLOUT, 0};
    if (::poll(&p, 1, RemainingMs(deadline)) <= 0) break;
    const ssize_t n = ::send(sock.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string in;
  size_t header_end = std::string::npos;
  size_t content_length = std::string::npos;
  while (true) {
    if (header_end != std::string::npos && content_length != std::string::npos &&
        in.size() >= header_end + content_length) {
      break;
    }
    pollfd p{sock.fd, POLLIN, 0};
    if (::poll(&p, 1, RemainingMs(deadline)) <= 0) {
      out.error = "timed out reading the response";
      break;
    }
    char buf[16384];
    const ssize_t n = ::recv(sock.fd, buf, sizeof buf, 0);
    if (n < 0) {
      out.error = std::string("recv: ") + std::strerror(errno);
      break;
    }
    if (n == 0) break;  // closed: what arrived is the response
    in.append(buf, static_cast<size_t>(n));
    if (header_end == std::string::npos) {
      const size_t end = in.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      header_end = end + 4;
      // Status line and headers.
      const size_t line_end = in.find("\r\n");
      const std::string status_line = in.substr(0, line_end);
      if (status_line.rfind("HTTP/1.", 0) == 0 && status_line.size() >= 12) {
        out.status = std::atoi(status_line.c_str() + 9);
      }
      size_t pos = line_end + 2;
      while (pos < end) {
        const size_t eol = in.find("\r\n", pos);
        const std::string line = in.substr(pos, eol - pos);
        pos = eol + 2;
        const size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        const std::string name = Lower(line.substr(0, colon));
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        if (name == "content-length") content_length = std::stoul(value);
        if (name == "content-type") out.content_type = value;
        if (name == "retry-after") out.retry_after = value;
        if (name == "connection") out.connection = value;
      }
    }
  }
  if (header_end == std::string::npos) {
    out.status = -1;
    if (out.error.empty()) out.error = "no response (closed before a status line)";
    return out;
  }
  out.raw_body = in.substr(header_end);
  if (content_length != std::string::npos && out.raw_body.size() > content_length) {
    out.raw_body.resize(content_length);
  }
  out.body = Json::parse(out.raw_body, nullptr, /*allow_exceptions=*/false);
  return out;
}

process::SystemOptions FullSystem(const std::string& data_dir,
                                  std::vector<std::string> gateway_flags) {
  process::SystemOptions options;
  options.bin_dir = BinDir();
  options.data_dir = data_dir;
  options.contexts = {"portal", "tasks", "matching", "hiring", "supplies"};
  // The kits' fortune cookies come at once: these tests are about the edge, not the cookie.
  options.outside = {{"contractor", "mcf-contractor-sim", {"--delay", "0s"}}};
  options.gateway = true;
  // Heartbeats every 100 ms keep start-up quick, but a peer is dropped only after 3 s of silence
  // (not 3 x 100 ms: a loaded 2-core machine can stall a process that long, and a dropped portal
  // turns a 401 into a 503), and the gateway waits up to 10 s for portal.authenticate (not 2 s).
  options.broker_flags = {"--clock",        "sim", "--start",    kStart,
                          "--heartbeat-ms", "100", "--liveness", "30"};
  options.worker_flags = {"--heartbeat-ms", "100", "--liveness", "30", "--seed", "5"};
  options.gateway_flags = std::move(gateway_flags);
  if (std::find(options.gateway_flags.begin(), options.gateway_flags.end(), "--auth-timeout-ms") ==
      options.gateway_flags.end()) {
    options.gateway_flags.insert(options.gateway_flags.end(), {"--auth-timeout-ms", "10000"});
  }
  return options;
}

process::SystemOptions PortalSystem(const std::string& data_dir,
                                    std::vector<std::string> gateway_flags) {
  process::SystemOptions options;
  options.bin_dir = BinDir();
  options.data_dir = data_dir;
  options.contexts = {"portal"};
  options.gateway = true;
  options.broker_flags = {"--clock", "sim", "--start", kStart, "--heartbeat-ms", "100"};
  options.worker_flags = {"--heartbeat-ms", "100"};
  options.gateway_flags = std::move(gateway_flags);
  return options;
}

bool HavePortal() { return ::access((BinDir() + "/mcf-portal").c_str(), X_OK) == 0; }

Json WorkerProfile(const std::string& name) {
  return Json{{"name", name},
              {"age", 4},
              {"breed", "Siberian"},
              {"coat_colour", "grey"},
              {"strengths", {"poking"}},
              {"weaknesses", {"baths"}}};
}

std::map<std::string, std::string> SignInEveryone(Http& http, const std::string& admin_token) {
  std::map<std::string, std::string> tokens;
  tokens["admin"] = admin_token;
  auto session =
      http.Send("POST", "/v1/session", "", Json{{"employee_id", "E-1"}, {"name", "Client One"}});
  EXPECT_EQ(session.status, 201) << Describe(session);
  tokens["client"] = session.body.value("token", "");
  auto other =
      http.Send("POST", "/v1/session", "", Json{{"employee_id", "E-2"}, {"name", "Client Two"}});
  EXPECT_EQ(other.status, 201) << Describe(other);
  tokens["client2"] = other.body.value("token", "");
  for (std::string role : {"manager", "supplies"}) {
    auto staff =
        http.Send("POST", "/v1/staff", admin_token, Json{{"role", role}, {"name", role + " one"}});
    EXPECT_EQ(staff.status, 201) << Describe(staff);
    EXPECT_EQ(staff.body.value("role", ""), role);
    tokens[role] = staff.body.value("token", "");
  }
  auto worker = http.Send("POST", "/v1/workers", admin_token, WorkerProfile("Murka"));
  EXPECT_EQ(worker.status, 201) << Describe(worker);
  tokens["worker"] = worker.body.value("token", "");
  // hiring answers before its worker_hired event is in the log (replies are not held until
  // events are durable): wait for it, or a snapshot taken next could see it land.
  int64_t head = -1;
  for (int i = 0; i < 500 && head < 1; ++i) {
    auto health = http.Send("GET", "/healthz", "");
    if (health.body.is_object() && health.body.contains("log_head")) {
      head = health.body["log_head"].get<int64_t>();
    }
    if (head < 1) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(head, 1) << "hiring's worker_hired never reached the log";
  return tokens;
}

Written Snapshot(Http& http, const std::map<std::string, std::string>& tokens) {
  Written w;
  const std::string admin = tokens.at("admin");
  auto health = http.Send("GET", "/healthz", "");
  EXPECT_EQ(health.status, 200) << Describe(health);
  // A missing field fails the snapshot, not both snapshots equally.
  EXPECT_TRUE(health.body.is_object() && health.body.contains("log_head")) << Describe(health);
  if (health.body.is_object() && health.body.contains("log_head")) {
    w.log_head = health.body["log_head"].get<int64_t>();
  }
  auto orders = http.Send("GET", "/v1/orders?limit=100", admin);
  EXPECT_EQ(orders.status, 200) << Describe(orders);
  EXPECT_TRUE(orders.body.contains("orders")) << Describe(orders);
  w.orders = orders.body;
  auto types = http.Send("GET", "/v1/service-types?include_inactive=true", admin);
  EXPECT_EQ(types.status, 200) << Describe(types);
  EXPECT_TRUE(types.body.contains("service_types")) << Describe(types);
  w.service_types = types.body;
  auto supplies = http.Send("GET", "/v1/supply-orders", admin);
  EXPECT_EQ(supplies.status, 200) << Describe(supplies);
  w.supply_orders = supplies.body;
  return w;
}

std::string Describe(const Written& w) {
  return "log_head " + std::to_string(w.log_head) + ", " +
         std::to_string(w.orders.value("orders", Json::array()).size()) + " orders, " +
         std::to_string(w.service_types.value("service_types", Json::array()).size()) +
         " service types, supplies " + w.supply_orders.dump().substr(0, 200);
}

TimedResponse PostWithoutLength(int port, const std::string& path, const std::string& token) {
  const std::string request = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                              "Authorization: Bearer " + token + "\r\nAccept: */*\r\n\r\n";
  const auto start = Clock::now();
  TimedResponse out;
  out.response = RawExchange(port, request, std::chrono::seconds(20));
  out.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return out;
}

}  // namespace mcf::testing::gateway
