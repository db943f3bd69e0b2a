#include "net/admission.hpp"

#include <algorithm>

#include "core/metrics.hpp"
#include "net/loop.hpp"

namespace muster::net {

namespace {

// Buckets kept before the full ones (addresses quiet long enough) are dropped.
constexpr std::size_t buckets_before_prune = 4096;

metrics::Counter& refused(const char* why) {
    return metrics::registry().counter(
        std::string("muster_http_refused_") + why + "_total",
        std::string("Connections before the WebSocket upgrade refused: ") + why);
}

}  // namespace

bool Admission::rate_limited(const boost::asio::ip::address& peer) const {
    return limits_.limit_loopback || !peer.is_loopback();
}

bool Admission::take(std::unordered_map<std::string, Bucket>& buckets, const std::string& key,
                     double rate, std::uint32_t burst, std::int64_t now_ms) {
    if (buckets.size() >= buckets_before_prune) prune(buckets, rate, burst, now_ms);
    auto [it, fresh] = buckets.try_emplace(key, Bucket{static_cast<double>(burst), now_ms});
    Bucket& b = it->second;
    if (!fresh) {
        b.tokens = std::min<double>(
            burst, b.tokens + rate * static_cast<double>(now_ms - b.last_ms) / 1000.0);
        b.last_ms = now_ms;
    }
    if (b.tokens < 1.0) return false;
    b.tokens -= 1.0;
    return true;
}

void Admission::prune(std::unordered_map<std::string, Bucket>& buckets, double rate,
                      std::uint32_t burst, std::int64_t now_ms) {
    std::erase_if(buckets, [&](const auto& entry) {
        const Bucket& b = entry.second;
        return b.tokens + rate * static_cast<double>(now_ms - b.last_ms) / 1000.0 >= burst;
    });
}

Admission::Verdict Admission::admit(const boost::asio::ip::address& peer,
                                    std::shared_ptr<Ticket>& ticket) {
    static auto& over_rate = refused("rate");
    static auto& full = refused("full");
    static auto& evicted = metrics::registry().counter(
        "muster_http_idle_evictions_total",
        "Idle connections before the upgrade closed to make room for a new one");
    const std::lock_guard lock(places_->mutex);
    if (rate_limited(peer) &&
        !take(connection_buckets_, peer.to_string(), limits_.connections_per_ip_per_s,
              limits_.connection_burst_per_ip, steady_ms())) {
        over_rate.inc();
        return Verdict::rate_limited;
    }
    if (places_->count >= limits_.max_pending) {
        if (places_->idle.empty()) {
            full.inc();
            return Verdict::full;
        }
        Ticket& victim = *places_->idle.begin()->second;
        evict_locked(victim);
        evicted.inc();
    }
    ticket = std::make_shared<Ticket>(places_, ++next_id_);
    ++places_->count;
    ticket->idle_order_ = ++places_->next_idle_order;
    places_->idle.emplace(ticket->idle_order_, ticket.get());
    return Verdict::admitted;
}

void Admission::evict_locked(Ticket& victim) {
    places_->idle.erase(victim.idle_order_);
    victim.idle_order_ = 0;
    victim.evicted_ = true;
    // Its place is free now: the session ends as soon as its loop closes it.
    --places_->count;
    if (victim.post_) {
        victim.post_([weak = victim.weak_from_this()] {
            if (const auto alive = weak.lock()) alive->close_();
        });
    }
}

bool Admission::allow_handshake(const boost::asio::ip::address& peer) {
    static auto& over_rate = refused("handshake_rate");
    const std::lock_guard lock(places_->mutex);
    if (!rate_limited(peer)) return true;
    if (take(handshake_buckets_, peer.to_string(), limits_.handshakes_per_ip_per_s,
             limits_.handshake_burst_per_ip, steady_ms()))
        return true;
    over_rate.inc();
    return false;
}

std::size_t Admission::pending() const {
    const std::lock_guard lock(places_->mutex);
    return places_->count;
}

Admission::Ticket::~Ticket() {
    const std::lock_guard lock(places_->mutex);
    if (evicted_) return;  // counted out already
    if (idle_order_ != 0) places_->idle.erase(idle_order_);
    --places_->count;
}

void Admission::Ticket::on_evict(std::function<void(std::function<void()>)> post,
                                 std::function<void()> close) {
    bool evicted = false;
    {
        const std::lock_guard lock(places_->mutex);
        post_ = std::move(post);
        close_ = std::move(close);
        evicted = evicted_;
    }
    if (evicted) close_();
}

void Admission::Ticket::idle() {
    const std::lock_guard lock(places_->mutex);
    if (evicted_ || idle_order_ != 0) return;
    idle_order_ = ++places_->next_idle_order;
    places_->idle.emplace(idle_order_, this);
}

void Admission::Ticket::busy() {
    const std::lock_guard lock(places_->mutex);
    if (idle_order_ == 0) return;
    places_->idle.erase(idle_order_);
    idle_order_ = 0;
}

}  // namespace muster::net
