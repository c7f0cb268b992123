// StaticFiles: the web console's files (web/, docs/decisions/026) as HTTP answers: `/` is
// web/index.html, `/static/app/<file>` a file under web/src/, `/static/vendor/htm/<file>` one
// under web/node_modules/htm/ (installed by `npm ci`; nothing vendored into the repo).
//
// Every answer carries the console's Content-Security-Policy (scripts only from this origin, no
// inline script), `X-Content-Type-Options: nosniff` and a strong ETag (a hash of the bytes);
// `If-None-Match` with that ETag is a 304. Only known file types are served, with their type.
// A path with an empty, "." or ".." segment, a backslash, a NUL, a hidden (dot) name, or one
// that resolves (symlinks included) outside its folder is 404, as is anything not a regular
// file or larger than kMaxStaticFileBytes. Files are read per request (they change while
// developing; the set is small). Thread-safe (no state but the folders' paths).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/handlers.h"

namespace mcf::gateway {

inline constexpr size_t kMaxStaticFileBytes = 4u << 20;

// The console's policy: nothing inline, nothing from elsewhere; photos previewed as blob: URLs.
inline constexpr std::string_view kConsoleCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

class StaticFiles {
 public:
  // `web_root` is the web/ folder; empty = no console (every path is 404).
  explicit StaticFiles(std::string web_root);

  // GET `url_path` ("/" or "/static/..."), with the request's If-None-Match header if any.
  HttpResponse Get(std::string_view url_path, const std::optional<std::string>& if_none_match) const;

  // The content type served for a file name's extension; nullopt for a type not served.
  static std::optional<std::string_view> ContentTypeOf(std::string_view file_name);

 private:
  struct Mount {
    std::string url_prefix;  // "/static/app/"
    std::string folder;      // "<web_root>/src"
  };
  std::string web_root_;
  std::vector<Mount> mounts_;
};

}  // namespace mcf::gateway
