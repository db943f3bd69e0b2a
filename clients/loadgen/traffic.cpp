// fanout and chat: subscribers in groups, publishers publishing at a rate or as fast as the
// flood window lets them, every delivery checked (seq per subscription) and timed (the send
// time in the text).
//
// - fanout: --connections subscribers spread over --groups (1 by default), and --publishers
//   more connections that publish (round robin) without subscribing.
// - chat: --connections members in groups of --members; every member publishes to its own
//   group, in turn, so that each publishes at rate / connections.
//
// Flood (--rate 0) keeps at most --window messages in flight, a message being in flight until
// every subscriber of its group has it: the server's queues stay bounded by the window and
// throughput is what the server (or the client) sustains, not what its buffers absorb.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "loadgen/clock.hpp"
#include "loadgen/message_text.hpp"
#include "loadgen/scenario.hpp"

namespace muster::loadgen {
namespace {

// Publish ids are remembered per publisher for this many outstanding commands (more than the
// server's in-flight limit per connection), to find the message of a refused publish.
constexpr std::uint32_t ids_remembered = 256;

class Traffic final : public Scenario {
  public:
    using Scenario::Scenario;

  protected:
    bool execute(boost::json::object& report) override;

    void on_event(Conn& conn, Subscription& sub, const Incoming& event, bool fresh) override;
    void on_reply(Conn& conn, const Incoming& reply) override;
    void on_lost(Conn& /*conn*/) override { ++lost_; }
    [[nodiscard]] std::string user_of(const Conn& conn) const override;
    void extra_token_groups(const Conn& conn, std::vector<std::string>& out) const override;

  private:
    struct Publisher {
        std::uint32_t conn = 0;
        std::uint32_t group = 0;
        std::array<std::uint32_t, ids_remembered> message_of_id{};
    };
    // A message in flight: deliveries still expected.
    struct Slot {
        std::uint32_t message = 0;
        std::uint32_t remaining = 0;
    };

    bool publish_one();
    void release_slot(std::uint32_t message);
    [[nodiscard]] bool complete() const {
        return acked_ + refused_ == published_ && deliveries_ >= expected_;
    }

