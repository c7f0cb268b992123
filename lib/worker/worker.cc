#include "lib/security/bus_identity.h"
#include "lib/worker/worker.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <deque>
#include <memory>
#include <optional>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "lib/base/log.h"
#include "lib/client/bus_client.h"
#include "lib/client/subscriber.h"
#include "lib/transport/protocol.h"
#include "lib/worker/outbox_sender.h"
#include "schemas/body.h"
#include "schemas/bus.h"
#include "schemas/envelope.h"

namespace mcf::worker {
namespace {

std::atomic<bool> g_signalled{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void OnStopSignal(int) { g_signalled.store(true, std::memory_order_relaxed); }

void InstallStopSignals() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocked poll returns at once
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

TimePoint Now() { return SteadyClock::Instance().Now(); }

constexpr std::pair<std::string_view, WorkerOptions::CrashAt> kCrashPoints[] = {
    {"before-commit", WorkerOptions::CrashAt::kBeforeCommit},
    {"after-commit", WorkerOptions::CrashAt::kAfterCommit},
    {"after-event-commit", WorkerOptions::CrashAt::kAfterEventCommit},
};

}  // namespace

bool ParseCrashPoint(std::string_view spec, WorkerOptions& options) {
  const size_t colon = spec.rfind(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view where = spec.substr(0, colon), n = spec.substr(colon + 1);
  uint64_t batch = 0;
  auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), batch);
  if (ec != std::errc() || end != n.data() + n.size() || batch == 0) return false;
  for (auto [name, at] : kCrashPoints) {
    if (name != where) continue;
    options.crash_at = at;
    options.crash_batch = batch;
    return true;
  }
  return false;
}

// The socket side of Run(): one worker DEALER (READY/REQUEST/REPLY/HEARTBEAT), the outbox
// sender's DEALER, and a Subscriber for the handled event types.
struct Worker::Loop {
  Worker& w;
  zmq::context_t context{1};
  zmq::socket_t socket;
  std::optional<OutboxSender> outbox;
  std::unique_ptr<client::Subscriber> subscriber;
  TimePoint last_heard{}, last_sent{};
  std::string worker_name;
  // This process on the bus: READY and SUBSCRIBE carry it, so the broker can tell our commands
  // which of our subscription's events they wait for (read your writes, docs/protocol.md).
  const uint64_t incarnation = proto::NewIncarnation();
  // Every event of the subscription with seq <= applied_through is applied (committed).
  uint64_t applied_through = 0;
  // Commands that arrived before the events they must see: run once applied_through reaches
  // their wait_for_seq, or (answered timeout) once their deadline passes. In arrival order.
  std::vector<Incoming> waiting;
  uint64_t commands_waited_out = 0;  // answered timeout while waiting (logged with a total)
  // A new store's producer name comes from broker.health (see Dispatcher::producer_id()).
  std::unique_ptr<client::BusClient> naming;
  // The replies and event credit of each batch, in batch order: sent after the commit, or with
  // options.durable_replies only once the broker acknowledged the events that batch published
  // (PUB_ACK = durable in the log), so a reply, or a subscriber's credit being all back at the
  // broker, means the effects are in the log: the barrier `mcfctl replay` waits on
  // (docs/capture-format.md, "Replay"). Event credit is always given back per batch, after
  // its commit (manual credit), never before the events are applied.
  struct Held {
    uint64_t upto = 0;  // outbox producer_seq that must be acked first; 0 = nothing
    std::vector<proto::Frames> replies;
    uint32_t credit = 0;  // events of the batch, released to the subscriber
  };
  std::deque<Held> held;
  bool events_paused = false;  // the store was full: resubscribe once it has room
  uint64_t command_batches = 0, event_batches = 0;  // for options.crash_at (test-only)

  explicit Loop(Worker& worker)
      : w(worker), worker_name(worker.options_.service + "-" + std::to_string(getpid())) {}

  // Test-only (WorkerOptions::crash_at): dies at `at` of the N-th batch of its kind, as a kill -9
  // would, after saying so in the log (flushed: the test asserts the window was hit).
  void MaybeCrash(WorkerOptions::CrashAt at, uint64_t nth) const {
    if (w.options_.crash_at != at || w.options_.crash_batch != nth) return;
    std::string_view name;
    for (auto [n, a] : kCrashPoints)
      if (a == at) name = n;
    spdlog::warn("event=crash_point point={} batch={} service={}", name, nth, w.options_.service);
    spdlog::default_logger()->flush();
    _exit(kCrashExitCode);
  }

