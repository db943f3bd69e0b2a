#include "loadgen/scenario.hpp"

#include <chrono>
#include <cmath>
#include <cstring>
#include <unistd.h>

#include "core/jwt.hpp"
#include "loadgen/admin.hpp"
#include "loadgen/clock.hpp"

namespace muster::loadgen {

Scenario::Scenario(const Options& options, const Protocol& protocol)
    : options_(options), protocol_(protocol) {
    deadline_ns_ = now_ns() + static_cast<std::int64_t>(options_.timeout_s * 1e9);
    // Tokens outlive the run comfortably: an expiring token would close connections mid-run.
    exp_s_ = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count() +
             2 * 86400;
    const auto seed =
        static_cast<std::uint64_t>(now_ns()) ^ (static_cast<std::uint64_t>(::getpid()) << 40);
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(seed));
    nonce_.assign(hex + 8, 8);
}

Scenario::~Scenario() = default;

boost::json::object Scenario::run() {
    boost::json::object report;
    report["tool"] = "muster-loadgen";
    report["scenario"] = options_.scenario;
    report["protocol"] = protocol_.name();
    if (options_.protocol == "muster") report["encoding"] = options_.encoding;
    if (!options_.label.empty()) report["label"] = options_.label;
    const std::int64_t started = now_ns();
    const std::int64_t cpu_start = self_cpu_us();

    const bool correct = execute(report);

    if (engine_) {
        report["connect_latency_ms"] = latency_json(engine_->connect_latency());
        report["transient_events"] = engine_->transient_events();
        engine_->close_all();
    }
    boost::json::object errors;
    std::uint64_t total = 0;
    auto add = [&](const Errors& e) {
        for (const auto& [reason, count] : e.by_reason()) {
            errors[reason] = errors.contains(reason) ? errors[reason].as_uint64() + count : count;
        }
        total += e.total();
    };
    add(setup_errors_);
    if (engine_) add(engine_->errors());
    report["errors"] = total;
    report["error_reasons"] = std::move(errors);
    report["client_cpu_s"] = round3(static_cast<double>(self_cpu_us() - cpu_start) / 1e6);
    report["wall_s"] = round3(seconds(now_ns() - started));
    report["ok"] = correct && total == 0;
    return report;
}

std::string_view Scenario::group_name(std::uint32_t group) const {
    return group_names_[group];
}

std::int64_t Scenario::group_index(std::string_view name) const {
    const std::string_view prefix = options_.prefix;
    if (name.size() <= prefix.size() + 1 || name.compare(0, prefix.size(), prefix) != 0 ||
        name[prefix.size()] != '-') {
        return -1;
    }
    std::int64_t index = 0;
    for (const char c : name.substr(prefix.size() + 1)) {
        if (c < '0' || c > '9') return -1;
        index = index * 10 + (c - '0');
        if (index >= static_cast<std::int64_t>(group_names_.size())) return -1;
    }
    return index;
}

std::string Scenario::user_of(const Conn& conn) const {
    return options_.prefix + "u" +
           std::to_string(conn.index / std::max(options_.conns_per_user, 1u));
}

std::string Scenario::token(const Conn& conn) {
    boost::json::object claims;
    const std::string user = user_of(conn);
    claims["sub"] = user;
    claims["name"] = user;
    claims["exp"] = exp_s_;
    claims["roles"] = boost::json::array{};
    std::vector<std::string> groups;
    for (std::uint8_t i = 0; i < conn.subscription_count; ++i) {
        groups.push_back(group_names_[conn.subs[i].group]);
    }
    extra_token_groups(conn, groups);
    claims["groups"] = boost::json::array(groups.begin(), groups.end());
    return sign_hs256(boost::json::serialize(claims), options_.secret);
}

void Scenario::name_groups(std::uint32_t count) {
    group_names_.clear();
    group_names_.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
        group_names_.push_back(options_.prefix + "-" + std::to_string(i));
    }
}

bool Scenario::setup_groups() {
    if (options_.protocol != "muster" || !options_.create_groups) return true;
    boost::json::object claims;
    claims["sub"] = "loadgen-admin";
    claims["name"] = "loadgen admin";
    claims["exp"] = exp_s_;
    claims["roles"] = boost::json::array{"admin"};
    const HttpTarget target{options_.host, options_.port,
                            sign_hs256(boost::json::serialize(claims), options_.secret)};
    const double left_s = seconds(deadline_ns_ - now_ns());
    return create_groups(target, group_names_, options_.http_concurrency, left_s, setup_errors_);
}

