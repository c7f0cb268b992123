// mcfctl stores: per-context LMDB statistics, like mdb_stat for every environment under var/.
//
// Opens each environment read-only with the raw LMDB API (MDB_RDONLY, the map size the
// environment was created with), so it can run next to live workers and never writes data.
#include <lmdb.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "schemas/body.h"
#include "schemas/registry.h"
#include "tools/mcfctl/commands.h"
#include "tools/mcfctl/json.h"

namespace mcf::mcfctl {
namespace {

struct DbStats {
  std::string name;  // "" = the unnamed main database
  MDB_stat stat{};
};
struct EnvStats {
  std::string context;
  size_t map_size = 0;
  size_t file_size = 0;
  size_t last_page = 0;
  unsigned page_size = 0;
  std::vector<DbStats> dbs;
};

Result<EnvStats> ReadEnv(const std::filesystem::path& dir) {
  EnvStats out;
  out.context = dir.filename().string();
  MDB_env* env = nullptr;
  if (int rc = mdb_env_create(&env); rc != 0) return Status::Internal(mdb_strerror(rc));
  struct Closer {
    MDB_env* env;
    ~Closer() { mdb_env_close(env); }
  } closer{env};
  mdb_env_set_maxdbs(env, 256);
  if (int rc = mdb_env_open(env, dir.c_str(), MDB_RDONLY, 0644); rc != 0) {
    return Status::Unavailable(dir.string() + ": " + mdb_strerror(rc));
  }
  MDB_envinfo info{};
  mdb_env_info(env, &info);
  out.map_size = info.me_mapsize;
  out.last_page = info.me_last_pgno;
  std::error_code ec;
  out.file_size = std::filesystem::file_size(dir / "data.mdb", ec);

  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn); rc != 0) {
    return Status::Unavailable(dir.string() + ": " + mdb_strerror(rc));
  }
  MDB_dbi main_dbi = 0;
  MDB_stat main_stat{};
  mdb_dbi_open(txn, nullptr, 0, &main_dbi);
  mdb_stat(txn, main_dbi, &main_stat);
  out.page_size = main_stat.ms_psize;
  // Named databases are keys of the main database; a key that is plain data is not one.
  std::vector<std::string> names;
  MDB_cursor* cursor = nullptr;
  if (mdb_cursor_open(txn, main_dbi, &cursor) == 0) {
    MDB_val key, value;
    for (int rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)) {
      names.emplace_back(static_cast<const char*>(key.mv_data), key.mv_size);
    }
    mdb_cursor_close(cursor);
  }
  size_t named = 0;
  for (const std::string& name : names) {
    MDB_dbi dbi = 0;
    if (name.find('\0') != std::string::npos) continue;
    if (mdb_dbi_open(txn, name.c_str(), 0, &dbi) != 0) continue;
    DbStats db{name, {}};
    mdb_stat(txn, dbi, &db.stat);
    out.dbs.push_back(db);
    ++named;
  }
  if (named < main_stat.ms_entries) out.dbs.insert(out.dbs.begin(), DbStats{"", main_stat});
  mdb_txn_abort(txn);
  return out;
}

std::string Human(size_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024 && unit < 4) v /= 1024, ++unit;
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", v, kUnits[unit]);
  return buf;
}

// The running store's {used_bytes, ceiling_bytes, full}, asked over the bus; nullopt when no
// worker (or broker) answers.
std::optional<Json> CapacityOf(const StoresOptions& options, const std::string& context) {
  if (options.broker.empty()) return std::nullopt;
  const bool broker = context == "broker";
  schemas::Reply r = CallOnce(
      options.broker,
      broker ? std::string("broker.stats") : context + "." + std::string(schemas::kStoreStatusVerb),
      schemas::EmptyBody(), options.timeout);
  if (r.status != Code::kOk) return std::nullopt;
  auto body = MsgpackToJson(r.body);
  if (!body.ok() || !body->is_object()) return std::nullopt;
  if (!broker) return *body;
  return Json{{"used_bytes", body->value("log_used_bytes", 0LL)},
              {"ceiling_bytes", body->value("log_ceiling_bytes", 0LL)},
              {"full", body->value("log_full", false)}};
}

}  // namespace

int RunStores(const StoresOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(options.data, ec)) {
    std::cerr << "mcfctl stores: no data directory \"" << options.data << "\"\n";
    return kExitLocalError;
  }
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(options.data, ec)) {
    if (entry.is_directory() && fs::exists(entry.path() / "data.mdb")) dirs.push_back(entry.path());
  }
  std::sort(dirs.begin(), dirs.end());
  int rc = 0;
  Json all = Json::array();
  for (const fs::path& dir : dirs) {
    auto env = ReadEnv(dir);
    if (!env.ok()) {
      std::cerr << "mcfctl stores: " << env.status().message() << "\n";
      rc = kExitLocalError;
      continue;
    }
    const auto capacity = CapacityOf(options, env->context);
    if (options.json) {
      Json e{{"context", env->context},     {"map_size", env->map_size},
             {"file_size", env->file_size}, {"last_page", env->last_page},
             {"page_size", env->page_size}, {"dbs", Json::array()}};
      for (const DbStats& db : env->dbs) {
        e["dbs"].push_back({{"name", db.name.empty() ? "(main)" : db.name},
                            {"entries", db.stat.ms_entries},
                            {"depth", db.stat.ms_depth},
                            {"branch_pages", db.stat.ms_branch_pages},
                            {"leaf_pages", db.stat.ms_leaf_pages},
                            {"overflow_pages", db.stat.ms_overflow_pages}});
      }
      if (capacity) {
        e["used_bytes"] = capacity->value("used_bytes", 0LL);
        e["ceiling_bytes"] = capacity->value("ceiling_bytes", 0LL);
        e["full"] = capacity->value("full", false);
      }
      all.push_back(std::move(e));
      continue;
    }
    std::string ceiling = "ceiling unknown (not running)";
    if (capacity) {
      const auto used = capacity->value("used_bytes", 0LL);
      const auto cap = capacity->value("ceiling_bytes", 0LL);
      char buf[160];
      std::snprintf(buf, sizeof buf, "in use %s of ceiling %s (%.1f%%)%s", Human(used).c_str(),
                    Human(cap).c_str(), cap > 0 ? 100.0 * used / cap : 0.0,
                    capacity->value("full", false) ? "  FULL: writes refused" : "");
      ceiling = buf;
    }
    std::printf("%s  (%s)  map %s  file %s  %s  page %u\n", env->context.c_str(), dir.c_str(),
                Human(env->map_size).c_str(), Human(env->file_size).c_str(), ceiling.c_str(),
                env->page_size);
    std::printf("  %-20s %12s %6s %10s %10s %10s\n", "db", "entries", "depth", "branch", "leaf",
                "overflow");
    for (const DbStats& db : env->dbs) {
      std::printf("  %-20s %12zu %6u %10zu %10zu %10zu\n",
                  db.name.empty() ? "(main)" : db.name.c_str(), db.stat.ms_entries,
                  db.stat.ms_depth, db.stat.ms_branch_pages, db.stat.ms_leaf_pages,
                  db.stat.ms_overflow_pages);
    }
  }
  if (options.json) std::cout << Dump(all, 2) << std::endl;
  if (dirs.empty() && !options.json)
    std::printf("no LMDB environments under %s\n", options.data.c_str());
  return rc;
}

}  // namespace mcf::mcfctl
