#pragma once
// Push delivery tests: musterd with its push worker, and a loopback fake push service
// (fakes/fake_push.js, run by node) that decrypts Web Push with the npm http_ece package,
// verifies VAPID and webhook signatures, and prints one JSON line per request it answered.
// Events are awaited by their sequence number ("an event after the n-th"), never slept for.
//
// The organisation: 重华 (chonghua: liming, zhangfang, heping) under 街道 (sd: wangxg,
// coordinator).

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "muster/codec.hpp"
#include "support/backend.hpp"
#include "support/harness.hpp"

namespace muster::test {

namespace json = boost::json;

// The "n" (sequence number) of a fake's event line; 0 when it has none.
inline std::int64_t event_sequence(std::string_view line) {
    const auto at = line.rfind("\"n\":");
    if (at == std::string_view::npos) return 0;
    return std::atoll(std::string(line.substr(at + 4)).c_str());
}

// The sequence number of the last event line in `output`.
inline std::int64_t last_sequence(const std::string& output) {
    const auto end = output.find_last_of('\n', output.size() >= 2 ? output.size() - 2 : 0);
    return event_sequence(std::string_view(output).substr(end == std::string::npos ? 0 : end));
}

// The fake push service.
class FakePush {
  public:
    explicit FakePush(const std::string& webhook_secret = "hook-secret") {
        SpawnSpec spec;
        spec.program = "node";
        spec.args = {std::string(MUSTER_PUSH_FAKES_DIR) + "/fake_push.js", webhook_secret};
        spec.env = {{"NODE_PATH", MUSTER_PUSH_NODE_MODULES}};
        std::string error;
        if (!process_.spawn(spec, error)) {
            ADD_FAILURE() << "node: " << error;
            return;
        }
        auto ready = process_.wait_for_line(
            [](std::string_view line) { return line.find("\"ready\"") != std::string::npos; },
            std::chrono::seconds(30));
        if (!ready) {
            ADD_FAILURE() << "the fake push service did not start";
            return;
        }
        const auto event = json::parse(*ready).as_object();
        port_ = static_cast<int>(event.at("port").to_number<std::int64_t>());
        p256dh_ = std::string(event.at("p256dh").as_string());
        auth_ = std::string(event.at("auth").as_string());
    }

    [[nodiscard]] std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    [[nodiscard]] const std::string& p256dh() const { return p256dh_; }
    [[nodiscard]] const std::string& auth() const { return auth_; }

    // Every event so far that `keep` accepts, in order.
    [[nodiscard]] std::vector<json::object> events(
        const std::function<bool(const json::object&)>& keep) const {
        std::vector<json::object> out;
        std::istringstream lines(process_.output());
        for (std::string line; std::getline(lines, line);) {
            boost::system::error_code ec;
            auto value = json::parse(line, ec);
            if (!ec && value.is_object() && keep(value.as_object()))
                out.push_back(value.as_object());
        }
        return out;
    }

    // Waits until at least `count` events satisfy `keep`; returns them (fewer on timeout, with a
    // test failure).
    std::vector<json::object> wait_events(const std::function<bool(const json::object&)>& keep,
                                          std::size_t count,
                                          std::chrono::milliseconds timeout = default_wait) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            auto found = events(keep);
            if (found.size() >= count) return found;
            const std::int64_t last = last_sequence(process_.output());
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                ADD_FAILURE() << "waited for " << count << " push events, got " << found.size()
                              << ":\n"
                              << process_.output();
                return found;
            }
            process_.wait_for_line(
                [last](std::string_view line) { return event_sequence(line) > last; }, left);
        }
    }

    [[nodiscard]] std::string output() const { return process_.output(); }

    static bool to_path(const json::object& event, const std::string& path) {
        const auto* p = event.if_contains("path");
        return p != nullptr && p->is_string() && p->as_string() == path;
    }

  private:
    mutable ChildProcess process_;
    int port_ = 0;
    std::string p256dh_;
    std::string auth_;
};

