// mcf-tasks: the tasks context worker (service "tasks"). Wiring only: the runtime's flags plus
// --no-show-grace-ms (default 30 min), --check-in-window-ms (default 60 min) and
// --max-photo-bytes (default 5 MiB), then TasksHandlers::Install.
#include <CLI/CLI.hpp>

#include "lib/worker/worker_main.h"
#include "workers/tasks/handlers.h"

int main(int argc, char** argv) {
  mcf::tasks::TasksOptions options;
  return mcf::worker::RunWorkerMain(
      argc, argv, "tasks",
      [&](CLI::App& app) {
        app.add_option(
            "--no-show-grace-ms", options.no_show_grace_ms,
            "cancel an assigned task not checked in by starts_at + this (default 30 min)");
        app.add_option("--check-in-window-ms", options.check_in_window_ms,
                       "check-in opens this long before starts_at (default 60 min)")
            ->check(CLI::Range(int64_t{0}, int64_t{366} * 24 * 60 * 60 * 1000));  // 0..a year
        app.add_option("--max-photo-bytes", options.max_photo_bytes,
                       "largest check-in/report photo accepted (default 5 MiB)");
      },
      [&](mcf::worker::Worker& w) -> mcf::Status {
        return mcf::tasks::TasksHandlers::Install(w, options);
      });
}
