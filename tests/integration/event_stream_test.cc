// GET /v1/stream end to end (gateway/event_stream.h, docs/decisions/028): the real broker on the
// simulated clock, portal, tasks, matching, hiring, supplies, the contractor simulator and
// mcf-gateway as processes (LocalSystem), streams read over raw sockets on 127.0.0.1.
//
// Each principal gets what concerns them (a client their own orders, not another's; a worker
// their new job; supplies staff a new supply order); Last-Event-ID resumes without loss or
// duplicates, and an id the gateway cannot resume from gets `event: reset`; the stream cap
// answers 503 (per principal 429) while the other routes are still served by a two-thread
// gateway; a reader that never reads is dropped with only a bounded amount written to it; the
// gateway stops promptly with streams open. Every wait is bounded.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "lib/client/subscriber.h"
#include "schemas/envelope.h"
#include "tests/integration/gateway_harness.h"
#include "tests/support/temp_dir.h"

namespace mcf::testing::gateway {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

int RemainingMs(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

struct SseEvent {
  uint64_t id = 0;
  std::string event;
  Json data;  // {"topic","at","body"}; discarded when not JSON
  std::string Order() const {
    const Json& body = data.is_object() ? data.value("body", Json::object()) : Json::object();
    if (body.contains("order_id")) return body["order_id"].get<std::string>();
    if (body.contains("task_id")) return body["task_id"].get<std::string>();
    return "";
  }
};

// One GET /v1/stream over a raw socket, parsed the way EventSource parses it (comments and
// id-only blocks update last_id and dispatch nothing).
class SseStream {
 public:
  // `rcvbuf` > 0: the socket's receive buffer, set before connecting (a reader that lags).
  SseStream(int port, const std::string& token, std::optional<uint64_t> last_event_id = {},
            int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      error_ = std::string("connect: ") + std::strerror(errno);
      return;
    }
    std::string request = "GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
    if (last_event_id) request += "Last-Event-ID: " + std::to_string(*last_event_id) + "\r\n";
    request += "\r\n";
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      error_ = "send failed";
    }
  }
  ~SseStream() { Close(); }
  SseStream(const SseStream&) = delete;
  SseStream& operator=(const SseStream&) = delete;

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Reads the response head: its status (-1 if none arrived in time).
  int Status(milliseconds wait = milliseconds(10000)) {
    const auto deadline = Clock::now() + wait;
    while (head_.empty() && Read(deadline)) {
      const size_t end = buffer_.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      head_ = buffer_.substr(0, end + 4);
      buffer_.erase(0, end + 4);
    }
    if (head_.size() < 12) return -1;
    return std::atoi(head_.c_str() + 9);
  }
  const std::string& head() const { return head_; }

  // The next dispatched event within `wait`.
  std::optional<SseEvent> Next(milliseconds wait = milliseconds(15000)) {
    const auto deadline = Clock::now() + wait;
    if (Status(wait) != 200) return std::nullopt;
    while (true) {
      size_t end;
      while ((end = buffer_.find("\n\n")) != std::string::npos) {
        const std::string block = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        SseEvent e;
        std::string data;
        bool has_data = false;
        size_t pos = 0;
        while (pos <= block.size()) {
          size_t eol = block.find('\n', pos);
          if (eol == std::string::npos) eol = block.size();
          const std::string line = block.substr(pos, eol - pos);
          pos = eol + 1;
          if (line.rfind("id: ", 0) == 0) last_id_ = std::stoull(line.substr(4));
          if (line.rfind("event: ", 0) == 0) e.event = line.substr(7);
          if (line.rfind("data: ", 0) == 0) {
            data += line.substr(6);
            has_data = true;
          }
        }
        if (!has_data) continue;
        e.id = last_id_;
        e.data = Json::parse(data, nullptr, /*allow_exceptions=*/false);
        return e;
      }
      if (!Read(deadline)) return std::nullopt;
    }
  }

