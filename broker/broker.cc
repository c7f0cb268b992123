#include "broker/broker.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <unordered_map>
#include <vector>

#include "broker/bus_clock.h"
#include "broker/capture_tap.h"
#include "broker/event_log.h"
#include "broker/log_writer.h"
#include "broker/peer_guard.h"
#include "broker/service_table.h"
#include "broker/subscriptions.h"
#include "lib/base/log.h"
#include "lib/transport/protocol.h"
#include "schemas/body.h"
#include "schemas/bus.h"
#include "schemas/clock.h"
#include "schemas/envelope.h"
#include "schemas/registry.h"

namespace mcf::broker {
namespace {

namespace bus = schemas::bus;
namespace clk = schemas::clock;
using proto::Frames;
using proto::Kind;

constexpr int kMaxDrain = 4096;      // messages handled per wake-up before other work
constexpr Millis kMaxPollWait{100};  // bounds the reaction to `stop`
constexpr int kHwm = 200'000;        // generous: peers read their sockets promptly
constexpr int64_t kMaxAdvanceMs = 366 * kDayMs;
constexpr std::string_view kStartupCaptureId = "startup";
constexpr Millis kRegistryCheck{250};  // how soon `mcfctl keys` edits take effect

// One warning a second at most for a kind of refusal; the rest are counted.
struct LogThrottle {
  TimePoint next{};
  uint64_t suppressed = 0;
  bool Allow(TimePoint now) {
    if (now < next) {
      ++suppressed;
      return false;
    }
    next = now + std::chrono::seconds(1);
    return true;
  }
};

bool IsInternalService(std::string_view service) {
  return service == "broker" || service == "clock";
}

// A cheap structural check instead of a decode on the routing path: an envelope is a map.
bool LooksLikeMap(const zmq::message_t& m) {
  if (m.size() == 0) return false;
  const auto b = *static_cast<const unsigned char*>(m.data());
  return (b >= 0x80 && b <= 0x8f) || b == 0xde || b == 0xdf;
}

std::string_view AsView(const zmq::message_t& m) {
  return {static_cast<const char*>(m.data()), m.size()};
}

zmq::message_t ToMessage(const std::string& s) { return zmq::message_t(s.data(), s.size()); }

int64_t RssBytes() {
  std::ifstream in("/proc/self/statm");
  long long size = 0, resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * sysconf(_SC_PAGESIZE);
}

}  // namespace

struct Broker::Impl {
  Impl(const BrokerOptions& o, zmq::context_t& ctx, const Clock& c)
      : options(o),
        context(ctx),
        clock(c),
        router(ctx, zmq::socket_type::router),
        table(c, ServiceTableOptions{o.Expiry(), o.StartupGrace(), o.max_queued_per_service}),
        subs(c, o.max_event_batch, o.Expiry()) {}

  // --- set-up ------------------------------------------------------------------------------
  Status Open();

  // --- the loop ----------------------------------------------------------------------------
  Status Run(const std::atomic<bool>& stop);
  void HandleMessage(Frames& frames);
  void HandleRequest(Frames& frames, const std::string& rid, const security::Grant& grant);
  bool StampOwnPrincipal(proto::ClientRequest& request, const std::string& rid,
                         const security::Grant& grant);
  void Forbid(const security::Grant* grant, std::string_view what);
  void ReloadPeers();
  void HandleInternal(const std::string& rid, std::string key, std::string_view service,
                      zmq::message_t envelope, const security::Grant& grant);
  void HandlePublish(Frames& frames, const std::string& rid, const security::Grant& grant);
  void FlushActions();
  void FlushPublishes();
  void HandleWritesDone();
  void OnTimers();
  void Deliver();

  // --- helpers -----------------------------------------------------------------------------
  int64_t BusNow() const { return bus_clock->Now(WallMillis()); }
  bool SendTo(const std::string& rid, Frames& frames) {
    return proto::SendFramesTo(router, rid, frames, /*dontwait=*/true);
  }
  void SendReply(const std::string& rid, std::string key, const schemas::Reply& reply);
  void SendReconnect(const std::string& rid);
  void CountMalformed(std::string_view what);
  schemas::Reply OkReply(const schemas::Envelope& command, std::string body) const;
  std::string StatsBody() const;
  void SubmitClockSpan(ClockSpan span, std::optional<uint64_t>* ticket_out);
  // --- captures (broker/capture_tap.h) -------------------------------------------------------
  Result<std::string> StartCapture(const std::string& path, std::optional<Millis> lease);
  Status StopCapture(const schemas::Envelope* stop_command, const std::string& rid,
                     std::string* key);
  void HandleCapture(const std::string& rid, std::string key, const schemas::Envelope& command,
                     const zmq::message_t& envelope, const security::Grant& grant);

