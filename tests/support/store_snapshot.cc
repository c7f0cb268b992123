#include "tests/support/store_snapshot.h"

#include <lmdb.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <zmq.hpp>

#include "lib/client/bus_client.h"
#include "lib/replay/barrier.h"
#include "schemas/body.h"

namespace mcf::testing {
namespace {

namespace fs = std::filesystem;

Status LmdbError(const std::string& what, int rc) {
  return Status::Internal(what + ": " + mdb_strerror(rc));
}

std::string View(const MDB_val& v) {
  return std::string(static_cast<const char*>(v.mv_data), v.mv_size);
}

// Every record of `dbi` in `txn`.
Status ReadDb(MDB_txn* txn, MDB_dbi dbi, std::map<std::string, std::string>& out) {
  MDB_cursor* cursor = nullptr;
  if (int rc = mdb_cursor_open(txn, dbi, &cursor); rc != 0) return LmdbError("cursor", rc);
  MDB_val k, v;
  for (int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT))
    out[View(k)] = View(v);
  mdb_cursor_close(cursor);
  return Status::Ok();
}

// One env, read-only, in one read transaction: its named dbs are the keys of the main db that
// open as dbs; other main-db keys are the main db's own records (db "").
Status SnapshotEnv(const std::string& dir,
                   std::map<std::string, std::map<std::string, std::string>>& out) {
  MDB_env* env = nullptr;
  if (int rc = mdb_env_create(&env); rc != 0) return LmdbError("mdb_env_create", rc);
  struct Closer {
    MDB_env* env;
    ~Closer() { mdb_env_close(env); }
  } closer{env};
  mdb_env_set_maxdbs(env, 256);
  if (int rc = mdb_env_open(env, dir.c_str(), MDB_RDONLY, 0644); rc != 0)
    return LmdbError("open " + dir + " read-only", rc);
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
  if (rc == MDB_MAP_RESIZED) {  // the owner grew the map since we opened: adopt its size
    mdb_env_set_mapsize(env, 0);
    rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
  }
  if (rc != 0) return LmdbError("read txn on " + dir, rc);
  MDB_dbi main = 0;
  Status status = Status::Ok();
  if (rc = mdb_dbi_open(txn, nullptr, 0, &main); rc != 0) {
    status = LmdbError("main db of " + dir, rc);
  } else {
    std::map<std::string, std::string> main_records;
    status = ReadDb(txn, main, main_records);
    for (const auto& [name, value] : main_records) {
      if (!status.ok()) break;
      MDB_dbi dbi = 0;
      if (name.find('\0') == std::string::npos && mdb_dbi_open(txn, name.c_str(), 0, &dbi) == 0) {
        status = ReadDb(txn, dbi, out[name]);
      } else {
        out[""][name] = value;  // not a named db
      }
    }
  }
  mdb_txn_abort(txn);
  return status;
}

// Printable bytes as they are, others as \xNN, cut after `max` characters.
std::string Escaped(const std::string& bytes, size_t max = 120) {
  std::string out;
  for (unsigned char c : bytes) {
    if (out.size() >= max) return out + "...(" + std::to_string(bytes.size()) + " bytes)";
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

bool Allowed(const std::vector<AllowedChange>& allowed, const std::string& env,
             const std::string& db) {
  return std::any_of(allowed.begin(), allowed.end(), [&](const AllowedChange& a) {
    return a.db == db && (a.env.empty() || a.env == env);
  });
}

using Records = std::map<std::string, std::string>;

// The first key whose record differs, "" if none.
std::string DiffRecords(const std::string& where, const Records& before, const Records& after) {
  auto b = before.begin(), a = after.begin();
  while (b != before.end() || a != after.end()) {
    if (a == after.end() || (b != before.end() && b->first < a->first))
      return where + " key " + Escaped(b->first) + " was removed (value " + Escaped(b->second) +
             ")";
    if (b == before.end() || a->first < b->first)
      return where + " key " + Escaped(a->first) + " was added (value " + Escaped(a->second) + ")";
    if (a->second != b->second)
      return where + " key " + Escaped(a->first) + " changed: " + Escaped(b->second) + " -> " +
             Escaped(a->second);
    ++a;
    ++b;
  }
  return "";
}

// Big-endian u64 (U64Key).
uint64_t FromBigEndian(const std::string& bytes) {
  uint64_t v = 0;
  for (unsigned char c : bytes) v = (v << 8) | c;
  return v;
}

// The highest sequence in the snapshot's log (0 when empty or absent).
uint64_t LogHead(const StoreSnapshot& snap) {
  for (const auto& [env, dbs] : snap.envs) {
    auto events = dbs.find("events");
    if (events == dbs.end() || !dbs.count("by_producer")) continue;
    return events->second.empty() ? 0 : FromBigEndian(events->second.rbegin()->first);
  }
  return 0;
}

}  // namespace

bool Settled(const StoreSnapshot& snap, std::string* why) {
  auto say = [&](std::string text) {
    if (why) *why = std::move(text);
    return false;
  };
  // Last sequence per topic in the log: events U64Key(seq) -> time:8 | topic_len:2 LE | topic...
  std::map<std::string, uint64_t> last_of_topic;
  for (const auto& [env, dbs] : snap.envs) {
    auto events = dbs.find("events");
    if (events == dbs.end() || !dbs.count("by_producer")) continue;
    for (const auto& [key, value] : events->second) {
      if (key.size() != 8 || value.size() < 10) return say("log record of unexpected shape");
      const size_t len = static_cast<unsigned char>(value[8]) |
                         (static_cast<size_t>(static_cast<unsigned char>(value[9])) << 8);
      last_of_topic[value.substr(10, len)] = FromBigEndian(key);  // keys ascend: last one wins
    }
  }
  for (const auto& [env, dbs] : snap.envs) {
    if (auto outbox = dbs.find("_outbox"); outbox != dbs.end() && !outbox->second.empty())
      return say("store " + env + " has " + std::to_string(outbox->second.size()) +
                 " events not yet in the log");
    auto offsets = dbs.find("_offsets");
    if (offsets == dbs.end()) continue;
    for (const auto& [topic, value] : offsets->second) {
      const uint64_t offset = FromBigEndian(value);
      auto last = last_of_topic.find(topic);
      if (last != last_of_topic.end() && offset < last->second)
        return say("store " + env + " applied " + topic + " up to " + std::to_string(offset) +
                   ", the log has one at " + std::to_string(last->second));
    }
  }
  return true;
}

Result<StoreSnapshot> SettledSnapshot(const std::string& root, const std::string& broker_endpoint,
                                      std::chrono::milliseconds wait) {
  const auto end = std::chrono::steady_clock::now() + wait;
  zmq::context_t context(1);
  client::BusClient bus(context, broker_endpoint, "store-snapshot");
  std::string why;
  while (true) {
    auto stats = bus.Call(bus.MakeCommand("broker.stats", schemas::EmptyBody()),
                          std::chrono::milliseconds(5000));
    int64_t head = -1;
    if (stats.status != Code::kOk) {
      why = "broker.stats: " + stats.message;
    } else if (auto idle = replay::IsIdle(stats.body, &why); !idle.ok()) {
      return idle.status();
    } else if (*idle) {
      head = *schemas::Body::Parse(stats.body)->Int("log_head");
    }
    if (head >= 0) {
      ASSIGN_OR_RETURN(auto snap, SnapshotStores(root));
      if (Settled(snap, &why)) {
        if (LogHead(snap) == static_cast<uint64_t>(head)) return snap;
        why = "the log moved while the stores were read";
      }
    }
    if (std::chrono::steady_clock::now() >= end)
      return Status::Timeout("the system under " + root + " did not settle: " + why);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling pace only
  }
}

Result<StoreSnapshot> SnapshotStores(const std::string& root) {
  StoreSnapshot snap;
  std::error_code ec;
  std::vector<fs::path> dirs = {fs::path(root)};
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec)) dirs.push_back(it->path());
  if (ec) return Status::Internal("cannot walk " + root + ": " + ec.message());
  for (const fs::path& dir : dirs) {
    if (!fs::exists(dir / "data.mdb", ec)) continue;
    std::string rel = fs::relative(dir, root, ec).generic_string();
    if (rel == ".") rel.clear();
    RETURN_IF_ERROR(SnapshotEnv(dir.string(), snap.envs[rel]));
  }
  if (snap.envs.empty()) return Status::NotFound("no LMDB store under " + root);
  return snap;
}