  Millis Expiry() const { return w.options_.heartbeat * std::max(1, w.options_.liveness); }

  bool Send(proto::Frames frames) {
    if (socket.handle() == nullptr || !proto::SendFrames(socket, frames, /*dontwait=*/true))
      return false;
    last_sent = Now();
    return true;
  }

  void ConnectWorker() {
    try {
      socket = security::ConnectToBroker(context, w.options_.broker_endpoint);
    } catch (const zmq::error_t& e) {
      spdlog::error("event=worker_connect_failed endpoint={} error={}", w.options_.broker_endpoint,
                    e.what());
      socket = zmq::socket_t();
    }
    Send(proto::Encode(
        proto::Ready{worker_name, w.options_.capacity, {w.options_.service}, incarnation}));
    last_heard = Now();
  }

  void Subscribe() {
    if (w.dispatcher_.event_types().empty()) return;
    client::SubscriberOptions opts;
    opts.prefixes = w.dispatcher_.event_types();
    opts.from_seq = w.dispatcher_.ResumeSeq();
    opts.window = w.options_.event_window;
    opts.heartbeat = w.options_.heartbeat;
    opts.manual_credit = true;
    opts.incarnation = incarnation;
    applied_through = std::max(applied_through, opts.from_seq - 1);
    subscriber.reset();
    subscriber = std::make_unique<client::Subscriber>(context, w.options_.broker_endpoint, opts);
  }

  // Reads the worker socket: requests go to `batch` (at most max_batch).
  void ReadWorkerSocket(std::vector<Incoming>& batch, bool& reconnect) {
    proto::Frames frames;
    size_t commands = 0;
    while (commands < w.options_.max_batch && socket.handle() != nullptr &&
           proto::RecvFrames(socket, frames, /*dontwait=*/true)) {
      last_heard = Now();
      auto kind = proto::ParseKind(frames, 0);
      if (!kind.ok()) {
        spdlog::warn("event=worker_bad_frame error={}", Quoted(kind.status().message()));
        continue;
      }
      if (*kind == proto::Kind::kReconnect) {
        reconnect = true;
      } else if (*kind == proto::Kind::kRequest) {
        auto req = proto::ParseWorkerRequest(frames, 0);
        if (!req.ok()) {
          spdlog::warn("event=worker_bad_request error={}", Quoted(req.status().message()));
          continue;
        }
        Incoming in;
        in.kind = Incoming::Kind::kCommand;
        in.request_id = req->request_id;
        in.deadline = last_heard + Millis(req->timeout_ms);
        in.bus_time_ms = req->bus_time_ms;
        in.wait_for_seq = req->wait_for_seq;
        in.envelope = std::string(proto::View(req->envelope));
        batch.push_back(std::move(in));
        ++commands;
      }
    }
  }

  // Moves the arrived and waiting commands that may run now into `batch` (after its events):
  // those whose wait_for_seq the subscription has been applied to once `batch` commits
  // (`through`), and those whose deadline has passed (the dispatcher answers them timeout).
  // A worker that subscribes to nothing has nothing to wait for; nor does one whose store is
  // full, which applies no events until it has room (its read-only commands still run, on what
  // it has: the dispatcher's capacity rule).
  void TakeRunnable(std::vector<Incoming>& arrived, uint64_t through, std::vector<Incoming>& batch) {
    const bool subscribes = subscriber != nullptr && !events_paused && w.options_.read_your_writes;
    const TimePoint now = Now();
    auto runnable = [&](const Incoming& c) {
      return !subscribes || c.wait_for_seq <= through || now > c.deadline;
    };
    std::erase_if(waiting, [&](Incoming& c) {
      if (!runnable(c)) return false;
      if (c.wait_for_seq > through) {
        ++commands_waited_out;
        spdlog::warn("event=command_waited_out service={} wait_for_seq={} applied_through={} "
                     "total={}",
                     w.options_.service, c.wait_for_seq, through, commands_waited_out);
      }
      batch.push_back(std::move(c));
      return true;
    });
    for (Incoming& c : arrived) {
      if (runnable(c)) {
        batch.push_back(std::move(c));
      } else {
        waiting.push_back(std::move(c));
      }
    }
    arrived.clear();
  }

