// Structured logging: one line per event, `event=name key=value ...`, through spdlog.
//
// Call InitLogging once in main() (it names the process and picks the level from MCF_LOG_LEVEL,
// default "info"); then log with spdlog::info("event=worker_ready service={} name={}", ...).
// Values that may hold spaces are quoted with Quoted(). Thread-safe (spdlog's default logger).
#pragma once

#include <string>
#include <string_view>

namespace mcf {

void InitLogging(std::string_view process_name);

// `"a b"` with inner quotes and control characters escaped, for free text inside a log line.
std::string Quoted(std::string_view text);

}  // namespace mcf
