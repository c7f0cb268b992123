#include "workers/hiring/hiring_store.h"

#include <algorithm>

namespace mcf::hiring {
namespace {

namespace wire = schemas::hiring;

void PutBe64(std::string& out, int64_t v) {
  const auto u = static_cast<uint64_t>(v) ^ (uint64_t{1} << 63);  // negative times sort first
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(u >> shift));
}

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
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
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
  if (wire::IsOpen(application.status))
    RETURN_IF_ERROR(txn.Put(open_contacts_, NormalisedContact(application.contact),
                            application.application_id));
  return Status::Ok();
}

Status HiringStore::UpdateApplication(store::Txn& txn, const wire::Application& before,
                                      const wire::Application& updated) {
  RETURN_IF_ERROR(txn.Put(applications_, updated.application_id, schemas::Encode(updated)));
  if (before.status != updated.status) {
    RETURN_IF_ERROR(txn.Del(by_status_, StatusKey(before)));
    RETURN_IF_ERROR(txn.Put(by_status_, StatusKey(updated), ""));
  }
  if (wire::IsOpen(before.status) && !wire::IsOpen(updated.status))
    RETURN_IF_ERROR(txn.Del(open_contacts_, NormalisedContact(before.contact)));
  return Status::Ok();
}

Result<std::optional<wire::Application>> HiringStore::GetApplication(
    const store::Txn& txn, std::string_view application_id) const {
  ASSIGN_OR_RETURN(const auto v, txn.Get(applications_, application_id));
  return DecodeStored<wire::Application>(v, "applications", application_id);
}

Result<std::optional<std::string>> HiringStore::OpenApplicationFrom(const store::Txn& txn,
                                                                    std::string_view contact) const {
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
    if (!from) return Status::Invalid("body.before: no application \"" + std::string(before) + "\"");
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

}  // namespace mcf::hiring
