#include "lib/worker/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <utility>

#include "lib/base/bytes.h"
#include "lib/base/log.h"
#include "schemas/bus.h"
#include "schemas/envelope.h"
#include "schemas/registry.h"

namespace mcf::worker {
namespace {

// Runs `handler` on the raw body (it decodes it: a malformed body is `invalid`); an exception
// becomes `internal`. `invoked` counts handler calls when given.
template <typename Handler>
auto InvokeHandler(const Handler& handler, HandlerContext& ctx, std::string_view body_bytes,
                   uint64_t* invoked) -> decltype(handler(ctx, body_bytes)) {
  if (invoked) ++*invoked;
  try {
    return handler(ctx, body_bytes);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("handler threw: ") + e.what());
  } catch (...) {
    return Status::Internal("handler threw");
  }
}

constexpr std::string_view kNextProducerSeq = "next_producer_seq";
// Recorded replies dropped per batch at most: above what one batch can record (2 x max_batch),
// so under steady traffic pruning keeps up, and no batch pays for a long backlog at once.
constexpr size_t kPrunePerBatch = 512;
// A store is full when less than this is left below its ceiling (1/16 of it, at least 256 KiB),
// and no longer full once twice as much is free again.
size_t Headroom(size_t ceiling) { return std::max<size_t>(ceiling / 16, size_t{256} << 10); }

std::string InboxTimeKey(int64_t bus_time_ms, std::string_view command_id) {
  std::string k = U64Key(static_cast<uint64_t>(std::max<int64_t>(bus_time_ms, 0)));
  k.append(command_id);
  return k;
}

bool IsReadOnly(std::string_view type) {
  const auto* t = schemas::FindMessageType(type);
  return t != nullptr && t->effect == schemas::Effect::kReadOnly;
}
constexpr std::string_view kProducerId = "producer_id";

// Handler verdicts that are recorded under the command id (decision 003); the others
// (internal, and the transport-ish unavailable/timeout) may be transient, so a retry reruns.
bool IsRecordedError(Code code) {
  return code == Code::kInvalid || code == Code::kNotFound || code == Code::kConflict ||
         code == Code::kForbidden;
}

std::string EncodeOutboxValue(std::string_view topic, std::string_view envelope) {
  std::string v(2, '\0');
  PutU16Le(v.data(), static_cast<uint16_t>(topic.size()));
  v.append(topic);
  v.append(envelope);
  return v;
}

std::optional<OutboxRecord> DecodeOutboxValue(uint64_t seq, std::string_view v) {
  if (v.size() < 2) return std::nullopt;
  size_t len = GetU16Le(v.data());
  if (v.size() < 2 + len) return std::nullopt;
  return OutboxRecord{seq, std::string(v.substr(2, len)), std::string(v.substr(2 + len))};
}

schemas::Reply MakeReply(const schemas::Envelope& command, std::string_view service,
                         int64_t time_ms, Status status, std::string body) {
  schemas::Reply r;
  r.id = command.id + ":reply";
  r.type = command.type;
  if (const auto* t = schemas::FindMessageType(command.type)) r.version = t->version;
  r.producer = std::string(service);
  r.time_ms = time_ms;
  r.correlation_id = command.correlation_id;
  r.causation_id = command.id;
  r.status = status.code();
  r.message = status.message();
  if (status.ok()) {
    r.body = std::move(body);
  } else {
    r.details = schemas::ErrorDetails(r.status, r.message);
  }
  return r;
}

}  // namespace

Dispatcher::Dispatcher(std::string service, uint64_t seed)
    : service_(std::move(service)),
      store_status_type_(service_ + "." + std::string(schemas::kStoreStatusVerb)),
      seed_(seed) {}

Status Dispatcher::Open(const std::string& dir, size_t map_size, bool no_sync) {
  store::EnvOptions opts;
  opts.map_size = map_size;
  opts.no_sync = no_sync;
  opts.exclusive = true;
  return Open(dir, opts);
}