  // How long the loop may sleep: until the next heartbeat tick or waiting command's deadline.
  Millis PollWait(Millis tick) const {
    const TimePoint now = Now();
    TimePoint until = now + tick;
    for (const Incoming& c : waiting) until = std::min(until, c.deadline + Millis(1));
    return std::max(Millis(0), std::chrono::ceil<Millis>(until - now));
  }

  void ReadEvents(std::vector<Incoming>& batch) {
    if (!subscriber) return;
    for (uint32_t n = 0; n < w.options_.max_batch; ++n) {
      auto ev = subscriber->Next(Millis(0));
      if (!ev) return;
      Incoming in;
      in.kind = Incoming::Kind::kEvent;
      in.seq = ev->seq;
      in.topic = std::move(ev->topic);
      in.bus_time_ms = ev->time_ms;
      in.envelope = std::move(ev->envelope);
      batch.push_back(std::move(in));
    }
  }

  // A new store gets its producer name when it first has events to publish: asks broker.health
  // for the log head (again after each failure or timeout) and names it "<service>@<log_head>".
  // Until then the outbox keeps its events.
  void NameProducer() {
    if (!w.dispatcher_.producer_id().empty() || w.dispatcher_.last_producer_seq() == 0) return;
    if (!naming) {
      naming =
          std::make_unique<client::BusClient>(context, w.options_.broker_endpoint, worker_name);
      naming->Send(naming->MakeCommand("broker.health", schemas::EmptyBody()), Millis(1000));
    }
    // 1 ms, not 0: BusClient::Receive reads its socket only when it may wait. Only until named.
    auto got = naming->Receive(Millis(1));
    if (!got) return;
    std::optional<int64_t> head;
    if (got->second.status == Code::kOk) {
      if (auto health = schemas::Decode<schemas::bus::HealthReply>(got->second.body); health.ok())
        head = health->log_head;
    }
    if (!head) {
      naming->Send(naming->MakeCommand("broker.health", schemas::EmptyBody()), Millis(1000));
      return;
    }
    const std::string id = w.options_.service + "@" + std::to_string(*head);
    if (Status s = w.dispatcher_.SetProducerId(id); !s.ok()) {
      spdlog::error("event=producer_name_failed error={}", Quoted(s.message()));
      return;
    }
    spdlog::info("event=producer_named service={} producer={}", w.options_.service, id);
    naming.reset();
    outbox->Pump();
  }

  // Answers from the inbox and skipped redeliveries are what a crash leaves behind; logged per
  // batch (rare outside recovery) with running totals, so a crash test can count them across
  // incarnations that end by kill -9.
  void LogRedelivered(const DispatcherStats& before) const {
    const DispatcherStats& now = w.dispatcher_.stats();
    if (now.replies_replayed > before.replies_replayed)
      spdlog::info("event=replies_replayed service={} count={} total={}", w.options_.service,
                   now.replies_replayed - before.replies_replayed, now.replies_replayed);
    if (now.events_skipped > before.events_skipped)
      spdlog::info("event=events_skipped service={} count={} total={}", w.options_.service,
                   now.events_skipped - before.events_skipped, now.events_skipped);
  }

  void SendHeld(Held& h) {
    for (auto& frames : h.replies) Send(std::move(frames));
    if (h.credit > 0 && subscriber) subscriber->Release(h.credit);
  }

  // Sends every held batch whose events the broker acknowledged (all of them when `all`).
  void ReleaseHeld(bool all = false) {
    while (!held.empty() && (all || held.front().upto <= outbox->acked())) {
      SendHeld(held.front());
      held.pop_front();
    }
  }

