// publish-ack: --publishers connections, each publishing into its own group with --window
// publishes outstanding, the next one sent as soon as one is acknowledged. Muster answers a
// publish once its event is committed (SQLite: synchronous=FULL unless configured otherwise),
// so acknowledged publishes per second is durable throughput. Checked: every publish is
// acknowledged once, and each group's acknowledged seqs are consecutive.

#include <algorithm>
#include <array>
#include <cstdio>

#include "loadgen/clock.hpp"
#include "loadgen/message_text.hpp"
#include "loadgen/scenario.hpp"

namespace muster::loadgen {
namespace {

constexpr std::uint32_t ids_remembered = 256;  // > any sensible window

class PublishAck final : public Scenario {
  public:
    using Scenario::Scenario;

  protected:
    bool execute(boost::json::object& report) override;
    void on_reply(Conn& conn, const Incoming& reply) override;
    void on_lost(Conn& /*conn*/) override { ++lost_; }
    [[nodiscard]] std::string user_of(const Conn& conn) const override {
        return options_.prefix + "p" + std::to_string(conn.index);
    }
    void extra_token_groups(const Conn& conn, std::vector<std::string>& out) const override {
        out.push_back(group_names_[conn.index]);
    }

  private:
    struct Publisher {
        std::uint32_t outstanding = 0;
        std::uint64_t acked = 0;
        std::uint64_t min_seq = 0;
        std::uint64_t max_seq = 0;
        std::array<std::int64_t, ids_remembered> sent_ns{};
    };
    void publish(std::uint32_t index);
    [[nodiscard]] bool may_publish() const;

    std::vector<Publisher> publishers_;
    std::string text_;
    char msg_id_[32] = {};
    std::uint64_t published_ = 0;
    std::uint64_t acked_ = 0;
    std::uint64_t refused_ = 0;
    std::uint64_t lost_ = 0;
    std::int64_t publish_end_ns_ = 0;
    std::int64_t last_ack_ns_ = 0;
    Histogram ack_latency_;
};

bool PublishAck::execute(boost::json::object& report) {
    const std::uint32_t k = std::max(options_.publishers, 1u);
    name_groups(k);
    report["publishers"] = k;
    report["groups"] = k;
    report["window"] = options_.window;
    if (!setup_groups()) return false;
    make_engine(k);
    publishers_.resize(k);
    report["connect_s"] = round3(open_range(0, k));
    if (engine_->ready_count() < k) return false;
    settle();
    text_ = blank_text(options_.size);

    Phase phase;
    begin_phase(phase);
    publish_end_ns_ = phase.start_ns + static_cast<std::int64_t>(options_.duration_s * 1e9);
    last_ack_ns_ = phase.start_ns;
    for (std::uint32_t i = 0; i < k; ++i) {
        for (std::uint32_t w = 0; w < options_.window && may_publish(); ++w) publish(i);
    }
    engine_->flush();
    const auto drain = static_cast<std::int64_t>(options_.drain_timeout_s * 1e9);
    const auto stall = static_cast<std::int64_t>(options_.stall_timeout_s * 1e9);
    while (acked_ + refused_ < published_) {
        const std::int64_t now = now_ns();
        if (now - std::max(publish_end_ns_, last_ack_ns_) > drain || now - last_ack_ns_ > stall ||
            past_deadline()) {
            setup_errors_.add("publishes still unacknowledged at the end");
            break;
        }
        engine_->poll(10);
    }
    end_phase(phase);

    std::uint64_t seq_errors = 0;
    for (const Publisher& p : publishers_) {
        if (p.acked > 0 && p.max_seq - p.min_seq + 1 != p.acked) ++seq_errors;
    }
    if (seq_errors != 0) setup_errors_.add("acknowledged seqs not consecutive", seq_errors);
    const double active_s = seconds(std::max(last_ack_ns_, phase.start_ns + 1) - phase.start_ns);
    report["published"] = published_;
    report["acked"] = acked_;
    report["refused"] = refused_;
    report["lost_connections"] = lost_;
    report["acks_per_s"] = round3(static_cast<double>(acked_) / active_s);
    report["ack_latency_ms"] = latency_json(ack_latency_);
    report["phase"] = phase_json(phase, acked_, "publish");
    return acked_ == published_ && seq_errors == 0 && lost_ == 0;
}

bool PublishAck::may_publish() const {
    if (options_.count != 0 && published_ >= options_.count) return false;
    return now_ns() < publish_end_ns_ && !past_deadline();
}

void PublishAck::publish(std::uint32_t index) {
    Conn& conn = engine_->conn(index);
    if (conn.stage != Stage::ready) return;
    Publisher& p = publishers_[index];
    const std::int64_t now = now_ns();
    stamp_text(text_, now, static_cast<std::uint32_t>(published_));
    const int n = std::snprintf(msg_id_, sizeof msg_id_, "%s-%llx", nonce_.c_str(),
                                static_cast<unsigned long long>(published_));
    const std::uint32_t id = engine_->publish(
        conn, group_names_[index], std::string_view(msg_id_, static_cast<std::size_t>(n)), text_);
    p.sent_ns[id % ids_remembered] = now;
    ++p.outstanding;
    ++published_;
}

void PublishAck::on_reply(Conn& conn, const Incoming& reply) {
    Publisher& p = publishers_[conn.index];
    const std::int64_t now = engine_->last_frame_ns();
    --p.outstanding;
    if (reply.kind == Incoming::Kind::error) {
        ++refused_;
        engine_->errors().add("publish refused: " + std::string(reply.error));
    } else {
        ++acked_;
        ++p.acked;
        last_ack_ns_ = now;
        ack_latency_.record(now - p.sent_ns[reply.id % ids_remembered]);
        if (reply.duplicate) engine_->errors().add("publish answered as a duplicate");
        p.min_seq = p.min_seq == 0 ? reply.seq : std::min(p.min_seq, reply.seq);
        p.max_seq = std::max(p.max_seq, reply.seq);
    }
    if (may_publish()) publish(conn.index);
}

}  // namespace

std::unique_ptr<Scenario> make_publish_ack(const Options& options, const Protocol& protocol) {
    return std::make_unique<PublishAck>(options, protocol);
}

}  // namespace muster::loadgen
