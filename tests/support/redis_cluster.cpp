#include "support/redis_cluster.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <random>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "support/child_process.hpp"
#include "support/log_tail.hpp"

namespace muster::test {

namespace {

// Below the kernel's ephemeral range (32768+ here), so that outgoing connections do not take
// them, and + 10000 (the cluster bus) stays <= 65535.
constexpr std::uint16_t port_low = 20000;
constexpr std::uint16_t port_high = 22000;
constexpr int start_attempts = 4;

bool bindable(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return ok;
}

// A port free for a node and its cluster bus a moment ago (racy: start() retries).
std::uint16_t cluster_port(std::vector<std::uint16_t>& taken) {
    thread_local std::mt19937 engine{std::random_device{}()};
    std::uniform_int_distribution<int> pick(port_low, port_high);
    for (;;) {
        const auto port = static_cast<std::uint16_t>(pick(engine));
        if (std::find(taken.begin(), taken.end(), port) != taken.end()) continue;
        if (bindable(port) && bindable(static_cast<std::uint16_t>(port + 10000))) {
            taken.push_back(port);
            return port;
        }
    }
}

bool says_ok(const std::optional<Resp>& info) {
    return info && info->kind == Resp::Kind::string &&
           info->str.find("cluster_state:ok") != std::string::npos;
}

}  // namespace

bool RedisCluster::available() {
    return RedisProcess::available() && !find_in_path("redis-cli").empty();
}

RedisCluster::RedisCluster(std::size_t masters, std::size_t replicas)
    : masters_(masters), replicas_(replicas) {}

RedisCluster::~RedisCluster() = default;  // each RedisProcess kills its node by PID

testing::AssertionResult RedisCluster::start() {
    testing::AssertionResult result = testing::AssertionFailure();
    for (int attempt = 0; attempt < start_attempts; ++attempt) {
        nodes_.clear();
        std::vector<std::uint16_t> taken;
        result = testing::AssertionSuccess();
        for (std::size_t i = 0; i < masters_ * (1 + replicas_) && result; ++i) {
            RedisOptions options;
            options.port = cluster_port(taken);
            // A replica syncs at once (not after the default 5 s of diskless-sync delay): a
            // replica that never synced does not take over from its master.
            options.args = {
                "--cluster-enabled",     "yes",        "--cluster-node-timeout",     "1000",
                "--cluster-config-file", "nodes.conf", "--repl-diskless-sync-delay", "0"};
            nodes_.push_back(std::make_unique<RedisProcess>(std::move(options)));
            result = nodes_.back()->start();
        }
        if (result) break;
    }
    if (!result) return result;

    ChildProcess cli;
    SpawnSpec spec;
    spec.program = "redis-cli";
    spec.args = {"--cluster", "create"};
    for (const auto& node : nodes_)
        spec.args.push_back("127.0.0.1:" + std::to_string(node->port()));
    spec.args.insert(spec.args.end(),
                     {"--cluster-replicas", std::to_string(replicas_), "--cluster-yes"});
    const auto log = nodes_.front()->dir() / "cluster-create.log";
    spec.stdout_path = log;
    spec.stderr_path = log;
    std::string error;
    if (!cli.spawn(spec, error)) return testing::AssertionFailure() << "redis-cli: " << error;
    const auto status = cli.wait(std::chrono::seconds(60));
    if (!status || !status->clean()) {
        if (!status) cli.kill();
        return testing::AssertionFailure() << "redis-cli --cluster create failed\n"
                                           << tail_lines(read_file(log), 30);
    }
    return await_ok();
}

testing::AssertionResult RedisCluster::await_ok(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::string last;
    for (;;) {
        bool ok = true;
        for (std::size_t i = 0; i < nodes_.size() && ok; ++i) {
            if (!nodes_[i]->running()) continue;
            const auto info = call(i, {"CLUSTER", "INFO"});
            if (!says_ok(info)) {
                ok = false;
                last = "node " + std::to_string(i) + ": " + (info ? info->str : "no answer");
            }
        }
        for (std::size_t i = 0; i < nodes_.size() && ok; ++i) {
            // Every replica has synced with its master (one that never did cannot take over).
            if (!nodes_[i]->running()) continue;
            const auto info = call(i, {"INFO", "replication"});
            if (!info || info->is_error() ||
                (info->str.find("role:slave") != std::string::npos &&
                 info->str.find("master_link_status:up") == std::string::npos)) {
                ok = false;
                last = "node " + std::to_string(i) + " is a replica that has not synced";
            }
        }
        if (ok) {
            // Every slot served by a running master, in the view of every running node.
            for (std::size_t i = 0; i < nodes_.size() && ok; ++i) {
                if (!nodes_[i]->running()) continue;
                const auto slots = call(i, {"CLUSTER", "SLOTS"});
                std::int64_t covered = 0;
                if (slots && slots->kind == Resp::Kind::array) {
                    for (const auto& range : slots->elements) {
                        if (range.elements.size() < 3 || range.elements[2].elements.size() < 2)
                            continue;
                        const auto master = index_of_port(range.elements[2].elements[1].integer);
                        if (master && nodes_[*master]->running())
                            covered += range.elements[1].integer - range.elements[0].integer + 1;
                    }
                }
                if (covered != 16384) {
                    ok = false;
                    last = "node " + std::to_string(i) + " sees " + std::to_string(covered) +
                           " slots on running masters";
                }
            }
        }
        if (ok) return testing::AssertionSuccess();
        if (std::chrono::steady_clock::now() > deadline) {
            std::string nodes;
            for (std::size_t i = 0; i < nodes_.size() && nodes.empty(); ++i) {
                if (!nodes_[i]->running()) continue;
                if (const auto r = call(i, {"CLUSTER", "NODES"})) nodes = r->str;
            }
            std::string logs;
            for (const auto& node : nodes_) {
                if (node->running())
                    logs += "--- " + node->url() + " ---\n" + tail_lines(node->log_text(), 12);
            }
            return testing::AssertionFailure() << "the cluster is not ok after " << limit.count()
                                               << " ms: " << last << "\nCLUSTER NODES:\n"
                                               << nodes << logs;
        }
        // Cluster state changes on the nodes' own clock (gossip every 100 ms): ask again soon.
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

std::optional<std::size_t> RedisCluster::master_of(unsigned slot) {
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        if (!nodes_[i]->running()) continue;
        const auto slots = call(i, {"CLUSTER", "SLOTS"});
        if (!slots || slots->kind != Resp::Kind::array) continue;
        for (const auto& range : slots->elements) {
            if (range.elements.size() < 3 || range.elements[2].elements.size() < 2) continue;
            if (range.elements[0].integer <= slot && slot <= range.elements[1].integer) {
                return index_of_port(range.elements[2].elements[1].integer);
            }
        }
        return std::nullopt;
    }
    return std::nullopt;
}

std::optional<Resp> RedisCluster::call(std::size_t i, const std::vector<std::string>& args) {
    RespClient client(nodes_.at(i)->port());
    return client.call(args);
}

std::optional<std::size_t> RedisCluster::index_of_port(std::int64_t port) const {
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        if (nodes_[i]->port() == port) return i;
    }
    return std::nullopt;
}

}  // namespace muster::test
