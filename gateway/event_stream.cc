#include "gateway/event_stream.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "gateway/json_body.h"
#include "gateway/stream_audience.h"
#include "gateway/stream_backlog.h"
#include "lib/base/log.h"
#include "lib/client/bus_client.h"
#include "lib/client/subscriber.h"
#include "schemas/body.h"
#include "schemas/bus.h"

namespace mcf::gateway {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

// The topic families the stream forwards (lib/security/permissions.h kGatewayReadable lets the
// gateway's key read exactly these).
const std::vector<std::string> kPrefixes = {"tasks.", "portal.", "supplies.", "contractor.",
                                            "billing."};

// The response head the hub writes for httplib, which never sees a stream's response: no
// Content-Length, the body ends when the connection does.
constexpr std::string_view kResponseHead =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/event-stream\r\n"
    "Cache-Control: no-store\r\n"
    "Connection: close\r\n"
    "X-Accel-Buffering: no\r\n"
    "\r\n";
constexpr Millis kPollSlice{100};         // the loop's longest sleep (the subscriber's heartbeats)
constexpr Millis kHeadRetry{1000};        // broker.stats again after a failure
constexpr size_t kEventsPerTurn = 512;    // then the sockets get their turn
constexpr std::string_view kRetryHint = "retry: 3000\n";  // EventSource's reconnection delay

std::string PrincipalKey(const schemas::Principal& p) { return p.role + ":" + p.id; }

// "id: N" with no data: EventSource takes the id (its Last-Event-ID on reconnect) and dispatches
// nothing, so a reconnecting client resumes after the events that did not concern it.
std::string CursorLine(uint64_t cursor) { return "id: " + std::to_string(cursor) + "\n"; }

}  // namespace

struct EventStreamHub::Impl {
  Impl(StreamConfig c, zmq::context_t& ctx, std::string endpoint, Metrics& m)
      : config(std::move(c)),
        context(ctx),
        broker_endpoint(std::move(endpoint)),
        metrics(m),
        wake_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
        backlog(std::max<size_t>(config.replay_events, 1)),
        owners(std::max<size_t>(config.owner_capacity, 1)) {}
  ~Impl() {
    if (wake_fd >= 0) ::close(wake_fd);
  }

  struct Attaching {
    int fd = -1;
    schemas::Principal principal;
    std::optional<uint64_t> last_event_id;
  };
  struct Stream {
    int fd = -1;
    schemas::Principal principal;
    uint64_t cursor = 0;  // every event up to here was queued or did not concern it
    std::string out;      // bytes not yet written, from `sent`
    size_t sent = 0;
    size_t pending() const { return out.size() - sent; }
  };

  const StreamConfig config;
  zmq::context_t& context;
  const std::string broker_endpoint;
  Metrics& metrics;
  const int wake_fd;

  // Shared with the HTTP threads.
  std::mutex mu;
  bool stopping = false;
  bool started = false;
  size_t reserved = 0;  // places taken: tickets not yet attached, and open streams
  std::map<std::string, size_t> per_principal;
  std::deque<Attaching> attaching;
  std::thread thread;

  // The hub's thread only.
  StreamBacklog backlog;
  TaskOwners owners;
  std::list<Stream> streams;

  void Wake() {
    const uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
  }

  bool Stopping() {
    std::lock_guard lock(mu);
    return stopping;
  }

  // Frees a place (a ticket dropped unattached, or a stream closed).
  void Release(const std::string& key) {
    std::lock_guard lock(mu);
    if (reserved > 0) --reserved;
    auto it = per_principal.find(key);
    if (it != per_principal.end() && --it->second == 0) per_principal.erase(it);
  }

  void Adopt(int fd, schemas::Principal principal, std::optional<uint64_t> last_event_id) {
    {
      std::lock_guard lock(mu);
      if (!stopping) {
        attaching.push_back({fd, std::move(principal), last_event_id});
        Wake();
        return;
      }
    }
    ::close(fd);
    Release(PrincipalKey(principal));
  }