  // Events until one with `topic` about `order` arrives (included), within `wait`; nullopt if
  // it did not.
  std::optional<std::vector<SseEvent>> Until(const std::string& topic, const std::string& order,
                                             milliseconds wait = milliseconds(20000)) {
    const auto deadline = Clock::now() + wait;
    std::vector<SseEvent> seen;
    while (auto e = Next(milliseconds(RemainingMs(deadline)))) {
      seen.push_back(*e);
      if (e->event == topic && e->Order() == order) return seen;
    }
    return std::nullopt;
  }

  // Reads and drops everything until the server closes, within `wait`: true if it closed.
  // Counts the bytes in `read`.
  bool ReadToEnd(milliseconds wait, size_t* read = nullptr) {
    const auto deadline = Clock::now() + wait;
    size_t total = buffer_.size();
    buffer_.clear();
    while (true) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, RemainingMs(deadline)) <= 0) break;
      char buf[16384];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        if (read) *read = total;
        return true;
      }
      total += static_cast<size_t>(n);
    }
    if (read) *read = total;
    return false;
  }

  uint64_t last_id() const { return last_id_; }
  const std::string& error() const { return error_; }

 private:
  bool Read(Clock::time_point deadline) {
    if (fd_ < 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, RemainingMs(deadline)) <= 0) return false;
    char buf[16384];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string error_;
  std::string head_;
  std::string buffer_;
  uint64_t last_id_ = 0;
};

class EventStreamTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> gateway_flags = {}) {
    if (!HavePortal()) GTEST_SKIP() << "mcf-portal not built";
    auto system = process::LocalSystem::Start(FullSystem(dir_.Sub("system"), gateway_flags));
    ASSERT_TRUE(system.ok()) << system.status().ToString();
    system_ = std::move(system).value();
    http_ = std::make_unique<Http>(system_->gateway_port());
    tokens_ = SignInEveryone(*http_, system_->admin_token());
    for (const char* who : {"client", "client2", "worker"}) {
      auto me = http_->Send("GET", "/v1/me", tokens_[who]);
      ASSERT_EQ(me.status, 200) << Describe(me);
      ids_[who] = me.body.value("id", "");
    }
  }
  void TearDown() override {
    if (HasFailure() && system_) ADD_FAILURE() << system_->Logs();
  }

  int port() const { return system_->gateway_port(); }

  // A new order of `who`'s, `hours` after kDesiredAt (apart, so the one worker can take each).
  std::string Order(const std::string& who, int hours, const std::string& description = "jars") {
    char at[32];
    std::snprintf(at, sizeof at, "2026-01-%02dT%02d:00:00Z", 6 + hours / 24, hours % 24);
    auto created = http_->Send(
        "POST", "/v1/orders", tokens_[who],
        Json{{"service_type_id", "chores"}, {"description", description}, {"desired_at", at}});
    EXPECT_EQ(created.status, 201) << Describe(created);
    return created.body.value("id", "");
  }

  // The value of a metrics line (e.g. "mcf_gateway_streams_open "), -1 when absent.
  long long Metric(const std::string& line_start) {
    auto metrics = http_->Send("GET", "/metrics", "");
    const size_t at = metrics.raw_body.find("\n" + line_start);
    if (at == std::string::npos) return -1;
    return std::atoll(metrics.raw_body.c_str() + at + 1 + line_start.size());
  }
  bool MetricBecomes(const std::string& line_start, long long value,
                     milliseconds wait = milliseconds(10000)) {
    const auto deadline = Clock::now() + wait;
    while (Metric(line_start) != value) {
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(milliseconds(20));
    }
    return true;
  }

  TempDir dir_;
  std::unique_ptr<process::LocalSystem> system_;
  std::unique_ptr<Http> http_;
  std::map<std::string, std::string> tokens_;
  std::map<std::string, std::string> ids_;
};

