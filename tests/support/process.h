// Process helpers for tests: lib/process's ChildProcess (under its test-support name) and BinDir,
// the build's executables directory.
#pragma once

#include <string>

#include "lib/process/child_process.h"

namespace mcf::testing {

using process::ChildProcess;
using process::ReadFile;
using process::WaitForFileLine;

// The directory holding the build's executables (set by CMake as MCF_BIN_DIR).
std::string BinDir();

}  // namespace mcf::testing