  BrokerOptions options;
  zmq::context_t& context;
  const Clock& clock;
  zmq::socket_t router;
  std::string endpoint;
  std::unique_ptr<EventLog> log;
  std::unique_ptr<LogWriter> writer;
  std::unique_ptr<BusClock> bus_clock;
  std::unique_ptr<PeerGuard> guard;
  // The key id each connection authenticated with, to cut it off when the key is revoked:
  // workers and subscribers while they are known, clients until silent for Expiry().
  struct PeerKey {
    std::string key_id;
    TimePoint last{};
  };
  std::unordered_map<std::string, PeerKey> peer_keys;
  void NotePeerKey(const std::string& rid, const security::Grant& grant) {
    if (!guard->secure()) return;
    PeerKey& k = peer_keys[rid];
    if (k.key_id.empty()) k.key_id = grant.key_id;
    k.last = clock.Now();
  }
  TimePoint next_registry_check{};
  uint64_t forbidden = 0;
  LogThrottle forbidden_log;
  ServiceTable table;
  Subscriptions subs;
  Actions actions;
  Actions flushing;                      // FlushActions' scratch, kept for its capacity
  std::vector<std::string> unreachable;  // FlushActions' scratch
  TimePoint started;
  TimePoint next_heartbeat;

  // Publishes gathered during one drain, and who to ack once they are durable.
  WriteBatch publish_batch;
  std::vector<std::pair<std::string, std::string>> publish_acks;  // (routing id, producer)
  uint64_t next_ticket = 1;
  std::unordered_map<uint64_t, std::vector<std::pair<std::string, std::string>>> ack_waiters;
  struct PendingAdvance {
    std::string client;
    std::string key;
    schemas::Reply reply;
  };
  std::unordered_map<uint64_t, PendingAdvance> advance_waiters;

  // The capture being recorded, if any (one at a time).
  struct ActiveCapture {
    std::shared_ptr<CaptureTap> tap;
    std::string id;
    std::optional<Millis> lease;  // none: runs until stopped (--capture)
    // Outside names already passed to tap->MarkOutside (routing thread), so a publish costs a
    // set lookup only for outside keys.
    std::set<std::string> outside_marked;
    TimePoint lease_end{};
  };
  std::optional<ActiveCapture> recording;
  uint64_t next_capture = 1;

  bool deliver_dirty = true;
  uint64_t malformed = 0;
  uint64_t dropped_replies = 0;
  uint64_t pending_writes = 0;  // batches handed to the log writer and not yet done
  LogThrottle malformed_log;

  // Which connection publishes under each producer name: one at a time, so that two live
  // processes never interleave one producer's sequence. A binding lapses after Expiry() without
  // a PUBLISH from it (a restarted worker publishes from a new connection).
  struct Publisher {
    std::string rid;  // "i:<incarnation>" or "r:<routing id>"
    TimePoint last{};
  };
  std::unordered_map<std::string, Publisher> publishers;
  uint64_t refused_conflicts = 0;  // PUB_REFUSED conflict: a different event under a stored seq
  uint64_t refused_busy = 0;       // PUB_REFUSED busy: producer live on another connection
  uint64_t append_failed = 0;      // write batches whose append or commit failed (nothing acked)
  uint64_t refused_gaps = 0;       // batches not stored over a hole left by a failed append
};

Status Broker::Impl::Open() {
  auto opened = EventLog::Open(options.data_dir, LogOptionsFor(options));
  if (!opened.ok())
    return Status::Internal("cannot open the event log in " + options.data_dir + ": " +
                            opened.status().message());
  log = std::move(*opened);
  ASSIGN_OR_RETURN(auto state, log->ClockState());
  bus_clock =
      std::make_unique<BusClock>(options.clock_mode, options.sim_start_ms, state, WallMillis());
  // The log's time never runs backwards: a sim clock on a log that is already later resumes there.
  if (options.clock_mode == ClockMode::kSim && state && *state > options.sim_start_ms)
    spdlog::warn("event=sim_start_ignored start={} resumed_at={} hint={}",
                 clk::Iso8601(options.sim_start_ms), clk::Iso8601(*state),
                 Quoted("the log is already past --start; use an empty --data dir to start over"));
  if (bus_clock->catch_up_capped())
    spdlog::warn("event=clock_catch_up_capped days=7 persisted={}", clk::Iso8601(*state));
  if (!options.keys_dir.empty()) {
    ASSIGN_OR_RETURN(guard, PeerGuard::Secure(options.keys_dir, context, router));
  } else if (options.insecure) {
    guard = PeerGuard::Insecure();
    spdlog::warn("event=bus_insecure note={}",
                 Quoted("no keys: any process that reaches the endpoint may do anything"));
  } else {
    return Status::Invalid(
        "no keys: give --keys DIR (./mcf up makes var/keys) or, for a test bus, --insecure");
  }
  try {
    router.set(zmq::sockopt::router_mandatory, 1);
    router.set(zmq::sockopt::linger, 0);
    router.set(zmq::sockopt::sndhwm, kHwm);
    router.set(zmq::sockopt::rcvhwm, kHwm);
    router.bind(options.endpoint);
    endpoint = router.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot bind " + options.endpoint + ": " + e.what());
  }
  ASSIGN_OR_RETURN(auto w, LogWriter::Start(*log, context));
  writer = std::move(w);
  if (!options.endpoint_file.empty()) {
    const std::string tmp = options.endpoint_file + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << endpoint << "\n";
      if (!out) return Status::Internal("cannot write " + tmp);
    }
    if (std::rename(tmp.c_str(), options.endpoint_file.c_str()) != 0)
      return Status::Internal("cannot write " + options.endpoint_file);
  }
  started = clock.Now();
  next_heartbeat = started + options.heartbeat;
  if (!options.capture_path.empty()) {
    RETURN_IF_ERROR(StartCapture(options.capture_path, std::nullopt));
  }
  publish_batch.ticket = next_ticket++;
  return Status::Ok();
}