TEST_F(EventStreamTest, EachPrincipalGetsTheChangesThatConcernThemAndNoOneElses) {
  ASSERT_NO_FATAL_FAILURE(Start());
  SseStream client(port(), tokens_["client"]);
  SseStream client2(port(), tokens_["client2"]);
  SseStream worker(port(), tokens_["worker"]);
  SseStream supplies(port(), tokens_["supplies"]);
  for (SseStream* s : {&client, &client2, &worker, &supplies}) {
    ASSERT_EQ(s->Status(), 200) << s->error() << s->head();
    EXPECT_NE(s->head().find("Content-Type: text/event-stream"), std::string::npos) << s->head();
  }

  const std::string mine = Order("client", 2);
  auto seen = client.Until("tasks.task_assigned", mine);
  ASSERT_TRUE(seen) << "the client's stream never showed its order assigned";
  std::set<std::string> topics;
  uint64_t previous = 0;
  for (const SseEvent& e : *seen) {
    EXPECT_EQ(e.Order(), mine) << e.data.dump();
    EXPECT_GT(e.id, previous);
    previous = e.id;
    topics.insert(e.event);
    ASSERT_TRUE(e.data.is_object());
    EXPECT_EQ(e.data["topic"], e.event);
    EXPECT_TRUE(e.data["at"].is_string() && e.data["at"].get<std::string>().ends_with("Z"))
        << e.data.dump();
    EXPECT_TRUE(e.data["body"].is_object());
  }
  EXPECT_EQ(topics, (std::set<std::string>{"portal.help_requested", "tasks.task_requested",
                                           "tasks.task_assigned"}));
  EXPECT_EQ(seen->back().data["body"]["worker_id"], ids_["worker"]);
  EXPECT_EQ(seen->back().data["body"]["starts_at"], "2026-01-06T02:00:00Z");  // ISO, not ms

  auto job = worker.Until("tasks.task_assigned", mine);
  ASSERT_TRUE(job) << "the worker's stream never showed the new job";
  for (const SseEvent& e : *job) EXPECT_NE(e.event, "portal.help_requested");  // not the worker's

  auto board = supplies.Until("supplies.order_created", mine);
  ASSERT_TRUE(board) << "supplies staff never saw the new supply order";
  for (const SseEvent& e : *board) {
    EXPECT_TRUE(e.event.starts_with("supplies.") || e.event.starts_with("contractor."))
        << e.event;
  }

  // The other client sees its own order, and nothing of the first's before it.
  const std::string theirs = Order("client2", 5);
  auto other = client2.Until("portal.help_requested", theirs);
  ASSERT_TRUE(other) << "client2's stream never showed its own order";
  for (const SseEvent& e : *other) EXPECT_EQ(e.Order(), theirs) << e.event << " " << e.data.dump();
  // ...and the first client nothing of the second's, up to its next order.
  const std::string again = Order("client", 8);
  auto later = client.Until("portal.help_requested", again);
  ASSERT_TRUE(later);
  for (const SseEvent& e : *later) EXPECT_NE(e.Order(), theirs) << e.event;
}