  // ---- the hub's thread ----

  void Run() {
    client::BusClient bus(context, broker_endpoint, "gateway");
    std::unique_ptr<client::Subscriber> subscriber;
    std::optional<std::string> stats_key;
    SteadyTime ask_at{};
    bool warned = false;
    SteadyTime next_heartbeat = std::chrono::steady_clock::now() + config.heartbeat;
    std::vector<zmq::pollitem_t> items;
    while (!Stopping()) {
      const SteadyTime now = std::chrono::steady_clock::now();
      // Where the log is: the subscription starts warmup_events before its head.
      if (!subscriber) {
        if (!stats_key && now >= ask_at) {
          stats_key = bus.Send(bus.MakeCommand("broker.stats", schemas::EmptyBody()), kHeadRetry);
        }
        // Receive(0) only hands out replies already read; 1 ms lets it read the socket.
        if (auto got = bus.Receive(Millis(1))) {
          stats_key.reset();
          auto stats = got->second.status == Code::kOk
                           ? schemas::Decode<schemas::bus::StatsReply>(got->second.body)
                           : Result<schemas::bus::StatsReply>(
                                 Status::Unavailable(got->second.message));
          if (stats.ok() && stats->log_head >= 0) {
            subscriber = Subscribe(static_cast<uint64_t>(stats->log_head));
          } else {
            if (!warned) {
              spdlog::warn("event=stream_bus_unavailable error={}",
                           Quoted(stats.ok() ? "negative log head" : stats.status().message()));
              warned = true;
            }
            ask_at = now + kHeadRetry;
          }
        }
      }
      if (subscriber) {
        for (size_t i = 0; i < kEventsPerTurn; ++i) {
          auto event = subscriber->Next(Millis(0));
          if (!event) break;
          Handle(*event);
        }
      }
      TakeAttaching();
      if (now >= next_heartbeat) {
        for (Stream& s : streams) Queue(s, ": keep-alive\n" + CursorLine(s.cursor) + "\n");
        next_heartbeat = now + config.heartbeat;
        Sweep();
      }
      // Wait for the bus, a wake-up, or a socket.
      items.clear();
      items.push_back({nullptr, wake_fd, ZMQ_POLLIN, 0});
      void* sub_socket = subscriber ? subscriber->poll_handle() : nullptr;
      if (sub_socket != nullptr) items.push_back({sub_socket, 0, ZMQ_POLLIN, 0});
      const size_t first_stream = items.size();
      for (const Stream& s : streams) {
        const short events = ZMQ_POLLIN | (s.pending() > 0 ? ZMQ_POLLOUT : 0);
        items.push_back({nullptr, s.fd, events, 0});
      }
      Millis wait = kPollSlice;
      if (subscriber && subscriber->buffered() > 0) wait = Millis(0);
      try {
        zmq::poll(items.data(), items.size(), wait);
      } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) spdlog::warn("event=stream_poll_failed error={}", Quoted(e.what()));
        continue;
      }
      if (items[0].revents & ZMQ_POLLIN) {
        uint64_t n;
        [[maybe_unused]] auto r = ::read(wake_fd, &n, sizeof n);
      }
      size_t i = first_stream;
      for (Stream& s : streams) {
        const short revents = items[i++].revents;
        if (revents & ZMQ_POLLIN) Drain(s);
        if (s.fd >= 0 && (revents & ZMQ_POLLOUT)) Flush(s);
        if (s.fd >= 0 && (revents & ZMQ_POLLERR)) Close(s, "error");
      }
      Sweep();
    }
    // Stopping: every stream and every connection still being handed over is closed.
    for (Stream& s : streams) Close(s, "stopping");
    Sweep();
    std::deque<Attaching> left;
    {
      std::lock_guard lock(mu);
      left.swap(attaching);
    }
    for (Attaching& a : left) {
      ::close(a.fd);
      Release(PrincipalKey(a.principal));
    }
  }

  std::unique_ptr<client::Subscriber> Subscribe(uint64_t head) {
    const uint64_t from = head > config.warmup_events ? head - config.warmup_events + 1 : 1;
    backlog.Reset(from - 1, head);
    client::SubscriberOptions options;
    options.prefixes = kPrefixes;
    options.from_seq = from;
    spdlog::info("event=stream_subscribed log_head={} from_seq={}", head, from);
    return std::make_unique<client::Subscriber>(context, broker_endpoint, options);
  }

  void Handle(const client::ReceivedEvent& event) {
    auto envelope = schemas::DecodeEnvelope(event.envelope);
    Result<Json> body = envelope.ok() ? MsgpackToJson(envelope->body) : Result<Json>(envelope.status());
    if (!body.ok() || !body->is_object()) {
      spdlog::warn("event=stream_event_undecodable seq={} topic={} error={}", event.seq,
                   Quoted(event.topic),
                   Quoted(body.ok() ? std::string("body is not a map") : body.status().message()));
      return;
    }
    const StreamAudience audience = AudienceOf(event.topic, *body, owners);
    if (audience.empty()) return;
    BacklogEvent entry{event.seq, audience,
                       RenderStreamEvent(event.seq, event.topic, event.time_ms, std::move(*body))};
    for (Stream& s : streams) {
      if (s.fd < 0 || event.seq <= s.cursor) continue;
      s.cursor = event.seq;
      if (Concerns(audience, s.principal)) Queue(s, entry.frame);
    }
    backlog.Add(std::move(entry));
  }

  void TakeAttaching() {
    std::deque<Attaching> taken;
    {
      std::lock_guard lock(mu);
      taken.swap(attaching);
    }
    for (Attaching& a : taken) {
      const int flags = ::fcntl(a.fd, F_GETFL, 0);
      ::fcntl(a.fd, F_SETFL, flags | O_NONBLOCK);
      const int sndbuf = config.send_buffer_bytes;
      if (sndbuf > 0) ::setsockopt(a.fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
      Stream& s = streams.emplace_back();
      s.fd = a.fd;
      s.principal = std::move(a.principal);
      const StreamBacklog::Resume resume =
          backlog.ResumeAfter(a.last_event_id, s.principal, config.queue_bytes);
      s.cursor = resume.cursor;
      s.out.append(kResponseHead);
      s.out.append(kRetryHint);
      if (resume.reset) {
        s.out += CursorLine(s.cursor) + "event: reset\ndata: " +
                 Json{{"last_event_id", *a.last_event_id},
                      {"detail", "the events after last_event_id are no longer kept; refetch"}}
                     .dump() +
                 "\n\n";
      } else {
        s.out += ": open\n" + CursorLine(s.cursor) + "\n";
        for (const BacklogEvent* e : resume.events) s.out += e->frame;
      }
      spdlog::info("event=stream_opened role={} id={} last_event_id={} replayed={} reset={}",
                   s.principal.role, Quoted(s.principal.id),
                   a.last_event_id ? std::to_string(*a.last_event_id) : "none",
                   resume.events.size(), resume.reset);
      Flush(s);
    }
    if (!taken.empty()) metrics.SetStreamsOpen(streams.size());
  }

  // Appends to a stream's queue; a reader whose queue would pass queue_bytes is dropped.
  void Queue(Stream& s, std::string_view bytes) {
    if (s.fd < 0) return;
    if (s.pending() + bytes.size() > config.queue_bytes) {
      metrics.CountSlowReaderDropped();
      Close(s, "slow_reader");
      return;
    }
    if (s.sent > 0 && s.sent == s.out.size()) {
      s.out.clear();
      s.sent = 0;
    }
    s.out.append(bytes);
  }

  void Flush(Stream& s) {
    while (s.fd >= 0 && s.pending() > 0) {
      const ssize_t n =
          ::send(s.fd, s.out.data() + s.sent, s.pending(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        s.sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      Close(s, "write_failed");
      return;
    }
    if (s.sent == s.out.size()) {
      s.out.clear();
      s.sent = 0;
    } else if (s.sent > (64u << 10) && s.sent * 2 > s.out.size()) {
      s.out.erase(0, s.sent);  // keep the buffer near what is still queued
      s.sent = 0;
    }
  }

  // A client sends nothing after its request; whatever comes is dropped, and its close ends the
  // stream.
  void Drain(Stream& s) {
    char scratch[4096];
    const ssize_t n = ::recv(s.fd, scratch, sizeof scratch, MSG_DONTWAIT);
    if (n == 0) Close(s, "client_closed");
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) Close(s, "error");
  }

  void Close(Stream& s, std::string_view why) {
    if (s.fd < 0) return;
    ::shutdown(s.fd, SHUT_RDWR);
    ::close(s.fd);
    s.fd = -1;
    spdlog::info("event=stream_closed role={} id={} reason={} unsent_bytes={}", s.principal.role,
                 Quoted(s.principal.id), why, s.pending());
    s.out.clear();
    s.out.shrink_to_fit();
    s.sent = 0;
    Release(PrincipalKey(s.principal));
  }

  // Forgets closed streams.
  void Sweep() {
    const size_t before = streams.size();
    streams.remove_if([](const Stream& s) { return s.fd < 0; });
    if (streams.size() != before) metrics.SetStreamsOpen(streams.size());
  }
};

EventStreamHub::EventStreamHub(StreamConfig config, zmq::context_t& context,
                               std::string broker_endpoint, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(config), context, std::move(broker_endpoint),
                                   metrics)) {}

