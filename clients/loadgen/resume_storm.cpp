// resume-storm: --connections clients in groups of --members subscribe; they all drop their
// connections at once (no close handshake: phones losing the network); a publisher puts
// --missed events into every group; then every client reconnects at the same moment, resuming
// with `since` = the last seq it saw (Muster's connect.resume, one round trip). Measured: the
// time from the first reconnect until every client holds every missed event, checked exactly
// once and in order, and the server's CPU per replayed event.
//
// Muster only: the peer baselines keep no log to resume from.

#include <algorithm>
#include <array>
#include <cstdio>

#include "loadgen/clock.hpp"
#include "loadgen/message_text.hpp"
#include "loadgen/scenario.hpp"

namespace muster::loadgen {
namespace {

class ResumeStorm final : public Scenario {
  public:
    using Scenario::Scenario;

  protected:
    bool execute(boost::json::object& report) override;
    void on_event(Conn& conn, Subscription& sub, const Incoming& event, bool fresh) override;
    void on_ready(Conn& conn) override;
    void on_reply(Conn& conn, const Incoming& reply) override;
    void on_lost(Conn& /*conn*/) override { ++lost_; }
    [[nodiscard]] std::string user_of(const Conn& conn) const override;
    void extra_token_groups(const Conn& conn, std::vector<std::string>& out) const override;

  private:
    void check_caught_up(Conn& conn);
    // Publishes `missed` events into every group from the publisher, a window at a time.
    bool publish_missed();

