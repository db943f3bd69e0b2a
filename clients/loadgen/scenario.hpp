#pragma once
// What every scenario shares: the groups it names (<prefix>-<n>) and creates, the users and
// tokens of its connections, opening connections and waiting for them, quiet time before a
// measured phase, the measurements around a phase, and the common part of the report.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "loadgen/engine.hpp"
#include "loadgen/errors.hpp"
#include "loadgen/histogram.hpp"
#include "loadgen/options.hpp"
#include "loadgen/proc_stats.hpp"
#include "loadgen/protocol.hpp"

namespace muster::loadgen {

// CPU and memory around one measured phase.
struct Phase {
    std::int64_t start_ns = 0;
    std::int64_t end_ns = 0;
    std::int64_t client_cpu_start_us = 0;
    std::int64_t client_cpu_end_us = 0;
    std::optional<ProcessSample> server_start;
    std::optional<ProcessSample> server_end;
};

class Scenario : public Handler {
  public:
    Scenario(const Options& options, const Protocol& protocol);
    ~Scenario() override;
    Scenario(const Scenario&) = delete;
    Scenario& operator=(const Scenario&) = delete;

    // Runs to the end (bounded by --timeout) and returns the report.
    boost::json::object run();

    // Handler
    [[nodiscard]] std::string_view group_name(std::uint32_t group) const override;
    [[nodiscard]] std::int64_t group_index(std::string_view name) const override;
    std::string token(const Conn& conn) override;

  protected:
    // The scenario itself; adds its own fields to `report` and says whether the run was
    // correct (nothing missing, nothing duplicated, no errors).
    virtual bool execute(boost::json::object& report) = 0;

    // Groups this scenario uses: <prefix>-0 ... <prefix>-(count-1).
    void name_groups(std::uint32_t count);
    // Muster: creates the groups (when asked to); false on failure.
    bool setup_groups();
    // `publishers_from`: connections from this index on publish (fanout), and connect to
    // --publish-server when it is given.
    void make_engine(std::size_t connections, std::uint32_t source_base = 1,
                     std::uint32_t publishers_from = 0);
    // Opens connections [first, last) (their subscriptions set) and waits until each is ready
    // or has failed, or the run's deadline. The seconds it took.
    double open_range(std::uint32_t first, std::uint32_t last);
    // Waits until no frame has arrived for --settle seconds (bounded), so that presence
    // notices and connection set-up are not counted in the phase that follows.
    void settle();
    // The user of a connection: connections share users by --conns-per-user.
    [[nodiscard]] virtual std::string user_of(const Conn& conn) const;
    // Groups a connection's token names besides its subscriptions (publishers).
    virtual void extra_token_groups(const Conn& /*conn*/, std::vector<std::string>& /*out*/) const {
    }

    void begin_phase(Phase& phase) const;
    void end_phase(Phase& phase) const;
    // {"seconds", "client_cpu_s", "server": {"cpu_ms", "cpu_us_per_<unit>", "rss_kib_*"}},
    // `units` being the deliveries (or acknowledged publishes) of the phase.
    [[nodiscard]] boost::json::object phase_json(const Phase& phase, std::uint64_t units,
                                                 std::string_view unit = "delivery") const;

    [[nodiscard]] bool past_deadline() const;
    [[nodiscard]] std::int64_t deadline_ns() const { return deadline_ns_; }
    [[nodiscard]] std::uint64_t error_total() const;

    const Options& options_;
    const Protocol& protocol_;
    std::unique_ptr<Engine> engine_;
    std::vector<std::string> group_names_;
    std::string nonce_;  // makes client_msg_ids unique across runs (idempotency is per user)
    Errors setup_errors_;

  private:
    std::int64_t deadline_ns_ = 0;
    std::int64_t exp_s_ = 0;
};

// Latency as milliseconds: {"p50", "p90", "p99", "p999", "max", "mean", "count"}.
boost::json::object latency_json(const Histogram& histogram);
// Three decimals are plenty for a report, and keep the JSON line readable.
double round3(double value);

std::unique_ptr<Scenario> make_scenario(const Options& options, const Protocol& protocol);

}  // namespace muster::loadgen
