#include "bench/report.h"

#include <cmath>
#include <cstdio>

namespace mcf::bench {

void Report::Section(std::string title) {
  Line line;
  line.section = true;
  line.row.name = std::move(title);
  lines_.push_back(std::move(line));
}

void Report::Add(Row row) { lines_.push_back(Line{false, std::move(row)}); }

int Report::failures() const {
  int n = 0;
  for (const Line& l : lines_) n += (!l.section && l.row.pass == false) ? 1 : 0;
  return n;
}

std::string FormatValue(double value) {
  char buf[64];
  if (std::fabs(value) < 100) {
    std::snprintf(buf, sizeof buf, "%.2f", value);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.0f", value);
  std::string digits = buf, out;
  int n = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (n > 0 && n % 3 == 0 && *it != '-') out.insert(out.begin(), ',');
    out.insert(out.begin(), *it);
    ++n;
  }
  return out;
}

void Report::Print() const {
  std::printf("\n%-62s %14s %-9s %7s %-28s %-10s %s\n", "measurement", "value", "unit", "ratio",
              "vs", "target", "result");
  std::printf("%s\n", std::string(144, '-').c_str());
  for (const Line& l : lines_) {
    if (l.section) {
      std::printf("%s\n", l.row.name.c_str());
      continue;
    }
    const Row& r = l.row;
    std::string ratio = r.ratio ? FormatValue(*r.ratio) + "x" : "";
    std::string result = !r.pass ? "" : (*r.pass ? "PASS" : "FAIL");
    std::printf("  %-60s %14s %-9s %7s %-28s %-10s %s%s%s\n", r.name.c_str(),
                FormatValue(r.value).c_str(), r.unit.c_str(), ratio.c_str(), r.baseline.c_str(),
                r.target.c_str(), result.c_str(), r.note.empty() ? "" : "  ", r.note.c_str());
  }
  std::fflush(stdout);
}

}  // namespace mcf::bench
