#include "broker/log_writer.h"

#include <spdlog/spdlog.h>

#include <atomic>

namespace mcf::broker {

LogWriter::LogWriter(EventLog& log, zmq::context_t& context)
    : log_(log),
      wake_main_(context, zmq::socket_type::pair),
      wake_writer_(context, zmq::socket_type::pair) {}

Result<std::unique_ptr<LogWriter>> LogWriter::Start(EventLog& log, zmq::context_t& context) {
  static std::atomic<uint64_t> counter{0};
  std::unique_ptr<LogWriter> w(new LogWriter(log, context));
  const std::string endpoint = "inproc://mcf-log-writer-" + std::to_string(counter.fetch_add(1));
  try {
    w->wake_main_.set(zmq::sockopt::linger, 0);
    w->wake_writer_.set(zmq::sockopt::linger, 0);
    w->wake_main_.bind(endpoint);
    w->wake_writer_.connect(endpoint);
  } catch (const zmq::error_t& e) {
    return Status::Internal(std::string("log writer wake socket: ") + e.what());
  }
  w->thread_ = std::thread([p = w.get()] { p->Run(); });
  return w;
}

LogWriter::~LogWriter() { Stop(); }

void LogWriter::Submit(WriteBatch batch) {
  {
    std::lock_guard lock(mu_);
    pending_.push_back(std::move(batch));
  }
  cv_.notify_one();
}

std::vector<WriteDone> LogWriter::TakeDone() {
  std::vector<WriteDone> out;
  std::lock_guard lock(mu_);
  out.swap(done_);
  return out;
}

void LogWriter::DrainWake() {
  try {
    zmq::message_t m;
    while (wake_main_.recv(m, zmq::recv_flags::dontwait)) {
    }
  } catch (const zmq::error_t&) {
  }
}

void LogWriter::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void LogWriter::SetSink(std::shared_ptr<DurableEventSink> sink) {
  std::lock_guard lock(mu_);
  sink_ = std::move(sink);
}

void LogWriter::Run() {
  std::vector<WriteBatch> batches;
  std::vector<AppendItem> items;
  std::shared_ptr<DurableEventSink> sink;
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !pending_.empty(); });
      if (pending_.empty()) break;  // stop_ and nothing left
      batches.swap(pending_);
      sink = sink_;
    }
    if (!sink) sink_producers_.clear();
    items.clear();
    std::optional<int64_t> clock_ms;
    for (const auto& b : batches) {
      for (const auto& i : b.items)
        items.push_back(AppendItem{
            i.producer, i.producer_seq, i.topic,
            std::string_view(static_cast<const char*>(i.envelope.data()), i.envelope.size()),
            i.time_ms, i.contiguous});
      if (b.clock_ms && (!clock_ms || *b.clock_ms > *clock_ms)) clock_ms = b.clock_ms;
    }
    const uint64_t head_before = log_.Head();
    if (sink) {
      for (const auto& item : items) {
        auto [it, fresh] = sink_producers_.try_emplace(std::string(item.producer), 0);
        if (!fresh) continue;
        auto last = log_.ProducerSeq(item.producer);
        if (last.ok()) it->second = *last;
      }
    }
    auto result = log_.AppendBatch(items, clock_ms);
    if (sink && result.ok()) ReportDurable(*sink, items, *result, head_before);
    std::shared_ptr<const AppendResult> shared;
    Status status;
    if (result.ok()) {
      shared = std::make_shared<const AppendResult>(std::move(*result));
      ++commits_;
    } else {
      status = result.status();
      spdlog::error("event=log_append_failed error={}", status.ToString());
    }
    {
      std::lock_guard lock(mu_);
      for (const auto& b : batches) done_.push_back(WriteDone{b.ticket, status, shared});
    }
    batches.clear();
    try {
      zmq::message_t wake(1);
      (void)wake_writer_.send(wake, zmq::send_flags::dontwait);
    } catch (const zmq::error_t&) {
    }
  }
}

void LogWriter::ReportDurable(DurableEventSink& sink, const std::vector<AppendItem>& items,
                              const AppendResult& result, uint64_t head_before) {
  // The same rule as EventLog::AppendBatch: an item is appended iff its producer_seq is above
  // the last stored for its producer and no conflict or gap of its producer came before it in
  // the batch; appended items take consecutive seqs.
  const uint64_t head_after = result.head;
  uint64_t seq = head_before;
  std::unordered_map<std::string_view, bool> refused;  // producer -> conflict or gap seen yet
  for (const auto& c : result.conflicts) refused.emplace(c.producer, false);
  for (const auto& g : result.gaps) refused.emplace(g.producer, false);
  auto stops = [&](const AppendItem& item, const std::vector<AppendResult::Conflict>& list) {
    for (const auto& c : list)
      if (c.producer == item.producer && c.producer_seq == item.producer_seq) return true;
    return false;
  };
  for (const auto& item : items) {
    if (auto r = refused.find(item.producer); r != refused.end()) {
      if (r->second) continue;
      if (stops(item, result.conflicts) || stops(item, result.gaps)) {
        r->second = true;
        continue;
      }
    }
    uint64_t& last = sink_producers_[std::string(item.producer)];
    if (item.producer_seq <= last) continue;
    last = item.producer_seq;
    sink.OnDurable(++seq, item.time_ms, item.producer, item.topic, item.envelope);
  }
  if (seq != head_after) {
    spdlog::warn("event=durable_sink_mismatch reported_head={} log_head={}", seq, head_after);
    sink_producers_.clear();  // re-read from the log next time
  }
}

}  // namespace mcf::broker