  // Acknowledged outbox records are deleted by the next batch's transaction; a transaction (and
  // fsync) of their own only once many are waiting or the worker has been idle a while. Records
  // kept a little longer cost space, never correctness: a resend after a crash is de-duplicated.
  static constexpr uint64_t kStandaloneDeleteMin = 256;
  static constexpr Millis kStandaloneDeleteIdle{200};
  TimePoint last_batch{};
  bool StandaloneDeleteDue() const {
    const uint64_t n = outbox->deletable_count();
    return n >= kStandaloneDeleteMin || (n > 0 && Now() - last_batch >= kStandaloneDeleteIdle);
  }

  int Run() {
    ConnectWorker();
    outbox.emplace(context, w.options_.broker_endpoint, w.dispatcher_, w.options_.outbox_window,
                   Expiry());
    Subscribe();
    spdlog::info(
        "event=worker_ready service={} worker={} capacity={} events={} resume_seq={} "
        "producer_seq={}",
        w.options_.service, worker_name, w.options_.capacity, w.dispatcher_.event_types().size(),
        w.dispatcher_.ResumeSeq(), w.dispatcher_.last_producer_seq());
    NameProducer();
    outbox->Pump();

    std::vector<Incoming> batch, arrived;
    bool more = false;  // messages may be waiting already (a full batch, buffered events)
    const Millis tick = std::clamp(w.options_.heartbeat / 4, Millis(5), Millis(100));
    while (!w.stop_.load(std::memory_order_relaxed) &&
           !g_signalled.load(std::memory_order_relaxed)) {
      std::vector<zmq::pollitem_t> items;
      if (socket.handle() != nullptr) items.push_back({socket.handle(), 0, ZMQ_POLLIN, 0});
      if (outbox->poll_handle() != nullptr)
        items.push_back({outbox->poll_handle(), 0, ZMQ_POLLIN, 0});
      if (subscriber && subscriber->poll_handle() != nullptr)
        items.push_back({subscriber->poll_handle(), 0, ZMQ_POLLIN, 0});
      try {
        zmq::poll(items.data(), items.size(), more ? Millis(0) : PollWait(tick));
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) break;
        // EINTR (a stop signal): the loop condition decides.
      }

      batch.clear();
      bool reconnect = false;
      ReadWorkerSocket(arrived, reconnect);
      const size_t read_commands = arrived.size();
      outbox->Drain();
      NameProducer();
      ReleaseHeld();
      // A full store takes no events (they wait in the broker's log); once it has room again,
      // a new subscription from the stored offsets brings back any it left unapplied.
      const bool full = w.dispatcher_.store_status().full;
      if (full) {
        events_paused = true;
      } else if (events_paused) {
        events_paused = false;
        spdlog::info("event=events_resumed service={} resume_seq={}", w.options_.service,
                     w.dispatcher_.ResumeSeq());
        Subscribe();
      }
      if (!full) ReadEvents(batch);
      // The batch applies its events before its commands, so a command waiting for them runs in
      // the same transaction.
      const uint64_t through =
          subscriber ? std::max(applied_through, subscriber->handed_through()) : applied_through;
      const auto events = static_cast<uint32_t>(batch.size());  // the batch holds only events yet
      TakeRunnable(arrived, through, batch);
      const size_t commands = batch.size() - events;
      more = read_commands >= w.options_.max_batch ||
             (!full && subscriber && subscriber->buffered() > 0) || naming != nullptr;

      if (!batch.empty()) {
        const uint64_t produced_before = w.dispatcher_.last_producer_seq();
        if (commands > 0) MaybeCrash(WorkerOptions::CrashAt::kBeforeCommit, ++command_batches);
        if (events > 0) ++event_batches;
        const DispatcherStats before = w.dispatcher_.stats();
        uint64_t deletable = outbox->TakeDeletable();
        last_batch = Now();
        auto replies = w.dispatcher_.Apply(batch, Now(), deletable);
        if (!replies.ok()) {
          // Nothing was committed; the events handed out must come again, the commands will be
          // retried by their callers. A store that fails is not something to spin on.
          spdlog::error("event=batch_failed messages={} error={}", batch.size(),
                        Quoted(replies.status().message()));
          outbox->RestoreDeletable(deletable);
          return 1;
        }
        if (w.dispatcher_.store_status().full) outbox->RestoreDeletable(deletable);
        LogRedelivered(before);
        if (commands > 0) MaybeCrash(WorkerOptions::CrashAt::kAfterCommit, command_batches);
        if (events > 0) MaybeCrash(WorkerOptions::CrashAt::kAfterEventCommit, event_batches);
        if (w.options_.reply_delay > Millis(0)) std::this_thread::sleep_for(w.options_.reply_delay);
        Held h;
        const uint64_t produced = w.dispatcher_.last_producer_seq();
        h.upto = w.options_.durable_replies && produced > produced_before ? produced : 0;
        h.credit = events;
        for (auto& r : *replies)
          h.replies.push_back(proto::Encode(proto::WorkerReply{
              r.request_id, zmq::message_t(r.envelope.data(), r.envelope.size())}));
        held.push_back(std::move(h));
        NameProducer();
        outbox->Pump();  // the events first, then (once acknowledged) the replies and credit
        ReleaseHeld();
      } else if (StandaloneDeleteDue()) {
        const uint64_t deletable = outbox->TakeDeletable();
        last_batch = Now();
        if (Status s = w.dispatcher_.DeleteOutbox(deletable); !s.ok()) {
          spdlog::error("event=outbox_delete_failed error={}", Quoted(s.message()));
          outbox->RestoreDeletable(deletable);
        }
      }
      applied_through = through;  // committed: the batch held every event handed out

      TimePoint now = Now();
      if (reconnect || now - last_heard >= Expiry()) {
        spdlog::info("event=worker_reconnect reason={} service={}",
                     reconnect ? "broker_asked" : "broker_silent", w.options_.service);
        ConnectWorker();
        outbox->Reconnect();
        outbox->Pump();
      } else if (now - last_sent >= w.options_.heartbeat) {
        Send(proto::EncodeHeartbeat());
      }
      outbox->Tick(now);
      outbox->Pump();
      if (outbox->conflicted()) {
        spdlog::error(
            "event=worker_stopped reason=producer_conflict service={} producer={} "
            "producer_seq={} note={}",
            w.options_.service, w.dispatcher_.producer_id(), outbox->conflict_seq(),
            Quoted("the log holds a different event under this store's producer name: the "
                   "store was copied, or two stores share a name; its outbox keeps the events"));
        return 4;
      }
    }