Status Broker::Impl::Run(const std::atomic<bool>& stop) {
  Frames frames;
  frames.reserve(16);
  zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0},
                             {writer->wake_socket().handle(), 0, ZMQ_POLLIN, 0},
                             {guard->zap_poll_handle(), 0, ZMQ_POLLIN, 0}};
  const int polled = guard->secure() ? 3 : 2;
  // Real mode: catch up the minutes missed while the broker was down.
  if (bus_clock->mode() == ClockMode::kReal)
    if (auto span = bus_clock->DueAt(WallMillis())) SubmitClockSpan(std::move(*span), nullptr);

  while (!stop.load(std::memory_order_relaxed)) {
    const TimePoint now = clock.Now();
    TimePoint wake = std::min(next_heartbeat, now + kMaxPollWait);
    if (auto d = table.NextDeadline()) wake = std::min(wake, *d);
    Millis wait =
        deliver_dirty ? Millis(0) : std::max(Millis(0), std::chrono::ceil<Millis>(wake - now));
    if (bus_clock->mode() == ClockMode::kReal)
      wait = std::min(wait, Millis(std::max<int64_t>(0, bus_clock->NextBoundary() - WallMillis())));
    try {
      zmq::poll(items, polled, wait);
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) return Status::Internal(std::string("poll: ") + e.what());
      continue;
    }
    // Handshakes first: a connecting peer waits for nothing else.
    if (polled == 3 && (items[2].revents & ZMQ_POLLIN)) guard->HandleZap();
    for (int n = 0; n < kMaxDrain; ++n) {
      if (!proto::RecvFrames(router, frames, /*dontwait=*/true)) break;
      HandleMessage(frames);
      FlushActions();
    }
    FlushPublishes();
    if (items[1].revents & ZMQ_POLLIN) {
      writer->DrainWake();
      HandleWritesDone();
    }
    OnTimers();
    Deliver();
  }
  FlushPublishes();
  writer->Stop();
  HandleWritesDone();  // acks for what became durable while stopping
  if (recording) (void)StopCapture(nullptr, "", nullptr);
  return Status::Ok();
}

void Broker::Impl::HandleMessage(Frames& frames) {
  if (frames.size() < 2) return CountMalformed("message without frames");
  std::string rid(AsView(frames[0]));
  auto kind = proto::ParseKind(frames, 1);
  if (!kind.ok()) return CountMalformed(kind.status().message());
  const security::Grant* grant = guard->GrantOf(frames[1]);
  if (grant == nullptr) {  // its key was revoked after it connected
    Forbid(nullptr, "a message from a revoked key");
    if (*kind == Kind::kRequest)
      if (auto key = proto::RequestKeyOf(frames, 1))
        SendReply(rid, std::move(*key),
                  schemas::ErrorReply("", "", Status::Forbidden("this peer's key is revoked"),
                                      "broker", BusNow()));
    return;
  }
  switch (*kind) {
    case Kind::kRequest:
      NotePeerKey(rid, *grant);
      return HandleRequest(frames, rid, *grant);
    case Kind::kReply: {
      auto reply = proto::ParseWorkerReply(frames, 1);
      if (!reply.ok()) return CountMalformed(reply.status().message());
      if (!table.IsWorker(rid)) {
        table.OnReply(rid, reply->request_id, actions);  // counts it late
        return SendReconnect(rid);
      }
      auto route = table.OnReply(rid, reply->request_id, actions);
      if (!route) return;
      if (recording) recording->tap->Reply(BusNow(), route->service, AsView(reply->envelope));
      Frames out = proto::Encode(
          proto::ClientReply{std::move(route->request_key), std::move(reply->envelope)});
      if (!SendTo(route->client, out)) ++dropped_replies;
      return;
    }
    case Kind::kPublish:
      return HandlePublish(frames, rid, *grant);
    case Kind::kHeartbeat: {
      bool known = table.Touch(rid);
      known = subs.Touch(rid) || known;
      if (!known) SendReconnect(rid);
      return;
    }
    case Kind::kReady: {
      auto ready = proto::ParseReady(frames, 1);
      if (!ready.ok()) return CountMalformed(ready.status().message());
      std::vector<std::string> services;
      for (auto& s : ready->services)
        if (!IsInternalService(s)) services.push_back(std::move(s));
      if (services.empty()) return CountMalformed("READY: no service the broker can route");
      for (const auto& service : services)
        if (!grant->MayServe(service)) return Forbid(grant, "serving " + service);
      NotePeerKey(rid, *grant);
      const char* address = zmq_msg_gets(frames[1].handle(), "Peer-Address");
      spdlog::info("event=worker_ready worker={} capacity={} services={} key={} address={}",
                   Quoted(ready->worker_name), ready->capacity, services.size(),
                   grant->key_id.empty() ? "none" : grant->key_id, address ? address : "");
      table.Ready(rid, std::move(ready->worker_name), ready->capacity, services, actions,
                  ready->incarnation);
      return;
    }
    case Kind::kSubscribe: {
      auto sub = proto::ParseSubscribe(frames, 1);
      if (!sub.ok()) return CountMalformed(sub.status().message());
      for (const auto& prefix : sub->prefixes)
        if (!grant->MaySubscribe(prefix)) return Forbid(grant, "subscribing to " + Quoted(prefix));
      NotePeerKey(rid, *grant);
      spdlog::info("event=subscribed from_seq={} credit={} prefixes={}", sub->from_seq, sub->credit,
                   sub->prefixes.size());
      subs.Subscribe(rid, sub->from_seq, sub->credit, std::move(sub->prefixes), log->Head(),
                     sub->incarnation);
      deliver_dirty = true;
      return;
    }
    case Kind::kCredit: {
      auto credit = proto::ParseCredit(frames, 1);
      if (!credit.ok()) return CountMalformed(credit.status().message());
      if (!subs.AddCredit(rid, *credit)) return SendReconnect(rid);
      deliver_dirty = true;
      return;
    }
    case Kind::kDisconnect: {
      if (table.Disconnect(rid, actions)) spdlog::info("event=worker_disconnected");
      subs.Remove(rid);
      return;
    }
    default:
      return CountMalformed("a broker-to-peer message sent to the broker");
  }
}

