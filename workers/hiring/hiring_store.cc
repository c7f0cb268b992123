#include "workers/hiring/hiring_store.h"

#include <algorithm>

#include "lib/store/ordered_key.h"
#include "workers/hiring/screening_codec.h"

namespace mcf::hiring {
namespace {

namespace wire = schemas::hiring;

using store::Be64;
using store::FromBe64;
using store::PutBe64;

constexpr std::string_view kActive = "active";
constexpr std::string_view kOpen = "open";

template <typename T>
Result<std::optional<T>> DecodeStored(std::optional<std::string_view> v, std::string_view db,
                                      std::string_view key) {
  if (!v) return std::optional<T>();
  auto decoded = schemas::Decode<T>(*v);
  // Stored values are our own writes; a malformed one means a corrupt store.
  if (!decoded.ok())
    return Status::Internal("hiring store: bad value in " + std::string(db) + " under \"" +
                            std::string(key) + "\": " + decoded.status().message());
  return std::optional<T>(std::move(*decoded));
}

}  // namespace

Status HiringStore::PutWorker(store::Txn& txn, const wire::WorkerProfile& profile) {
  return txn.Put(workers_, profile.worker_id, schemas::Encode(profile));
}

Result<std::optional<wire::WorkerProfile>> HiringStore::GetWorker(
    const store::Txn& txn, const std::string& worker_id) const {
  ASSIGN_OR_RETURN(const auto v, txn.Get(workers_, worker_id));
  return DecodeStored<wire::WorkerProfile>(v, "workers", worker_id);
}

std::string HiringStore::NormalisedContact(std::string_view contact) {
  std::string out(contact);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

std::string HiringStore::TimeKey(const wire::Application& a) const {
  std::string key;
  PutBe64(key, a.submitted_at_ms);
  return key + a.application_id;
}

std::string HiringStore::StatusKey(const wire::Application& a) const {
  return std::string(1, static_cast<char>(a.status)) + TimeKey(a);
}

Status HiringStore::AddApplication(store::Txn& txn, const wire::Application& application,
                                   std::string_view photo) {
  RETURN_IF_ERROR(txn.Put(applications_, application.application_id, schemas::Encode(application)));
  RETURN_IF_ERROR(txn.Put(photos_, application.application_id, photo));
  RETURN_IF_ERROR(txn.Put(by_time_, TimeKey(application), ""));
  RETURN_IF_ERROR(txn.Put(by_status_, StatusKey(application), ""));
  if (wire::IsOpen(application.status)) {
    RETURN_IF_ERROR(txn.Put(open_contacts_, NormalisedContact(application.contact),
                            application.application_id));
    RETURN_IF_ERROR(AddToIntake(txn, 1, application.photo_bytes));
  }
  return Status::Ok();
}

Result<HiringStore::Intake> HiringStore::OpenIntake(const store::Txn& txn) const {
  ASSIGN_OR_RETURN(const auto v, txn.Get(intake_, kOpen));
  if (!v) return Intake{};
  if (v->size() != 16) return Status::Internal("hiring store: bad intake record");
  return Intake{FromBe64(v->substr(0, 8)), FromBe64(v->substr(8))};
}

Status HiringStore::AddToIntake(store::Txn& txn, int64_t applications, int64_t photo_bytes) {
  ASSIGN_OR_RETURN(Intake intake, OpenIntake(txn));
  intake.applications = std::max<int64_t>(0, intake.applications + applications);
  intake.photo_bytes = std::max<int64_t>(0, intake.photo_bytes + photo_bytes);
  return txn.Put(intake_, kOpen, Be64(intake.applications) + Be64(intake.photo_bytes));
}

Status HiringStore::UpdateApplication(store::Txn& txn, const wire::Application& before,
                                      const wire::Application& updated) {
  RETURN_IF_ERROR(txn.Put(applications_, updated.application_id, schemas::Encode(updated)));
  if (before.status != updated.status) {
    RETURN_IF_ERROR(txn.Del(by_status_, StatusKey(before)));
    RETURN_IF_ERROR(txn.Put(by_status_, StatusKey(updated), ""));
  }
  if (wire::IsOpen(before.status) && !wire::IsOpen(updated.status)) {
    RETURN_IF_ERROR(txn.Del(open_contacts_, NormalisedContact(before.contact)));
    RETURN_IF_ERROR(AddToIntake(txn, -1, -before.photo_bytes));
  }
  return Status::Ok();
}

Result<std::optional<wire::Application>> HiringStore::GetApplication(
    const store::Txn& txn, std::string_view application_id) const {
  ASSIGN_OR_RETURN(const auto v, txn.Get(applications_, application_id));
  return DecodeStored<wire::Application>(v, "applications", application_id);
}

Result<std::optional<std::string>> HiringStore::OpenApplicationFrom(
    const store::Txn& txn, std::string_view contact) const {
  ASSIGN_OR_RETURN(const auto v, txn.Get(open_contacts_, NormalisedContact(contact)));
  if (!v) return std::optional<std::string>();
  return std::optional<std::string>(std::string(*v));
}

Result<wire::ApplicationPage> HiringStore::ListApplications(
    const store::Txn& txn, std::optional<wire::ApplicationStatus> status, size_t limit,
    std::string_view before) const {
  const std::string prefix = status ? std::string(1, static_cast<char>(*status)) : std::string();
  const store::Db index = status ? by_status_ : by_time_;
  // Start just before `before`'s key, or at the end of the prefix's range.
  std::string start;
  if (!before.empty()) {
    ASSIGN_OR_RETURN(auto from, GetApplication(txn, before));
    if (!from)
      return Status::Invalid("body.before: no application \"" + std::string(before) + "\"");
    start = prefix + TimeKey(*from);
  } else {
    start = prefix;
    if (status) start.back() = static_cast<char>(start.back() + 1);  // the next status's first key
  }
  ASSIGN_OR_RETURN(auto cursor, store::Cursor::Open(txn, index));
  bool at = start.empty() ? cursor.Last() : (cursor.Seek(start) ? cursor.Prev() : cursor.Last());
  wire::ApplicationPage page;
  for (; at && cursor.key().starts_with(prefix); at = cursor.Prev()) {
    if (page.applications.size() == limit) {
      page.next_before = page.applications.back().application_id;
      break;
    }
    const std::string_view id = cursor.key().substr(prefix.size() + 8);
    ASSIGN_OR_RETURN(auto a, GetApplication(txn, id));
    if (!a) return Status::Internal("hiring store: index names a missing application");
    a->history.clear();  // the list shows the record, not its history
    page.applications.push_back(std::move(*a));
  }
  return page;
}

Status HiringStore::AddRuleSet(store::Txn& txn, const RuleSet& rules) {
  return txn.Put(rule_sets_, Be64(static_cast<int64_t>(rules.meta.version)), EncodeRuleSet(rules));
}

Result<std::optional<RuleSet>> HiringStore::GetRuleSet(const store::Txn& txn,
                                                       uint64_t version) const {
  ASSIGN_OR_RETURN(const auto v, txn.Get(rule_sets_, Be64(static_cast<int64_t>(version))));
  if (!v) return std::optional<RuleSet>();
  auto rules = DecodeRuleSet(*v);
  if (!rules.ok())
    return Status::Internal("hiring store: bad rule set " + std::to_string(version) + ": " +
                            rules.status().message());
  return std::optional<RuleSet>(std::move(*rules));
}

Result<uint64_t> HiringStore::LastRuleSetVersion(const store::Txn& txn) const {
  ASSIGN_OR_RETURN(auto cursor, store::Cursor::Open(txn, rule_sets_));
  if (!cursor.Last()) return uint64_t{0};
  return static_cast<uint64_t>(FromBe64(cursor.key()));
}

Status HiringStore::SetActiveVersion(store::Txn& txn, uint64_t version) {
  return txn.Put(screening_, kActive, Be64(static_cast<int64_t>(version)));
}

Result<uint64_t> HiringStore::ActiveVersion(const store::Txn& txn) const {
  ASSIGN_OR_RETURN(const auto v, txn.Get(screening_, kActive));
  return v ? static_cast<uint64_t>(FromBe64(*v)) : uint64_t{0};
}

Status HiringStore::PutDecision(store::Txn& txn, const wire::DecisionView& view,
                                std::string_view canonical_bytes) {
  RETURN_IF_ERROR(txn.Put(decisions_, view.application_id, schemas::Encode(view)));
  RETURN_IF_ERROR(txn.Put(decision_bytes_, view.application_id, canonical_bytes));
  RETURN_IF_ERROR(txn.Put(decided_, Be64(view.decided_at_ms) + view.application_id, ""));
  return txn.Put(totals_, Be64(view.total) + view.application_id, "");
}

Result<std::optional<wire::DecisionView>> HiringStore::GetDecision(
    const store::Txn& txn, std::string_view application_id) const {
  ASSIGN_OR_RETURN(const auto v, txn.Get(decisions_, application_id));
  return DecodeStored<wire::DecisionView>(v, "decisions", application_id);
}

Result<std::optional<std::string>> HiringStore::GetDecisionBytes(
    const store::Txn& txn, std::string_view application_id) const {
  ASSIGN_OR_RETURN(const auto v, txn.Get(decision_bytes_, application_id));
  if (!v) return std::optional<std::string>();
  return std::optional<std::string>(std::string(*v));
}

Result<std::vector<int64_t>> HiringStore::PastTotals(const store::Txn& txn) const {
  std::vector<int64_t> totals;
  ASSIGN_OR_RETURN(auto cursor, store::Cursor::Open(txn, totals_));
  for (bool at = cursor.First(); at; at = cursor.Next()) totals.push_back(FromBe64(cursor.key()));
  return totals;
}

Result<std::vector<std::string>> HiringStore::RecentDecisions(const store::Txn& txn,
                                                              size_t limit) const {
  std::vector<std::string> ids;
  ASSIGN_OR_RETURN(auto cursor, store::Cursor::Open(txn, decided_));
  for (bool at = cursor.Last(); at && ids.size() < limit; at = cursor.Prev())
    ids.emplace_back(cursor.key().substr(8));
  return ids;
}

Status HiringStore::PutWorkerSource(store::Txn& txn, std::string_view worker_id,
                                    std::string_view application_id) {
  return txn.Put(worker_sources_, worker_id, application_id);
}

}  // namespace mcf::hiring
