#include "gateway/server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <zmq.hpp>

#include "gateway/business_routes.h"
#include "gateway/concurrency_limit.h"
#include "gateway/event_stream.h"
#include "gateway/public_priority.h"
#include "gateway/reply_json.h"
#include "gateway/static_files.h"
#include "gateway/stream_backlog.h"
#include "lib/base/log.h"
#include "lib/client/bus_client.h"
#include "schemas/registry.h"
#include "schemas/body.h"

namespace mcf::gateway {
namespace {

using Handler = std::function<HttpResponse(const HttpRequest&)>;
using Clock = std::chrono::steady_clock;

// The largest request head (request line and headers) a connection may send; more is refused.
constexpr size_t kMaxRequestHeadBytes = 64u << 10;
// A response given before its request's body was read closes the connection; until then the
// rest of the body is read and dropped (so the client sees the response, not a reset), for at
// most this long.
constexpr std::chrono::milliseconds kLingerTime{2000};
// After a refusal by the public gate the linger is short: a flood's clients need not close, and
// a thread lingering 2 s per 429 would hand them the server. A small public body has normally
// arrived with its head and is drained at once.
constexpr std::chrono::milliseconds kRefusedLinger{200};

class ConnectionStream;

// What the pipeline decided about the connection a request came on. A connection is served by
// one pool thread from accept to close (ConnectionLoop), so a thread_local is per connection.
struct ConnectionState {
  bool close_after_response = false;
  std::chrono::milliseconds linger = kLingerTime;  // when closing with the body unread
  ConnectionStream* stream = nullptr;  // the connection's stream, to set a read deadline
  // A public request admitted on its Expect: 100-continue, for its handler.
  std::optional<PublicGate::Admission> admitted;
  // GET /v1/stream answered: the connection goes to the stream hub once httplib is done with it
  // (gateway/event_stream.h); its thread goes back to the pool.
  std::optional<EventStreamHub::Ticket> stream_ticket;
};
thread_local ConnectionState connection_state;

int MillisOf(std::chrono::nanoseconds d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return ms < 0 ? 0 : static_cast<int>(std::min<long long>(ms, 1 << 30));
}

// A Stream over one accepted socket for the whole connection: its read buffer outlives each
// request (httplib's SocketStream is per request), it records the bytes of each request's head
// (request line and headers) so their values can be restored as sent, and it waits with poll(2)
// (httplib's select(2) fails past descriptor 1023).
class ConnectionStream final : public httplib::Stream {
 public:
  // A request head gets `head_timeout` from its first byte; when it is still incomplete after
  // `slow_head_after` and `starved()` says a connection waits for a thread, the read gives up.
  struct SlowClientLimits {
    std::chrono::milliseconds head_timeout{3000};
    std::chrono::milliseconds slow_head_after{500};
    std::function<bool()> starved;  // may be empty
  };

  ConnectionStream(socket_t sock, std::chrono::milliseconds read_timeout,
                   std::chrono::milliseconds write_timeout, SlowClientLimits slow)
      : sock_(sock),
        read_timeout_(read_timeout),
        write_timeout_(write_timeout),
        slow_(std::move(slow)) {}

  bool is_readable() const override { return buffered() > 0 || WaitToRead(); }
  bool is_writable() const override { return Wait(POLLOUT, write_timeout_); }

