#include "gateway/static_files.h"

#include <sodium.h>
#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace mcf::gateway {
namespace {

// True when `relative` (below a mount) is a path the console may ask for: segments of
// [A-Za-z0-9._-], none empty, none starting with '.' (so no "..", ".", hidden files).
bool IsSafeRelativePath(std::string_view relative) {
  if (relative.empty()) return false;
  size_t start = 0;
  while (start <= relative.size()) {
    const size_t end = std::min(relative.find('/', start), relative.size());
    const std::string_view segment = relative.substr(start, end - start);
    if (segment.empty() || segment.front() == '.') return false;
    for (char c : segment) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
      if (!ok) return false;
    }
    start = end + 1;
  }
  return true;
}

std::optional<std::string> RealPath(const std::string& path) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) return std::nullopt;
  return std::string(resolved);
}

// A strong validator: the first 16 bytes of BLAKE2b over the content, as quoted hex.
std::string ETagOf(const std::string& content) {
  unsigned char hash[16];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(content.data()),
                     content.size(), nullptr, 0);
  char hex[sizeof hash * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
  return "\"" + std::string(hex) + "\"";
}

// RFC 9110 section 13.1.2: "*" or a list of entity tags, weak ones compared weakly.
bool NoneMatchHits(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
  }
  return false;
}

HttpResponse NotFound(std::string_view path) {
  HttpResponse r = ProblemResponse(
      MakeProblem(kHttpNotFound, "no console file at " + std::string(path)));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace

StaticFiles::StaticFiles(std::string web_root) : web_root_(std::move(web_root)) {
  if (web_root_.empty()) return;
  mounts_ = {{"/static/app/", web_root_ + "/src"},
             {"/static/vendor/htm/", web_root_ + "/node_modules/htm"}};
}

std::optional<std::string_view> StaticFiles::ContentTypeOf(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const std::string_view ext = name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  return std::nullopt;
}

HttpResponse StaticFiles::Get(std::string_view url_path,
                              const std::optional<std::string>& if_none_match) const {
  if (web_root_.empty()) return NotFound(url_path);
  std::string folder, relative;
  if (url_path == "/" || url_path == "/index.html") {
    folder = web_root_;
    relative = "index.html";
  } else {
    for (const Mount& m : mounts_) {
      if (url_path.substr(0, m.url_prefix.size()) == m.url_prefix) {
        folder = m.folder;
        relative = std::string(url_path.substr(m.url_prefix.size()));
        break;
      }
    }
  }
  if (folder.empty() || !IsSafeRelativePath(relative)) return NotFound(url_path);
  const auto type = ContentTypeOf(relative);
  if (!type) return NotFound(url_path);
  // The resolved file must still be inside the resolved folder (a symlink could point out).
  const auto real_folder = RealPath(folder);
  const auto real_file = RealPath(folder + "/" + relative);
  if (!real_folder || !real_file || real_file->rfind(*real_folder + "/", 0) != 0) {
    return NotFound(url_path);
  }
  struct stat st {};
  if (::stat(real_file->c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<size_t>(st.st_size) > kMaxStaticFileBytes) {
    return NotFound(url_path);
  }
  std::ifstream in(*real_file, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  if (!in) return NotFound(url_path);

  HttpResponse r;
  r.body = std::move(content).str();
  const std::string etag = ETagOf(r.body);
  r.content_type = std::string(*type);
  r.headers = {{"ETag", etag},
               {"Cache-Control", "no-cache"},  // always revalidate: the ETag makes it cheap
               {"Content-Security-Policy", std::string(kConsoleCsp)},
               {"X-Content-Type-Options", "nosniff"},
               {"Referrer-Policy", "no-referrer"},
               {"X-Frame-Options", "DENY"}};
  if (if_none_match && NoneMatchHits(*if_none_match, etag)) {
    r.status = 304;
    r.body.clear();
  }
  return r;
}

}  // namespace mcf::gateway
