#include "workers/billing/billing_store.h"

#include <utility>

#include "schemas/codec.h"

namespace mcf::billing {
namespace {

namespace wire = schemas::billing;

Status Corrupt(std::string_view db, std::string_view key, const Status& s) {
  return Status::Internal("billing store: bad value in " + std::string(db) + " under \"" +
                          std::string(key) + "\": " + s.message());
}

std::string OwnerPrefix(wire::InvoiceKind kind, std::string_view owner) {
  std::string key(kind == wire::InvoiceKind::kClient ? "c" : "w");
  key += owner;
  key.push_back('\0');
  return key;
}

}  // namespace

Result<std::optional<wire::Invoice>> BillingStore::GetInvoice(const store::Txn& txn,
                                                              std::string_view id) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(dbs_.invoices, id));
  if (!v) return std::optional<wire::Invoice>();
  auto invoice = schemas::Decode<wire::Invoice>(*v);
  if (!invoice.ok()) return Corrupt("invoices", id, invoice.status());
  return std::optional<wire::Invoice>(std::move(*invoice));
}

Status BillingStore::PutInvoice(store::Txn& txn, const wire::Invoice& invoice) {
  RETURN_IF_ERROR(txn.Put(dbs_.invoices, invoice.id, schemas::Encode(invoice)));
  return txn.Put(dbs_.invoices_owner, OwnerPrefix(invoice.kind, invoice.owner_id) + invoice.period,
                 invoice.id);
}

Result<std::vector<wire::Invoice>> BillingStore::OwnerInvoices(const store::Txn& txn,
                                                               wire::InvoiceKind kind,
                                                               std::string_view owner,
                                                               size_t limit) const {
  const std::string prefix = OwnerPrefix(kind, owner);
  std::vector<wire::Invoice> out;
  ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, dbs_.invoices_owner));
  for (bool ok = cursor.Seek(prefix); ok && out.size() < limit; ok = cursor.Next()) {
    if (cursor.key().substr(0, prefix.size()) != prefix) break;
    const std::string id(cursor.value());
    ASSIGN_OR_RETURN(std::optional<wire::Invoice> invoice, GetInvoice(txn, id));
    if (!invoice) return Corrupt("invoices_owner", id, Status::NotFound("no invoice record"));
    out.push_back(std::move(*invoice));
  }
  return out;
}

Status BillingStore::PutTry(store::Txn& txn, std::string_view try_id,
                            std::string_view invoice_id) {
  return txn.Put(dbs_.tries, try_id, invoice_id);
}

Result<std::optional<std::string>> BillingStore::InvoiceOfTry(const store::Txn& txn,
                                                              std::string_view try_id) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(dbs_.tries, try_id));
  if (!v) return std::optional<std::string>();
  return std::optional<std::string>(std::string(*v));
}

Status BillingStore::Add(store::Txn& txn, Set set, std::string_view invoice_id) {
  return txn.Put(SetDb(set), invoice_id, "");
}

Status BillingStore::Remove(store::Txn& txn, Set set, std::string_view invoice_id) {
  return txn.Del(SetDb(set), invoice_id);
}

Result<std::vector<std::string>> BillingStore::Members(const store::Txn& txn, Set set) const {
  std::vector<std::string> out;
  ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, SetDb(set)));
  for (bool ok = cursor.First(); ok; ok = cursor.Next()) out.emplace_back(cursor.key());
  return out;
}

Result<ClientStanding> BillingStore::GetClient(const store::Txn& txn,
                                               std::string_view client) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(dbs_.clients, client));
  if (!v) return ClientStanding{};
  auto standing = schemas::Decode<ClientStanding>(*v);
  if (!standing.ok()) return Corrupt("clients", client, standing.status());
  return *standing;
}

Status BillingStore::PutClient(store::Txn& txn, std::string_view client,
                               const ClientStanding& standing) {
  return txn.Put(dbs_.clients, client, schemas::Encode(standing));
}

Status BillingStore::MarkActive(store::Txn& txn, std::string_view worker,
                                std::string_view month) {
  return txn.Put(dbs_.workers, worker, month);
}

Result<std::vector<std::pair<std::string, std::string>>> BillingStore::Workers(
    const store::Txn& txn) const {
  std::vector<std::pair<std::string, std::string>> out;
  ASSIGN_OR_RETURN(store::Cursor cursor, store::Cursor::Open(txn, dbs_.workers));
  for (bool ok = cursor.First(); ok; ok = cursor.Next())
    out.emplace_back(std::string(cursor.key()), std::string(cursor.value()));
  return out;
}

Status BillingStore::MarkHired(store::Txn& txn, std::string_view worker) {
  return txn.Put(dbs_.hired, worker, "");
}

Result<bool> BillingStore::IsHired(const store::Txn& txn, std::string_view worker) const {
  ASSIGN_OR_RETURN(const std::optional<std::string_view> v, txn.Get(dbs_.hired, worker));
  return v.has_value();
}

}  // namespace mcf::billing