Status Dispatcher::Open(const std::string& dir, const store::EnvOptions& options) {
  store::EnvOptions opts = options;
  opts.max_dbs = 64;
  auto env = store::Env::Open(dir, opts);
  if (!env.ok()) {
    if (env.status().code() == Code::kUnavailable) return env.status();  // another owner
    return Status::Internal("cannot open store " + dir + ": " + env.status().message());
  }
  env_.emplace(std::move(*env));
  for (auto [name, db] : {std::pair{"_inbox", &inbox_},
                          {"_inbox_by_time", &inbox_by_time_},
                          {"_offsets", &offsets_db_},
                          {"_outbox", &outbox_},
                          {"_meta", &meta_}}) {
    auto r = env_->OpenDb(name);
    if (!r.ok())
      return Status::Internal(std::string("cannot open db ") + name + ": " + r.status().message());
    *db = *r;
  }
  RETURN_IF_ERROR(LoadProducerId());
  ASSIGN_OR_RETURN(auto txn, env_->BeginRead());
  ASSIGN_OR_RETURN(auto next, txn.Get(meta_, kNextProducerSeq));
  next_producer_seq_ = next ? std::max<uint64_t>(1, FromU64Key(*next)) : 1;
  ASSIGN_OR_RETURN(auto cursor, store::Cursor::Open(txn, offsets_db_));
  for (bool more = cursor.First(); more; more = cursor.Next())
    offsets_[std::string(cursor.key())] = FromU64Key(cursor.value());
  txn.Abort();
  RETURN_IF_ERROR(IndexOldReplies());
  CheckCapacity();
  return Status::Ok();
}

Status Dispatcher::IndexOldReplies() {
  auto by_time = env_->Stat(inbox_by_time_);
  auto inbox = env_->Stat(inbox_);
  if (!by_time.ok() || !inbox.ok() || by_time->entries > 0 || inbox->entries == 0)
    return Status::Ok();
  ASSIGN_OR_RETURN(auto txn, env_->BeginWrite());
  ASSIGN_OR_RETURN(auto cursor, store::Cursor::Open(txn, inbox_));
  std::vector<std::string> keys;
  for (bool more = cursor.First(); more; more = cursor.Next()) {
    auto reply = schemas::DecodeReply(cursor.value());
    keys.push_back(InboxTimeKey(reply.ok() ? reply->time_ms : 0, cursor.key()));
  }
  for (const auto& k : keys)
    RETURN_IF_ERROR(txn.Put(inbox_by_time_, k, ""));
  spdlog::info("event=inbox_indexed service={} records={}", service_, keys.size());
  return txn.Commit();
}

void Dispatcher::CheckCapacity() {
  store::Env& env = *env_;
  const size_t ceiling = env.ceiling();
  const size_t headroom = Headroom(ceiling);
  size_t map = env.map_bytes();
  const size_t high_water = env.high_water_bytes();
  if (high_water + headroom > map && map < ceiling) {
    const size_t target = std::min(ceiling, std::max(map * 2, high_water + 2 * headroom));
    if (Status s = env.Grow(target); s.ok()) {
      ++stats_.map_grown;
      spdlog::info("event=store_grown service={} map_bytes={} ceiling_bytes={}", service_, target,
                   ceiling);
      map = env.map_bytes();
    } else {
      spdlog::error("event=store_grow_failed service={} error={}", service_, Quoted(s.message()));
    }
  }
  store_status_.map_bytes = map;
  store_status_.ceiling_bytes = ceiling;
  store_status_.used_bytes = high_water;
  // Only near the ceiling is it worth counting free pages (a walk of LMDB's free list).
  if (high_water + headroom <= ceiling && !store_status_.full) return;
  auto usage = env.GetUsage();
  if (!usage.ok()) return;
  store_status_.used_bytes = usage->used_bytes;
  const bool was_full = store_status_.full;
  if (!was_full && usage->used_bytes + headroom > ceiling) store_status_.full = true;
  if (was_full && usage->used_bytes + 2 * headroom <= ceiling) store_status_.full = false;
  if (store_status_.full != was_full)
    spdlog::log(store_status_.full ? spdlog::level::err : spdlog::level::info,
                "event={} service={} used_bytes={} ceiling_bytes={}",
                store_status_.full ? "store_full" : "store_has_room", service_, usage->used_bytes,
                ceiling);
}