void Broker::Impl::HandleRequest(Frames& frames, const std::string& rid,
                                 const security::Grant& grant) {
  auto request = proto::ParseClientRequest(frames, 1);
  if (!request.ok()) {
    CountMalformed(request.status().message());
    // Answer when the request key is readable, so the caller does not wait for nothing.
    if (auto key = proto::RequestKeyOf(frames, 1))
      SendReply(rid, std::move(*key),
                schemas::ErrorReply("", "", request.status(), "broker", BusNow()));
    return;
  }
  if (!grant.MayActForOthers() && !StampOwnPrincipal(*request, rid, grant)) return;
  if (recording)
    recording->tap->Command(BusNow(), request->service, AsView(request->envelope), grant.key_id);
  if (!LooksLikeMap(request->envelope)) {
    CountMalformed("REQUEST: envelope is not a MessagePack map");
    return SendReply(rid, std::move(request->request_key),
                     schemas::ErrorReply("", "", Status::Invalid("envelope: expected a map"),
                                         "broker", BusNow()));
  }
  if (IsInternalService(request->service))
    return HandleInternal(rid, std::move(request->request_key), request->service,
                          std::move(request->envelope), grant);
  // The envelope's deadline (bus time) shortens the frame's budget, never lengthens it.
  if (auto deadline = schemas::PeekDeadline(AsView(request->envelope))) {
    const int64_t left = *deadline - BusNow();
    request->timeout_ms = static_cast<uint32_t>(
        std::clamp<int64_t>(left, 0, static_cast<int64_t>(request->timeout_ms)));
  }
  table.Submit(rid, std::move(request->request_key), request->service, request->timeout_ms,
               std::move(request->envelope), actions);
}

// A peer that may not speak for callers acts as itself: its command's principal becomes
// {system, <its name>}; naming anyone else, or asking for an operator command, is refused.
// False when the command was answered here.
bool Broker::Impl::StampOwnPrincipal(proto::ClientRequest& request, const std::string& rid,
                                     const security::Grant& grant) {
  auto command = schemas::DecodeEnvelope(AsView(request.envelope));
  if (!command.ok()) {
    CountMalformed(command.status().message());
    SendReply(rid, std::move(request.request_key),
              schemas::ErrorReply("", "", command.status(), "broker", BusNow()));
    return false;
  }
  auto refuse = [&](std::string why) {
    Forbid(&grant, why);
    SendReply(rid, std::move(request.request_key),
              schemas::ErrorReply(*command, Status::Forbidden(std::move(why)), "broker",
                                  BusNow()));
    return false;
  };
  const schemas::Principal own{"system", grant.name};
  if (command->principal && *command->principal != own)
    return refuse("only the gateway and operators may set a command's principal");
  if (command->type == clk::kAdvance || command->type.starts_with("broker.capture_"))
    return refuse(command->type + " is for operators");
  command->principal = own;
  request.envelope = ToMessage(schemas::Encode(*command));
  return true;
}

schemas::Reply Broker::Impl::OkReply(const schemas::Envelope& command, std::string body) const {
  schemas::Reply reply = schemas::ErrorReply(command, Status::Ok(), "broker", BusNow());
  reply.body = std::move(body);
  return reply;
}

