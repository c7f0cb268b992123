#include "tests/support/process.h"

namespace mcf::testing {

std::string BinDir() { return MCF_BIN_DIR; }

}  // namespace mcf::testing