bool Dispatcher::GrowOrMarkFull() {
  const size_t map = env_->map_bytes();
  if (map < env_->ceiling() && env_->Grow(std::min(env_->ceiling(), map * 2)).ok()) {
    ++stats_.map_grown;
    spdlog::info("event=store_grown service={} map_bytes={} reason=map_full", service_,
                 env_->map_bytes());
    store_status_.map_bytes = env_->map_bytes();
    return true;
  }
  if (!store_status_.full)
    spdlog::error("event=store_full service={} ceiling_bytes={} reason=map_full", service_,
                  env_->ceiling());
  store_status_.full = true;
  return false;
}

Status Dispatcher::LoadProducerId() {
  ASSIGN_OR_RETURN(auto txn, env_->BeginRead());
  ASSIGN_OR_RETURN(auto stored, txn.Get(meta_, kProducerId));
  producer_id_ = stored ? std::string(*stored) : std::string();
  return Status::Ok();
}

Status Dispatcher::SetProducerId(const std::string& id) {
  if (!producer_id_.empty()) return Status::Ok();
  if (id.empty()) return Status::Invalid("producer id is empty");
  ASSIGN_OR_RETURN(auto txn, env_->BeginWrite());
  RETURN_IF_ERROR(txn.Put(meta_, kProducerId, id));
  RETURN_IF_ERROR(txn.Commit());
  producer_id_ = id;
  return Status::Ok();
}

Result<store::Db> Dispatcher::OpenDb(const std::string& name) {
  if (!env_) return Status::Internal("OpenDb before Open");
  if (name.empty() || name[0] == '_')
    return Status::Invalid("db name " + Quoted(name) + " is reserved or empty");
  return env_->OpenDb(name);
}

Status Dispatcher::OnRawCommand(std::string_view type, RawCommandHandler handler) {
  const auto* t = schemas::FindMessageType(type);
  if (t == nullptr || t->kind != schemas::MessageKind::kCommand)
    return Status::Invalid(std::string(type) + " is not a registered command type");
  if (schemas::ServiceOf(type) != service_)
    return Status::Invalid(std::string(type) + " is not a command of service " + service_);
  if (!commands_.emplace(std::string(type), std::move(handler)).second)
    return Status::Invalid("a handler for " + std::string(type) + " already exists");
  return Status::Ok();
}

Status Dispatcher::OnRawEvent(std::string_view type, RawEventHandler handler) {
  const auto* t = schemas::FindMessageType(type);
  if (t == nullptr || t->kind != schemas::MessageKind::kEvent)
    return Status::Invalid(std::string(type) + " is not a registered event type");
  if (!events_.emplace(std::string(type), std::move(handler)).second)
    return Status::Invalid("a handler for " + std::string(type) + " already exists");
  return Status::Ok();
}

std::vector<std::string> Dispatcher::event_types() const {
  std::vector<std::string> out;
  for (const auto& [type, h] : events_) out.push_back(type);
  return out;
}

uint64_t Dispatcher::ResumeSeq() const {
  uint64_t min = UINT64_MAX;
  for (const auto& [type, h] : events_) {
    auto it = offsets_.find(type);
    min = std::min(min, it == offsets_.end() ? 0 : it->second);
  }
  return min == UINT64_MAX ? 1 : min + 1;
}

Result<std::vector<OutgoingReply>> Dispatcher::Apply(const std::vector<Incoming>& batch,
                                                     TimePoint now, uint64_t delete_outbox_upto) {
  CheckCapacity();
  // MDB_MAP_FULL aborts the batch (nothing happened); it is applied again in a bigger map, or,
  // at the ceiling, in the full store's mode, which writes nothing.
  for (int attempt = 0;; ++attempt) {
    auto replies = ApplyOnce(batch, now, delete_outbox_upto);
    if (replies.ok() || !store::IsStoreFull(replies.status()) || attempt >= 8) return replies;
    if (store_status_.full) {
      delete_outbox_upto = 0;  // the caller restores it (Worker::Loop) when the store is full
    } else {
      GrowOrMarkFull();
    }
  }
}

