// LogWriter: group commit off the routing thread. A writer thread owns the write side of the
// EventLog; the routing thread hands it batches (whatever arrived in one drain of the socket)
// and is woken through an inproc PAIR socket, polled beside the ROUTER, when they are durable.
// Batches that queue up while a commit is in progress are merged into the next transaction, so
// one fsync covers all of them. Command routing never waits for fsync.
// Threading: Submit/TakeDone/wake_socket belong to the routing thread; the writer thread only
// touches the log and its side of the PAIR. The EventLog and context must outlive this.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "broker/event_log.h"
#include "lib/base/status.h"

namespace mcf::broker {

struct WriteItem {
  std::string producer;
  uint64_t producer_seq = 0;
  std::string topic;
  zmq::message_t envelope;
  int64_t time_ms = 0;
  bool contiguous = false;  // AppendItem::contiguous: a publisher's outbox, not the clock
};

struct WriteBatch {
  uint64_t ticket = 0;  // the routing thread's handle for the completion
  std::vector<WriteItem> items;
  std::optional<int64_t> clock_ms;  // clock state to persist with the items
  bool empty() const { return items.empty() && !clock_ms; }
};

// Told about every event as it becomes durable, in log order, with its global seq (the capture
// tap). Called on the writer thread after the commit; must not block.
class DurableEventSink {
 public:
  virtual ~DurableEventSink() = default;
  virtual void OnDurable(uint64_t seq, int64_t time_ms, std::string_view producer,
                         std::string_view topic, std::string_view envelope) = 0;
};

struct WriteDone {
  uint64_t ticket = 0;
  Status status;
  // The result of the (merged) commit that made this batch durable; null on error.
  std::shared_ptr<const AppendResult> result;
};

class LogWriter {
 public:
  // Binds the PAIR the routing thread polls and starts the writer thread.
  static Result<std::unique_ptr<LogWriter>> Start(EventLog& log, zmq::context_t& context);
  ~LogWriter();  // Stop()

  // Hands a batch to the writer (routing thread).
  void Submit(WriteBatch batch);
  // Completed batches, in submission order (routing thread; after the wake socket polls in).
  std::vector<WriteDone> TakeDone();
  // The socket to poll for completions; drain it with DrainWake().
  zmq::socket_t& wake_socket() { return wake_main_; }
  void DrainWake();
  // Finishes every submitted batch, then joins the thread. Idempotent.
  void Stop();
  size_t commits() const { return commits_; }
  // Attaches (or, with nullptr, detaches) the sink; from the next commit on (any thread). A
  // commit already in progress may still report to the previous sink.
  void SetSink(std::shared_ptr<DurableEventSink> sink);

 private:
  LogWriter(EventLog& log, zmq::context_t& context);
  void Run();
  void ReportDurable(DurableEventSink& sink, const std::vector<AppendItem>& items,
                     const AppendResult& result, uint64_t head_before);

  EventLog& log_;
  zmq::socket_t wake_main_;    // routing thread's end
  zmq::socket_t wake_writer_;  // writer thread's end
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<WriteBatch> pending_;         // guarded by mu_
  std::vector<WriteDone> done_;             // guarded by mu_
  bool stop_ = false;                       // guarded by mu_
  size_t commits_ = 0;                      // writer thread only (read for stats, racy but benign)
  std::shared_ptr<DurableEventSink> sink_;  // guarded by mu_
  // Writer thread, while a sink is attached: last stored producer_seq per producer, to tell
  // which items of a batch the log appended (it skips duplicates) and so their seqs.
  std::unordered_map<std::string, uint64_t> sink_producers_;
  std::thread thread_;
};

}  // namespace mcf::broker