void Broker::Impl::HandleInternal(const std::string& rid, std::string key, std::string_view service,
                                  zmq::message_t envelope, const security::Grant& grant) {
  auto command = schemas::DecodeEnvelope(AsView(envelope));
  if (!command.ok()) {
    CountMalformed(command.status().message());
    return SendReply(rid, std::move(key),
                     schemas::ErrorReply("", "", command.status(), "broker", BusNow()));
  }
  const std::string& type = command->type;
  if (type == bus::Health::kInfo.type) {
    const bus::HealthReply health{
        "ok", std::chrono::duration_cast<Millis>(clock.Now() - started).count(),
        static_cast<int64_t>(log->Head()), std::string(bus_clock->mode_name())};
    return SendReply(rid, std::move(key), OkReply(*command, schemas::Encode(health)));
  }
  if (type == bus::Stats::kInfo.type) return SendReply(rid, std::move(key), OkReply(*command, StatsBody()));
  if (type.starts_with("broker.capture_"))
    return HandleCapture(rid, std::move(key), *command, envelope, grant);
  if (type == clk::kNow) {
    std::string body = schemas::Encode(clk::BusTime{BusNow(), std::string(bus_clock->mode_name()), 0});
    return SendReply(rid, std::move(key), OkReply(*command, std::move(body)));
  }
  if (type == clk::kAdvance) {
    if (bus_clock->mode() != ClockMode::kSim)
      return SendReply(
          rid, std::move(key),
          schemas::ErrorReply(*command, Status::Invalid("the clock is real"), "broker", BusNow()));
    auto advance = schemas::Decode<clk::Advance>(command->body);
    if (!advance.ok())
      return SendReply(rid, std::move(key),
                       schemas::ErrorReply(*command, advance.status(), "broker", BusNow()));
    const int64_t now = BusNow();
    const int64_t target = advance->by_ms ? now + *advance->by_ms : *advance->to_ms;
    if (target - now > kMaxAdvanceMs)
      return SendReply(
          rid, std::move(key),
          schemas::ErrorReply(*command, Status::Invalid("body: advance at most 366 days"), "broker",
                              BusNow()));
    ClockSpan span = bus_clock->AdvanceTo(target);
    const int64_t events = static_cast<int64_t>(span.events.size());
    std::optional<uint64_t> ticket;
    SubmitClockSpan(std::move(span), &ticket);
    schemas::Reply reply =
        OkReply(*command, schemas::Encode(clk::BusTime{bus_clock->Now(0), "sim", events}));
    advance_waiters.emplace(*ticket, PendingAdvance{rid, std::move(key), std::move(reply)});
    return;
  }
  SendReply(
      rid, std::move(key),
      schemas::ErrorReply(*command, Status::Invalid("the broker does not serve '" + type + "'"),
                          "broker", BusNow()));
}

void Broker::Impl::SubmitClockSpan(ClockSpan span, std::optional<uint64_t>* ticket_out) {
  FlushPublishes();  // keep log order = arrival order
  WriteBatch batch;
  batch.ticket = next_ticket++;
  batch.clock_ms = span.clock_ms;
  batch.items.reserve(span.events.size());
  for (auto& e : span.events)
    batch.items.push_back(WriteItem{std::string(kClockProducer), e.producer_seq, e.type,
                                    ToMessage(e.envelope), e.at_ms});
  if (ticket_out) *ticket_out = batch.ticket;
  ++pending_writes;
  writer->Submit(std::move(batch));
}

void Broker::Impl::HandlePublish(Frames& frames, const std::string& rid,
                                 const security::Grant& grant) {
  auto publish = proto::ParsePublish(frames, 1);
  if (!publish.ok()) return CountMalformed(publish.status().message());
  for (const auto& e : publish->events) {
    if (grant.MayPublish(publish->producer, e.topic)) continue;
    Forbid(&grant, "publishing " + Quoted(e.topic) + " as " + Quoted(publish->producer));
    Frames out = proto::Encode(proto::PubRefused{publish->producer,
                                                 publish->events.front().producer_seq,
                                                 proto::PubRefused::Reason::kForbidden});
    SendTo(rid, out);
    return;
  }
  for (const auto& e : publish->events)
    if (!LooksLikeMap(e.envelope))
      return CountMalformed("PUBLISH: an event envelope is not a MessagePack map");
  const TimePoint steady_now = clock.Now();
  // The publisher is its process (incarnation), or else its connection.
  const std::string who =
      publish->incarnation != 0 ? "i:" + std::to_string(publish->incarnation) : "r:" + rid;
  const uint64_t first = publish->events.front().producer_seq;
  auto refuse_busy = [&](std::string_view why) {
    ++refused_busy;
    spdlog::warn("event=publish_refused reason=busy producer={} producer_seq={} why={} total={}",
                 Quoted(publish->producer), first, why, refused_busy);
    Frames out = proto::Encode(
        proto::PubRefused{publish->producer, first, proto::PubRefused::Reason::kBusy});
    SendTo(rid, out);
  };
  auto bound = publishers.find(publish->producer);
  if (bound == publishers.end() || bound->second.rid != who) {
    if (bound != publishers.end() && steady_now - bound->second.last < options.Expiry())
      return refuse_busy("live_elsewhere");
    // Taking a name over: only from where its log ends, so that batches the previous owner or
    // this one had in flight cannot leave a hole behind an acknowledged higher producer_seq.
    auto last = log->ProducerSeq(publish->producer);
    if (!last.ok() || first > *last + 1) return refuse_busy("not_contiguous");
    bound = publishers.insert_or_assign(publish->producer, Publisher{who, steady_now}).first;
  }
  bound->second.last = steady_now;
  // Outside producers are marked per key, not per event: the trailer lists every outside name
  // that published while recording (a key registered after the header was written included).
  if (recording && grant.IsOutside() && recording->outside_marked.insert(grant.name).second)
    recording->tap->MarkOutside(grant.name);
  const int64_t now = BusNow();
  for (auto& e : publish->events)
    publish_batch.items.push_back(WriteItem{publish->producer, e.producer_seq, std::move(e.topic),
                                            std::move(e.envelope), now, /*contiguous=*/true});
  publish_acks.emplace_back(rid, std::move(publish->producer));
}

void Broker::Impl::FlushPublishes() {
  if (publish_batch.items.empty()) return;
  ack_waiters.emplace(publish_batch.ticket, std::move(publish_acks));
  publish_acks.clear();
  ++pending_writes;
  writer->Submit(std::move(publish_batch));
  publish_batch = WriteBatch{};
  publish_batch.ticket = next_ticket++;
}

