// idle: --connections connections, each subscribed to 3 groups, held for --hold seconds
// without traffic. Measures the server's resident memory after --checkpoint connections and
// after all of them (the slope between the two is the memory per connection, without the
// server's fixed start-up cost), the kernel's TCP socket memory at both points (RSS does not
// include socket buffers; the kernel counts both ends of a loopback connection), and the
// server's CPU time while the connections are idle (pings, timers).
//
// Connection i belongs to user i / --conns-per-user; a user's connections share its three
// groups (3u, 3u+1, 3u+2 modulo --groups), so presence notices at subscribe stay per user.

#include <algorithm>

#include "loadgen/clock.hpp"
#include "loadgen/scenario.hpp"

namespace muster::loadgen {
namespace {

class Idle final : public Scenario {
  public:
    using Scenario::Scenario;

  protected:
    bool execute(boost::json::object& report) override;
    void on_event(Conn& /*conn*/, Subscription& /*sub*/, const Incoming& /*event*/,
                  bool /*fresh*/) override {
        ++events_;  // nobody publishes: any logged event is someone else's
    }
    void on_lost(Conn& /*conn*/) override { ++lost_; }

  private:
    // Server memory and kernel socket memory with `connections` open.
    boost::json::object checkpoint(std::uint32_t connections);

    std::uint64_t events_ = 0;
    std::uint64_t lost_ = 0;
    std::optional<ProcessSample> previous_server_;
    std::optional<SocketSample> previous_sockets_;
    std::uint32_t previous_count_ = 0;
};

boost::json::object Idle::checkpoint(std::uint32_t connections) {
    boost::json::object out;
    out["connections"] = engine_->ready_count();
    const auto server = sample_process(options_.server_pid);
    const auto sockets = sample_sockets();
    if (server) out["server_rss_kib"] = server->rss_kib;
    if (sockets) {
        out["tcp_sockets"] = sockets->tcp_inuse;
        out["tcp_mem_kib"] = sockets->tcp_mem_kib;
    }
    // The slope from the previous checkpoint.
    const double span = static_cast<double>(connections) - static_cast<double>(previous_count_);
    if (span > 0 && server && previous_server_) {
        out["server_rss_kib_per_connection"] =
            round3(static_cast<double>(server->rss_kib - previous_server_->rss_kib) / span);
    }
    if (span > 0 && sockets && previous_sockets_) {
        out["tcp_mem_kib_per_connection"] = round3(
            static_cast<double>(sockets->tcp_mem_kib - previous_sockets_->tcp_mem_kib) / span);
    }
    previous_server_ = server;
    previous_sockets_ = sockets;
    previous_count_ = connections;
    return out;
}

bool Idle::execute(boost::json::object& report) {
    const std::uint32_t n = options_.connections;
    const std::uint32_t groups = std::max(options_.groups, 3u);
    name_groups(groups);
    report["connections"] = n;
    report["groups"] = groups;
    report["groups_per_connection"] = 3;
    if (!setup_groups()) return false;

    make_engine(n);
    for (std::uint32_t i = 0; i < n; ++i) {
        const std::uint32_t user = i / std::max(options_.conns_per_user, 1u);
        for (std::uint32_t k = 0; k < 3; ++k) {
            engine_->conn(i).add_subscription((3 * user + k) % groups);
        }
    }

    boost::json::array checkpoints;
    checkpoints.push_back(checkpoint(0));
    const std::uint32_t first = std::min(options_.checkpoint, n);
    double connect_s = 0;
    if (first > 0 && first < n) {
        connect_s += open_range(0, first);
        settle();
        checkpoints.push_back(checkpoint(first));
    }
    connect_s += open_range(first < n ? first : 0, n);
    report["connect_s"] = round3(connect_s);
    report["connected"] = engine_->ready_count();
    settle();
    checkpoints.push_back(checkpoint(n));
    // The slope that counts is the last one: from --checkpoint to n when given (the server's
    // start-up memory and allocator warm-up excluded), else from 0.
    report["checkpoints"] = std::move(checkpoints);
    if (auto* last = report["checkpoints"].as_array().back().if_object()) {
        if (last->contains("server_rss_kib_per_connection")) {
            report["server_rss_kib_per_connection"] = (*last)["server_rss_kib_per_connection"];
        }
        if (last->contains("tcp_mem_kib_per_connection")) {
            report["tcp_mem_kib_per_connection"] = (*last)["tcp_mem_kib_per_connection"];
        }
    }

    Phase phase;
    begin_phase(phase);
    const std::int64_t end = phase.start_ns + static_cast<std::int64_t>(options_.hold_s * 1e9);
    while (now_ns() < end && !past_deadline()) engine_->poll(100);
    end_phase(phase);
    boost::json::object hold = phase_json(phase, 0);
    if (phase.server_start && phase.server_end) {
        const double held_s = seconds(phase.end_ns - phase.start_ns);
        hold["server_cpu_percent"] =
            round3(static_cast<double>(phase.server_end->cpu_us - phase.server_start->cpu_us) /
                   1e4 / held_s);
    }
    report["hold"] = std::move(hold);
    report["held_connections"] = engine_->ready_count();
    report["lost_connections"] = lost_;
    report["events"] = events_;
    return engine_->ready_count() == n && lost_ == 0;
}

}  // namespace

std::unique_ptr<Scenario> make_idle(const Options& options, const Protocol& protocol) {
    return std::make_unique<Idle>(options, protocol);
}

}  // namespace muster::loadgen