TEST_F(EventStreamTest, LastEventIdResumesWithoutLossOrDuplicates) {
  ASSERT_NO_FATAL_FAILURE(Start());
  std::vector<SseEvent> got;
  const std::string first = Order("client", 2);
  {
    // Opened after the order: a fresh stream starts from now, so the first events may already
    // be past; what it sees of the order is enough to take a Last-Event-ID from.
    SseStream stream(port(), tokens_["client"], /*last_event_id=*/0);
    auto seen = stream.Until("tasks.task_assigned", first);
    ASSERT_TRUE(seen) << "resuming from 0 did not replay the order";
    got = *seen;
  }
  const uint64_t resume_from = got.back().id;
  // While no stream is open: a second order, assigned.
  const std::string second = Order("client", 4);
  SseStream manager(port(), tokens_["manager"], resume_from);
  ASSERT_TRUE(manager.Until("tasks.task_assigned", second)) << "never assigned";
  manager.Close();

  SseStream resumed(port(), tokens_["client"], resume_from);
  auto rest = resumed.Until("tasks.task_assigned", second);
  ASSERT_TRUE(rest) << "the resumed stream did not deliver what was missed";
  got.insert(got.end(), rest->begin(), rest->end());

  // No duplicates, in log order, and exactly the client's events of both orders as the broker's
  // log holds them.
  for (size_t i = 1; i < got.size(); ++i) EXPECT_GT(got[i].id, got[i - 1].id);
  std::multiset<std::pair<std::string, std::string>> streamed, logged;
  for (const SseEvent& e : got) streamed.insert({e.event, e.Order()});
  zmq::context_t context(1);
  client::SubscriberOptions options;
  options.prefixes = {"portal.", "tasks."};
  client::Subscriber log(context, system_->broker_endpoint(), options);
  const std::set<std::string> client_topics = {"portal.help_requested", "tasks.task_requested",
                                               "tasks.task_assigned"};
  for (auto e = log.Next(milliseconds(3000)); e && e->seq <= got.back().id;
       e = log.Next(milliseconds(3000))) {
    auto envelope = schemas::DecodeEnvelope(e->envelope);
    ASSERT_TRUE(envelope.ok());
    if (!client_topics.count(e->topic)) continue;
    const std::string body = envelope->body;
    for (const std::string& order : {first, second})
      if (body.find(order) != std::string::npos) logged.insert({e->topic, order});
  }
  EXPECT_EQ(streamed, logged);
  EXPECT_EQ(streamed.size(), 6u);

  // An id beyond the log: the client is told to refetch.
  SseStream future(port(), tokens_["client"], got.back().id + 1'000'000);
  auto reset = future.Next();
  ASSERT_TRUE(reset);
  EXPECT_EQ(reset->event, "reset");
  // Where to resume from next time: the gateway's newest, not the id it was given.
  EXPECT_GE(reset->id, got.back().id);
  EXPECT_LT(reset->id, got.back().id + 1'000'000);

  // A malformed id: 400 naming the header.
  auto bad = RawExchange(port(), "GET /v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                     tokens_["client"] + "\r\nLast-Event-ID: ten\r\n\r\n");
  EXPECT_EQ(bad.status, 400) << Describe(bad);
  EXPECT_EQ(bad.body.value("field", ""), "header.Last-Event-ID");
  // Without a principal: 401.
  auto anonymous = RawExchange(port(), "GET /v1/stream HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(anonymous.status, 401) << Describe(anonymous);
  auto unknown = RawExchange(port(), "GET /v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                         std::string(64, 'a') + "\r\n\r\n");
  EXPECT_EQ(unknown.status, 401) << Describe(unknown);
}

TEST_F(EventStreamTest, TheCapAnswers503WhileTheOtherRoutesAreStillServed) {
  // Two HTTP threads: were a stream to hold one, two streams would starve every other route.
  ASSERT_NO_FATAL_FAILURE(
      Start({"--max-streams", "3", "--max-streams-per-principal", "2", "--threads", "2"}));
  SseStream a(port(), tokens_["client"]);
  SseStream b(port(), tokens_["client"]);
  ASSERT_EQ(a.Status(), 200);
  ASSERT_EQ(b.Status(), 200);
  auto third = RawExchange(port(), "GET /v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                       tokens_["client"] + "\r\n\r\n");
  EXPECT_EQ(third.status, 429) << Describe(third);
  SseStream manager(port(), tokens_["manager"]);
  ASSERT_EQ(manager.Status(), 200);
  EXPECT_TRUE(MetricBecomes("mcf_gateway_streams_open ", 3));
  auto full = RawExchange(port(), "GET /v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                      tokens_["supplies"] + "\r\n\r\n");
  EXPECT_EQ(full.status, 503) << Describe(full);
  EXPECT_EQ(full.content_type, "application/problem+json");
  EXPECT_EQ(full.retry_after, "1");

  // With the cap reached, the rest of the gateway answers, several requests at once.
  std::vector<std::thread> callers;
  std::vector<int> statuses(4, -1);
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back([&, i] {
      Http http(port());
      statuses[i] = http.Send("GET", "/v1/me", tokens_[i % 2 ? "worker" : "client2"]).status;
    });
  }
  for (auto& t : callers) t.join();
  for (int s : statuses) EXPECT_EQ(s, 200);
  const std::string order = Order("client2", 3);
  EXPECT_TRUE(manager.Until("portal.help_requested", order)) << "streams stopped flowing";

  // A closed stream frees its place.
  a.Close();
  EXPECT_TRUE(MetricBecomes("mcf_gateway_streams_open ", 2));
  SseStream supplies(port(), tokens_["supplies"]);
  EXPECT_EQ(supplies.Status(), 200);
  EXPECT_GE(Metric("mcf_gateway_rejections_total{reason=\"streams\"} "), 2);
}

TEST_F(EventStreamTest, AReaderThatNeverReadsIsDroppedAndOnlyABoundedAmountIsWrittenToIt) {
  ASSERT_NO_FATAL_FAILURE(
      Start({"--stream-queue-bytes", "8192", "--stream-send-buffer-bytes", "8192"}));
  SseStream stuck(port(), tokens_["manager"], std::nullopt, /*rcvbuf=*/4096);
  SseStream reader(port(), tokens_["manager"]);
  ASSERT_EQ(reader.Status(), 200);
  EXPECT_TRUE(MetricBecomes("mcf_gateway_streams_open ", 2));
  // Far more for a manager than any socket buffers: 24 orders, each description (4000 bytes)
  // in two events.
  const std::string description(4000, 'j');
  std::string last;
  size_t read_by_reader = 0;
  for (int i = 0; i < 24; ++i) {
    last = Order(i % 2 ? "client" : "client2", 2 + 2 * i, description);
    auto seen = reader.Until("portal.help_requested", last);
    ASSERT_TRUE(seen) << "the reading stream stalled";
    for (const SseEvent& e : *seen) read_by_reader += e.data.dump().size();
  }
  EXPECT_TRUE(MetricBecomes("mcf_gateway_streams_dropped_total{reason=\"slow_reader\"} ", 1));
  EXPECT_TRUE(MetricBecomes("mcf_gateway_streams_open ", 1));
  // What reached the stuck socket is what its buffers held, not what it was sent.
  size_t read_by_stuck = 0;
  EXPECT_TRUE(stuck.ReadToEnd(milliseconds(10000), &read_by_stuck)) << "never closed";
  EXPECT_GT(read_by_reader, 2 * read_by_stuck)
      << "the stuck reader got " << read_by_stuck << " bytes, the reading one " << read_by_reader;
  EXPECT_LT(read_by_stuck, 512u << 10);
  // The reading stream is unaffected.
  const std::string after = Order("client", 150);
  EXPECT_TRUE(reader.Until("portal.help_requested", after));
}

TEST_F(EventStreamTest, TheGatewayStopsPromptlyWithStreamsOpen) {
  ASSERT_NO_FATAL_FAILURE(Start());
  std::vector<std::unique_ptr<SseStream>> streams;
  for (const char* who : {"client", "client2", "worker", "manager", "supplies"}) {
    streams.push_back(std::make_unique<SseStream>(port(), tokens_[who]));
    ASSERT_EQ(streams.back()->Status(), 200) << who;
  }
  ASSERT_TRUE(MetricBecomes("mcf_gateway_streams_open ", 5));
  process::ChildProcess* gateway = system_->Find("gateway");
  ASSERT_NE(gateway, nullptr);
  const auto start = Clock::now();
  ASSERT_TRUE(gateway->Signal(SIGTERM));
  const std::optional<int> status = gateway->Wait(milliseconds(10000));
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  ASSERT_TRUE(status) << "the gateway did not stop within 10 s";
  EXPECT_EQ(*status, 0);
  EXPECT_LT(took.count(), 3000) << "stopping took " << took.count() << " ms";
  for (auto& s : streams) EXPECT_TRUE(s->ReadToEnd(milliseconds(2000))) << "a stream stayed open";
}

}  // namespace
}  // namespace mcf::testing::gateway