void Broker::Impl::HandleWritesDone() {
  for (WriteDone& done : writer->TakeDone()) {
    deliver_dirty = true;
    if (pending_writes > 0) --pending_writes;
    // A failed append or commit stored nothing of the batch: its publishers get no PUB_ACK and
    // resend after their no-ack delay; de-duplication stores a resend once.
    if (!done.status.ok()) ++append_failed;
    if (auto it = ack_waiters.find(done.ticket); it != ack_waiters.end()) {
      if (done.status.ok()) {
        for (auto& [rid, producer] : it->second) {
          for (const auto& c : done.result->conflicts) {
            if (c.producer != producer) continue;
            ++refused_conflicts;
            spdlog::error(
                "event=publish_refused reason=conflict producer={} producer_seq={} total={} "
                "note={}",
                Quoted(producer), c.producer_seq, refused_conflicts,
                Quoted("a different event is already stored under this producer_seq: two stores "
                       "share one producer name"));
            Frames out = proto::Encode(
                proto::PubRefused{producer, c.producer_seq, proto::PubRefused::Reason::kConflict});
            SendTo(rid, out);
          }
          for (const auto& g : done.result->gaps) {
            if (g.producer != producer) continue;
            ++refused_gaps;
            spdlog::warn(
                "event=publish_refused reason=gap producer={} producer_seq={} total={} note={}",
                Quoted(producer), g.producer_seq, refused_gaps,
                Quoted("an earlier batch of this producer was not stored; waiting for its resend"));
          }
          auto d = done.result->durable.find(producer);
          if (d == done.result->durable.end()) continue;
          Frames out = proto::Encode(proto::PubAck{producer, d->second});
          SendTo(rid, out);
        }
      }
      ack_waiters.erase(it);
    }
    if (auto it = advance_waiters.find(done.ticket); it != advance_waiters.end()) {
      PendingAdvance& p = it->second;
      if (!done.status.ok()) {
        p.reply.status = Code::kInternal;
        p.reply.message = "the clock events could not be stored: " + done.status.message();
        p.reply.body = schemas::EmptyBody();
      }
      SendReply(p.client, std::move(p.key), p.reply);
      advance_waiters.erase(it);
    }
  }
}

void Broker::Impl::FlushActions() {
  // A worker we cannot send to (its connection is gone, or its pipe is full) is dropped at once;
  // that re-queues its requests and may produce new actions, hence the loop. Each round removes
  // a worker, so it ends.
  unreachable.clear();
  while (!actions.dispatches.empty() || !actions.failures.empty()) {
    std::vector<Dispatch>& dispatches = flushing.dispatches;
    std::vector<Failure>& failures = flushing.failures;
    std::swap(dispatches, actions.dispatches);
    std::swap(failures, actions.failures);
    const int64_t bus_now = dispatches.empty() ? 0 : BusNow();
    for (Dispatch& d : dispatches) {
      // Read your writes: the worker runs it once it has applied the log up to here.
      const uint64_t head = log->Head();
      const uint64_t wait_for = subs.WaitSeqFor(d.incarnation, head);
      if (wait_for != 0 && wait_for == head) deliver_dirty = true;  // progress it may be owed
      Frames out = proto::Encode(proto::WorkerRequest{d.request_id, d.timeout_ms, bus_now,
                                                      std::move(d.envelope), wait_for});
      if (!SendTo(d.worker, out)) unreachable.push_back(d.worker);
    }
    for (Failure& f : failures) {
      auto command = schemas::DecodeEnvelope(AsView(f.envelope));
      schemas::Reply reply = command.ok()
                                 ? schemas::ErrorReply(*command, f.status, "broker", BusNow())
                                 : schemas::ErrorReply("", "", f.status, "broker", BusNow());
      SendReply(f.client, std::move(f.request_key), reply);
    }
    flushing.Clear();
    for (const auto& worker : unreachable)
      if (table.Disconnect(worker, actions))
        spdlog::info("event=worker_dropped reason=unreachable");
    unreachable.clear();
  }
}

void Broker::Impl::OnTimers() {
  const TimePoint now = clock.Now();
  if (recording && recording->lease && now >= recording->lease_end) {
    spdlog::warn("event=capture_lease_expired id={} lease_ms={}", recording->id,
                 recording->lease->count());
    (void)StopCapture(nullptr, "", nullptr);
  }
  if (auto d = table.NextDeadline(); d && *d <= now) {
    if (auto purged = table.Tick(actions); !purged.empty())
      spdlog::info("event=workers_purged reason=silent count={}", purged.size());
    FlushActions();
  }
  if (now >= next_registry_check) {
    next_registry_check = now + kRegistryCheck;
    ReloadPeers();
  }
  if (now >= next_heartbeat) {
    next_heartbeat = now + options.heartbeat;
    if (auto purged = table.Tick(actions); !purged.empty())
      spdlog::info("event=workers_purged reason=silent count={}", purged.size());
    FlushActions();
    std::erase_if(publishers,
                  [&](const auto& p) { return now - p.second.last >= options.Expiry(); });
    if (auto purged = subs.Purge(); !purged.empty())
      spdlog::info("event=subscribers_purged reason=silent count={}", purged.size());
    std::erase_if(peer_keys, [&](const auto& p) {
      return now - p.second.last >= options.Expiry() && !table.IsWorker(p.first) &&
             !subs.subscribers().count(p.first);
    });
    subs.Unstall();
    deliver_dirty = true;
    for (const auto& id : table.WorkerIds()) {
      Frames hb = proto::EncodeHeartbeat();
      SendTo(id, hb);
    }
    for (const auto& id : subs.Ids()) {
      Frames hb = proto::EncodeHeartbeat();
      SendTo(id, hb);
    }
  }
  if (bus_clock->mode() == ClockMode::kReal && WallMillis() >= bus_clock->NextBoundary())
    if (auto span = bus_clock->DueAt(WallMillis())) SubmitClockSpan(std::move(*span), nullptr);
}

