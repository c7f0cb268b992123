// HiringStore: hiring's own records in the worker's env. Every call works inside a transaction
// the caller owns (a handler's nested txn), so its writes commit with the message that caused
// them. Cheap to copy; used on the worker's thread only.
//
//   workers        worker_id -> schemas::hiring::WorkerProfile
//   applications   application_id -> schemas::hiring::Application (without the photo)
//   photos         application_id -> the photo's bytes
//   by_time        be64(submitted_at) application_id -> ""      (newest first: walk back)
//   by_status      status byte, be64(submitted_at), application_id -> ""
//   open_contacts  normalised contact -> application_id, while that application is open
//   rule_sets      be64(version) -> the rule set's canonical bytes (screening_codec.h)
//   screening      "active" -> be64(version) of the rules that decide
//   totals         be64(total) application_id -> "": every decided candidate's total
//   decisions      application_id -> schemas::hiring::DecisionView
//   decision_bytes application_id -> the decision's canonical bytes (re-evaluation gives these)
//   decided        be64(decided_at) application_id -> ""  (the newest decisions: walk back)
//   worker_sources worker_id -> the application_id the worker was hired from (its photo)
//   intake         "open" -> be64(open applications) be64(their photos' bytes)
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/base/status.h"
#include "lib/store/lmdb.h"
#include "schemas/hiring.h"
#include "workers/hiring/screening_rules.h"

namespace mcf::hiring {

class HiringStore {
 public:
  // Opens (creating) the databases through `runtime` (a worker::Worker or worker::Dispatcher).
  template <typename Runtime>
  static Result<HiringStore> Open(Runtime& runtime) {
    HiringStore s;
    ASSIGN_OR_RETURN(s.workers_, runtime.OpenDb("workers"));
    ASSIGN_OR_RETURN(s.applications_, runtime.OpenDb("applications"));
    ASSIGN_OR_RETURN(s.photos_, runtime.OpenDb("photos"));
    ASSIGN_OR_RETURN(s.by_time_, runtime.OpenDb("by_time"));
    ASSIGN_OR_RETURN(s.by_status_, runtime.OpenDb("by_status"));
    ASSIGN_OR_RETURN(s.open_contacts_, runtime.OpenDb("open_contacts"));
    ASSIGN_OR_RETURN(s.rule_sets_, runtime.OpenDb("rule_sets"));
    ASSIGN_OR_RETURN(s.screening_, runtime.OpenDb("screening"));
    ASSIGN_OR_RETURN(s.totals_, runtime.OpenDb("totals"));
    ASSIGN_OR_RETURN(s.decisions_, runtime.OpenDb("decisions"));
    ASSIGN_OR_RETURN(s.decision_bytes_, runtime.OpenDb("decision_bytes"));
    ASSIGN_OR_RETURN(s.decided_, runtime.OpenDb("decided"));
    ASSIGN_OR_RETURN(s.worker_sources_, runtime.OpenDb("worker_sources"));
    ASSIGN_OR_RETURN(s.intake_, runtime.OpenDb("intake"));
    return s;
  }

  // Adds or replaces the profile under its worker_id.
  Status PutWorker(store::Txn& txn, const schemas::hiring::WorkerProfile& profile);
  // nullopt when there is no such worker.
  Result<std::optional<schemas::hiring::WorkerProfile>> GetWorker(
      const store::Txn& txn, const std::string& worker_id) const;

  // A new application and its photo, indexed; its contact is taken while it is open.
  Status AddApplication(store::Txn& txn, const schemas::hiring::Application& application,
                        std::string_view photo);
  // Stores `updated` over `before` (the same application as read), moving its indexes.
  Status UpdateApplication(store::Txn& txn, const schemas::hiring::Application& before,
                           const schemas::hiring::Application& updated);
  Result<std::optional<schemas::hiring::Application>> GetApplication(
      const store::Txn& txn, std::string_view application_id) const;
  // What the open applications hold, kept by AddApplication and UpdateApplication.
  struct Intake {
    int64_t applications = 0;
    int64_t photo_bytes = 0;
  };
  Result<Intake> OpenIntake(const store::Txn& txn) const;
  // The open application from `contact` (normalised), if any.
  Result<std::optional<std::string>> OpenApplicationFrom(const store::Txn& txn,
                                                         std::string_view contact) const;
  // Up to `limit` applications older than `before` (an application id; "" = the newest), newest
  // first, with `status` only when given; `next_before` is set when more remain.
  Result<schemas::hiring::ApplicationPage> ListApplications(
      const store::Txn& txn, std::optional<schemas::hiring::ApplicationStatus> status, size_t limit,
      std::string_view before) const;

  // Screening rules: published versions are only ever added.
  Status AddRuleSet(store::Txn& txn, const RuleSet& rules);
  Result<std::optional<RuleSet>> GetRuleSet(const store::Txn& txn, uint64_t version) const;
  // The highest published version (0: none yet).
  Result<uint64_t> LastRuleSetVersion(const store::Txn& txn) const;
  Status SetActiveVersion(store::Txn& txn, uint64_t version);
  // 0 when no version is active.
  Result<uint64_t> ActiveVersion(const store::Txn& txn) const;

  // A decision: its explained view, its canonical bytes, and its total among the past totals.
  Status PutDecision(store::Txn& txn, const schemas::hiring::DecisionView& view,
                     std::string_view canonical_bytes);
  Result<std::optional<schemas::hiring::DecisionView>> GetDecision(
      const store::Txn& txn, std::string_view application_id) const;
  Result<std::optional<std::string>> GetDecisionBytes(const store::Txn& txn,
                                                      std::string_view application_id) const;
  // Every decided candidate's total (what a top-percent cut-off ranks against).
  Result<std::vector<int64_t>> PastTotals(const store::Txn& txn) const;
  // The ids of the newest `limit` decisions, newest first.
  Result<std::vector<std::string>> RecentDecisions(const store::Txn& txn, size_t limit) const;

  // A worker hired from an application (where its photo is).
  Status PutWorkerSource(store::Txn& txn, std::string_view worker_id,
                         std::string_view application_id);

  // Lower-case ASCII: "Murka@Example.org" and "murka@example.org" are one contact.
  static std::string NormalisedContact(std::string_view contact);

 private:
  HiringStore() = default;
  std::string TimeKey(const schemas::hiring::Application& a) const;
  std::string StatusKey(const schemas::hiring::Application& a) const;
  Status AddToIntake(store::Txn& txn, int64_t applications, int64_t photo_bytes);

  store::Db workers_, applications_, photos_, by_time_, by_status_, open_contacts_, rule_sets_,
      screening_, totals_, decisions_, decision_bytes_, decided_, worker_sources_, intake_;
};

}  // namespace mcf::hiring
