// No production store skips fsync: outside tests/ and bench/, no source sets
// EnvOptions::no_sync (`no_sync = true`, `/*no_sync=*/true`) or names an LMDB flag that defers
// durability (MDB_NOSYNC, MDB_NOMETASYNC, MDB_MAPASYNC) — except lib/store/lmdb.cc, where
// no_sync becomes MDB_NOSYNC. Comments are ignored. The opens themselves are checked with
// mdb_env_get_flags in broker_faults_test (the log) and worker_loop_test (a worker's store).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace mcf::store {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> Offences(const fs::path& root) {
  static const std::regex kNoSync(R"(no_sync\s*(=\s*|=\*/\s*|\(\s*)true)");
  static const std::regex kFlags(R"(MDB_(NOSYNC|NOMETASYNC|MAPASYNC))");
  std::vector<std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const fs::path rel = fs::relative(it->path(), root);
    const std::string top = rel.begin()->string();
    if (it->is_directory()) {
      if (top == "tests" || top == "bench" || top.starts_with("build") || top.starts_with("."))
        it.disable_recursion_pending();
      continue;
    }
    const std::string ext = rel.extension().string();
    if (ext != ".cc" && ext != ".h" && ext != ".cpp" && ext != ".hpp") continue;
    std::ifstream in(it->path());
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      const std::string code = line.substr(0, line.find("//"));
      const bool sets_no_sync = std::regex_search(code, kNoSync);
      const bool names_flag = std::regex_search(code, kFlags) && rel != "lib/store/lmdb.cc";
      if (sets_no_sync || names_flag) out.push_back(rel.string() + ":" + std::to_string(n));
    }
  }
  return out;
}

TEST(DurableSyncTest, NoSyncIsSetOnlyInTestsAndBenchmarks) {
  const fs::path root = MCF_SOURCE_DIR;
  ASSERT_TRUE(fs::exists(root / "lib/store/lmdb.cc")) << root;
  const auto offences = Offences(root);
  std::string list;
  for (const auto& o : offences) list += "\n  " + o;
  EXPECT_TRUE(offences.empty()) << "fsync turned off outside tests/ and bench/:" << list;
}

}  // namespace
}  // namespace mcf::store