// A P-256 VAPID key for the node under test, made with openssl (SEC1 PEM).
inline std::filesystem::path make_vapid_key(const std::filesystem::path& dir) {
    const auto path = dir / "vapid.pem";
    ChildProcess openssl;
    std::string error;
    SpawnSpec spec;
    spec.program = "openssl";
    spec.args = {"ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path.string()};
    EXPECT_TRUE(openssl.spawn(spec, error)) << error;
    auto status = openssl.wait(std::chrono::seconds(30));
    EXPECT_TRUE(status && status->clean());
    return path;
}

inline std::string payload_field(const json::object& event, const char* key) {
    const auto* payload = event.if_contains("payload");
    if (payload == nullptr || !payload->is_object()) return {};
    const auto* v = payload->as_object().if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

inline std::string data_field(const json::object& event, const char* key) {
    const auto* payload = event.if_contains("payload");
    if (payload == nullptr || !payload->is_object()) return {};
    const auto* data = payload->as_object().if_contains("data");
    if (data == nullptr || !data->is_object()) return {};
    const auto* v = data->as_object().if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

inline std::string header(const json::object& event, const char* name) {
    const auto* headers = event.if_contains("headers");
    if (headers == nullptr || !headers->is_object()) return {};
    const auto* v = headers->as_object().if_contains(name);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Node options that turn the worker on against loopback fakes, with quick retries.
inline std::vector<std::string> push_args(const std::filesystem::path& vapid_key) {
    return {"--push.vapid_private_key_file=" + vapid_key.string(),
            "--push.vapid_subject=mailto:ops@muster.test",
            "--push.allow_http_endpoints=true",
            "--push.poll_interval_ms=50",
            "--push.backoff_initial_ms=100",
            "--push.lease_s=30"};
}

inline void organise(const ServerProcess& server) {
    create_group(server, "sd", "街道");
    create_group(server, "chonghua", "重华", "sd");
    add_member(server, "sd", "wangxg", "coordinator");
    for (const auto* user : {"liming", "zhangfang", "heping"}) add_member(server, "chonghua", user);
}

// PUT /api/v1/devices/{id} for `user`: must succeed.
inline void register_device(const ServerProcess& server, const std::string& user,
                            const std::string& id, const json::object& spec) {
    const auto response = http_call(server, "PUT", "/api/v1/devices/" + id, json::serialize(spec),
                                    server.token(user));
    ASSERT_EQ(response.status, 201) << response.body;
}

inline json::object webpush_spec(const FakePush& fake, const std::string& path) {
    return {{"kind", "webpush"},
            {"endpoint", fake.url(path)},
            {"p256dh", fake.p256dh()},
            {"auth", fake.auth()}};
}

// POST /api/v1/duty-calls in 重华 by wangxg: "门岗: 登记, 测体温", starting in an hour.
inline std::string create_call(const ServerProcess& server, std::uint32_t slots, bool urgent,
                               std::int64_t starts_at_ms) {
    json::object call{{"group", "chonghua"},
                      {"title", "门岗: 登记, 测体温"},
                      {"location", "北门"},
                      {"startsAtMs", std::to_string(starts_at_ms)},
                      {"endsAtMs", std::to_string(starts_at_ms + 3600000)},
                      {"slots", slots},
                      {"urgency", urgent ? "URGENT" : "ROUTINE"}};
    const auto made = http_call(server, "POST", "/api/v1/duty-calls", json::serialize(call),
                                server.token("wangxg"));
    EXPECT_EQ(made.status, 201) << made.body;
    boost::system::error_code ec;
    auto reply = json::parse(made.body, ec);
    if (ec || !reply.is_object() || !reply.as_object().contains("callId")) return {};
    return std::string(reply.as_object().at("callId").as_string());
}

// GET /api/v1/push/outbox (admin) until it lists no intent or default_wait has passed: the
// last answer. Every intent recorded so far has been sent or dropped once it is empty.
inline std::string outbox_once_drained(const ServerProcess& server) {
    const auto deadline = std::chrono::steady_clock::now() + default_wait;
    std::string body;
    do {
        body = admin_http(server, "GET", "/api/v1/push/outbox").body;
    } while (body != R"({"intents":[]})" && std::chrono::steady_clock::now() < deadline);
    return body;
}

inline std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace muster::test