    bool fanout_ = true;
    std::uint32_t subscribers_ = 0;
    std::vector<Publisher> publishers_;
    std::vector<std::int32_t> publisher_of_conn_;
    std::vector<std::uint32_t> members_;  // per group
    std::vector<std::uint64_t> latest_;   // per group: the highest seq acknowledged
    std::vector<Slot> ring_;
    std::uint32_t ring_mask_ = 0;
    std::size_t next_publisher_ = 0;
    std::uint64_t in_flight_ = 0;
    std::uint64_t published_ = 0;
    std::uint64_t acked_ = 0;
    std::uint64_t refused_ = 0;
    std::uint64_t deliveries_ = 0;
    std::uint64_t expected_ = 0;
    std::uint64_t lost_ = 0;
    std::int64_t last_progress_ns_ = 0;
    std::int64_t last_delivery_ns_ = 0;
    Histogram latency_;
    std::string text_;
    char msg_id_[32] = {};
};

bool Traffic::execute(boost::json::object& report) {
    fanout_ = options_.scenario == "fanout";
    const std::uint32_t n = options_.connections;
    subscribers_ = n;
    const std::uint32_t groups = fanout_ ? std::min(options_.groups, std::max(n, 1u))
                                         : (n + options_.members - 1) / options_.members;
    const std::uint32_t extra = fanout_ ? options_.publishers : 0;
    name_groups(groups);
    members_.assign(groups, 0);
    latest_.assign(groups, 0);
    report["connections"] = n + extra;
    report["groups"] = groups;
    if (!setup_groups()) return false;

    make_engine(n + extra, 1, fanout_ ? n : 0);
    publisher_of_conn_.assign(n + extra, -1);
    for (std::uint32_t i = 0; i < n; ++i) {
        const std::uint32_t group = fanout_ ? i % groups : i / options_.members;
        engine_->conn(i).add_subscription(group);
        ++members_[group];
    }
    const std::uint32_t publisher_count = fanout_ ? extra : n;
    publishers_.resize(publisher_count);
    for (std::uint32_t j = 0; j < publisher_count; ++j) {
        Publisher& p = publishers_[j];
        p.conn = fanout_ ? n + j : j;
        p.group = fanout_ ? j % groups : j / options_.members;
        publisher_of_conn_[p.conn] = static_cast<std::int32_t>(j);
    }
    report["subscribers"] = n;
    report["publishers"] = publisher_count;
    if (!fanout_) report["members"] = options_.members;

    const double connect_s = open_range(0, n + extra);
    report["connect_s"] = round3(connect_s);
    report["connected"] = engine_->ready_count();
    if (engine_->ready_count() < n + extra || publisher_count == 0) {
        if (publisher_count == 0) setup_errors_.add("no publishers");
        return false;
    }
    settle();

    // Deliveries expected from here on: every event above each subscription's baseline.
    for (std::uint32_t i = 0; i < n; ++i) {
        const Subscription& s = engine_->conn(i).subs[0];
        latest_[s.group] = std::max(latest_[s.group], s.baseline);
    }
    for (std::uint32_t i = 0; i < n; ++i) {
        const Subscription& s = engine_->conn(i).subs[0];
        expected_ += latest_[s.group] - s.baseline;
    }

    double per_publish = 0;
    for (const Publisher& p : publishers_) per_publish += members_[p.group];
    per_publish /= static_cast<double>(publishers_.size());
    double rate = options_.rate;
    if (options_.delivery_rate > 0 && per_publish > 0) rate = options_.delivery_rate / per_publish;
    report["mode"] = rate > 0 ? "rate" : "flood";
    if (rate > 0) {
        report["target_publish_rate"] = round3(rate);
        report["target_delivery_rate"] = round3(rate * per_publish);
    } else {
        report["window"] = options_.window;
    }

    std::uint32_t ring_size = 4096;
    while (ring_size < 2 * options_.window) ring_size *= 2;
    ring_.assign(ring_size, Slot{});
    ring_mask_ = ring_size - 1;
    text_ = blank_text(options_.size);

    Phase phase;
    begin_phase(phase);
    engine_->set_tick(static_cast<std::int64_t>(options_.tick_us) * 1000);
    const std::int64_t start = phase.start_ns;
    const std::int64_t publish_end = start + static_cast<std::int64_t>(options_.duration_s * 1e9);
    const auto stall = static_cast<std::int64_t>(options_.stall_timeout_s * 1e9);
    last_progress_ns_ = start;
    bool stalled = false;
    while (true) {
        const std::int64_t now = now_ns();
        if (now >= publish_end || (options_.count != 0 && published_ >= options_.count) ||
            past_deadline()) {
            break;
        }
        std::uint64_t due = published_;
        if (rate > 0) {
            due = static_cast<std::uint64_t>(seconds(now - start) * rate) + 1;
        } else if (in_flight_ < options_.window) {
            due = published_ + (options_.window - in_flight_);
        }
        if (options_.count != 0) due = std::min(due, options_.count);
        while (published_ < due && publish_one()) {
        }
        engine_->flush();   // now: the send time is already in the text
        engine_->poll(-1);  // the tick bounds the wait
        if (now_ns() - last_progress_ns_ > stall && !complete()) {
            stalled = true;
            break;
        }
    }
    const std::int64_t publish_stop = now_ns();
    const auto drain = static_cast<std::int64_t>(options_.drain_timeout_s * 1e9);
    while (!complete() && !stalled) {
        const std::int64_t now = now_ns();
        if (now - publish_stop > drain || now - last_progress_ns_ > stall || past_deadline()) {
            stalled = now - last_progress_ns_ > stall;
            break;
        }
        // A lost subscriber's deliveries never come: stop once the others are done.
        if (lost_ > 0 && now - last_progress_ns_ > ns_per_s) break;
        engine_->poll(-1);
    }
    engine_->set_tick(0);
    end_phase(phase);
    if (stalled) setup_errors_.add("no progress for --stall-timeout seconds");
    if (!complete()) setup_errors_.add("deliveries or acknowledgements still missing at the end");

    std::uint64_t missing = 0;
    std::uint64_t duplicates = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
        const Subscription& s = engine_->conn(i).subs[0];
        missing += s.missing(latest_[s.group]);
        duplicates += s.duplicates;
    }
    const double active_s =
        seconds(std::max(last_delivery_ns_, phase.start_ns + 1) - phase.start_ns);
    report["published"] = published_;
    report["acked"] = acked_;
    report["refused"] = refused_;
    report["deliveries"] = deliveries_;
    report["expected_deliveries"] = expected_;
    report["missing"] = missing;
    report["duplicates"] = duplicates;
    report["lost_connections"] = lost_;
    report["publishes_per_s"] = round3(static_cast<double>(published_) / active_s);
    report["deliveries_per_s"] = round3(static_cast<double>(deliveries_) / active_s);
    report["latency_ms"] = latency_json(latency_);
    report["phase"] = phase_json(phase, deliveries_);
    return missing == 0 && duplicates == 0 && refused_ == 0 && lost_ == 0 && complete();
}

bool Traffic::publish_one() {
    for (std::size_t tries = 0; tries < publishers_.size(); ++tries) {
        Publisher& p = publishers_[next_publisher_];
        next_publisher_ = next_publisher_ + 1 == publishers_.size() ? 0 : next_publisher_ + 1;
        Conn& conn = engine_->conn(p.conn);
        if (conn.stage != Stage::ready) continue;
        const auto message = static_cast<std::uint32_t>(published_);
        stamp_text(text_, now_ns(), message);
        const int id_length =
            std::snprintf(msg_id_, sizeof msg_id_, "%s-%x", nonce_.c_str(), message);
        const std::uint32_t id =
            engine_->publish(conn, group_names_[p.group],
                             std::string_view(msg_id_, static_cast<std::size_t>(id_length)), text_);
        p.message_of_id[id % ids_remembered] = message;
        Slot& slot = ring_[message & ring_mask_];
        if (slot.remaining > 0) --in_flight_;  // wrapped around (rate mode): stop tracking it
        slot = Slot{message, members_[p.group]};
        if (slot.remaining > 0) ++in_flight_;
        ++published_;
        return true;
    }
    return false;  // no publisher left
}

void Traffic::release_slot(std::uint32_t message) {
    Slot& slot = ring_[message & ring_mask_];
    if (slot.message == message && slot.remaining > 0) {
        slot.remaining = 0;
        --in_flight_;
    }
}

void Traffic::on_event(Conn& /*conn*/, Subscription& /*sub*/, const Incoming& event, bool fresh) {
    if (!fresh) return;
    std::int64_t sent_ns = 0;
    std::uint32_t message = 0;
    if (!read_text(event.text, sent_ns, message)) {
        engine_->errors().add("event text not written by this run");
        return;
    }
    const std::int64_t now = engine_->last_frame_ns();
    latency_.record(now - sent_ns);
    ++deliveries_;
    last_delivery_ns_ = now;
    last_progress_ns_ = now;
    Slot& slot = ring_[message & ring_mask_];
    if (slot.message == message && slot.remaining > 0 && --slot.remaining == 0) --in_flight_;
}

void Traffic::on_reply(Conn& conn, const Incoming& reply) {
    const std::int32_t index = publisher_of_conn_[conn.index];
    if (index < 0) return;
    Publisher& p = publishers_[static_cast<std::size_t>(index)];
    last_progress_ns_ = engine_->last_frame_ns();
    if (reply.kind == Incoming::Kind::error) {
        ++refused_;
        engine_->errors().add("publish refused: " + std::string(reply.error));
        release_slot(p.message_of_id[reply.id % ids_remembered]);
        return;
    }
    ++acked_;
    if (reply.duplicate) engine_->errors().add("publish answered as a duplicate");
    std::uint64_t& latest = latest_[p.group];
    if (reply.seq > latest) {
        expected_ += (reply.seq - latest) * members_[p.group];
        latest = reply.seq;
    }
}

std::string Traffic::user_of(const Conn& conn) const {
    if (conn.index >= subscribers_) {
        return options_.prefix + "p" + std::to_string(conn.index - subscribers_);
    }
    return Scenario::user_of(conn);
}

void Traffic::extra_token_groups(const Conn& conn, std::vector<std::string>& out) const {
    const std::int32_t index = publisher_of_conn_[conn.index];
    if (index >= 0 && conn.subscription_count == 0) {
        out.push_back(group_names_[publishers_[static_cast<std::size_t>(index)].group]);
    }
}

}  // namespace

std::unique_ptr<Scenario> make_traffic(const Options& options, const Protocol& protocol) {
    return std::make_unique<Traffic>(options, protocol);
}

}  // namespace muster::loadgen
