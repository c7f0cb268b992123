// The printed result of one mcf-bench run: one row per measurement, with the baseline it is
// compared to (measured in the same run), the ratio, the target and PASS/FAIL.
//
// Targets are reported, never enforced: the exit code of mcf-bench does not depend on them.
// Not thread-safe; filled by the main thread after each measurement.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mcf::bench {

struct Row {
  std::string name;
  double value = 0;
  std::string unit;             // "rt/s", "events/s", "us", "MiB"
  std::optional<double> ratio;  // value / baseline, when compared to one
  std::string baseline;         // which row the ratio is against
  std::string target;           // e.g. ">= 0.8x", ">= 250000/s"; empty = information
  std::optional<bool> pass;     // nullopt when there is no target
  std::string note;             // anything odd (errors seen, skipped)
};

class Report {
 public:
  void Section(std::string title);
  void Add(Row row);
  // Prints every row as an aligned table to stdout.
  void Print() const;
  int failures() const;

 private:
  struct Line {
    bool section = false;
    Row row;
  };
  std::vector<Line> lines_;
};

// "1234567" -> "1,234,567" (integers) or "12.3" (small values).
std::string FormatValue(double value);

}  // namespace mcf::bench