Result<std::vector<OutgoingReply>> Dispatcher::ApplyOnce(const std::vector<Incoming>& batch,
                                                         TimePoint now,
                                                         uint64_t delete_outbox_upto) {
  ASSIGN_OR_RETURN(auto outer, env_->BeginWrite());
  if (delete_outbox_upto > 0) {
    RETURN_IF_ERROR(DeleteOutboxIn(outer, delete_outbox_upto));
  }
  BatchState state{next_producer_seq_, offsets_};
  std::vector<OutgoingReply> replies;
  replies.reserve(batch.size());
  for (const Incoming& msg : batch) {
    // A non-ok Status is an LMDB failure: the outer txn aborts, nothing happened.
    RETURN_IF_ERROR(msg.kind == Incoming::Kind::kCommand
                        ? ApplyCommand(outer, msg, now, state, replies)
                        : ApplyEvent(outer, msg, state));
  }
  int64_t bus_now = 0;
  for (const Incoming& msg : batch) bus_now = std::max(bus_now, msg.bus_time_ms);
  RETURN_IF_ERROR(PruneReplies(outer, bus_now));
  if (state.max_event_seq > 0) {
    // Every handled type has seen the stream up to here (one contiguous subscription).
    for (const auto& [type, h] : events_) {
      uint64_t& off = state.offsets[type];
      off = std::max(off, state.max_event_seq);
      auto committed = offsets_.find(type);
      if (committed != offsets_.end() && committed->second == off) continue;
      RETURN_IF_ERROR(outer.Put(offsets_db_, type, U64Key(off)));
    }
  }
  if (state.next_producer_seq != next_producer_seq_) {
    RETURN_IF_ERROR(outer.Put(meta_, kNextProducerSeq, U64Key(state.next_producer_seq)));
  }
  RETURN_IF_ERROR(outer.Commit());
  next_producer_seq_ = state.next_producer_seq;
  offsets_ = std::move(state.offsets);
  return replies;
}

