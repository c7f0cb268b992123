// TempDir: a fresh directory under $TMPDIR for one test, removed with everything in it when the
// object dies. Not thread-safe; one per test.
#pragma once

#include <string>

namespace mcf::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace mcf::testing