void Broker::Impl::Deliver() {
  if (!deliver_dirty) return;
  auto more = subs.Deliver(
      *log, [this](const std::string& rid, Frames& frames) { return SendTo(rid, frames); });
  if (!more.ok()) {
    spdlog::error("event=log_read_failed error={}", more.status().ToString());
    deliver_dirty = false;
    return;
  }
  deliver_dirty = *more;
}

void Broker::Impl::SendReply(const std::string& rid, std::string key, const schemas::Reply& reply) {
  const std::string bytes = schemas::Encode(reply);
  if (recording) recording->tap->Reply(BusNow(), schemas::ServiceOf(reply.type), bytes);
  Frames out = proto::Encode(proto::ClientReply{std::move(key), ToMessage(bytes)});
  if (!SendTo(rid, out)) ++dropped_replies;
}

void Broker::Impl::SendReconnect(const std::string& rid) {
  Frames out = proto::EncodeReconnect();
  SendTo(rid, out);
}

void Broker::Impl::CountMalformed(std::string_view what) {
  ++malformed;
  if (!malformed_log.Allow(clock.Now())) return;
  spdlog::warn("event=malformed_message error={} suppressed={} total={}", Quoted(what),
               malformed_log.suppressed, malformed);
  malformed_log.suppressed = 0;
}

void Broker::Impl::Forbid(const security::Grant* grant, std::string_view what) {
  ++forbidden;
  if (!forbidden_log.Allow(clock.Now())) return;
  spdlog::warn("event=peer_forbidden key={} peer={} what={} suppressed={} total={}",
               grant ? grant->key_id : "revoked", Quoted(grant ? grant->name : ""), Quoted(what),
               forbidden_log.suppressed, forbidden);
  forbidden_log.suppressed = 0;
}

void Broker::Impl::ReloadPeers() {
  const std::vector<std::string> revoked = guard->ReloadIfChanged();
  if (revoked.empty()) return;
  // Cut the revoked keys' connections off now: the requests they sent are answered forbidden,
  // the requests dispatched to them go back to the queue for another worker, their
  // subscriptions end. Everything they send from now on is refused (GrantOf).
  for (auto it = peer_keys.begin(); it != peer_keys.end();) {
    if (std::find(revoked.begin(), revoked.end(), it->second.key_id) == revoked.end()) {
      ++it;
      continue;
    }
    const size_t failed =
        table.FailRequestsOf(it->first, Status::Forbidden("this peer's key was revoked"), actions);
    const bool worker = table.Disconnect(it->first, actions);
    subs.Remove(it->first);
    spdlog::warn("event=peer_cut_off key={} reason=revoked worker={} requests_failed={}",
                 it->second.key_id, worker, failed);
    it = peer_keys.erase(it);
  }
  FlushActions();
}

Result<std::string> Broker::Impl::StartCapture(const std::string& path,
                                               std::optional<Millis> lease) {
  if (recording) return Status::Conflict("a capture is already running: " + recording->id);
  CaptureTapOptions tap_options;
  tap_options.path = path;
  capture::Header& h = tap_options.header;
  h.build_id = std::string(capture::BuildId());
  h.clock_mode = std::string(bus_clock->mode_name());
  h.start_ms = BusNow();
  if (options.seed) h.seeds["*"] = *options.seed;
  h.started_wall_ms = WallMillis();
  h.outside = guard->OutsideNames();
  ASSIGN_OR_RETURN(auto tap, CaptureTap::Start(std::move(tap_options)));
  ActiveCapture active;
  active.tap = std::move(tap);
  active.id = lease
                  ? "capture-" + std::to_string(next_capture++) + "-" + std::to_string(WallMillis())
                  : std::string(kStartupCaptureId);
  active.lease = lease;
  if (lease) active.lease_end = clock.Now() + *lease;
  writer->SetSink(active.tap);
  recording = std::move(active);
  return recording->id;
}

// Ends the running capture. With `stop_command` (broker.capture_stop), its reply carries the
// final counts and is the capture's last record, and is sent to `rid` under `key`.
Status Broker::Impl::StopCapture(const schemas::Envelope* stop_command, const std::string& rid,
                                 std::string* key) {
  if (!recording) return Status::NotFound("no capture is running");
  ActiveCapture active = std::move(*recording);
  recording.reset();
  writer->SetSink(nullptr);
  std::string reply_bytes;
  if (stop_command) {
    active.tap->Seal(BusNow(), "broker", [&](const CaptureTap::Stats& s) {
      schemas::Reply reply = OkReply(
          *stop_command, schemas::Encode(bus::CaptureStopped{static_cast<int64_t>(s.records),
                                                              static_cast<int64_t>(s.dropped)}));
      reply_bytes = schemas::Encode(reply);
      return reply_bytes;
    });
  }
  Status status = active.tap->Stop(BusNow());
  if (!status.ok())
    spdlog::error("event=capture_failed id={} error={}", active.id, Quoted(status.message()));
  if (stop_command) {
    Frames out = proto::Encode(proto::ClientReply{std::move(*key), ToMessage(reply_bytes)});
    if (!SendTo(rid, out)) ++dropped_replies;
  }
  return status;
}

