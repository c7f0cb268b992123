#include "lib/base/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>

namespace mcf {

void InitLogging(std::string_view process_name) {
  auto logger = spdlog::stderr_logger_mt(std::string(process_name));
  // ISO time, level, process, then the key=value body.
  logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l proc=%n %v", spdlog::pattern_time_type::utc);
  const char* level = std::getenv("MCF_LOG_LEVEL");
  logger->set_level(spdlog::level::from_str(level ? level : "info"));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

}  // namespace mcf