  ssize_t read(char* ptr, size_t size) override {
    if (buffered() == 0) {
      if (!WaitToRead()) return -1;
      ssize_t n;
      do {
        n = ::recv(sock_, buffer_, sizeof buffer_, 0);
      } while (n < 0 && errno == EINTR);
      if (n <= 0) return n;
      begin_ = 0;
      end_ = static_cast<size_t>(n);
    }
    const size_t n = std::min(size, buffered());
    if (recording_) {
      if (head_.size() + n > kMaxRequestHeadBytes) {
        head_too_large_ = true;
        return -1;
      }
      head_.append(buffer_ + begin_, n);
    }
    std::memcpy(ptr, buffer_ + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (discarding_) return static_cast<ssize_t>(size);
    if (!is_writable()) return -1;
    ssize_t n;
    do {
      n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    Address(::getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    Address(::getsockname, ip, port);
  }
  socket_t socket() const override { return sock_; }

  size_t buffered() const { return end_ - begin_; }
  // Starts recording a request's head (and its deadline); TakeHead ends it.
  void StartHead() {
    recording_ = true;
    head_.clear();
    head_started_ = Clock::now();
    deadline_ = head_started_ + slow_.head_timeout;
  }
  std::string TakeHead() {
    recording_ = false;
    deadline_.reset();
    return std::move(head_);
  }
  bool head_too_large() const { return head_too_large_; }
  // From now on writes are dropped (reported written): the response httplib writes for a live
  // update stream, whose own head the stream hub writes once the socket is handed over.
  void DiscardWrites() { discarding_ = true; }
  // Reads after `deadline` fail (a public route's body: it must arrive whole by then).
  void SetReadDeadline(Clock::time_point deadline) { deadline_ = deadline; }
  void ClearReadDeadline() { deadline_.reset(); }
  // True once a read failed because the client was too slow (a deadline, or dropped for a
  // starved connection); the connection is then closed.
  bool too_slow() const { return too_slow_; }
  // True the first time it is asked after too_slow() became true, so it is counted once.
  bool CountSlowOnce() { return too_slow_ && !std::exchange(slow_counted_, true); }

 private:
  // Waits for bytes within the read timeout and the deadline, in slices while a head is being
  // read so a starved pool can take the thread back from a slow client.
  bool WaitToRead() const {
    constexpr std::chrono::milliseconds kSlice{100};
    const auto give_up = Clock::now() + read_timeout_;
    while (true) {
      const auto now = Clock::now();
      auto until = give_up;
      if (deadline_) until = std::min(until, *deadline_);
      if (now >= until) {
        if (deadline_ && now >= *deadline_) too_slow_ = true;
        return false;
      }
      if (recording_ && slow_.starved && now - head_started_ >= slow_.slow_head_after &&
          slow_.starved()) {
        too_slow_ = true;
        return false;
      }
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
      if (recording_) wait = std::min(wait, kSlice);
      if (Wait(POLLIN, std::max(wait, std::chrono::milliseconds(1)))) return true;
    }
  }

  bool Wait(short events, std::chrono::milliseconds timeout) const {
    pollfd p{sock_, events, 0};
    int r;
    do {
      r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    } while (r < 0 && errno == EINTR);
    return r > 0;
  }

  template <typename Fn>
  void Address(Fn fn, std::string& ip, int& port) const {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ip.clear();
    port = 0;
    if (fn(sock_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
    char text[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
      ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
      port = ntohs(in->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
      ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
      port = ntohs(in6->sin6_port);
    }
    ip = text;
  }

  socket_t sock_;
  std::chrono::milliseconds read_timeout_;
  std::chrono::milliseconds write_timeout_;
  SlowClientLimits slow_;
  std::optional<Clock::time_point> deadline_;
  Clock::time_point head_started_{};
  mutable bool too_slow_ = false;
  bool slow_counted_ = false;
  char buffer_[16384];
  size_t begin_ = 0;
  size_t end_ = 0;
  bool recording_ = false;
  bool discarding_ = false;
  bool head_too_large_ = false;
  std::string head_;
};

// httplib 0.11 percent-decodes every header value ("Bearer x%00y" arrives as "Bearer x\0y", and
// Request::get_header_value then stops at the NUL). This puts back the values as sent, parsed
// from the recorded head the way httplib parses them (lines ending CRLF, "name: value" with
// surrounding blanks trimmed, empty values dropped), keeping the REMOTE_/LOCAL_ entries httplib
// adds itself.
void RestoreHeaderValues(std::string_view head, httplib::Request& req) {
  httplib::Headers raw;
  size_t pos = head.find("\r\n");
  if (pos == std::string_view::npos) return;
  pos += 2;
  while (pos < head.size()) {
    const size_t end = head.find('\n', pos);
    if (end == std::string_view::npos) break;
    std::string_view line = head.substr(pos, end + 1 - pos);
    pos = end + 1;
    if (line.size() < 2 || line[line.size() - 2] != '\r') continue;  // httplib skips these too
    line.remove_suffix(2);
    if (line.empty()) break;  // end of the head
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    if (value.empty()) continue;
    raw.emplace(std::string(line.substr(0, colon)), std::string(value));
  }
  raw.emplace("REMOTE_ADDR", req.remote_addr);
  raw.emplace("REMOTE_PORT", std::to_string(req.remote_port));
  raw.emplace("LOCAL_ADDR", req.local_addr);
  raw.emplace("LOCAL_PORT", std::to_string(req.local_port));
  req.headers = std::move(raw);
}

// Every value of header `name`, whole (Request::get_header_value stops at a NUL byte).
std::vector<std::string> HeaderValues(const httplib::Request& req, const std::string& name) {
  std::vector<std::string> values;
  auto [first, last] = req.headers.equal_range(name);
  for (auto it = first; it != last; ++it) values.push_back(it->second);
  return values;
}

// Several values of one header joined with ", " (RFC 9110 section 5.3; Cookie headers with "; ",
// RFC 6265 section 5.4); nullopt when absent.
std::optional<std::string> JoinedHeader(const httplib::Request& req, const std::string& name,
                                        std::string_view separator = ", ") {
  auto values = HeaderValues(req, name);
  if (values.empty()) return std::nullopt;
  std::string joined = values[0];
  for (size_t i = 1; i < values.size(); ++i) joined += std::string(separator) + values[i];
  return joined;
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// How a request's body is delimited (RFC 9112 section 6): chunked, a Content-Length, or
// neither (no body). Anything ambiguous is refused: a problem to answer (400) instead.
struct BodyFraming {
  bool chunked = false;
  uint64_t length = 0;  // Content-Length; 0 when absent
  std::optional<Problem> problem;
  bool has_body() const { return chunked || length > 0; }
};

BodyFraming FramingOf(const httplib::Request& req) {
  BodyFraming f;
  const auto lengths = HeaderValues(req, "Content-Length");
  const auto encodings = HeaderValues(req, "Transfer-Encoding");
  if (!encodings.empty()) {
    if (encodings.size() != 1 || LowerAscii(TrimBlanks(encodings[0])) != "chunked") {
      f.problem = MakeProblem(kHttpBadRequest, "only Transfer-Encoding: chunked is understood",
                              "header.Transfer-Encoding");
    } else if (!lengths.empty()) {
      f.problem =
          MakeProblem(kHttpBadRequest, "send either Content-Length or Transfer-Encoding, not both",
                      "header.Content-Length");
    }
    f.chunked = true;
    return f;
  }
  if (lengths.empty()) return f;
  const std::string_view text = lengths[0];
  bool digits = lengths.size() == 1 && !text.empty() && text.size() <= 18;
  for (char c : text) digits = digits && c >= '0' && c <= '9';
  if (!digits) {
    f.problem = MakeProblem(kHttpBadRequest, "Content-Length must be one decimal number",
                            "header.Content-Length");
    return f;
  }
  f.length = std::stoull(std::string(text));
  return f;
}

// nullopt when a request body of this Content-Type (and Content-Encoding) is JSON the gateway
// reads; otherwise the 415 problem. "application/json" with any parameters; a charset, if given,
// must be utf-8 (RFC 8259). No content coding: a compressed body could inflate past the limits.
std::optional<Problem> CheckMediaType(const httplib::Request& req) {
  if (auto coding = JoinedHeader(req, "Content-Encoding")) {
    if (LowerAscii(TrimBlanks(*coding)) != "identity") {
      return MakeProblem(kHttpUnsupportedMediaType,
                         "Content-Encoding " + *coding + " is not accepted; send the JSON as is",
                         "header.Content-Encoding");
    }
  }
  const auto types = HeaderValues(req, "Content-Type");
  const std::string wanted = "send Content-Type: application/json";
  if (types.empty()) {
    return MakeProblem(kHttpUnsupportedMediaType, "the body has no Content-Type; " + wanted,
                       "header.Content-Type");
  }
  std::string_view type = types[0];
  const size_t semicolon = type.find(';');
  const std::string media = LowerAscii(TrimBlanks(type.substr(0, semicolon)));
  if (types.size() != 1 || media != "application/json") {
    return MakeProblem(kHttpUnsupportedMediaType,
                       "Content-Type " + std::string(type) + " is not accepted; " + wanted,
                       "header.Content-Type");
  }
  // Parameters: name=value pairs; only charset is checked.
  std::string_view params = semicolon == std::string_view::npos ? "" : type.substr(semicolon + 1);
  while (!params.empty()) {
    const size_t next = params.find(';');
    std::string_view param = TrimBlanks(params.substr(0, next));
    params = next == std::string_view::npos ? "" : params.substr(next + 1);
    const size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    if (LowerAscii(TrimBlanks(param.substr(0, eq))) != "charset") continue;
    std::string charset = LowerAscii(TrimBlanks(param.substr(eq + 1)));
    if (charset.size() >= 2 && charset.front() == '"' && charset.back() == '"') {
      charset = charset.substr(1, charset.size() - 2);
    }
    if (charset != "utf-8") {
      return MakeProblem(kHttpUnsupportedMediaType,
                         "JSON is UTF-8; charset " + charset + " is not accepted",
                         "header.Content-Type");
    }
  }
  return std::nullopt;
}

// The listen(2) backlog to use: the system's maximum.
int SystemMaxBacklog() {
  std::ifstream in("/proc/sys/net/core/somaxconn");
  int n = 0;
  if (in >> n && n > 0) return n;
  return SOMAXCONN;
}

// The server's threads: like httplib::ThreadPool (a connection is a job that holds its thread
// until the connection closes), and it tells how long the oldest accepted connection has been
// waiting for a thread, so that busy keep-alive connections can make room for it.
class ConnectionPool final : public httplib::TaskQueue {
 public:
  // `waiting` and `oldest_ns` (steady clock ns of the oldest waiting job, 0 = none) are kept up
  // to date for readers on other threads.
  ConnectionPool(size_t threads, std::atomic<size_t>& waiting, std::atomic<int64_t>& oldest_ns)
      : waiting_(waiting), oldest_ns_(oldest_ns) {
    for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
  }
  ~ConnectionPool() override = default;

  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard lock(mu_);
      const int64_t now = Clock::now().time_since_epoch().count();
      jobs_.push_back({std::move(fn), now});
      if (jobs_.size() == 1) oldest_ns_ = now;
      waiting_ = jobs_.size();
    }
    cv_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard lock(mu_);
      shutdown_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

 private:
  struct Job {
    std::function<void()> fn;
    int64_t enqueued_ns;
  };

  void Work() {
    while (true) {
      std::function<void()> fn;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return shutdown_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // shut down and drained
        fn = std::move(jobs_.front().fn);
        jobs_.pop_front();
        oldest_ns_ = jobs_.empty() ? 0 : jobs_.front().enqueued_ns;
        waiting_ = jobs_.size();
      }
      fn();
    }
  }

  std::atomic<size_t>& waiting_;
  std::atomic<int64_t>& oldest_ns_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool shutdown_ = false;
  std::vector<std::thread> threads_;
};

// A connection waiting this long for a thread makes a busy keep-alive connection yield its own.
constexpr std::chrono::milliseconds kStarvedAfter{50};

// httplib's Server with the gateway's own connection loop (process_and_close_socket is
// httplib's per-connection hook): one ConnectionStream per connection, header values restored
// as sent, an idle wait that a stop interrupts at once, and a lingering close when a response
// was given before its request's body was read. Requests themselves still go through httplib's
// process_request (parsing, routing, writing).
class EdgeHttpServer final : public httplib::Server {
 public:
  // `metrics` must outlive the server.
  EdgeHttpServer(const ServerConfig& config, Metrics& metrics)
      : stop_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
        metrics_(metrics),
        head_timeout_(config.head_timeout),
        slow_head_after_(config.slow_head_after),
        connections_(config.max_connections_per_address) {}
  ~EdgeHttpServer() override {
    if (stop_fd_ >= 0) ::close(stop_fd_);
  }

  // The thread pool to give httplib (new_task_queue).
  httplib::TaskQueue* NewPool(size_t threads) {
    return new ConnectionPool(threads, waiting_, oldest_waiting_ns_);
  }

  // listen(2) again on the bound socket: Linux updates the backlog of a listening socket.
  bool SetBacklog(int backlog) {
    return svr_sock_ != INVALID_SOCKET && ::listen(svr_sock_, backlog) == 0;
  }
  // Wakes every idle connection so it closes; then httplib's stop.
  void Shutdown() {
    if (stop_fd_ >= 0) {
      const uint64_t one = 1;
      [[maybe_unused]] auto n = ::write(stop_fd_, &one, sizeof one);
    }
    if (is_running()) stop();
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    bool yielded = false;
    ConnectionStream stream(
        sock, Millis(read_timeout_sec_ * 1000 + read_timeout_usec_ / 1000),
        Millis(write_timeout_sec_ * 1000 + write_timeout_usec_ / 1000),
        {head_timeout_, slow_head_after_, [this, &yielded] {
           if (!yielded) yielded = ClaimYield();
           return yielded;
         }});
    // One address may not keep more than its share of the threads while others wait for one:
    // past it, the connection is served one request, answered with Connection: close (httplib
    // accepts before any hook runs, so this is the first place it can be seen; closing it
    // unread would be an error to a client behind an address many share, and when nobody waits
    // there is no reason to).
    std::string ip;
    int peer_port = 0;
    stream.get_remote_ip_and_port(ip, peer_port);
    const auto slot = connections_.TryAcquire(ip);
    const bool over_share = !slot && waiting_.load() > 0;
    if (over_share) metrics_.CountRejection(Rejection::kConnectionsPerAddress);
    connection_state = {};
    connection_state.stream = &stream;
    bool ok = true;
    for (size_t left = keep_alive_max_count_; left > 0 && svr_sock_ != INVALID_SOCKET; --left) {
      if (stream.buffered() == 0 && !WaitForRequest(sock, yielded)) break;
      stream.StartHead();
      bool closed_by_client = false;
      // A connection starved of a thread: this one answers with Connection: close and makes
      // room (the client reconnects and queues in turn), so more clients than threads are all
      // served instead of waiting for a busy keep-alive connection to go idle.
      if (!yielded) yielded = ClaimYield();
      const bool last = left == 1 || yielded || over_share;
      ok = process_request(
          stream, /*close_connection=*/last, closed_by_client,
          [&stream](httplib::Request& req) { RestoreHeaderValues(stream.TakeHead(), req); });
      if (connection_state.stream_ticket) break;
      // A client too slow with its head got a 400 from httplib; it gets nothing more.
      if (!ok || last || closed_by_client || stream.head_too_large() || stream.too_slow() ||
          connection_state.close_after_response) {
        break;
      }
    }
    if (connection_state.stream_ticket) {
      std::move(*connection_state.stream_ticket).Attach(sock);  // the hub closes it
    } else if (connection_state.close_after_response || stream.head_too_large()) {
      LingeringClose(sock, connection_state.linger);
    } else {
      ::shutdown(sock, SHUT_RDWR);
      ::close(sock);
    }
    if (yielded) --yielding_;
    if (stream.CountSlowOnce()) metrics_.CountRejection(Rejection::kSlowRequest);
    connection_state = {};
    return ok;
  }

  // True when a connection has waited kStarvedAfter for a thread and fewer connections are
  // already yielding than are waiting; the caller then yields (and counts in yielding_ until its
  // thread is free).
  bool ClaimYield() {
    const int64_t oldest = oldest_waiting_ns_.load();
    if (oldest == 0) return false;
    const auto waited = Clock::now().time_since_epoch() - Clock::duration(oldest);
    if (waited < kStarvedAfter) return false;
    size_t yielding = yielding_.load();
    while (yielding < waiting_.load()) {
      if (yielding_.compare_exchange_weak(yielding, yielding + 1)) return true;
    }
    return false;
  }

  // True when the next request's first bytes (or the client's close) arrived; false on idle
  // timeout, stop, or when an accepted connection is starved of a thread (an idle keep-alive
  // connection is the cheapest to close: `yielded` is then set, see ClaimYield).
  bool WaitForRequest(socket_t sock, bool& yielded) {
    constexpr std::chrono::milliseconds kSlice{100};
    const auto until = Clock::now() + std::chrono::seconds(keep_alive_timeout_sec_);
    while (true) {
      const auto now = Clock::now();
      if (now >= until) return false;
      pollfd p[2] = {{sock, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
      const auto wait = std::min(std::chrono::duration_cast<Millis>(until - now), kSlice);
      int r;
      do {
        r = ::poll(p, stop_fd_ >= 0 ? 2 : 1, std::max(1, MillisOf(wait)));
      } while (r < 0 && errno == EINTR);
      if (r < 0) return false;
      if (r > 0) {
        return (p[1].revents & POLLIN) == 0 && (p[0].revents & (POLLIN | POLLHUP)) != 0;
      }
      if (!yielded && ClaimYield()) {
        yielded = true;
        return false;
      }
    }
  }

  // Shut our side, read and drop whatever the client still sends until it closes (or
  // kLingerTime passes), then close: closing with unread bytes would reset the connection and
  // could destroy the response before the client reads it.
  static void LingeringClose(socket_t sock, std::chrono::milliseconds linger) {
    ::shutdown(sock, SHUT_WR);
    const auto deadline = Clock::now() + linger;
    char scratch[16384];
    while (Clock::now() < deadline) {
      pollfd p{sock, POLLIN, 0};
      if (::poll(&p, 1, MillisOf(deadline - Clock::now())) <= 0) break;
      const ssize_t n = ::recv(sock, scratch, sizeof scratch, 0);
      if (n <= 0 && !(n < 0 && errno == EINTR)) break;
    }
    ::close(sock);
  }

  int stop_fd_;
  Metrics& metrics_;
  const Millis head_timeout_;
  const Millis slow_head_after_;
  AddressSlots connections_;  // connections in service, per client address
  std::atomic<size_t> waiting_{0};             // accepted connections waiting for a thread
  std::atomic<int64_t> oldest_waiting_ns_{0};  // when the oldest of them was accepted
  std::atomic<size_t> yielding_{0};            // connections closing to make room
};

// Distinguishes servers in the per-thread BusClient cache, even when one is allocated where a
// destroyed one was.
std::atomic<uint64_t> next_server_generation{1};

struct ThreadClientCache {
  uint64_t generation = 0;
  client::BusClient* client = nullptr;
};
thread_local ThreadClientCache thread_client;

void SetSocketOptions(socket_t sock) {
  int yes = 1;
  ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  // Without TCP_NODELAY keep-alive requests stall on delayed ACKs (~40 ms each).
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
}

// The names of the "{name}" segments of an OpenAPI path, in order.
std::vector<std::string> PathParamNames(std::string_view path) {
  std::vector<std::string> names;
  size_t pos = 0;
  while ((pos = path.find('{', pos)) != std::string_view::npos) {
    const size_t end = path.find('}', pos);
    if (end == std::string_view::npos) break;
    names.emplace_back(path.substr(pos + 1, end - pos - 1));
    pos = end + 1;
  }
  return names;
}

HttpResponse Unauthorized(const Problem& problem) {
  HttpResponse r = ProblemResponse(problem);
  if (r.status == kHttpUnauthorized) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  if (r.status == kHttpUnavailable) r.headers.emplace_back("Retry-After", "1");
  return r;
}

void Write(const HttpResponse& out, httplib::Response& res) {
  res.status = out.status;
  for (const auto& [name, value] : out.headers) res.set_header(name, value);
  res.set_content(out.body, out.content_type);
}

}  // namespace

struct Server::Impl {
  Impl(ServerConfig c, const TokenStore& t)
      : config(std::move(c)),
        tokens(t),
        limit(std::max<size_t>(config.max_concurrent, 1)),
        public_gate(config.public_limits, SteadyClock::Instance()),
        generation(next_server_generation.fetch_add(1)),
        static_files(config.web_root),
        streams(config.streams, context, config.broker_endpoint, metrics),
        http(config, metrics) {}

  // Declaration order is destruction order in reverse: the HTTP server (and its threads) goes
  // first, then the BusClients, then the zmq context they use.
  ServerConfig config;
  const TokenStore& tokens;
  ConcurrencyLimit limit;  // every route but the public ones
  PublicGate public_gate;
  Metrics metrics;
  const uint64_t generation;
  zmq::context_t context{1};
  std::mutex clients_mu;
  std::map<std::thread::id, std::unique_ptr<client::BusClient>> clients;
  EventStreamHub streams;  // after the context it uses, before the HTTP server that feeds it
  std::vector<RouteSpec> routes;
  StaticFiles static_files;
  EdgeHttpServer http;
  int port = -1;

  client::BusClient& Client() {
    if (thread_client.generation == generation && thread_client.client != nullptr) {
      return *thread_client.client;
    }
    std::lock_guard lock(clients_mu);
    auto& slot = clients[std::this_thread::get_id()];
    if (!slot) {
      slot = std::make_unique<client::BusClient>(context, config.broker_endpoint, "gateway");
    }
    thread_client = {generation, slot.get()};
    return *slot;
  }

  // Every health context's `<context>.store_status`, asked all at once on this thread's client.
  StoreStatusReplies StoreStatuses() {
    client::BusClient& bus = Client();
    std::vector<std::string> ids;
    for (std::string_view name : config.health_contexts) {
      schemas::Envelope cmd = bus.MakeCommand(std::string(name) + "." +
                                                  std::string(schemas::kStoreStatusVerb),
                                              schemas::EmptyBody());
      ids.push_back(bus.Send(cmd, config.health_timeout));
    }
    StoreStatusReplies out;
    for (std::string_view name : config.health_contexts)
      out.emplace_back(name, schemas::ErrorReply("", "", Status::Timeout("no answer"), "gateway", 0));
    const auto until = SteadyClock::Instance().Now() + config.health_timeout + Millis(100);
    for (size_t answered = 0; answered < ids.size() && SteadyClock::Instance().Now() < until;) {
      auto got = bus.Receive(Millis(50));
      if (!got) continue;
      for (size_t i = 0; i < ids.size(); ++i)
        if (got->first == ids[i]) {
          out[i].second = std::move(got->second);
          ++answered;
        }
    }
    return out;
  }

  schemas::Reply Call(schemas::Envelope command, Millis timeout) {
    schemas::Reply reply = Client().Call(command, timeout);
    if (reply.status != Code::kOk) {
      metrics.CountBusError(reply.status);
      spdlog::warn("event=bus_error type={} status={} message={}", command.type,
                   CodeName(reply.status), Quoted(reply.message));
    }
    return reply;
  }

  schemas::Envelope MakeEnvelope(std::string_view type, const Principal& principal,
                                 std::string body, std::string id) {
    schemas::Envelope command = Client().MakeCommand(type, std::move(body));
    if (!id.empty()) command.id = std::move(id);
    command.principal = principal;
    command.correlation_id = command.id;
    return command;
  }

  // Body limits of `route` (the small ones when no route matched).
  JsonLimits LimitsFor(const RouteSpec* route) const {
    JsonLimits limits = config.json_limits;
    if (route != nullptr && route->large_body) {
      limits.max_body_bytes = config.large_body_bytes;
      limits.max_string_bytes = config.large_body_bytes;
    }
    return limits;
  }

  size_t PayloadLimit() const {
    return std::max(config.json_limits.max_body_bytes, config.large_body_bytes);
  }

  // What a request's headers alone decide about its body, before any of it is read: framing
  // (400), a body on a route that reads none (400), the announced size against the route's
  // limit (413), the media type (415). nullopt when the body may be read.
  std::optional<Problem> CheckBodyHeaders(const httplib::Request& req, const RouteSpec* route,
                                          bool reads_body, const BodyFraming& framing) const {
    if (framing.problem) return framing.problem;
    if (!framing.has_body()) return std::nullopt;
    if (!reads_body) {
      return MakeProblem(kHttpBadRequest, req.method + " requests carry no body", "body");
    }
    const size_t limit = LimitsFor(route).max_body_bytes;
    if (framing.length > limit) {
      return MakeProblem(kHttpPayloadTooLarge,
                         "body is larger than " + std::to_string(limit) + " bytes");
    }
    return CheckMediaType(req);
  }

  // The shared pipeline around every handler (gateway/README.md): concurrency limit, the body's
  // headers, (business routes) rate limit and bearer token, the body read under the route's
  // limit and parsed as JSON, handler. `route` is null for the catch-all; `reader` is null for
  // methods whose body httplib never reads (GET, HEAD, OPTIONS). A response given while the body
  // is still unread closes the connection after it.
  HttpResponse Serve(const httplib::Request& req, const RouteSpec* route, const Handler& handler,
                     const httplib::ContentReader* reader) {
    const BodyFraming framing = FramingOf(req);
    bool body_read = false;
    HttpResponse out = ServeInner(req, route, handler, reader, framing, &body_read);
    // Unread (or undelimited) body bytes would be taken for the next request.
    if (framing.problem || (framing.has_body() && !body_read)) {
      connection_state.close_after_response = true;
      out.headers.emplace_back("Connection", "close");
    }
    return out;
  }

  HttpResponse ServeInner(const httplib::Request& req, const RouteSpec* route,
                          const Handler& handler, const httplib::ContentReader* reader,
                          const BodyFraming& framing, bool* body_read) {
    const BusinessRoute* business = route != nullptr ? FindBusinessRoute(*route) : nullptr;
    const bool is_public = IsPublic(route);
    PublicPriority::ServeAs(is_public);
    // Public routes: the public gate, first of all (nothing else is spent on a flood); its
    // permits, like the others' concurrency permit, are held until the answer is ready.
    std::optional<PublicGate::Admission> admission;
    std::optional<ConcurrencyLimit::Permit> permit;
    if (is_public) {
      if (connection_state.admitted) {  // admitted on Expect: 100-continue
        admission = std::move(connection_state.admitted);
        connection_state.admitted.reset();
      } else {
        admission = public_gate.Admit(req.remote_addr, route->path);
      }
      if (!admission->admitted()) return Refused(*admission);
    } else {
      permit = limit.TryAcquire();
      if (!permit) {
        metrics.CountRejection(Rejection::kConcurrency);
        HttpResponse r =
            ProblemResponse(MakeProblem(kHttpUnavailable, "too many concurrent requests"));
        r.headers.emplace_back("Retry-After", "1");
        return r;
      }
    }
    if (auto p = CheckBodyHeaders(req, route, reader != nullptr, framing)) {
      return ProblemResponse(*p);
    }
    HttpRequest request;
    request.method = req.method;
    request.path = req.path;
    request.remote_addr = req.remote_addr;
    request.authorization = JoinedHeader(req, "Authorization");
    request.idempotency_key = JoinedHeader(req, "Idempotency-Key");
    request.cookie = JoinedHeader(req, "Cookie", "; ");
    request.origin = JoinedHeader(req, "Origin");
    request.host = JoinedHeader(req, "Host");
    request.console = JoinedHeader(req, std::string(kConsoleHeader));
    request.if_none_match = JoinedHeader(req, "If-None-Match");
    request.last_event_id = JoinedHeader(req, "Last-Event-ID");
    for (const auto& [name, value] : req.params) request.query.emplace(name, value);
    if (route != nullptr) {
      const auto names = PathParamNames(route->path);
      for (size_t i = 0; i < names.size() && i + 1 < req.matches.size(); ++i) {
        request.path_params[names[i]] = req.matches[i + 1].str();
      }
    }
    const JsonLimits limits = LimitsFor(route);
    const bool is_stream = route != nullptr && *route == kStream;
    if ((business != nullptr && !is_public) || is_stream) {
      auto principal = Authenticate(tokens, CredentialsOf(request));
      if (!principal.ok()) return Unauthorized(principal.problem());
      request.principal = std::move(principal).value();
    }
    std::string body;
    if (framing.has_body()) {
      // A public body must arrive whole in time (a trickling client would hold the thread).
      ConnectionStream* stream = connection_state.stream;
      if (is_public && stream != nullptr) {
        stream->SetReadDeadline(Clock::now() + config.public_body_timeout);
      }
      // Read under the route's limit: a chunked body (size unknown up front) stops at it.
      bool too_large = false;
      const bool complete = (*reader)([&](const char* data, size_t n) {
        if (body.size() + n > limits.max_body_bytes) {
          too_large = true;
          return false;
        }
        body.append(data, n);
        return true;
      });
      if (stream != nullptr) stream->ClearReadDeadline();
      if (too_large) {
        return ProblemResponse(
            MakeProblem(kHttpPayloadTooLarge,
                        "body is larger than " + std::to_string(limits.max_body_bytes) + " bytes"));
      }
      if (!complete && stream != nullptr && stream->too_slow()) {
        if (stream->CountSlowOnce()) metrics.CountRejection(Rejection::kSlowRequest);
        return ProblemResponse(MakeProblem(
            kHttpRequestTimeout, "the body did not arrive within " +
                                     std::to_string(config.public_body_timeout.count()) + " ms",
            "body"));
      }
      if (!complete) {
        return ProblemResponse(
            MakeProblem(kHttpBadRequest, "the body could not be read whole", "body"));
      }
      *body_read = true;
    }
    if (!body.empty()) {
      auto parsed = ParseJsonBody(body, limits);
      if (!parsed.ok()) return ProblemResponse(parsed.problem());
      request.body = std::move(parsed).value();
    }
    try {
      return handler(request);
    } catch (const std::exception& e) {
      spdlog::error("event=handler_exception method={} path={} error={}", Quoted(req.method),
                    Quoted(req.path), Quoted(e.what()));
      return ProblemResponse(MakeProblem(kHttpInternal, "internal error"));
    }
  }

  // Routes anyone may call, behind the public gate: the public business routes and the
  // console's sign-in (which may ask the portal, and checks access codes).
  static bool IsPublic(const RouteSpec* route) {
    if (route == nullptr) return false;
    if (*route == kConsoleSignIn) return true;
    const BusinessRoute* business = FindBusinessRoute(*route);
    return business != nullptr && business->is_public;
  }

  // POST /v1/console/session: {employee_id, name} signs a client in as POST /v1/session does,
  // {access_code} checks a token an admin handed out; either way the token becomes the
  // mcf_session cookie (HttpOnly: the page's scripts never see it) and the answer is the
  // principal. A browser request, so it passes CheckConsoleRequest too (no login CSRF).
  HttpResponse ConsoleSignIn(const HttpRequest& request) {
    if (auto p = CheckConsoleRequest(CredentialsOf(request))) return ProblemResponse(*p);
    const Json body = request.body.value_or(Json::object());
    std::string token;
    Json principal;
    if (body.contains("access_code")) {
      if (body.contains("employee_id")) {
        return ProblemResponse(MakeProblem(
            kHttpBadRequest, "send either access_code or employee_id and name, not both",
            "body.access_code"));
      }
      const Json& code = body["access_code"];
      if (!code.is_string() || !IsWellFormedToken(code.get<std::string>())) {
        return ProblemResponse(MakeProblem(kHttpBadRequest,
                                           "an access code is 64 lowercase hex characters",
                                           "body.access_code"));
      }
      token = code.get<std::string>();
      auto found = tokens.Lookup(token);
      if (!found.ok()) {
        return Unauthorized(MakeProblem(kHttpUnavailable, "cannot check the access code now: " +
                                                              found.status().message()));
      }
      if (!found->has_value()) {
        return ProblemResponse(
            MakeProblem(kHttpUnauthorized, "unknown or revoked access code", "body.access_code"));
      }
      principal = {{"role", (*found)->role}, {"id", (*found)->id}};
    } else {
      HttpResponse signed_in = HandleBusiness(*FindBusinessRoute(kSession), request);
      if (signed_in.status >= 400) return signed_in;
      const Json reply = Json::parse(signed_in.body, nullptr, false);
      if (!reply.is_object() || !reply.contains("token") || !reply["token"].is_string()) {
        return ProblemResponse(MakeProblem(kHttpInternal, "portal.sign_in replied badly"));
      }
      token = reply["token"].get<std::string>();
      principal = {{"role", "client"},
                   {"id", reply.value("client_id", std::string())},
                   {"name", reply.value("name", std::string())}};
    }
    HttpResponse out = JsonResponse(kHttpOk, principal);
    out.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) + "=" + token +
                                               "; HttpOnly; SameSite=Strict; Path=/");
    out.headers.emplace_back("Cache-Control", "no-store");
    return out;
  }

  // DELETE /v1/console/session: the browser forgets the cookie. The token itself stays valid:
  // for staff and workers it is the access code they were given (docs/decisions/026).
  static HttpResponse ConsoleSignOut(const HttpRequest& request) {
    if (auto p = CheckConsoleRequest(CredentialsOf(request))) return ProblemResponse(*p);
    HttpResponse out = JsonResponse(kHttpOk, Json{{"signed_out", true}});
    out.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) +
                                               "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    out.headers.emplace_back("Cache-Control", "no-store");
    return out;
  }

  // The answer to a request the public gate refused (counted by reason): 429 or 503, with
  // Retry-After in whole seconds, at least 1, from the bucket that refused it.
  HttpResponse Refused(const PublicGate::Admission& a) {
    metrics.CountRejection(*a.refused);
    connection_state.linger = kRefusedLinger;
    const char* detail = "too many requests";
    switch (*a.refused) {
      case Rejection::kAddressRate: detail = "too many requests from this address"; break;
      case Rejection::kRouteRate: detail = "too many requests on this route; try again later"; break;
      case Rejection::kAddressInFlight:
        detail = "too many requests from this address in progress";
        break;
      case Rejection::kPublicInFlight: detail = "too many public requests in progress"; break;
      default: break;
    }
    HttpResponse r = ProblemResponse(MakeProblem(a.http_status, detail));
    const long long seconds = (a.retry_after.count() + 999) / 1000;
    r.headers.emplace_back("Retry-After", std::to_string(std::max<long long>(seconds, 1)));
    return r;
  }

  // A business route after the pipeline: build the command, send it, shape the reply.
  HttpResponse HandleBusiness(const BusinessRoute& route, const HttpRequest& request) {
    if (auto p = CheckIdempotencyKey(request.idempotency_key)) return ProblemResponse(*p);
    const Principal caller =
        route.is_public || !request.principal ? Principal{"anonymous", ""} : *request.principal;
    const std::string token = route.mints_token ? NewToken() : std::string();
    auto built = route.build(RouteInput{caller, request, token, config.max_photo_bytes});
    if (!built.ok()) return ProblemResponse(built.problem());
    const BusCommand& command = built.value();
    const Principal bus_principal = route.is_public ? Principal{"system", "gateway"} : caller;
    if (route.checks_standing) {
      schemas::Reply standing = Call(
          MakeEnvelope("portal.check_standing", bus_principal, JsonToMsgpack(Json::object()), ""),
          config.command_timeout);
      if (standing.status != Code::kOk) return ReplyToHttp(standing).ToResponse();
    }
    std::string id;
    if (request.idempotency_key) {
      const std::string scope =
          route.is_public ? "public:" + command.idempotency_scope : caller.role + ":" + caller.id;
      id = DeriveCommandId(scope, request.method, request.path, *request.idempotency_key);
    }
    schemas::Envelope envelope =
        MakeEnvelope(command.type, bus_principal, JsonToMsgpack(command.body), std::move(id));
    schemas::Reply reply = Call(envelope, config.command_timeout);
    if (route.worker_grant != WorkerGrant::kNone && reply.status == Code::kOk) {
      auto first = MsgpackToJson(reply.body);
      if (!first.ok() || !first->is_object()) {
        return ProblemResponse(MakeProblem(kHttpInternal, command.type + " replied badly"));
      }
      const bool hired = first->contains("worker_id") && (*first)["worker_id"].is_string();
      if (!hired && route.worker_grant == WorkerGrant::kIsTheAnswer) {
        return ProblemResponse(
            MakeProblem(kHttpInternal, command.type + " replied without a worker_id"));
      }
      if (hired) {
        // Second step: a sign-in token for the new worker. Its id derives from the first
        // command's, so a retried request (same Idempotency-Key) repeats neither step.
        const BusCommand grant =
            GrantWorkerTokenCommand((*first)["worker_id"].get<std::string>(), token);
        schemas::Reply granted =
            Call(MakeEnvelope(grant.type, bus_principal, JsonToMsgpack(grant.body),
                              FollowUpCommandId(envelope.id, "grant")),
                 config.command_timeout);
        if (route.worker_grant == WorkerGrant::kIsTheAnswer) {
          reply = std::move(granted);
        } else {
          return WithWorkerToken(route, command, std::move(*first), granted);
        }
      }
    }
    if (reply.status == Code::kOk) {
      if (auto text = RenderReplyJson(reply.body, route.shape)) {  // no JSON tree on the way
        HttpResponse out;
        out.status = HttpStatusFor(Code::kOk, command.created);
        out.body = std::move(*text);
        return out;
      }
    }
    ForwardResult result = ReplyToHttp(reply, command.created);
    if (result.ok()) {
      result.body = ShapeReply(route.shape, std::move(result.body));
    } else {
      RenameField(command.field_names, result.body);
    }
    return result.ToResponse();
  }

  // GET /v1/stream, authenticated by the pipeline like every business route: a place reserved
  // with the stream hub, the connection handed over once httplib is done (its response is
  // dropped; the hub writes the stream's head). HEAD gets the head alone.
  HttpResponse OpenStream(const HttpRequest& request) {
    auto last_event_id = ParseLastEventId(request.last_event_id);
    if (!last_event_id.ok()) return ProblemResponse(last_event_id.problem());
    if (!request.principal || connection_state.stream == nullptr) {
      return ProblemResponse(MakeProblem(kHttpInternal, "the stream has no principal"));
    }
    HttpResponse out;
    out.content_type = "text/event-stream";
    if (request.method == "HEAD") return out;
    auto ticket = streams.Open(*request.principal, last_event_id.value());
    if (!ticket.ok()) {
      metrics.CountRejection(Rejection::kStreams);
      HttpResponse r = ProblemResponse(ticket.problem());
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    connection_state.stream->DiscardWrites();
    connection_state.stream_ticket.emplace(std::move(ticket).value());
    return out;
  }

  // The first command's answer (decided: the decision) with the new worker's credentials as
  // "worker_token", handed out this once; if the grant failed, the first command stands (it is
  // done) and "worker_token_problem" says why, for an admin to grant one instead.
  HttpResponse WithWorkerToken(const BusinessRoute& route, const BusCommand& command, Json first,
                               const schemas::Reply& granted) {
    Json out = ShapeReply(route.shape, std::move(first));
    auto grant = MsgpackToJson(granted.body);
    if (granted.status == Code::kOk && grant.ok() && grant->is_object() &&
        grant->contains("token")) {
      out["worker_token"] = (*grant)["token"];
    } else {
      const ForwardResult failed = ReplyToHttp(granted);
      const std::string detail = failed.body.value("detail", std::string("not granted"));
      spdlog::error("event=worker_token_not_granted command={} worker={} detail={}",
                    command.type, Quoted(out.value("worker_id", std::string())), Quoted(detail));
      out["worker_token_problem"] = detail;
    }
    HttpResponse response;
    response.status = HttpStatusFor(Code::kOk, command.created);
    response.body = DumpJson(out);
    return response;
  }

  void Answer(const httplib::Request& req, httplib::Response& res, const std::string& label,
              const std::optional<RouteSpec>& route, const Handler& handler,
              const httplib::ContentReader* reader) {
    const auto start = Clock::now();
    HttpResponse out = Serve(req, route ? &*route : nullptr, handler, reader);
    Write(out, res);
    metrics.ObserveRequest(req.method, label, out.status, Clock::now() - start);
  }

  // For GET, HEAD and OPTIONS: httplib reads no body for them.
  httplib::Server::Handler Wrap(std::string label, std::optional<RouteSpec> route,
                                Handler handler) {
    return [this, label = std::move(label), route, handler = std::move(handler)](
               const httplib::Request& req, httplib::Response& res) {
      Answer(req, res, label, route, handler, nullptr);
    };
  }

  // For POST, PUT, PATCH, DELETE: the pipeline reads the body itself, after its checks.
  httplib::Server::HandlerWithContentReader WrapReading(std::string label,
                                                        std::optional<RouteSpec> route,
                                                        Handler handler) {
    return [this, label = std::move(label), route, handler = std::move(handler)](
               const httplib::Request& req, httplib::Response& res,
               const httplib::ContentReader& reader) {
      Answer(req, res, label, route, handler, &reader);
    };
  }

  void Register(const RouteSpec& route, Handler handler) {
    const std::string label(route.path);
    const std::string pattern = PathPattern(route.path, route.rest);
    if (route.method == "GET") {
      http.Get(pattern, Wrap(label, route, std::move(handler)));
    } else if (route.method == "POST") {
      http.Post(pattern, WrapReading(label, route, std::move(handler)));
    } else if (route.method == "PUT") {
      http.Put(pattern, WrapReading(label, route, std::move(handler)));
    } else if (route.method == "PATCH") {
      http.Patch(pattern, WrapReading(label, route, std::move(handler)));
    } else if (route.method == "DELETE") {
      http.Delete(pattern, WrapReading(label, route, std::move(handler)));
    }
    routes.push_back(route);
  }

  // Expect: 100-continue: the checks that need only the headers run first, so a refused body
  // is never sent (the connection closes after the refusal: the client may send it anyway).
  int ExpectContinue(const httplib::Request& req, httplib::Response& res) {
    const RouteSpec* route = MatchRoute(req.method, req.path);
    const bool reads_body = req.method == "POST" || req.method == "PUT" || req.method == "PATCH" ||
                            req.method == "DELETE";
    std::optional<HttpResponse> refusal;
    if (IsPublic(route)) {
      // The public gate too, so a refused body is never sent; an admission is kept for the
      // request's handler (Serve), which must not take a second token.
      PublicGate::Admission admission = public_gate.Admit(req.remote_addr, route->path);
      if (!admission.admitted()) refusal = Refused(admission);
      else connection_state.admitted = std::move(admission);
    }
    if (!refusal) {
      if (auto problem = CheckBodyHeaders(req, route, reads_body, FramingOf(req))) {
        refusal = ProblemResponse(*problem);
      }
    }
    if (!refusal) return 100;
    connection_state.admitted.reset();
    connection_state.close_after_response = true;
    HttpResponse out = std::move(*refusal);
    out.headers.emplace_back("Connection", "close");
    Write(out, res);
    metrics.ObserveRequest(req.method, route != nullptr ? route->path : kUnmatchedRoute, out.status,
                           std::chrono::nanoseconds(0));
    return out.status;
  }

  void RegisterRoutes() {
    Register(kHealthz, [this](const HttpRequest&) {
      schemas::Envelope cmd = Client().MakeCommand("broker.stats", schemas::EmptyBody());
      schemas::Reply stats = Call(std::move(cmd), config.health_timeout);
      return HandleHealthz(config.health_contexts, stats, StoreStatuses());
    });
    Register(kMetrics, [this](const HttpRequest&) {
      HttpResponse r;
      r.content_type = std::string(kPrometheusContentType);
      r.body = metrics.Render() + RenderStoreMetrics(StoreStatuses());
      return r;
    });
    Register(kOpenApi, [](const HttpRequest&) {
      HttpResponse r;
      r.body = std::string(OpenApiDocument());
      return r;
    });
    Register(kMe, [this](const HttpRequest& request) { return HandleMe(tokens, request); });
    const auto console_file = [this](const HttpRequest& request) {
      return static_files.Get(request.path, request.if_none_match);
    };
    Register(kConsolePage, console_file);
    Register(kConsoleFiles, console_file);
    Register(kConsoleSignIn, [this](const HttpRequest& request) { return ConsoleSignIn(request); });
    Register(kConsoleSignOut, ConsoleSignOut);
    Register(kStream, [this](const HttpRequest& request) { return OpenStream(request); });
    for (const RouteSpec& spec : kRoutes) {
      const BusinessRoute* business = FindBusinessRoute(spec);
      if (business == nullptr) continue;
      Register(spec, [this, business](const HttpRequest& request) {
        return HandleBusiness(*business, request);
      });
    }

    // Catch-all, registered last: a 404 problem, counted under one label.
    const std::string unmatched(kUnmatchedRoute);
    http.Get(".*", Wrap(unmatched, std::nullopt, HandleNotFound));
    http.Options(".*", Wrap(unmatched, std::nullopt, HandleNotFound));
    http.Post(".*", WrapReading(unmatched, std::nullopt, HandleNotFound));
    http.Put(".*", WrapReading(unmatched, std::nullopt, HandleNotFound));
    http.Patch(".*", WrapReading(unmatched, std::nullopt, HandleNotFound));
    http.Delete(".*", WrapReading(unmatched, std::nullopt, HandleNotFound));
    http.set_expect_100_continue_handler(
        [this](const httplib::Request& req, httplib::Response& res) {
          return ExpectContinue(req, res);
        });

    // Errors httplib answers itself (malformed request lines and headers, unknown methods, a
    // request head over kMaxRequestHeadBytes): problem bodies.
    http.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req,
                                                                       httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      std::string detail = res.status == kHttpPayloadTooLarge
                               ? "body is larger than " + std::to_string(PayloadLimit()) + " bytes"
                               : "request rejected by the HTTP layer";
      res.set_content(ProblemJson(MakeProblem(res.status, std::move(detail))),
                      std::string(kProblemContentType));
      metrics.ObserveRequest(req.method, kUnmatchedRoute, res.status, std::chrono::nanoseconds(0));
      return httplib::Server::HandlerResponse::Handled;
    }));
    http.set_exception_handler(
        [](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
          spdlog::error("event=http_exception method={} path={}", req.method, Quoted(req.path));
          res.status = kHttpInternal;
          res.set_content(ProblemJson(MakeProblem(kHttpInternal, "internal error")),
                          std::string(kProblemContentType));
        });
  }
};

Server::Server(ServerConfig config, const TokenStore& tokens)
    : impl_(std::make_unique<Impl>(std::move(config), tokens)) {
  auto& http = impl_->http;
  const size_t threads = std::max<size_t>(impl_->config.threads, 1);
  http.new_task_queue = [&http, threads] { return http.NewPool(threads); };
  http.set_socket_options(SetSocketOptions);
  http.set_tcp_nodelay(true);
  // httplib's default of 5 closes a connection every 5 requests.
  http.set_keep_alive_max_count(std::max<size_t>(impl_->config.keep_alive_max_requests, 1));
  http.set_keep_alive_timeout(impl_->config.keep_alive_timeout.count());
  http.set_payload_max_length(impl_->PayloadLimit());
  http.set_read_timeout(impl_->config.read_timeout);
  http.set_write_timeout(impl_->config.write_timeout);
  impl_->RegisterRoutes();
}

Server::~Server() {
  Stop();
  // httplib's threads have been joined when Run returned; drop the clients before the context.
  std::lock_guard lock(impl_->clients_mu);
  impl_->clients.clear();
}

Result<int> Server::Bind() {
  const auto& c = impl_->config;
  int port = c.port == 0 ? impl_->http.bind_to_any_port(c.host)
                         : (impl_->http.bind_to_port(c.host, c.port) ? c.port : -1);
  if (port <= 0) {
    return Status::Unavailable("cannot listen on " + c.host + ":" + std::to_string(c.port));
  }
  // httplib listens with a backlog of 5: 64 clients connecting at once had SYNs dropped (1 s
  // retransmits, connect timeouts).
  const int backlog = c.listen_backlog > 0 ? c.listen_backlog : SystemMaxBacklog();
  if (!impl_->http.SetBacklog(backlog)) {
    return Status::Unavailable("cannot set the listen backlog to " + std::to_string(backlog) +
                               ": " + std::strerror(errno));
  }
  spdlog::info("event=gateway_bound host={} port={} backlog={}", c.host, port, backlog);
  impl_->port = port;
  return port;
}

void Server::Run() {
  const bool lowered = PublicPriority::Enable();
  spdlog::info("event=gateway_listening host={} port={} broker={} public_priority={}",
               impl_->config.host, impl_->port, impl_->config.broker_endpoint,
               lowered ? "lowered" : "unavailable");
  impl_->streams.Start();
  impl_->http.listen_after_bind();
}

void Server::Stop() {
  impl_->streams.Stop();  // streams hold no HTTP thread: closing them first is all they need
  impl_->http.Shutdown();
}

ForwardResult Server::ForwardCommand(std::string_view type, const Principal& principal,
                                     const Json& body, Millis timeout, bool created) {
  if (!body.is_object()) {
    Problem p = MakeProblem(kHttpBadRequest, "body must be a JSON object", "body");
    return {p.status, Json::parse(ProblemJson(p))};
  }
  return ReplyToHttp(Call(type, principal, JsonToMsgpack(body), timeout), created);
}

schemas::Reply Server::Call(std::string_view type, const Principal& principal, std::string body,
                            Millis timeout, std::string id) {
  return impl_->Call(impl_->MakeEnvelope(type, principal, std::move(body), std::move(id)), timeout);
}

const std::vector<RouteSpec>& Server::registered_routes() const { return impl_->routes; }

Metrics& Server::metrics() { return impl_->metrics; }

}  // namespace mcf::gateway