void Broker::Impl::HandleCapture(const std::string& rid, std::string key,
                                 const schemas::Envelope& command, const zmq::message_t& envelope,
                                 const security::Grant& grant) {
  auto fail = [&](Status s) {
    SendReply(rid, std::move(key), schemas::ErrorReply(command, std::move(s), "broker", BusNow()));
  };
  const std::string& type = command.type;
  if (type == bus::CaptureStart::kInfo.type) {
    auto start = schemas::Decode<bus::CaptureStart>(command.body);
    if (!start.ok()) return fail(start.status());
    const int64_t lease = start->lease_ms.value_or(bus::kDefaultCaptureLeaseMs);
    auto id = StartCapture(start->path, Millis(lease));
    if (!id.ok()) return fail(id.status());
    // The capture starts with the command that started it.
    recording->tap->Command(BusNow(), "broker", AsView(envelope), grant.key_id);
    return SendReply(rid, std::move(key),
                     OkReply(command, schemas::Encode(bus::CaptureStarted{*id, lease})));
  }
  // renew and stop name the running capture the same way.
  auto named = schemas::Decode<bus::CaptureRenew>(command.body);
  if (!named.ok()) return fail(named.status());
  const std::string& id = named->capture_id;
  if (!recording || recording->id != id)
    return fail(Status::NotFound("no running capture has id '" + id + "'"));
  if (type == bus::CaptureRenew::kInfo.type) {
    if (recording->lease) recording->lease_end = clock.Now() + *recording->lease;
    const int64_t lease = recording->lease ? recording->lease->count() : 0;
    return SendReply(rid, std::move(key),
                     OkReply(command, schemas::Encode(bus::CaptureLease{lease})));
  }
  if (type == bus::CaptureStop::kInfo.type) {
    (void)StopCapture(&command, rid, &key);
    return;
  }
  fail(Status::Invalid("the broker does not serve '" + type + "'"));
}

std::string Broker::Impl::StatsBody() const {
  bus::StatsReply stats;
  for (const auto& service : table.Services())
    stats.services.push_back({service.name, static_cast<int64_t>(service.workers),
                              static_cast<int64_t>(service.queued)});
  for (const auto& [id, sub] : subs.subscribers())
    stats.subscribers.push_back({static_cast<int64_t>(sub.cursor), static_cast<int64_t>(sub.credit),
                                 static_cast<int64_t>(sub.window), sub.prefixes});
  store::Env::Usage log_usage;
  if (auto u = log->Usage(); u.ok()) log_usage = *u;
  stats.log_head = static_cast<int64_t>(log->Head());
  stats.in_flight = static_cast<int64_t>(table.in_flight());
  stats.pending_writes =
      static_cast<int64_t>(pending_writes + (publish_batch.items.empty() ? 0 : 1));
  stats.queued = static_cast<int64_t>(table.queued());
  stats.malformed = static_cast<int64_t>(malformed);
  stats.late_replies = static_cast<int64_t>(table.late_replies());
  stats.dropped_replies = static_cast<int64_t>(dropped_replies);
  stats.workers = static_cast<int64_t>(table.worker_count());
  stats.rss_bytes = RssBytes();
  stats.commits = static_cast<int64_t>(writer->commits());
  stats.refused_conflicts = static_cast<int64_t>(refused_conflicts);
  stats.refused_busy = static_cast<int64_t>(refused_busy);
  stats.append_failed = static_cast<int64_t>(append_failed);
  stats.refused_gaps = static_cast<int64_t>(refused_gaps);
  stats.forbidden = static_cast<int64_t>(forbidden);
  stats.peers_refused = static_cast<int64_t>(guard->peers_refused());
  stats.secure = guard->secure();
  stats.log_used_bytes = static_cast<int64_t>(log_usage.used_bytes);
  stats.log_ceiling_bytes = static_cast<int64_t>(log_usage.ceiling_bytes);
  stats.log_full =
      log_usage.used_bytes + (log_usage.ceiling_bytes / 16) > log_usage.ceiling_bytes;
  stats.clock = bus_clock->mode_name();
  stats.bus_time_ms = BusNow();
  return schemas::Encode(stats);
}

// --- Broker ----------------------------------------------------------------------------------

Broker::Broker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Broker::~Broker() {
  if (impl_ && impl_->writer) impl_->writer->Stop();
  if (impl_ && impl_->recording) (void)impl_->StopCapture(nullptr, "", nullptr);
}

Result<std::unique_ptr<Broker>> Broker::Create(const BrokerOptions& options,
                                               zmq::context_t& context, const Clock& clock) {
  auto impl = std::make_unique<Impl>(options, context, clock);
  RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<Broker>(new Broker(std::move(impl)));
}

const std::string& Broker::endpoint() const { return impl_->endpoint; }

Status Broker::Run(const std::atomic<bool>& stop) { return impl_->Run(stop); }

}  // namespace mcf::broker
