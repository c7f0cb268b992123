#include "tests/support/test_keys.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "lib/security/key_directory.h"
#include "tests/support/temp_dir.h"

namespace mcf::testing {

const std::string& TestKeysDir() {
  static const std::string dir = [] {
    static TempDir root;
    const std::string keys = root.Sub("keys");
    if (Status s = security::EnsureKeys(keys, {{"test", security::PeerRole::kTrusted}}); !s.ok()) {
      std::fprintf(stderr, "TestKeysDir: %s\n", s.ToString().c_str());
      std::abort();
    }
    ::setenv("MCF_KEY", security::KeyFileOf(keys, "test").c_str(), 1);
    ::unsetenv("MCF_BROKER_KEY");
    return keys;
  }();
  return dir;
}

void AddTestKeys(std::vector<std::string>& argv) {
  if (std::find(argv.begin(), argv.end(), "--insecure") != argv.end() ||
      std::find(argv.begin(), argv.end(), "--keys") != argv.end())
    return;
  argv.push_back("--keys");
  argv.push_back(TestKeysDir());
}

}  // namespace mcf::testing
