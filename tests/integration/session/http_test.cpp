// The operator's routes: liveness, readiness, metrics, and the directory over HTTP.

#include "session_fixture.hpp"

namespace muster::test {
namespace {

class HttpTest : public SessionTest {};

// The value of a sample line "name{labels} value" in Prometheus text; -1 when absent.
double metric(const std::string& text, const std::string& series) {
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + series.size() + 2));
}

TEST_P(HttpTest, health_and_readiness_need_no_token) {
    start();
    const auto health = http_call(server(), "GET", "/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_NE(health.body.find(R"("status":"ok")"), std::string::npos);
    const auto ready = http_call(server(), "GET", "/readyz");
    EXPECT_EQ(ready.status, 200);
    EXPECT_EQ(ready.body, R"({"store":"ok","bus":"ok"})");
}

TEST_P(HttpTest, metrics_count_what_happens) {
    start();
    group_with("g", {"alice"});
    auto alice = TestClient::connect(server(), "alice");
    alice.subscribe("g");
    const std::string before = http_call(server(), "GET", "/metrics").body;
    alice.publish("g", "one");
    alice.publish("g", "two");
    alice.expect_chat("g", "one");
    alice.expect_chat("g", "two");
    alice.expect_error(subscribe_frame("missing"), v1::Error::NOT_FOUND);
    const auto response = http_call(server(), "GET", "/metrics");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type.rfind("text/plain", 0), 0U);
    const std::string& after = response.body;
    EXPECT_EQ(metric(after, "muster_connections"), 1);
    EXPECT_EQ(metric(after, "muster_events_appended_total") -
                  metric(before, "muster_events_appended_total"),
              2);
    EXPECT_GE(metric(after, "muster_frames_out_total") - metric(before, "muster_frames_out_total"),
              4);
    EXPECT_GT(metric(after, "muster_bytes_in_total"), metric(before, "muster_bytes_in_total"));
    EXPECT_EQ(metric(after, R"(muster_errors_total{code="NOT_FOUND"})") -
                  metric(before, R"(muster_errors_total{code="NOT_FOUND"})"),
              1);
    // The store's write latency: SQLite commits, or Redis round trips.
    EXPECT_NE(after.find(GetParam() == Backend::embedded
                             ? "muster_store_commit_seconds_bucket{le="
                             : "muster_redis_command_seconds_bucket{connection=\"store\",le="),
              std::string::npos);
    if (GetParam() == Backend::embedded) {
        // How long the two chat appends waited for the writer (each counted once, with the
        // rest of the node's synced writes).
        EXPECT_GE(metric(after, R"(muster_store_wait_seconds_count{queue="write_synced"})") -
                      metric(before, R"(muster_store_wait_seconds_count{queue="write_synced"})"),
                  2);
    }
    EXPECT_NE(after.find("# TYPE muster_frames_in_total counter"), std::string::npos);
}

TEST_P(HttpTest, directory_routes_list_groups_and_members) {
    start();
    create_group(server(), "njxl", "南京西路街道");
    create_group(server(), "chonghua", "重华居民区", "njxl");
    add_member(server(), "chonghua", "wangxg", "coordinator", "王晓光");
    add_member(server(), "chonghua", "liming", "member", "李明");
    const auto groups = http_call(server(), "GET", "/api/v1/groups", {}, server().token("liming"));
    EXPECT_EQ(groups.status, 200);
    EXPECT_NE(groups.body.find(R"({"id":"chonghua","name":"重华居民区","parent":"njxl"})"),
              std::string::npos)
        << groups.body;
    const auto members =
        http_call(server(), "GET", "/api/v1/groups/chonghua/members", {}, server().token("liming"));
    EXPECT_EQ(members.status, 200);
    EXPECT_NE(members.body.find(R"({"user":"wangxg","role":"coordinator","name":"王晓光"})"),
              std::string::npos)
        << members.body;
    // Members of another group may not list them.
    EXPECT_EQ(http_call(server(), "GET", "/api/v1/groups/chonghua/members", {}, server().token("x"))
                  .status,
              403);
    // A cycle is refused.
    EXPECT_EQ(admin_http(server(), "PUT", "/api/v1/groups/njxl", R"({"parent":"chonghua"})").status,
              400);
}

INSTANTIATE_TEST_SUITE_P(Backends, HttpTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test
