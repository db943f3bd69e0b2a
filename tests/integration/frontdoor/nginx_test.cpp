// The front door as shipped: Debian's nginx runs deploy/nginx/muster.conf (only the upstream
// addresses, the listen port, the server name and the certificate paths replaced), terminates
// TLS with a certificate the test makes, and spreads WebSocket clients over two nodes on one
// Redis with least_conn and no stickiness. A client whose node is SIGKILLed reconnects through
// nginx, lands on the other node and resumes without a gap or a duplicate.

#include <fstream>
#include <sstream>
#include <unistd.h>

#include "../redis/cluster_fixture.hpp"
#include "support/free_port.hpp"
#include "support/harness.hpp"
#include "tls_tunnel.hpp"

namespace muster::test {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

fs::path nginx_binary() {
    if (auto found = find_in_path("nginx"); !found.empty()) return found;
    return "/usr/sbin/nginx";
}

// deploy/nginx/muster.conf with this test's addresses: the upstream's `server` lines, the
// `listen` port, `server_name` and the certificate paths. Every one of them must be found, so
// that the file and this test cannot drift apart unnoticed.
testing::AssertionResult shipped_config(const std::vector<std::uint16_t>& node_ports,
                                        std::uint16_t listen_port, const fs::path& cert,
                                        const fs::path& key, std::string& out) {
    std::istringstream in(read_file(fs::path(MUSTER_SOURCE_DIR) / "deploy/nginx/muster.conf"));
    int upstream_servers = 0, listens = 0, names = 0, certs = 0, keys = 0;
    bool in_upstream = false;
    for (std::string line; std::getline(in, line);) {
        const auto code = line.substr(0, line.find('#'));
        const auto first = code.find_first_not_of(' ');
        const std::string directive =
            first == std::string::npos ? "" : code.substr(first, code.find(' ', first) - first);
        if (code.find("upstream muster") != std::string::npos) in_upstream = true;
        if (in_upstream && directive == "}") in_upstream = false;
        if (in_upstream && directive == "server") {
            if (upstream_servers++ == 0) {
                // The shipped parameters, only the address changes.
                const std::string params = code.substr(code.find(' ', code.find(':')));
                for (const auto port : node_ports)
                    out += "    server 127.0.0.1:" + std::to_string(port) + params + "\n";
            }
            continue;
        }
        if (directive == "listen" && code.find(" 443 ssl;") != std::string::npos) {
            ++listens;
            out += "    listen 127.0.0.1:" + std::to_string(listen_port) + " ssl;\n";
        } else if (directive == "server_name") {
            ++names;
            out += "    server_name localhost;\n";
        } else if (directive == "ssl_certificate") {
            ++certs;
            out += "    ssl_certificate " + cert.string() + ";\n";
        } else if (directive == "ssl_certificate_key") {
            ++keys;
            out += "    ssl_certificate_key " + key.string() + ";\n";
        } else {
            out += line + "\n";
        }
    }
    if (upstream_servers == 0 || listens != 1 || names != 1 || certs != 1 || keys != 1) {
        return testing::AssertionFailure()
               << "deploy/nginx/muster.conf changed shape: upstream servers " << upstream_servers
               << ", 'listen 443 ssl' " << listens << ", server_name " << names
               << ", ssl_certificate " << certs << ", ssl_certificate_key " << keys;
    }
    return testing::AssertionSuccess();
}

// Runs a command to its end; its stdout and stderr, and whether it exited with 0.
std::pair<bool, std::string> run(const std::string& program, std::vector<std::string> args,
                                 const fs::path& dir) {
    ChildProcess child;
    SpawnSpec spec;
    spec.program = program;
    spec.args = std::move(args);
    spec.stderr_path = dir / "command.stderr";
    fs::remove(spec.stderr_path);
    std::string error;
    if (!child.spawn(spec, error)) return {false, error};
    const auto exit = child.wait(default_wait);
    return {exit && exit->clean(), child.output() + read_file(spec.stderr_path)};
}

bool accepts(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return ok;
}

class FrontDoorTest : public ClusterTest {
  protected:
    void TearDown() override {
        if (nginx_ && nginx_->running()) {
            nginx_->signal(SIGTERM);  // the master stops its workers
            if (!nginx_->wait(default_wait)) nginx_->signal(SIGKILL);
        }
    }

