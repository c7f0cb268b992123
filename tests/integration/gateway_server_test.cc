// The gateway's HTTP server in process (no broker: only what it decides before the bus), spoken
// to byte for byte over 127.0.0.1 (RawExchange): the listen backlog, header values as sent, the
// body's framing, size and media type checked before any of it is read, bounded metrics labels,
// a stop that does not wait for idle keep-alive connections, and the flood protections that need
// no bus (the public gate before the body, the public body deadline, connections per address).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gateway/auth.h"
#include "gateway/server.h"
#include "tests/integration/gateway_harness.h"

namespace mcf::gateway {
namespace {

using testing::gateway::RawExchange;
using testing::gateway::Response;
using Clock = std::chrono::steady_clock;

constexpr char kToken[] = "5e55105e55105e55105e55105e55105e55105e55105e55105e55105e55105e55";

using testing::gateway::Describe;

class GatewayServerTest : public ::testing::Test {
 protected:
  void SetUp() override { tokens_.Add(kToken, {"client", "c-1"}); }
  void TearDown() override { StopServer(); }

  // REQUIRES: not started yet.
  void StartServer(ServerConfig config = {}, bool run = true) {
    config.host = "127.0.0.1";
    config.port = 0;
    config.broker_endpoint = "tcp://127.0.0.1:1";  // nothing here reaches the bus
    server_ = std::make_unique<Server>(config, tokens_);
    auto port = server_->Bind();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
    if (run) thread_ = std::thread([this] { server_->Run(); });
  }
  void StopServer() {
    if (!server_) return;
    if (thread_.joinable()) {
      // Stop is a no-op until Run is listening: repeat until Run returns (bounded).
      for (int i = 0; i < 500 && !ran_out(); ++i) {
        server_->Stop();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      thread_.join();
    }
    server_.reset();
  }
  bool ran_out() {
    // Run has returned once the port no longer accepts.
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool refused = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0;
    ::close(fd);
    return refused;
  }

  Response Raw(const std::string& request) { return RawExchange(port_, request); }

  InMemoryTokenStore tokens_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  int port_ = 0;
};

// A connect to 127.0.0.1:`port` started without blocking; the socket.
int StartConnect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  return fd;
}

// httplib listened with a backlog of 5: with nobody accepting, the 7th client's SYN was dropped
// (retried after 1 s, 3 s...). The kernel completes handshakes into the backlog by itself, so
// with the system's maximum every one of 64 clients connects though the server accepts none.
TEST_F(GatewayServerTest, ListenBacklogTakes64ClientsAtOnce) {
  ASSERT_NO_FATAL_FAILURE(StartServer({}, /*run=*/false));
  std::vector<int> fds;
  for (int i = 0; i < 64; ++i) fds.push_back(StartConnect(port_));
  size_t connected = 0;
  const auto deadline = Clock::now() + std::chrono::milliseconds(2500);
  std::set<int> pending(fds.begin(), fds.end());
  while (!pending.empty() && Clock::now() < deadline) {
    for (auto it = pending.begin(); it != pending.end();) {
      pollfd p{*it, POLLOUT, 0};
      int error = 0;
      socklen_t len = sizeof error;
      if (::poll(&p, 1, 0) == 1 && ::getsockopt(*it, SOL_SOCKET, SO_ERROR, &error, &len) == 0 &&
          error == 0) {
        ++connected;
        it = pending.erase(it);
      } else {
        ++it;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (int fd : fds) ::close(fd);
  EXPECT_EQ(connected, 64u) << "a listen backlog too small for 64 clients";
}

// httplib percent-decodes header values and Request::get_header_value stops at a NUL: "Bearer
// <token>%00junk" used to authenticate. The header is compared as sent.
TEST_F(GatewayServerTest, AuthorizationIsComparedByteForByte) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  auto me = [&](const std::string& authorization_lines) {
    return Raw("GET /v1/me HTTP/1.1\r\nHost: x\r\n" + authorization_lines +
               "Connection: close\r\n\r\n");
  };
  const std::string token(kToken);
  const Response ok = me("Authorization: Bearer " + token + "\r\n");
  EXPECT_EQ(ok.status, 200) << Describe(ok);
  struct Case {
    const char* what;
    std::string lines;
  };
  std::string encoded_e = token;
  encoded_e.replace(1, 1, "%65");  // 'e' percent-encoded: the same token once decoded
  const Case cases[] = {
      {"%00 then junk", "Authorization: Bearer " + token + "%00junk\r\n"},
      {"a NUL byte then junk",
       "Authorization: Bearer " + token + std::string("\0junk", 5) + "\r\n"},
      {"a percent-encoded character", "Authorization: Bearer " + encoded_e + "\r\n"},
      {"%20 then junk", "Authorization: Bearer " + token + "%20junk\r\n"},
      {"two Authorization headers",
       "Authorization: Bearer " + token + "\r\nAuthorization: Bearer " + token + "\r\n"},
      {"upper-case hex", "Authorization: Bearer " + std::string(64, 'A') + "\r\n"},
      {"a short token", "Authorization: Bearer " + token.substr(0, 63) + "\r\n"},
  };
  for (const Case& c : cases) {
    const Response r = me(c.lines);
    EXPECT_EQ(r.status, 401) << c.what << ": " << Describe(r);
  }
}

// Every label value comes from a fixed set: methods outside GET..OPTIONS are "other".
TEST_F(GatewayServerTest, RandomMethodsDoNotGrowTheMetrics) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  for (int i = 0; i < 300; ++i) {
    const std::string method = i % 3 == 0   ? "X" + std::to_string(i * 7919)
                               : i % 3 == 1 ? std::string("TRACE")
                                            : std::string("CONNECT");
    const Response r = Raw(method + " /v1/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_GE(r.status, 400) << method;
  }
  const Response metrics = Raw("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(metrics.status, 200);
  std::set<std::string> methods;
  for (size_t pos = 0; (pos = metrics.raw_body.find("method=\"", pos)) != std::string::npos;) {
    pos += 8;
    methods.insert(metrics.raw_body.substr(pos, metrics.raw_body.find('"', pos) - pos));
  }
  for (const std::string& m : methods) {
    EXPECT_TRUE(m == "other" || m == "GET") << m;
  }
  EXPECT_TRUE(methods.count("other"));
  EXPECT_LT(metrics.raw_body.size(), 20000u);
}

// The route's limit (64 KiB here) applies before the body is read: an announced Content-Length
// over it is 413 although not one byte of the body is sent (httplib used to wait for the 100 KB,
// buffering up to 8 MiB, then time out).
TEST_F(GatewayServerTest, ContentLengthOverTheRouteLimitIs413BeforeTheBody) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const Response r =
      Raw("POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          "Content-Length: 100000\r\n\r\n");
  EXPECT_EQ(r.status, 413) << Describe(r);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_EQ(r.connection, "close");
  // With Expect: 100-continue the client is told before it sends anything.
  const Response expect =
      Raw("POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          "Expect: 100-continue\r\nContent-Length: 100000\r\n\r\n");
  EXPECT_EQ(expect.status, 413) << Describe(expect);
  // Sending the whole oversized body anyway still gets the 413 (a lingering close, no reset).
  const Response sent =
      Raw("POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          "Content-Length: 300000\r\n\r\n" +
          std::string(300000, ' '));
  EXPECT_EQ(sent.status, 413) << Describe(sent);
}

// A chunked body announces no size: reading stops at the limit, with the body unfinished.
TEST_F(GatewayServerTest, ChunkedBodyOverTheRouteLimitIs413WithoutReadingTheRest) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  std::string request =
      "POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Authorization: Bearer " +
      std::string(kToken) + "\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5; ++i) request += "4000\r\n" + std::string(0x4000, ' ') + "\r\n";
  // ...and no last chunk: the server must not wait for one.
  const Response r = Raw(request);
  EXPECT_EQ(r.status, 413) << Describe(r);
  EXPECT_EQ(r.connection, "close");
}

TEST_F(GatewayServerTest, JsonRoutesNeedApplicationJson) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const std::string body = "{\"a\":1}";
  auto post = [&](const std::string& headers) {
    return Raw("POST /v1/orders HTTP/1.1\r\nHost: x\r\n" + headers + "Content-Length: " +
               std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  };
  struct Case {
    const char* headers;
    int status;
    const char* field;
  };
  const Case cases[] = {
      {"", 415, "header.Content-Type"},
      {"Content-Type: text/plain\r\n", 415, "header.Content-Type"},
      {"Content-Type: application/x-www-form-urlencoded\r\n", 415, "header.Content-Type"},
      {"Content-Type: multipart/form-data; boundary=x\r\n", 415, "header.Content-Type"},
      {"Content-Type: application/json; charset=latin1\r\n", 415, "header.Content-Type"},
      {"Content-Type: application/jsonp\r\n", 415, "header.Content-Type"},
      {"Content-Type: application/json\r\nContent-Encoding: gzip\r\n", 415,
       "header.Content-Encoding"},
      // Accepted media types go on to the next check: the bearer token (none sent: 401).
      {"Content-Type: application/json\r\n", 401, ""},
      {"Content-Type: application/json; charset=utf-8\r\n", 401, ""},
      {"Content-Type: Application/JSON; Charset=\"UTF-8\"\r\n", 401, ""},
      {"Content-Type: application/json;charset=utf-8;v=1\r\n", 401, ""},
  };
  for (const Case& c : cases) {
    const Response r = post(c.headers);
    EXPECT_EQ(r.status, c.status) << c.headers << Describe(r);
    if (*c.field != '\0') EXPECT_EQ(r.body.value("field", ""), c.field) << c.headers;
  }
  // No body, no media type needed: an empty POST may even omit Content-Length (RFC 9112).
  const Response empty = Raw("POST /v1/orders HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(empty.status, 401) << Describe(empty);
  const Response zero =
      Raw("POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(zero.status, 401) << Describe(zero);
}

TEST_F(GatewayServerTest, AmbiguousBodyFramingIs400) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  struct Case {
    const char* request;
    const char* field;
  };
  const Case cases[] = {
      {"POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
       "Content-Length: 7\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{\"a\":1}\r\n0\r\n\r\n",
       "header.Content-Length"},
      {"POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
       "Content-Length: 7\r\nContent-Length: 8\r\n\r\n{\"a\":1} ",
       "header.Content-Length"},
      {"POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
       "Content-Length: 7x\r\n\r\n{\"a\":1}",
       "header.Content-Length"},
      {"POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
       "Transfer-Encoding: gzip, chunked\r\n\r\n",
       "header.Transfer-Encoding"},
      {"GET /v1/me HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\n{\"a\":1}", "body"},
  };
  for (const Case& c : cases) {
    const Response r = Raw(c.request);
    EXPECT_EQ(r.status, 400) << c.request << Describe(r);
    EXPECT_EQ(r.body.value("field", ""), c.field) << c.request;
    EXPECT_EQ(r.connection, "close") << c.request;
  }
}

// curl -X POST without -d sends neither Content-Length nor Transfer-Encoding: an empty body.
// httplib 0.11 reads such a body until the peer closes (detail::read_content_without_length)
// before it calls a plain handler: on a keep-alive connection that is the whole read timeout,
// then 400.
// The gateway's handlers take a ContentReader and read only a body the framing announces. With
// a 30 s read timeout here, a gateway that waited could not answer within the bound however fast
// the machine; a correct one answers at once and keeps the connection: the body-less route goes
// on to its role check (403 for a client: past the body stage), the one that needs a body names
// the missing field.
TEST_F(GatewayServerTest, PostWithoutContentLengthIsAnsweredAtOnce) {
  ServerConfig config;
  config.read_timeout = std::chrono::seconds(30);
  ASSERT_NO_FATAL_FAILURE(StartServer(config));
  struct Case {
    const char* path;
    int status;
    const char* field;
  };
  for (const Case& c : {Case{"/v1/supply-orders/so-x/issue", 403, ""},
                        Case{"/v1/orders", 400, "body.service_type_id"}}) {
    const auto [r, took] = testing::gateway::PostWithoutLength(port_, c.path, kToken);
    EXPECT_EQ(r.status, c.status) << c.path << ": " << Describe(r);
    EXPECT_EQ(r.content_type, "application/problem+json") << c.path;
    const std::string field = r.body.is_object() ? r.body.value("field", "") : "<no problem>";
    EXPECT_EQ(field, c.field) << c.path << ": " << Describe(r);
    EXPECT_NE(r.connection, "close") << c.path;
    EXPECT_LT(took, testing::gateway::kAnsweredAtOnce)
        << c.path << " took " << took.count() << " ms";
  }
}

// An idle keep-alive connection does not hold up a stop until its keep-alive timeout.
TEST_F(GatewayServerTest, StopDoesNotWaitForIdleKeepAliveConnections) {
  ServerConfig config;
  config.keep_alive_timeout = std::chrono::seconds(120);
  ASSERT_NO_FATAL_FAILURE(StartServer(config));
  int fd = StartConnect(port_);
  pollfd p{fd, POLLOUT, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1);
  const std::string request = "GET /v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  p = {fd, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1);  // answered; now idle
  const auto start = Clock::now();
  StopServer();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(60)) << "stop waited for the idle client";
  ::close(fd);
}

// The public gate answers before the body is read: the second sign-in announces a body it never
// sends, and is refused at once (a server reading first would wait out its body deadline).
TEST_F(GatewayServerTest, PublicRouteIsRefused429BeforeItsBodyIsRead) {
  ServerConfig config;
  config.public_limits.per_address = {.capacity = 1, .refill_per_second = 0.01};
  config.public_body_timeout = Millis(10000);
  ASSERT_NO_FATAL_FAILURE(StartServer(config));
  // Takes the address's one token; the malformed body is refused before any bus call.
  auto first = Raw("POST /v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   "Content-Length: 1\r\n\r\n{");
  ASSERT_EQ(first.status, 400) << Describe(first);
  const auto start = Clock::now();
  auto limited = Raw("POST /v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Content-Length: 40\r\n\r\n");
  const auto took = Clock::now() - start;
  EXPECT_EQ(limited.status, 429) << Describe(limited);
  EXPECT_EQ(limited.content_type, "application/problem+json");
  EXPECT_EQ(limited.retry_after, "100");  // one token at 0.01/s
  EXPECT_EQ(limited.connection, "close");
  EXPECT_LT(took, std::chrono::seconds(5)) << "the server waited for the body";
  EXPECT_EQ(server_->metrics().RejectionCount(Rejection::kAddressRate), 1u);
  // Authenticated routes are not behind the public gate.
  auto me = Raw(std::string("GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") + kToken +
                "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(me.status, 200) << Describe(me);
}

// On Expect: 100-continue the public gate answers before the client sends the body, and the
// request it admitted takes one token, not two (the handler reuses the admission).
TEST_F(GatewayServerTest, PublicGateAnswersExpectContinueAndTakesOneToken) {
  ServerConfig config;
  config.public_limits.per_address = {.capacity = 2, .refill_per_second = 0.01};
  ASSERT_NO_FATAL_FAILURE(StartServer(config));
  const std::string head =
      "POST /v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 1\r\n";
  // Admitted: 100 Continue, then the malformed body's 400 (read until the server closes).
  auto first = Raw(head + "Expect: 100-continue\r\nConnection: close\r\n\r\n{");
  EXPECT_EQ(first.status, 100) << Describe(first);
  EXPECT_NE(first.raw_body.find("HTTP/1.1 400"), std::string::npos) << first.raw_body;
  // The second token is still there.
  auto second = Raw(head + "Connection: close\r\n\r\n{");
  EXPECT_EQ(second.status, 400) << Describe(second);
  // Refused at once, without 100 Continue.
  auto third = Raw(head + "Expect: 100-continue\r\n\r\n");
  EXPECT_EQ(third.status, 429) << Describe(third);
  EXPECT_EQ(third.retry_after, "100");
  EXPECT_EQ(server_->metrics().RejectionCount(Rejection::kAddressRate), 1u);
}

// A public body that trickles in is cut at public_body_timeout (408), well before the 5 s
// per-read timeout a one-byte-a-second client would never reach.
TEST_F(GatewayServerTest, PublicBodyMustArriveWithinItsDeadline) {
  ServerConfig config;
  config.public_body_timeout = Millis(300);
  ASSERT_NO_FATAL_FAILURE(StartServer(config));
  const auto start = Clock::now();
  auto r = Raw("POST /v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               "Content-Length: 40\r\n\r\n{\"emp");
  const auto took = Clock::now() - start;
  EXPECT_EQ(r.status, 408) << Describe(r);
  EXPECT_EQ(r.body.value("field", ""), "body") << Describe(r);
  EXPECT_LT(took, std::chrono::milliseconds(2500)) << "took " << took.count() / 1000000 << " ms";
  EXPECT_GE(server_->metrics().RejectionCount(Rejection::kSlowRequest), 1u);
}

// max_connections_per_address bites only while other connections wait for a thread: with
// threads to spare, an address (a shared NAT, a browser's parallel connections) past it is
// served as usual, keep-alive and all.
TEST_F(GatewayServerTest, ConnectionsPastTheShareAreServedWhileNobodyWaits) {
  ServerConfig config;
  config.max_connections_per_address = 2;
  config.keep_alive_timeout = std::chrono::seconds(30);
  ASSERT_NO_FATAL_FAILURE(StartServer(config));
  // Two idle connections, each held by a server thread waiting for its first request.
  std::vector<int> held = {StartConnect(port_), StartConnect(port_)};
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto third = Raw("GET /v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(third.status, 200) << Describe(third);
  EXPECT_NE(third.connection, "close");
  EXPECT_EQ(server_->metrics().RejectionCount(Rejection::kConnectionsPerAddress), 0u);
  for (int fd : held) ::close(fd);
}

}  // namespace
}  // namespace mcf::gateway