    std::uint32_t clients_ = 0;
    std::uint32_t publisher_ = 0;  // connection index
    std::uint32_t first_id_ = 0;   // command id of the first missed publish
    bool storming_ = false;
    std::vector<std::uint64_t> latest_;  // per group: highest seq acknowledged
    std::vector<std::uint8_t> caught_;   // per client
    std::uint32_t caught_count_ = 0;
    std::uint64_t published_ = 0;
    std::uint64_t acked_ = 0;
    std::uint64_t replayed_ = 0;
    std::uint64_t lost_ = 0;
    std::int64_t storm_start_ns_ = 0;
    std::int64_t last_caught_ns_ = 0;
    std::int64_t last_progress_ns_ = 0;
    Histogram catch_up_;
};

bool ResumeStorm::execute(boost::json::object& report) {
    if (options_.protocol != "muster") {
        setup_errors_.add("resume-storm needs --protocol=muster (the peers keep no log)");
        return false;
    }
    clients_ = options_.connections;
    const std::uint32_t groups = (clients_ + options_.members - 1) / options_.members;
    name_groups(groups);
    latest_.assign(groups, 0);
    caught_.assign(clients_, 0);
    report["clients"] = clients_;
    report["groups"] = groups;
    report["members"] = options_.members;
    report["missed_per_group"] = options_.missed;
    if (!setup_groups()) return false;

    publisher_ = clients_;
    make_engine(clients_ + 1);
    for (std::uint32_t i = 0; i < clients_; ++i)
        engine_->conn(i).add_subscription(i / options_.members);
    report["connect_s"] = round3(open_range(0, clients_ + 1));
    if (engine_->ready_count() < clients_ + 1) return false;
    settle();

    // Everyone drops at once; the server notices the closed sockets meanwhile.
    for (std::uint32_t i = 0; i < clients_; ++i) engine_->close(i);
    const std::int64_t quiet_until = now_ns() + static_cast<std::int64_t>(options_.settle_s * 1e9);
    while (now_ns() < quiet_until) engine_->poll(10);

    for (std::uint32_t i = 0; i < clients_; ++i) {
        const Subscription& s = engine_->conn(i).subs[0];
        latest_[s.group] = std::max(latest_[s.group], s.last());
    }
    if (!publish_missed()) return false;
    report["published"] = published_;
    settle();

    // The storm: every client reconnects with since = the last seq it saw.
    std::uint64_t expected = 0;
    for (std::uint32_t i = 0; i < clients_; ++i) {
        Subscription& s = engine_->conn(i).subs[0];
        const std::uint64_t since = s.last();
        const std::uint32_t group = s.group;
        s = Subscription{};
        s.group = group;
        s.has_since = true;
        s.since = since;
        expected += latest_[group] - since;
    }
    engine_->connect_latency() = Histogram{};
    Phase phase;
    begin_phase(phase);
    storm_start_ns_ = phase.start_ns;
    last_progress_ns_ = storm_start_ns_;
    storming_ = true;
    for (std::uint32_t i = 0; i < clients_; ++i) engine_->open(i);
    // Bounded by progress (and the run's deadline), not by a fixed time: a slow storm is
    // measured to its end.
    const auto stall = static_cast<std::int64_t>(options_.stall_timeout_s * 1e9);
    while (caught_count_ < clients_) {
        const std::int64_t now = now_ns();
        if (now - last_progress_ns_ > stall || past_deadline()) {
            setup_errors_.add("clients still catching up at the end");
            break;
        }
        engine_->poll(10);
    }
    end_phase(phase);
    storming_ = false;

    std::uint64_t missing = 0;
    std::uint64_t duplicates = 0;
    for (std::uint32_t i = 0; i < clients_; ++i) {
        const Subscription& s = engine_->conn(i).subs[0];
        missing += s.missing(latest_[s.group]);
        duplicates += s.duplicates;
    }
    report["reconnected"] = engine_->ready_count() - 1;  // the publisher stayed
    report["caught_up"] = caught_count_;
    report["replayed"] = replayed_;
    report["expected_replayed"] = expected;
    report["missing"] = missing;
    report["duplicates"] = duplicates;
    report["lost_connections"] = lost_;
    report["storm_s"] = round3(seconds(last_caught_ns_ - storm_start_ns_));
    report["catch_up_ms"] = latency_json(catch_up_);
    report["phase"] = phase_json(phase, replayed_);
    return missing == 0 && duplicates == 0 && caught_count_ == clients_ && lost_ == 0;
}

bool ResumeStorm::publish_missed() {
    const std::uint64_t total = std::uint64_t{options_.missed} * group_names_.size();
    Conn& conn = engine_->conn(publisher_);
    std::string text = blank_text(options_.size);
    char msg_id[32];
    const std::int64_t limit = now_ns() +
                               static_cast<std::int64_t>(options_.drain_timeout_s * 1e9) +
                               static_cast<std::int64_t>(total) * 1'000'000;  // 1 ms each at worst
    while (acked_ < total) {
        if (now_ns() > limit || past_deadline() || conn.stage != Stage::ready) {
            setup_errors_.add("publishing the missed events did not finish");
            return false;
        }
        // Group by group, so that each group's events are consecutive seqs of its log.
        while (published_ < total && published_ - acked_ < options_.window) {
            const auto group = static_cast<std::uint32_t>(published_ / options_.missed);
            stamp_text(text, now_ns(), static_cast<std::uint32_t>(published_));
            const int n = std::snprintf(msg_id, sizeof msg_id, "%s-%llx", nonce_.c_str(),
                                        static_cast<unsigned long long>(published_));
            const std::uint32_t id =
                engine_->publish(conn, group_names_[group],
                                 std::string_view(msg_id, static_cast<std::size_t>(n)), text);
            if (published_ == 0) first_id_ = id;
            ++published_;
        }
        engine_->flush();
        engine_->poll(10);
    }
    return true;
}

void ResumeStorm::on_reply(Conn& conn, const Incoming& reply) {
    if (conn.index != publisher_) return;
    if (reply.kind == Incoming::Kind::error) {
        engine_->errors().add("publish refused: " + std::string(reply.error));
        ++acked_;  // answered, so the loop ends; the error fails the run
        return;
    }
    ++acked_;
    // Publish k went out with id first_id_ + k, into group k / missed.
    const std::uint64_t k = reply.id - first_id_;
    const auto group = static_cast<std::size_t>(k / options_.missed);
    if (group < latest_.size()) latest_[group] = std::max(latest_[group], reply.seq);
    if (reply.duplicate) engine_->errors().add("publish answered as a duplicate");
}

void ResumeStorm::on_ready(Conn& conn) {
    if (!storming_ || conn.index >= clients_) return;
    last_progress_ns_ = conn.ready_ns;
    check_caught_up(conn);
}

void ResumeStorm::on_event(Conn& conn, Subscription& /*sub*/, const Incoming& /*event*/,
                           bool fresh) {
    if (!storming_ || conn.index >= clients_) return;
    if (fresh) ++replayed_;
    last_progress_ns_ = engine_->last_frame_ns();
    check_caught_up(conn);
}

void ResumeStorm::check_caught_up(Conn& conn) {
    if (caught_[conn.index] != 0 || conn.stage != Stage::ready) return;
    const Subscription& s = conn.subs[0];
    if (s.last() < latest_[s.group]) return;
    caught_[conn.index] = 1;
    ++caught_count_;
    last_caught_ns_ = now_ns();
    catch_up_.record(last_caught_ns_ - storm_start_ns_);
}

std::string ResumeStorm::user_of(const Conn& conn) const {
    if (conn.index == publisher_) return options_.prefix + "publisher";
    return Scenario::user_of(conn);
}

void ResumeStorm::extra_token_groups(const Conn& conn, std::vector<std::string>& out) const {
    if (conn.index == publisher_) out.insert(out.end(), group_names_.begin(), group_names_.end());
}

}  // namespace

std::unique_ptr<Scenario> make_resume_storm(const Options& options, const Protocol& protocol) {
    return std::make_unique<ResumeStorm>(options, protocol);
}

}  // namespace muster::loadgen