void Scenario::make_engine(std::size_t connections, std::uint32_t source_base,
                           std::uint32_t publishers_from) {
    EngineOptions engine;
    engine.host = options_.host;
    engine.port = options_.port;
    if (publishers_from > 0) {
        engine.other_host = options_.publish_host;
        engine.other_port = options_.publish_port;
        engine.other_from = publishers_from;
    }
    engine.conns_per_source = options_.conns_per_source;
    engine.source_base = source_base;
    engine.connect_concurrency = options_.connect_concurrency;
    engine_ = std::make_unique<Engine>(engine, protocol_, *this, connections);
}

double Scenario::open_range(std::uint32_t first, std::uint32_t last) {
    const std::int64_t started = now_ns();
    for (std::uint32_t i = first; i < last; ++i) engine_->open(i);
    while (engine_->opening_count() > 0) {
        if (past_deadline()) {
            setup_errors_.add("timed out opening connections", engine_->opening_count());
            break;
        }
        engine_->poll(10);
    }
    return seconds(now_ns() - started);
}

void Scenario::settle() {
    const std::int64_t started = now_ns();
    const auto quiet = static_cast<std::int64_t>(options_.settle_s * 1e9);
    // Bounded: a server that never goes quiet (pings, presence) does not hold the run.
    const std::int64_t limit = started + std::max<std::int64_t>(10 * quiet, 5 * ns_per_s);
    while (true) {
        const std::int64_t now = now_ns();
        if (now - std::max(engine_->last_frame_ns(), started) >= quiet) break;
        if (now >= limit || past_deadline()) break;
        engine_->poll(10);
    }
}

void Scenario::begin_phase(Phase& phase) const {
    phase.server_start = sample_process(options_.server_pid);
    phase.client_cpu_start_us = self_cpu_us();
    phase.start_ns = now_ns();
}

void Scenario::end_phase(Phase& phase) const {
    phase.end_ns = now_ns();
    phase.client_cpu_end_us = self_cpu_us();
    phase.server_end = sample_process(options_.server_pid);
}

boost::json::object Scenario::phase_json(const Phase& phase, std::uint64_t units,
                                         std::string_view unit) const {
    boost::json::object out;
    out["seconds"] = round3(seconds(phase.end_ns - phase.start_ns));
    out["client_cpu_s"] =
        round3(static_cast<double>(phase.client_cpu_end_us - phase.client_cpu_start_us) / 1e6);
    if (phase.server_start && phase.server_end) {
        const std::int64_t cpu_us = phase.server_end->cpu_us - phase.server_start->cpu_us;
        boost::json::object server;
        server["pid"] = options_.server_pid;
        server["cpu_ms"] = round3(static_cast<double>(cpu_us) / 1e3);
        if (units > 0) {
            server[std::string("cpu_us_per_") + std::string(unit)] =
                round3(static_cast<double>(cpu_us) / static_cast<double>(units));
        }
        server["rss_kib_start"] = phase.server_start->rss_kib;
        server["rss_kib_end"] = phase.server_end->rss_kib;
        out["server"] = std::move(server);
    }
    return out;
}

bool Scenario::past_deadline() const {
    return now_ns() >= deadline_ns_;
}

std::uint64_t Scenario::error_total() const {
    return setup_errors_.total() + (engine_ ? engine_->errors().total() : 0);
}

double round3(double value) {
    return std::round(value * 1000.0) / 1000.0;
}

boost::json::object latency_json(const Histogram& h) {
    boost::json::object out;
    out["count"] = h.count();
    out["p50"] = round3(millis(h.quantile(0.50)));
    out["p90"] = round3(millis(h.quantile(0.90)));
    out["p99"] = round3(millis(h.quantile(0.99)));
    out["p999"] = round3(millis(h.quantile(0.999)));
    out["max"] = round3(millis(h.max()));
    out["mean"] = round3(h.mean() / 1e6);
    return out;
}

std::unique_ptr<Scenario> make_traffic(const Options& options, const Protocol& protocol);
std::unique_ptr<Scenario> make_idle(const Options& options, const Protocol& protocol);
std::unique_ptr<Scenario> make_resume_storm(const Options& options, const Protocol& protocol);
std::unique_ptr<Scenario> make_publish_ack(const Options& options, const Protocol& protocol);
std::unique_ptr<Scenario> make_large_group_join(const Options& options, const Protocol& protocol);

std::unique_ptr<Scenario> make_scenario(const Options& options, const Protocol& protocol) {
    if (options.scenario == "fanout" || options.scenario == "chat") {
        return make_traffic(options, protocol);
    }
    if (options.scenario == "idle") return make_idle(options, protocol);
    if (options.scenario == "resume-storm") return make_resume_storm(options, protocol);
    if (options.scenario == "publish-ack") return make_publish_ack(options, protocol);
    if (options.scenario == "large-group-join") return make_large_group_join(options, protocol);
    return nullptr;
}

}  // namespace muster::loadgen
