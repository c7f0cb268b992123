#include "broker/subscriptions.h"

#include <algorithm>

namespace mcf::broker {
namespace {
// Events looked at per subscriber per pass, so a narrow prefix over a long log cannot stall the
// routing loop.
constexpr size_t kMaxScan = 8192;
}  // namespace

void Subscriptions::Subscribe(const std::string& id, uint64_t from_seq, uint32_t credit,
                              std::vector<std::string> prefixes, uint64_t head) {
  Subscriber& s = subscribers_[id];
  s.prefixes = std::move(prefixes);
  s.cursor = from_seq == 0 ? head + 1 : from_seq;
  s.credit = credit;
  s.window = credit;
  s.last_seen = clock_.Now();
  s.stalled = false;
}

bool Subscriptions::AddCredit(const std::string& id, uint32_t credit) {
  auto it = subscribers_.find(id);
  if (it == subscribers_.end()) return false;
  it->second.credit += credit;
  it->second.last_seen = clock_.Now();
  it->second.stalled = false;
  return true;
}

bool Subscriptions::Touch(const std::string& id) {
  auto it = subscribers_.find(id);
  if (it == subscribers_.end()) return false;
  it->second.last_seen = clock_.Now();
  it->second.stalled = false;
  return true;
}

std::vector<std::string> Subscriptions::Purge() {
  std::vector<std::string> purged;
  const TimePoint now = clock_.Now();
  for (const auto& [id, s] : subscribers_)
    if (now - s.last_seen >= expiry_) purged.push_back(id);
  for (const auto& id : purged) subscribers_.erase(id);
  return purged;
}

void Subscriptions::Unstall() {
  for (auto& [id, s] : subscribers_) s.stalled = false;
}

Result<bool> Subscriptions::Deliver(EventLog& log, const SendFn& send) {
  const uint64_t head = log.Head();
  bool more = false;
  Status error;
  for (auto& [id, s] : subscribers_) {
    if (s.stalled || s.credit == 0 || s.cursor > head) continue;
    const size_t want = static_cast<size_t>(std::min<uint64_t>(s.credit, max_batch_));
    batch_ = proto::StartEventBatch();
    size_t n = 0;
    auto next = log.Read(s.cursor, s.prefixes, want, kMaxScan, [&](const StoredEvent& e) {
      proto::AppendEventFrame(batch_, e.seq, e.time_ms, e.topic, e.envelope);
      ++n;
      return true;
    });
    if (!next.ok()) {
      error = next.status();
      continue;
    }
    if (n > 0) {
      if (!send(id, batch_)) {
        s.stalled = true;  // not sent: the cursor stays, so nothing is lost
        continue;
      }
      s.credit -= n;
    }
    s.cursor = *next;
    if (s.credit > 0 && s.cursor <= head) more = true;
  }
  RETURN_IF_ERROR(error);
  return more;
}

std::vector<std::string> Subscriptions::Ids() const {
  std::vector<std::string> ids;
  ids.reserve(subscribers_.size());
  for (const auto& [id, s] : subscribers_) ids.push_back(id);
  return ids;
}

}  // namespace mcf::broker
