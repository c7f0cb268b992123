// TestKeys: the bus keys of one test process, so that every test runs with CURVE on, as
// ./mcf up does. On first use it makes a key directory in a temp dir (the broker's pair and one
// "test" key registered with role trusted) and points $MCF_KEY at the test key: from then on this
// process's bus sockets, and every child it starts (workers, tools), connect with it. Brokers the
// tests start get `--keys TestKeysDir()` (AddTestKeys; InProcessBroker sets keys_dir). Tests of
// per-key permissions make keys of their own (lib/security/key_directory.h).
// Call from the test's main thread; the directory lives until the process exits.
#pragma once

#include <string>
#include <vector>

namespace mcf::testing {

const std::string& TestKeysDir();

// Appends `--keys TestKeysDir()` to an mcf-broker command line that names neither --keys nor
// --insecure.
void AddTestKeys(std::vector<std::string>& broker_argv);

}  // namespace mcf::testing
