#include "broker/subscriptions.h"

#include <algorithm>

namespace mcf::broker {
namespace {
// Events looked at per subscriber per pass, so a narrow prefix over a long log cannot stall the
// routing loop.
constexpr size_t kMaxScan = 8192;
}  // namespace

void Subscriptions::Subscribe(const std::string& id, uint64_t from_seq, uint32_t credit,
                              std::vector<std::string> prefixes, uint64_t head,
                              uint64_t incarnation) {
  Subscriber& s = subscribers_[id];
  if (s.incarnation != 0) by_incarnation_.erase(s.incarnation);
  s.prefixes = std::move(prefixes);
  s.cursor = from_seq == 0 ? head + 1 : from_seq;
  s.credit = credit;
  s.window = credit;
  s.last_seen = clock_.Now();
  s.stalled = false;
  s.incarnation = incarnation;
  s.last_sent = s.told = s.cursor - 1;
  // A worker's commands may have been dispatched before its subscription arrived (another
  // socket), waiting for the head then: a new subscription reports its progress up to there.
  s.owed = std::max(s.cursor - 1, head);
  if (incarnation != 0) by_incarnation_[incarnation] = id;
}

bool Subscriptions::Remove(const std::string& id) {
  auto it = subscribers_.find(id);
  if (it == subscribers_.end()) return false;
  if (auto b = by_incarnation_.find(it->second.incarnation);
      b != by_incarnation_.end() && b->second == id)
    by_incarnation_.erase(b);
  subscribers_.erase(it);
  return true;
}

uint64_t Subscriptions::WaitSeqFor(uint64_t incarnation, uint64_t head) {
  if (incarnation == 0) return 0;  // a peer that names no process waits for nothing
  auto b = by_incarnation_.find(incarnation);
  if (b == by_incarnation_.end()) return head;
  Subscriber& s = subscribers_.at(b->second);
  if (s.cursor > head) return std::min(s.last_sent, head);
  s.owed = std::max(s.owed, head);
  return head;
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
  for (const auto& id : purged) Remove(id);
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
    const bool readable = s.credit > 0 && s.cursor <= head;
    if (s.stalled || (!readable && !(s.owed > s.told && s.cursor - 1 > s.told))) continue;
    batch_ = proto::StartEventBatch();
    size_t n = 0;
    uint64_t cursor = s.cursor, last_sent = s.last_sent;
    if (readable) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(s.credit, max_batch_));
      auto next = log.Read(s.cursor, s.prefixes, want, kMaxScan, [&](const StoredEvent& e) {
        proto::AppendEventFrame(batch_, e.seq, e.time_ms, e.topic, e.envelope);
        last_sent = e.seq;
        ++n;
        return true;
      });
      if (!next.ok()) {
        error = next.status();
        continue;
      }
      cursor = *next;
    }
    // Events, or progress a waiting command is owed: every log entry before `cursor` scanned.
    const bool progress = s.owed > s.told && cursor - 1 > s.told;
    if (n > 0 || progress) {
      proto::SetScannedThrough(batch_, cursor - 1);
      if (!send(id, batch_)) {
        s.stalled = true;  // not sent: the cursor stays, so nothing is lost
        continue;
      }
      s.credit -= n;
      s.told = cursor - 1;
      s.last_sent = last_sent;
    }
    s.cursor = cursor;
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
