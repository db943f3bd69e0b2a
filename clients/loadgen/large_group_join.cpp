// large-group-join: --connections distinct users (one connection each) join one group at once:
// connect, subscribe, and stay. What it costs the subscribers is presence: every arrival
// changes who is online, and every subscriber hears about it. Measured: how long until every
// connection is subscribed (join_s), the presence bytes that reached all subscribers together
// (WebSocket header and payload of every seq-0 event) while they joined and until the group
// went quiet, and the server's CPU for it. Correct when every connection joined, nothing
// failed, and, when the server sent counts (a large group), every subscriber's last count is
// the number of users who joined.

#include <algorithm>

#include "loadgen/clock.hpp"
#include "loadgen/scenario.hpp"

namespace muster::loadgen {
namespace {

class LargeGroupJoin final : public Scenario {
  public:
    using Scenario::Scenario;

  protected:
    bool execute(boost::json::object& report) override;
    void on_transient(Conn& conn, const Incoming& event, std::size_t wire_bytes) override {
        ++presence_messages_;
        presence_bytes_ += wire_bytes;
        if (event.presence_count) {
            ++count_messages_;
            last_count_[conn.index] = event.online;
        }
    }
    void on_lost(Conn& /*conn*/) override { ++lost_; }
    // One user per connection, whatever --conns-per-user says: the point is distinct users.
    [[nodiscard]] std::string user_of(const Conn& conn) const override {
        return options_.prefix + "u" + std::to_string(conn.index);
    }

  private:
    std::uint64_t presence_messages_ = 0;
    std::uint64_t presence_bytes_ = 0;
    std::uint64_t count_messages_ = 0;
    std::uint64_t lost_ = 0;
    std::vector<std::uint64_t> last_count_;
};

bool LargeGroupJoin::execute(boost::json::object& report) {
    const std::uint32_t n = options_.connections;
    name_groups(1);
    report["connections"] = n;
    report["users"] = n;
    if (!setup_groups()) return false;
    make_engine(n);
    last_count_.assign(n, 0);
    for (std::uint32_t i = 0; i < n; ++i) engine_->conn(i).add_subscription(0);

    Phase phase;
    begin_phase(phase);
    const double join_s = open_range(0, n);
    report["join_s"] = round3(join_s);
    report["joined"] = engine_->ready_count();
    // Presence keeps arriving for a batch window or two after the last join: until quiet.
    settle();
    end_phase(phase);
    report["phase"] = phase_json(phase, n, "join");

    report["presence_messages"] = presence_messages_;
    report["presence_bytes"] = presence_bytes_;
    report["presence_mb"] = round3(static_cast<double>(presence_bytes_) / 1e6);
    report["presence_bytes_per_subscriber"] =
        round3(static_cast<double>(presence_bytes_) / std::max<double>(n, 1));
    report["presence_count_messages"] = count_messages_;
    std::uint64_t final_right = 0;
    for (const auto count : last_count_) final_right += count == n ? 1 : 0;
    report["subscribers_with_final_count"] = final_right;
    report["lost_connections"] = lost_;
    const bool counted = count_messages_ > 0;
    return engine_->ready_count() == n && lost_ == 0 && error_total() == 0 &&
           (!counted || final_right == n);
}

}  // namespace

std::unique_ptr<Scenario> make_large_group_join(const Options& options, const Protocol& protocol) {
    return std::make_unique<LargeGroupJoin>(options, protocol);
}

}  // namespace muster::loadgen