Status Dispatcher::ApplyCommand(store::Txn& outer, const Incoming& msg, TimePoint now,
                                BatchState& state, std::vector<OutgoingReply>& replies) {
  auto decoded = schemas::DecodeEnvelope(msg.envelope);
  if (!decoded.ok()) {
    ++stats_.bad_messages;
    spdlog::warn("event=bad_command error={}", Quoted(decoded.status().message()));
    replies.push_back({msg.request_id, schemas::Encode(schemas::ErrorReply(
                                           "", "", decoded.status(), service_, msg.bus_time_ms))});
    return Status::Ok();
  }
  const schemas::Envelope& command = *decoded;
  auto send = [&](const schemas::Reply& r) {
    replies.push_back({msg.request_id, schemas::Encode(r)});
  };

  const bool read_only = IsReadOnly(command.type);
  if (!read_only) {
    ASSIGN_OR_RETURN(auto recorded, outer.Get(inbox_, command.id));
    if (recorded) {
      ++stats_.replies_replayed;
      replies.push_back({msg.request_id, std::string(*recorded)});
      return Status::Ok();
    }
  }
  if (now > msg.deadline || (command.deadline_ms != 0 && command.deadline_ms < msg.bus_time_ms)) {
    ++stats_.commands_expired;
    send(MakeReply(command, service_, msg.bus_time_ms,
                   Status::Timeout("deadline passed before the command ran"), ""));
    return Status::Ok();
  }
  if (command.type == store_status_type_) {
    const StoreStatus& st = store_status_;
    const schemas::bus::StoreStatusReply status{static_cast<int64_t>(st.used_bytes),
                                                static_cast<int64_t>(st.map_bytes),
                                                static_cast<int64_t>(st.ceiling_bytes),
                                                st.full,
                                                static_cast<int64_t>(stats_.replies_pruned),
                                                static_cast<int64_t>(stats_.refused_full)};
    send(MakeReply(command, service_, msg.bus_time_ms, Status::Ok(), schemas::Encode(status)));
    return Status::Ok();
  }
  auto handler = commands_.find(command.type);
  if (handler == commands_.end()) {
    ++stats_.bad_messages;
    send(MakeReply(command, service_, msg.bus_time_ms,
                   Status::Invalid("service " + service_ + " has no command " + command.type), ""));
    return Status::Ok();
  }

  if (!read_only && store_status_.full) {
    ++stats_.refused_full;
    send(MakeReply(command, service_, msg.bus_time_ms,
                   Status::Unavailable("store of " + service_ + " is full (" +
                                       std::to_string(store_status_.used_bytes >> 20) + " of " +
                                       std::to_string(store_status_.ceiling_bytes >> 20) +
                                       " MiB); reads still work"),
                   ""));
    return Status::Ok();
  }

  Result<std::string> result = Status::Internal("handler did not run");
  ASSIGN_OR_RETURN(auto nested, outer.BeginNested());
  HandlerContext ctx(nested, command, msg.bus_time_ms, seed_);
  result = InvokeHandler(handler->second, ctx, command.body, &stats_.commands_run);
  if (!result.ok() && store::IsStoreFull(result.status())) return result.status();
  if (read_only) {
    // Whatever a read-only handler wrote vanishes, and it may not publish.
    nested.Abort();
    if (result.ok() && !ctx.published().empty()) {
      ++stats_.handler_failed;
      spdlog::error("event=read_only_published type={} id={}", command.type, command.id);
      result = Status::Internal(command.type + " is read-only but its handler published events");
    }
    Status status = result.status();
    replies.push_back(
        {msg.request_id,
         schemas::Encode(MakeReply(command, service_, msg.bus_time_ms, status,
                                   result.ok() ? std::move(result.value()) : std::string()))});
    return Status::Ok();
  }
  if (result.ok()) {
    RETURN_IF_ERROR(WriteOutbox(nested, ctx, state));
    RETURN_IF_ERROR(nested.Commit());
  } else {
    nested.Abort();  // no partial write, whatever the handler did
    ++stats_.handler_failed;
    spdlog::warn("event=handler_failed type={} id={} status={} message={}", command.type,
                 command.id, CodeName(result.status().code()), Quoted(result.status().message()));
  }
  Status status = result.status();
  schemas::Reply reply = MakeReply(command, service_, msg.bus_time_ms, status,
                                   result.ok() ? std::move(result.value()) : std::string());
  std::string encoded = schemas::Encode(reply);
  if (status.ok() || IsRecordedError(status.code())) {
    RETURN_IF_ERROR(outer.Put(inbox_, command.id, encoded));
    RETURN_IF_ERROR(outer.Put(inbox_by_time_, InboxTimeKey(msg.bus_time_ms, command.id), ""));
  }
  replies.push_back({msg.request_id, std::move(encoded)});
  return Status::Ok();
}