    // Leaving: the last batch is committed; answer what is still held (its events stay in the
    // outbox for the next start) and tell the broker so it requeues nothing to us. A short
    // linger lets DISCONNECT reach it.
    ReleaseHeld(/*all=*/true);
    if (socket.handle() != nullptr) {
      socket.set(zmq::sockopt::linger, 500);
      Send(proto::EncodeDisconnect());
    }
    subscriber.reset();
    spdlog::info(
        "event=worker_stopped service={} commands_run={} replies_replayed={} "
        "events_applied={} handler_failed={}",
        w.options_.service, w.stats().commands_run, w.stats().replies_replayed,
        w.stats().events_applied, w.stats().handler_failed);
    return 0;
  }
};

Worker::Worker(WorkerOptions options)
    : options_(std::move(options)), dispatcher_(options_.service, options_.seed) {}

Worker::~Worker() = default;

Status Worker::Open() {
  if (options_.service.empty()) return Status::Invalid("worker: service name is empty");
  if (options_.data_dir.empty()) return Status::Invalid("worker: data dir is empty");
  store::EnvOptions store;
  store.map_size = std::min(options_.map_size, options_.max_map_size);
  store.max_map_size = options_.max_map_size;
  store.exclusive = true;
  dispatcher_.set_reply_retention(options_.reply_retention);
  return dispatcher_.Open(options_.data_dir, store);
}

Result<store::Db> Worker::OpenDb(const std::string& name) { return dispatcher_.OpenDb(name); }

Status Worker::KeepSetupError(Status s) {
  if (!s.ok() && setup_error_.ok()) setup_error_ = s;
  return s;
}

int Worker::Run() {
  if (!dispatcher_.is_open()) {
    spdlog::error("event=worker_not_open service={}", options_.service);
    return 2;
  }
  if (!setup_error_.ok()) {
    spdlog::error("event=worker_bad_setup service={} error={}", options_.service,
                  Quoted(setup_error_.ToString()));
    return 2;
  }
  InstallStopSignals();
  Loop loop(*this);
  return loop.Run();
}

}  // namespace mcf::worker