std::string DiffStores(const StoreSnapshot& before, const StoreSnapshot& after,
                       const std::vector<AllowedChange>& allowed) {
  static const Records kNoRecords;
  std::map<std::string, int> env_names;
  for (const auto& [env, dbs] : before.envs) env_names[env] |= 1;
  for (const auto& [env, dbs] : after.envs) env_names[env] |= 2;
  for (const auto& [env, seen] : env_names) {
    const std::string env_label = "store " + (env.empty() ? std::string(".") : env);
    if (seen != 3) return env_label + (seen == 1 ? " vanished" : " appeared");
    const auto& b_dbs = before.envs.at(env);
    const auto& a_dbs = after.envs.at(env);
    std::map<std::string, int> db_names;
    for (const auto& [db, r] : b_dbs) db_names[db] |= 1;
    for (const auto& [db, r] : a_dbs) db_names[db] |= 2;
    for (const auto& [db, seen_db] : db_names) {
      if (Allowed(allowed, env, db)) continue;
      const auto b = b_dbs.find(db);
      const auto a = a_dbs.find(db);
      std::string diff = DiffRecords(env_label + " db " + (db.empty() ? "(main)" : db),
                                     b == b_dbs.end() ? kNoRecords : b->second,
                                     a == a_dbs.end() ? kNoRecords : a->second);
      if (!diff.empty()) return diff;
      if (seen_db != 3) return env_label + " db " + db + (seen_db == 1 ? " vanished" : " appeared");
    }
  }
  return "";
}

}  // namespace mcf::testing