Status Dispatcher::ApplyEvent(store::Txn& outer, const Incoming& msg, BatchState& state) {
  // A full store applies no event and advances no offset: the events stay in the broker's log
  // and come again when the worker subscribes anew (Worker::Loop, once there is room).
  if (store_status_.full) return Status::Ok();
  state.max_event_seq = std::max(state.max_event_seq, msg.seq);
  auto handler = events_.find(msg.topic);
  if (handler == events_.end()) return Status::Ok();  // matched a prefix, not our exact type
  uint64_t& offset = state.offsets[handler->first];
  if (msg.seq <= offset) {
    ++stats_.events_skipped;
    return Status::Ok();
  }
  offset = msg.seq;  // advances whether or not the handler succeeds (never retried forever)
  auto decoded = schemas::DecodeEnvelope(msg.envelope);
  if (!decoded.ok()) {
    ++stats_.bad_messages;
    spdlog::warn("event=bad_event seq={} topic={} error={}", msg.seq, msg.topic,
                 Quoted(decoded.status().message()));
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(auto nested, outer.BeginNested());
  HandlerContext ctx(nested, *decoded, msg.bus_time_ms, seed_);
  Status result = InvokeHandler(handler->second, ctx, decoded->body, nullptr);
  if (store::IsStoreFull(result)) return result;
  if (result.ok()) {
    RETURN_IF_ERROR(WriteOutbox(nested, ctx, state));
    RETURN_IF_ERROR(nested.Commit());
    ++stats_.events_applied;
  } else {
    nested.Abort();
    ++stats_.handler_failed;
    spdlog::warn("event=handler_failed type={} id={} seq={} status={} message={}", msg.topic,
                 decoded->id, msg.seq, CodeName(result.code()), Quoted(result.message()));
  }
  return Status::Ok();
}

Status Dispatcher::WriteOutbox(store::Txn& txn, HandlerContext& ctx, BatchState& state) {
  const schemas::Envelope& trigger = ctx.message();
  for (auto& [type, body] : ctx.published()) {
    uint64_t seq = state.next_producer_seq;
    schemas::Envelope e;
    e.id = service_ + ":" + std::to_string(seq);
    e.type = type;
    if (const auto* t = schemas::FindMessageType(type)) e.version = t->version;
    e.producer = service_;
    e.time_ms = ctx.now_ms();
    e.correlation_id = trigger.correlation_id.empty() ? trigger.id : trigger.correlation_id;
    e.causation_id = trigger.id;
    e.body = std::move(body);
    RETURN_IF_ERROR(txn.Put(outbox_, U64Key(seq), EncodeOutboxValue(type, schemas::Encode(e))));
    // Only now: a failed Put leaves the counter untouched (the whole batch fails anyway).
    state.next_producer_seq = seq + 1;
  }
  return Status::Ok();
}

Status Dispatcher::PruneReplies(store::Txn& txn, int64_t bus_now_ms) {
  const int64_t cutoff = bus_now_ms - reply_retention_.count();
  if (cutoff <= 0) return Status::Ok();
  const std::string end = U64Key(static_cast<uint64_t>(cutoff));
  ASSIGN_OR_RETURN(auto cursor, store::Cursor::Open(txn, inbox_by_time_));
  size_t pruned = 0;
  for (bool more = cursor.First(); more && pruned < kPrunePerBatch && cursor.key() < end;
       more = cursor.Next()) {
    const std::string command_id(cursor.key().substr(8));
    RETURN_IF_ERROR(cursor.Del());
    RETURN_IF_ERROR(txn.Del(inbox_, command_id));
    ++pruned;
  }
  stats_.replies_pruned += pruned;
  return Status::Ok();
}

Status Dispatcher::DeleteOutboxIn(store::Txn& txn, uint64_t upto) {
  ASSIGN_OR_RETURN(auto cursor, store::Cursor::Open(txn, outbox_));
  for (bool more = cursor.First(); more && FromU64Key(cursor.key()) <= upto;
       more = cursor.Next()) {
    RETURN_IF_ERROR(cursor.Del());
  }
  return Status::Ok();
}

Status Dispatcher::DeleteOutbox(uint64_t upto) {
  ASSIGN_OR_RETURN(auto txn, env_->BeginWrite());
  RETURN_IF_ERROR(DeleteOutboxIn(txn, upto));
  return txn.Commit();
}

Result<std::vector<OutboxRecord>> Dispatcher::ReadOutbox(uint64_t after, size_t max) {
  ASSIGN_OR_RETURN(auto txn, env_->BeginRead());
  ASSIGN_OR_RETURN(auto cursor, store::Cursor::Open(txn, outbox_));
  std::vector<OutboxRecord> out;
  for (bool more = cursor.Seek(U64Key(after + 1)); more && out.size() < max;
       more = cursor.Next()) {
    uint64_t seq = FromU64Key(cursor.key());
    auto rec = DecodeOutboxValue(seq, cursor.value());
    if (!rec) {
      spdlog::error("event=outbox_corrupt producer_seq={}", seq);
      continue;
    }
    out.push_back(std::move(*rec));
  }
  return out;
}

}  // namespace mcf::worker
