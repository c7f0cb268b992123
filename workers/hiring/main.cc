// mcf-hiring: the hiring context worker (service "hiring"). Wiring only: the runtime's flags plus
// --max-open-applications (default 5000) and --max-open-photo-mib (default 1024), the bounds on
// what the public form may leave waiting for review, then HiringHandlers::Install.
#include <CLI/CLI.hpp>

#include "lib/worker/worker_main.h"
#include "workers/hiring/handlers.h"

int main(int argc, char** argv) {
  mcf::hiring::HiringOptions options;
  int64_t photo_mib = options.max_open_photo_bytes >> 20;
  return mcf::worker::RunWorkerMain(
      argc, argv, "hiring",
      [&](CLI::App& app) {
        app.add_option("--max-open-applications", options.max_open_applications,
                       "refuse new applications while this many await review (default 5000)")
            ->check(CLI::Range(int64_t{1}, int64_t{10'000'000}));
        app.add_option("--max-open-photo-mib", photo_mib,
                       "... or while their photos take this many MiB (default 1024)")
            ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
      },
      [&](mcf::worker::Worker& w) -> mcf::Status {
        options.max_open_photo_bytes = photo_mib << 20;
        return mcf::hiring::HiringHandlers::Install(w, options);
      });
}