    // The certificate, the configuration (checked with nginx -t), then nginx itself.
    void start_nginx() {
        const fs::path dir = dir_.path();
        fs::create_directories(dir / "logs");
        fs::create_directories(dir / "tmp");
        auto made = run(
            "openssl",
            {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
             "-keyout", (dir / "tls.key").string(), "-out", (dir / "tls.crt").string()},
            dir);
        ASSERT_TRUE(made.first) << made.second;

        port_ = free_loopback_port();
        std::string muster_conf;
        ASSERT_TRUE(shipped_config({node(0).port(), node(1).port()}, port_, dir / "tls.crt",
                                   dir / "tls.key", muster_conf));
        std::ofstream(dir / "muster.conf") << muster_conf;
        const std::string d = dir.string();
        std::ofstream(dir / "nginx.conf")
            << (::geteuid() == 0 ? "user root;\n" : "") << "worker_processes 1;\n"
            << "daemon off;\npid " << d << "/nginx.pid;\nerror_log " << d << "/logs/error.log;\n"
            << "events { worker_connections 256; }\n"
            << "http {\n  access_log " << d << "/logs/access.log;\n"
            << "  client_body_temp_path " << d << "/tmp/body;\n  proxy_temp_path " << d
            << "/tmp/proxy;\n  fastcgi_temp_path " << d << "/tmp/fastcgi;\n  uwsgi_temp_path " << d
            << "/tmp/uwsgi;\n  scgi_temp_path " << d << "/tmp/scgi;\n"
            << "  include " << d << "/muster.conf;\n}\n";
        const std::vector<std::string> prefix = {
            "-p", d + "/", "-c", d + "/nginx.conf", "-e", d + "/logs/error.log"};

        auto args = prefix;
        args.emplace_back("-t");
        const auto tested = run(nginx_binary().string(), args, dir);
        ASSERT_TRUE(tested.first) << "nginx -t refused the shipped config:\n" << tested.second;
        EXPECT_NE(tested.second.find("test is successful"), std::string::npos) << tested.second;

        nginx_ = std::make_unique<ChildProcess>();
        SpawnSpec spec{nginx_binary().string(), prefix, {}, dir / "logs/stderr", {}};
        std::string error;
        ASSERT_TRUE(nginx_->spawn(spec, error)) << error;
        ASSERT_TRUE(poll_until([&] { return accepts(port_); }))
            << "nginx does not listen:\n"
            << read_file(dir / "logs/error.log");
        tunnel_ = std::make_unique<TlsTunnel>(port_, (dir / "tls.crt").string(), "localhost");
    }

    // A client that reaches the nodes only through the tunnel (TLS) and nginx.
    TestClient through_nginx(const std::string& user) {
        client::ConnectOptions options;
        options.host = "127.0.0.1";
        options.port = tunnel_->port();
        options.target = "/ws";
        auto session = client::Session::open(options);
        EXPECT_TRUE(session) << session.failure().describe() << "\n"
                             << read_file(dir_.path() / "logs/error.log");
        TestClient client(std::move(session).value(), user);
        client.send_connect(node(0).token(user));
        return client;
    }

    TempDir dir_{"frontdoor"};
    std::uint16_t port_ = 0;
    std::unique_ptr<ChildProcess> nginx_;
    std::unique_ptr<TlsTunnel> tunnel_;
};

TEST_F(FrontDoorTest, a_client_resumes_through_nginx_after_its_node_is_killed) {
    start_nodes(2);
    group_with("chonghua", {"liming", "wangxg"});
    start_nginx();
    if (HasFatalFailure()) return;

    // The HTTP API through the same door.
    const auto ready = client::http_request("127.0.0.1", tunnel_->port(), "GET", "/readyz", "");
    ASSERT_TRUE(ready) << ready.failure().describe();
    EXPECT_EQ(ready->status, 200) << ready->body;

    auto liming = through_nginx("liming");
    liming.subscribe("chonghua", 0);
    auto wangxg = through_nginx("wangxg");
    // least_conn: with liming's connection open on one node, wangxg lands on the other.
    EXPECT_NE(liming.connect_reply().node(), wangxg.connect_reply().node());
    wangxg.publish("chonghua", "一");
    wangxg.publish("chonghua", "二");
    liming.expect_chat("chonghua", "一");
    const auto last_seen = liming.expect_chat("chonghua", "二").seq();

    // liming's node dies: nginx drops his connection.
    const std::size_t dead = liming.connect_reply().node() == "n0" ? 0 : 1;
    const std::size_t alive = 1 - dead;
    (void)node(dead).kill();
    liming.expect_closed(1006);
    // Meanwhile the others carry on, on the node that is left.
    auto direct = TestClient::connect(node(alive), "wangxg");
    direct.publish("chonghua", "三");
    direct.publish("chonghua", "四");

    // Back through the same door: nginx skips the dead node; the log resumes after "二".
    auto again = through_nginx("liming");
    EXPECT_EQ(again.connect_reply().node(), "n" + std::to_string(alive));
    const auto resumed = again.subscribe("chonghua", last_seen);
    EXPECT_TRUE(resumed.recovered());
    EXPECT_EQ(again.expect_chat("chonghua", "三").seq(), last_seen + 1);
    EXPECT_EQ(again.expect_chat("chonghua", "四").seq(), last_seen + 2);
    again.expect_quiet(direct, "chonghua");

    EXPECT_GE(tunnel_->verified(), 4) << "every client crossed verified TLS";
    EXPECT_EQ(tunnel_->failures(), 0);
}

}  // namespace
}  // namespace muster::test
