#include "broker/event_log.h"

#include <cstring>

#include "lib/base/bytes.h"

namespace mcf::broker {
namespace {

constexpr std::string_view kClockKey = "clock";
constexpr size_t kRecordHeader = 8 + 2;

std::string U64Le(uint64_t v) {
  std::string s(8, '\0');
  PutU64Le(s.data(), v);
  return s;
}

std::string ByProducerKey(std::string_view producer, uint64_t producer_seq) {
  std::string k(producer);
  k.push_back('\0');
  k.append(U64Key(producer_seq));
  return k;
}

}  // namespace

bool MatchesAny(std::string_view topic, const std::vector<std::string>& prefixes) {
  for (const auto& p : prefixes)
    if (topic.starts_with(p)) return true;
  return false;
}

EventLogOptions LogOptionsFor(const BrokerOptions& options) {
  EventLogOptions o;
  o.map_size = options.map_size;
  o.exclusive = true;
  o.faults = options.log_faults;
  return o;
}

Result<std::unique_ptr<EventLog>> EventLog::Open(const std::string& dir, size_t map_size,
                                                 bool exclusive) {
  EventLogOptions options;
  options.map_size = map_size;
  options.exclusive = exclusive;
  return Open(dir, options);
}

Result<std::unique_ptr<EventLog>> EventLog::Open(const std::string& dir,
                                                 const EventLogOptions& log_options) {
  store::EnvOptions options;
  options.map_size = log_options.map_size;
  options.max_dbs = 8;
  options.exclusive = log_options.exclusive;
  options.faults = log_options.faults;
  ASSIGN_OR_RETURN(auto env, store::Env::Open(dir, options));
  ASSIGN_OR_RETURN(auto events, env.OpenDb("events"));
  ASSIGN_OR_RETURN(auto producers, env.OpenDb("producers"));
  ASSIGN_OR_RETURN(auto by_producer, env.OpenDb("by_producer"));
  ASSIGN_OR_RETURN(auto meta, env.OpenDb("meta"));
  std::unique_ptr<EventLog> log(new EventLog(std::move(env), events, producers, by_producer, meta));
  ASSIGN_OR_RETURN(auto txn, log->env_.BeginRead());
  ASSIGN_OR_RETURN(auto cursor, store::Cursor::Open(txn, log->events_));
  if (cursor.Last()) log->head_.store(FromU64Key(cursor.key()));
  return log;
}

Result<AppendResult> EventLog::AppendBatch(std::span<const AppendItem> items,
                                           std::optional<int64_t> clock_ms) {
  AppendResult result;
  ASSIGN_OR_RETURN(auto txn, env_.BeginWrite());
  uint64_t seq = head_.load(std::memory_order_relaxed);
  // Producer state as this txn changes it; written back at the end, cache updated on commit.
  std::unordered_map<std::string, uint64_t> touched;
  std::unordered_map<std::string, uint64_t> refused;  // producer -> its first conflicting seq
  std::unordered_map<std::string, uint64_t> holed;    // producer -> the seq after its hole
  std::string key(8, '\0');
  for (const AppendItem& item : items) {
    if (!refused.empty() && refused.count(std::string(item.producer)) != 0) continue;
    if (!holed.empty() && holed.count(std::string(item.producer)) != 0) continue;
    auto tit = touched.find(std::string(item.producer));
    if (tit == touched.end()) {
      uint64_t last = 0;
      auto cit = producer_cache_.find(std::string(item.producer));
      if (cit != producer_cache_.end()) {
        last = cit->second;
      } else {
        ASSIGN_OR_RETURN(auto v, txn.Get(producers_, item.producer));
        if (v.has_value() && v->size() == 8) last = GetU64Le(v->data());
      }
      tit = touched.emplace(std::string(item.producer), last).first;
    }
    if (item.producer_seq <= tit->second) {  // a duplicate: a resend, or a different event
      ASSIGN_OR_RETURN(auto differs, DiffersFromStored(txn, item));
      if (differs) {
        refused.emplace(std::string(item.producer), item.producer_seq);
        result.conflicts.push_back({std::string(item.producer), item.producer_seq});
      }
      continue;
    }
    if (item.contiguous && item.producer_seq != tit->second + 1) {
      holed.emplace(std::string(item.producer), item.producer_seq);
      result.gaps.push_back({std::string(item.producer), item.producer_seq});
      continue;
    }
    tit->second = item.producer_seq;
    ++seq;
    key = U64Key(seq);
    ASSIGN_OR_RETURN(
        auto reserved,
        txn.Reserve(events_, key, kRecordHeader + item.topic.size() + item.envelope.size(),
                    MDB_APPEND));
    char* p = reserved;
    PutU64Le(p, static_cast<uint64_t>(item.time_ms));
    PutU16Le(p + 8, static_cast<uint16_t>(item.topic.size()));
    std::memcpy(p + kRecordHeader, item.topic.data(), item.topic.size());
    std::memcpy(p + kRecordHeader + item.topic.size(), item.envelope.data(), item.envelope.size());
    RETURN_IF_ERROR(txn.Put(by_producer_, ByProducerKey(item.producer, item.producer_seq), key, 0));
    ++result.appended;
  }
  for (const auto& [producer, last] : touched)
    RETURN_IF_ERROR(txn.Put(producers_, producer, U64Le(last)));
  if (clock_ms) RETURN_IF_ERROR(txn.Put(meta_, kClockKey, U64Le(static_cast<uint64_t>(*clock_ms))));
  RETURN_IF_ERROR(txn.Commit());
  for (const auto& [producer, last] : touched) producer_cache_[producer] = last;
  head_.store(seq, std::memory_order_release);
  for (const auto& [producer, first] : refused) touched.erase(producer);  // refused, not acked
  result.durable = std::move(touched);
  result.head = seq;
  return result;
}

Result<bool> EventLog::DiffersFromStored(const store::Txn& txn, const AppendItem& item) {
  ASSIGN_OR_RETURN(auto at, txn.Get(by_producer_, ByProducerKey(item.producer, item.producer_seq)));
  if (!at) return false;  // written before the index existed: cannot tell, keep the old rule
  ASSIGN_OR_RETURN(auto stored, txn.Get(events_, *at));
  if (!stored || stored->size() < kRecordHeader) return true;
  std::string_view value = *stored;
  const size_t topic_len = GetU16Le(value.data() + 8);
  if (value.size() < kRecordHeader + topic_len) return true;
  return value.substr(kRecordHeader, topic_len) != item.topic ||
         value.substr(kRecordHeader + topic_len) != item.envelope;
}

Result<uint64_t> EventLog::Read(uint64_t from_seq, const std::vector<std::string>& prefixes,
                                size_t max_events, size_t max_scan,
                                const std::function<bool(const StoredEvent&)>& visit) {
  if (from_seq == 0) from_seq = 1;
  if (from_seq > Head() || max_events == 0) return from_seq;
  ASSIGN_OR_RETURN(auto txn, env_.BeginRead());
  ASSIGN_OR_RETURN(auto cursor, store::Cursor::Open(txn, events_));
  uint64_t next = from_seq;
  size_t delivered = 0, scanned = 0;
  const bool all = MatchesAny("", prefixes);
  for (bool ok = cursor.Seek(U64Key(from_seq)); ok; ok = cursor.Next()) {
    std::string_view value = cursor.value();
    const uint64_t seq = FromU64Key(cursor.key());
    if (value.size() < kRecordHeader) {  // cannot happen unless the file is damaged
      next = seq + 1;
      continue;
    }
    size_t topic_len = GetU16Le(value.data() + 8);
    if (value.size() < kRecordHeader + topic_len) {
      next = seq + 1;
      continue;
    }
    StoredEvent e;
    e.seq = seq;
    e.time_ms = static_cast<int64_t>(GetU64Le(value.data()));
    e.topic = value.substr(kRecordHeader, topic_len);
    e.envelope = value.substr(kRecordHeader + topic_len);
    if (all || MatchesAny(e.topic, prefixes)) {
      if (!visit(e)) break;
      ++delivered;
    }
    next = seq + 1;
    if (delivered >= max_events || ++scanned >= max_scan) break;
  }
  return next;
}

Result<uint64_t> EventLog::ProducerSeq(std::string_view producer) {
  ASSIGN_OR_RETURN(auto txn, env_.BeginRead());
  ASSIGN_OR_RETURN(auto v, txn.Get(producers_, producer));
  if (!v.has_value() || v->size() != 8) return uint64_t{0};
  return GetU64Le(v->data());
}

Result<std::optional<int64_t>> EventLog::ClockState() {
  ASSIGN_OR_RETURN(auto txn, env_.BeginRead());
  ASSIGN_OR_RETURN(auto v, txn.Get(meta_, kClockKey));
  if (!v.has_value() || v->size() != 8) return std::optional<int64_t>{};
  return std::optional<int64_t>(static_cast<int64_t>(GetU64Le(v->data())));
}

}  // namespace mcf::broker
