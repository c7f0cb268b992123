// The build id compiled in by lib/capture/CMakeLists.txt (git describe at configure time).
#include "lib/capture/format.h"

#ifndef MCF_BUILD_ID
#define MCF_BUILD_ID "unknown"
#endif

namespace mcf::capture {

std::string_view BuildId() { return MCF_BUILD_ID; }

}  // namespace mcf::capture
