// Writing a small file so that a reader never sees half of it: the text goes to "<path>.tmp"
// with exactly `mode` (the umask does not apply), is fsynced, then renamed over `path`. Used for
// key files, the peer registry and other files one process writes and others read while it
// runs. Thread-safe as far as the file system is (two writers of one path race; the last wins).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "lib/base/status.h"

namespace mcf {

Status WriteFileAtomically(const std::string& path, std::string_view text, mode_t mode);

}  // namespace mcf
