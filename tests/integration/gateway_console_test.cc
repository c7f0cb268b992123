// The web console's edge in process (no broker: nothing here needs the bus), over real HTTP on
// 127.0.0.1: static files (types, ETag and 304, the CSP, nosniff, no way out of the served
// folders), the cookie sign-in and sign-out with an access code, CSRF refusals, and the cookie
// authenticating exactly as the bearer token it holds.
#include <gtest/gtest.h>
#include <httplib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "gateway/auth.h"
#include "gateway/server.h"
#include "gateway/static_files.h"
#include "gateway/json_body.h"

namespace mcf::gateway {
namespace {

namespace fs = std::filesystem;

constexpr char kToken[] = "5e55105e55105e55105e55105e55105e55105e55105e55105e55105e55105e55";
constexpr char kOther[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
constexpr char kSecret[] = "the secret outside the served folders";

void WriteFile(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << content;
}

class GatewayConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mcf-console-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    const fs::path web = dir_ / "web";
    WriteFile(web / "index.html", "<!doctype html><title>MCF</title>");
    WriteFile(web / "src" / "main.js", "export const x = 1;\n");
    WriteFile(web / "src" / "pages" / "style.css", "body { margin: 0 }\n");
    WriteFile(web / "src" / "notes.txt", "not a served type");
    WriteFile(web / "src" / ".hidden.js", "hidden");
    WriteFile(web / "node_modules" / "htm" / "preact" / "standalone.module.js", "export {};\n");
    WriteFile(web / "node_modules" / "other" / "index.js", "another package");
    WriteFile(dir_ / "secret.js", kSecret);
    WriteFile(web / "secret.js", kSecret);  // in the web root, but in no mount
    fs::create_symlink(dir_ / "secret.js", web / "src" / "link.js");

    tokens_.Add(kToken, {"worker", "w-1"});
    ServerConfig config;
    config.host = "127.0.0.1";
    config.port = 0;
    config.broker_endpoint = "tcp://127.0.0.1:1";  // nothing answers: business routes time out
    config.command_timeout = Millis(200);
    config.web_root = web.string();
    server_ = std::make_unique<Server>(config, tokens_);
    auto port = server_->Bind();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
    thread_ = std::thread([this] { server_->Run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_read_timeout(5, 0);
  }
  void TearDown() override {
    client_.reset();
    if (thread_.joinable()) {
      for (int i = 0; i < 500 && Accepts(); ++i) {  // Stop is a no-op until Run listens
        server_->Stop();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      thread_.join();
    }
    server_.reset();
    fs::remove_all(dir_);
  }

  // True while the port accepts connections (Run has not returned).
  bool Accepts() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool accepted = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return accepted;
  }
  httplib::Result Get(const std::string& path, httplib::Headers headers = {}) {
    return client_->Get(path, headers);
  }
  httplib::Result Post(const std::string& path, const std::string& body, httplib::Headers headers) {
    return client_->Post(path, headers, body, "application/json");
  }
  std::string Host() const { return "127.0.0.1:" + std::to_string(port_); }
  static Json BodyOf(const httplib::Result& r) { return Json::parse(r->body, nullptr, false); }

  fs::path dir_;
  InMemoryTokenStore tokens_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(GatewayConsoleTest, ServesFilesWithTheirTypesPolicyAndNosniff) {
  struct Case {
    std::string path, type;
  };
  for (const Case& c : {Case{"/", "text/html; charset=utf-8"},
                        Case{"/static/app/main.js", "text/javascript; charset=utf-8"},
                        Case{"/static/app/pages/style.css", "text/css; charset=utf-8"},
                        Case{"/static/vendor/htm/preact/standalone.module.js",
                             "text/javascript; charset=utf-8"}}) {
    auto r = Get(c.path);
    ASSERT_TRUE(r) << c.path;
    EXPECT_EQ(r->status, 200) << c.path;
    EXPECT_EQ(r->get_header_value("Content-Type"), c.type) << c.path;
    EXPECT_EQ(r->get_header_value("Content-Security-Policy"), kConsoleCsp) << c.path;
    EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff") << c.path;
    EXPECT_EQ(r->get_header_value("Cache-Control"), "no-cache") << c.path;
    EXPECT_FALSE(r->get_header_value("ETag").empty()) << c.path;
  }
  // The policy allows no inline script and nothing from another origin.
  EXPECT_NE(std::string(kConsoleCsp).find("script-src 'self';"), std::string::npos);
  EXPECT_EQ(std::string(kConsoleCsp).find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(Get("/")->body, "<!doctype html><title>MCF</title>");
}

TEST_F(GatewayConsoleTest, IfNoneMatchWithTheETagIsNotModified) {
  auto first = Get("/static/app/main.js");
  ASSERT_TRUE(first);
  const std::string etag = first->get_header_value("ETag");
  ASSERT_EQ(etag.size(), 34u) << etag;  // 16 bytes as hex, quoted
  auto again = Get("/static/app/main.js", {{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  EXPECT_EQ(again->get_header_value("ETag"), etag);
  EXPECT_EQ(Get("/static/app/main.js", {{"If-None-Match", "W/" + etag + ", \"x\""}})->status, 304);
  EXPECT_EQ(Get("/static/app/main.js", {{"If-None-Match", "\"other\""}})->status, 200);
  // Another file has another validator; a changed file gets a new one.
  EXPECT_NE(Get("/")->get_header_value("ETag"), etag);
  WriteFile(dir_ / "web" / "src" / "main.js", "export const x = 2;\n");
  auto changed = Get("/static/app/main.js", {{"If-None-Match", etag}});
  EXPECT_EQ(changed->status, 200);
  EXPECT_NE(changed->get_header_value("ETag"), etag);
}

TEST_F(GatewayConsoleTest, NothingOutsideTheServedFolders) {
  for (const std::string path :
       {"/static/app/../secret.js", "/static/app/%2e%2e/secret.js", "/static/app/..%2fsecret.js",
        "/static/app/../../secret.js", "/static/vendor/htm/../../secret.js",
        "/static/vendor/htm/../other/index.js", "/static/vendor/other/index.js",
        "/static/app/link.js", "/static/app/.hidden.js", "/static/app/notes.txt",
        "/static/app//main.js", "/static/app/./main.js", "/static/app/", "/static/secret.js",
        "/secret.js", "/static/app/main.js%00.css", "/static/app\\..\\secret.js"}) {
    auto r = Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_EQ(r->body.find(kSecret), std::string::npos) << path;
    EXPECT_EQ(r->body.find("another package"), std::string::npos) << path;
  }
}

TEST_F(GatewayConsoleTest, NoWebRootNoConsole) {
  StaticFiles none("");
  EXPECT_EQ(none.Get("/", std::nullopt).status, 404);
}

TEST_F(GatewayConsoleTest, AccessCodeSignInSetsTheCookieAndSignOutClearsIt) {
  const httplib::Headers console{{"X-MCF-Console", "1"}};
  auto in = Post("/v1/console/session", std::string("{\"access_code\":\"") + kToken + "\"}",
                 console);
  ASSERT_TRUE(in);
  ASSERT_EQ(in->status, 200) << in->body;
  EXPECT_EQ(in->get_header_value("Set-Cookie"),
            std::string("mcf_session=") + kToken + "; HttpOnly; SameSite=Strict; Path=/");
  EXPECT_EQ(BodyOf(in)["role"], "worker");
  EXPECT_EQ(BodyOf(in)["id"], "w-1");
  EXPECT_EQ(in->body.find(kToken), std::string::npos);  // the script never sees the token

  auto me = Get("/v1/me", {{"Cookie", std::string("theme=dark; mcf_session=") + kToken}});
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200);
  EXPECT_EQ(BodyOf(me)["id"], "w-1");

  auto out = client_->Delete("/v1/console/session", console);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 200);
  EXPECT_EQ(out->get_header_value("Set-Cookie"),
            "mcf_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
  EXPECT_EQ(client_->Delete("/v1/console/session")->status, 403);  // a forged sign-out

  // An unknown or malformed code: 401/400 naming the field, and no cookie.
  auto unknown = Post("/v1/console/session", std::string("{\"access_code\":\"") + kOther + "\"}",
                      console);
  EXPECT_EQ(unknown->status, 401);
  EXPECT_EQ(BodyOf(unknown)["field"], "body.access_code");
  EXPECT_FALSE(unknown->has_header("Set-Cookie"));
  auto bad = Post("/v1/console/session", "{\"access_code\":\"x\"}", console);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(BodyOf(bad)["field"], "body.access_code");
  EXPECT_FALSE(bad->has_header("Set-Cookie"));
  auto both = Post("/v1/console/session",
                   std::string("{\"access_code\":\"") + kToken + "\",\"employee_id\":\"e\"}",
                   console);
  EXPECT_EQ(both->status, 400);
  EXPECT_FALSE(both->has_header("Set-Cookie"));
}

TEST_F(GatewayConsoleTest, SignInNeedsTheConsoleHeaderAndThisOrigin) {
  const std::string body = std::string("{\"access_code\":\"") + kToken + "\"}";
  auto forged = Post("/v1/console/session", body, {});
  EXPECT_EQ(forged->status, 403);
  EXPECT_EQ(BodyOf(forged)["field"], "header.X-MCF-Console");
  EXPECT_FALSE(forged->has_header("Set-Cookie"));
  auto foreign = Post("/v1/console/session", body,
                      {{"X-MCF-Console", "1"}, {"Origin", "http://evil.example"}});
  EXPECT_EQ(foreign->status, 403);
  EXPECT_EQ(BodyOf(foreign)["field"], "header.Origin");
  auto same = Post("/v1/console/session", body,
                   {{"X-MCF-Console", "1"}, {"Origin", "http://" + Host()}});
  EXPECT_EQ(same->status, 200) << same->body;
}

TEST_F(GatewayConsoleTest, CookieRequestsThatChangeThingsNeedTheCsrfHeader) {
  const std::string cookie = std::string("mcf_session=") + kToken;
  const std::string body = "{\"reason\":\"rain\"}";
  auto forged = Post("/v1/jobs/t-1/fail", body, {{"Cookie", cookie}});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  EXPECT_EQ(BodyOf(forged)["field"], "header.X-MCF-Console");
  auto wrong_value = Post("/v1/jobs/t-1/fail", body, {{"Cookie", cookie}, {"X-MCF-Console", "0"}});
  EXPECT_EQ(wrong_value->status, 403);
  auto foreign = Post("/v1/jobs/t-1/fail", body,
                      {{"Cookie", cookie}, {"X-MCF-Console", "1"}, {"Origin", "http://evil.example"}});
  EXPECT_EQ(foreign->status, 403);
  EXPECT_EQ(BodyOf(foreign)["field"], "header.Origin");
  // With the header (and this origin) the request passes the edge and goes to the bus, which
  // is not there: the bus's failure, not the edge's refusal.
  auto sent = Post("/v1/jobs/t-1/fail", body,
                   {{"Cookie", cookie}, {"X-MCF-Console", "1"}, {"Origin", "http://" + Host()}});
  EXPECT_GE(sent->status, 500) << sent->body;
  // A bearer request needs no header; reads by cookie need none either.
  auto bearer = Post("/v1/jobs/t-1/fail", body, {{"Authorization", std::string("Bearer ") + kToken}});
  EXPECT_GE(bearer->status, 500) << bearer->body;
  EXPECT_EQ(sent->status, bearer->status);
  EXPECT_EQ(Get("/v1/me", {{"Cookie", cookie}})->status, 200);
}

TEST_F(GatewayConsoleTest, TheCookieAuthenticatesAsItsBearerToken) {
  auto bearer = Get("/v1/me", {{"Authorization", std::string("Bearer ") + kToken}});
  auto cookie = Get("/v1/me", {{"Cookie", std::string("mcf_session=") + kToken}});
  ASSERT_TRUE(bearer && cookie);
  EXPECT_EQ(bearer->status, 200);
  EXPECT_EQ(cookie->status, bearer->status);
  EXPECT_EQ(cookie->body, bearer->body);
  // Unknown and malformed cookies are 401 as unknown and malformed bearer tokens are.
  EXPECT_EQ(Get("/v1/me", {{"Cookie", std::string("mcf_session=") + kOther}})->status, 401);
  EXPECT_EQ(Get("/v1/me", {{"Authorization", std::string("Bearer ") + kOther}})->status, 401);
  EXPECT_EQ(Get("/v1/me", {{"Cookie", "mcf_session=nothex"}})->status, 401);
  EXPECT_EQ(Get("/v1/me", {{"Cookie", "other=1"}})->status, 401);
  // Several Cookie headers are one list (RFC 6265 section 5.4).
  EXPECT_EQ(Get("/v1/me", {{"Cookie", "other=1"}, {"Cookie", std::string("mcf_session=") + kToken}})
                ->status,
            200);
  EXPECT_EQ(Get("/v1/me")->status, 401);
  // An Authorization header wins: a bad bearer token is not rescued by a good cookie.
  EXPECT_EQ(Get("/v1/me", {{"Authorization", std::string("Bearer ") + kOther},
                           {"Cookie", std::string("mcf_session=") + kToken}})
                ->status,
            401);
  // A business read with the cookie gets past the edge exactly as with the bearer token.
  auto jobs_cookie = Get("/v1/jobs", {{"Cookie", std::string("mcf_session=") + kToken}});
  auto jobs_bearer = Get("/v1/jobs", {{"Authorization", std::string("Bearer ") + kToken}});
  EXPECT_EQ(jobs_cookie->status, jobs_bearer->status);
  EXPECT_GE(jobs_cookie->status, 500);
  EXPECT_EQ(Get("/v1/jobs", {{"Cookie", std::string("mcf_session=") + kOther}})->status, 401);
}

}  // namespace
}  // namespace mcf::gateway