EventStreamHub::~EventStreamHub() { Stop(); }

void EventStreamHub::Start() {
  std::lock_guard lock(impl_->mu);
  if (impl_->stopping || impl_->started) return;
  impl_->started = true;
  impl_->thread = std::thread([this] { impl_->Run(); });
}

void EventStreamHub::Stop() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->Wake();
  if (impl_->thread.joinable()) impl_->thread.join();
}

ProblemOr<EventStreamHub::Ticket> EventStreamHub::Open(const schemas::Principal& principal,
                                                       std::optional<uint64_t> last_event_id) {
  std::lock_guard lock(impl_->mu);
  if (impl_->stopping) {
    return MakeProblem(kHttpUnavailable, "the gateway is stopping");
  }
  if (impl_->reserved >= impl_->config.max_streams) {
    return MakeProblem(kHttpUnavailable, "too many live update streams are open; try again later");
  }
  size_t& mine = impl_->per_principal[PrincipalKey(principal)];
  if (mine >= std::max<size_t>(impl_->config.max_streams_per_principal, 1)) {
    return MakeProblem(kHttpTooManyRequests,
                       "this principal has " + std::to_string(mine) +
                           " live update streams open already; close one");
  }
  ++mine;
  ++impl_->reserved;
  return Ticket(impl_.get(), principal, last_event_id);
}

EventStreamHub::Ticket::Ticket(Ticket&& other) noexcept
    : hub_(std::exchange(other.hub_, nullptr)),
      principal_(std::move(other.principal_)),
      last_event_id_(other.last_event_id_) {}

EventStreamHub::Ticket& EventStreamHub::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    if (hub_ != nullptr) hub_->Release(PrincipalKey(principal_));
    hub_ = std::exchange(other.hub_, nullptr);
    principal_ = std::move(other.principal_);
    last_event_id_ = other.last_event_id_;
  }
  return *this;
}

EventStreamHub::Ticket::~Ticket() {
  if (hub_ != nullptr) hub_->Release(PrincipalKey(principal_));
}

void EventStreamHub::Ticket::Attach(int fd) && {
  Impl* hub = std::exchange(hub_, nullptr);
  if (hub == nullptr) {
    ::close(fd);
    return;
  }
  hub->Adopt(fd, std::move(principal_), last_event_id_);
}

}  // namespace mcf::gateway
