// The web app's files at / (server.web_root): the app's pages, cache headers for hashed and
// unhashed files, path traversal refused, /ws without an upgrade, and JSON errors elsewhere.
// The app itself is exercised in a browser by tests/e2e; here a folder made by the test stands
// in for its build, so that every rule is checked against files whose content is known.

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "support/http_api.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace muster::test {
namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

class StaticFilesTest : public testing::Test {
  protected:
    void SetUp() override {
        write_file(site_.path() / "dist" / "index.html", "<!doctype html><title>app</title>");
        write_file(site_.path() / "dist" / "assets" / "index-3f9a.js", "console.log(1)");
        write_file(site_.path() / "dist" / "sw.js", "self.addEventListener('push', () => {})");
        write_file(site_.path() / "dist" / "manifest.webmanifest", R"({"name":"Muster"})");
        write_file(site_.path() / "dist" / ".env", "SECRET=1");
        write_file(site_.path() / "secret.txt", "outside the web root");
        fs::create_symlink(site_.path() / "secret.txt", site_.path() / "dist" / "leak.txt");
        server_.set_option("server.web_root", (site_.path() / "dist").string());
        ASSERT_TRUE(server_.start());
    }

    client::HttpResponse get(const std::string& target) {
        return http_call(server_, "GET", target);
    }

    TempDir site_{"web"};
    ServerProcess server_;
};

TEST_F(StaticFilesTest, index_and_join_pages_are_the_app_and_never_cached) {
    for (const std::string target : {"/", "/join/Zm9vYmFyYmF6", "/index.html"}) {
        const auto page = get(target);
        EXPECT_EQ(page.status, 200) << target;
        EXPECT_EQ(page.body, "<!doctype html><title>app</title>") << target;
        EXPECT_EQ(page.content_type, "text/html; charset=utf-8") << target;
        EXPECT_EQ(page.header("Cache-Control"), "no-cache") << target;
    }
    // Deeper paths under /join are not pages of the app.
    EXPECT_EQ(get("/join/a/b").status, 404);
}

TEST_F(StaticFilesTest, hashed_assets_are_cached_for_a_year_and_the_rest_revalidated) {
    const auto script = get("/assets/index-3f9a.js");
    EXPECT_EQ(script.status, 200);
    EXPECT_EQ(script.body, "console.log(1)");
    EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");
    EXPECT_EQ(script.header("Cache-Control"), "public, max-age=31536000, immutable");

    const auto worker = get("/sw.js");
    EXPECT_EQ(worker.status, 200);
    EXPECT_EQ(worker.header("Cache-Control"), "no-cache");
    EXPECT_EQ(worker.header("Service-Worker-Allowed"), "/");

    const auto manifest = get("/manifest.webmanifest");
    EXPECT_EQ(manifest.status, 200);
    EXPECT_EQ(manifest.content_type, "application/manifest+json");
}

TEST_F(StaticFilesTest, path_traversal_and_hidden_files_are_refused) {
    for (const std::string target : {"/../secret.txt", "/assets/../../secret.txt",
                                     "/%2e%2e/secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt",
                                     "/..%2fsecret.txt", "/.env", "/assets/%00.js", "/leak.txt"}) {
        const auto response = get(target);
        EXPECT_TRUE(response.status == 400 || response.status == 404)
            << target << " answered " << response.status;
        EXPECT_EQ(response.body.find("outside the web root"), std::string::npos) << target;
        EXPECT_EQ(response.body.find("SECRET"), std::string::npos) << target;
        EXPECT_EQ(response.content_type, "application/json") << target;
    }
}

TEST_F(StaticFilesTest, unknown_paths_and_api_routes_answer_json_errors) {
    const auto missing = get("/nothing-here.js");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.content_type, "application/json");
    EXPECT_NE(missing.body.find(R"("code":"NOT_FOUND")"), std::string::npos);

    const auto api = get("/api/v1/no-such-route");
    EXPECT_EQ(api.status, 404);
    EXPECT_NE(api.body.find(R"("code":"NOT_FOUND")"), std::string::npos);

    // Writes never reach the files.
    const auto put = http_call(server_, "PUT", "/index.html", "x");
    EXPECT_EQ(put.status, 404);
    EXPECT_EQ(get("/").body, "<!doctype html><title>app</title>");
}

TEST_F(StaticFilesTest, websocket_endpoint_without_upgrade_answers_426) {
    const auto response = get("/ws");
    EXPECT_EQ(response.status, 426);
    EXPECT_EQ(response.header("Upgrade"), "websocket");
    EXPECT_NE(response.body.find(R"("code":"BAD_FRAME")"), std::string::npos);
    // The connection stays usable (keep-alive) and the server too.
    EXPECT_EQ(get("/healthz").status, 200);
}

TEST(StaticFilesMissing, a_missing_web_root_serves_json_404_and_the_api_still_works) {
    ServerProcess server({.args = {"--server.web_root=/nonexistent/muster-web"}});
    ASSERT_TRUE(server.start());
    const auto root = http_call(server, "GET", "/");
    EXPECT_EQ(root.status, 404);
    EXPECT_EQ(root.content_type, "application/json");
    EXPECT_EQ(http_call(server, "GET", "/healthz").status, 200);
}

// GET /api/v1/me: the groups the app lists, with the role that decides what it offers.
TEST(ProfileRoute, lists_the_callers_groups_with_effective_roles) {
    ServerProcess server;
    ASSERT_TRUE(server.start());
    create_group(server, "district", "南京西路街道");
    create_group(server, "chonghua", "重华居民区", "district");
    create_group(server, "other", "别的街道");
    add_member(server, "district", "zhouli", "coordinator", "周丽");
    add_member(server, "chonghua", "liming", "member", "李明");

    const auto coordinator =
        http_call(server, "GET", "/api/v1/me", {},
                  server.token(client::TokenSpec{.user = "zhouli", .name = "周丽"}));
    ASSERT_EQ(coordinator.status, 200) << coordinator.body;
    EXPECT_NE(coordinator.body.find(R"("userId":"zhouli")"), std::string::npos);
    // A coordinator of the district coordinates its residential areas too.
    EXPECT_NE(
        coordinator.body.find(
            R"({"id":"chonghua","name":"重华居民区","parent":"district","role":"coordinator"})"),
        std::string::npos)
        << coordinator.body;
    EXPECT_EQ(coordinator.body.find(R"("id":"other")"), std::string::npos);

    const auto volunteer =
        http_call(server, "GET", "/api/v1/me", {},
                  server.token(client::TokenSpec{.user = "liming", .name = "李明"}));
    ASSERT_EQ(volunteer.status, 200);
    EXPECT_NE(volunteer.body.find(R"("role":"member")"), std::string::npos);
    EXPECT_EQ(volunteer.body.find(R"("id":"district")"), std::string::npos);

    EXPECT_EQ(http_call(server, "GET", "/api/v1/me").status, 401);
}

}  // namespace
}  // namespace muster::test
