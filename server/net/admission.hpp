#pragma once
// Who may hold a connection that is not (yet) a WebSocket: a cap on such connections, the
// longest idle closed first to make room, and per-IP rates of new connections and handshakes.
//
// Why: an idle socket costs the attacker nothing and the node a descriptor; without a cap,
// idle sockets exhaust the descriptor table and /healthz stops answering. With it, a new
// connection (a health check) takes the place of the connection idle the longest; only when
// every pre-upgrade connection is busy is the newcomer refused (503). An evicted connection
// whose request arrived just before its close ran is spared by the server (not idle after
// all); it no longer counts, so the cap may be passed by those few until they end.
//
// Threads: admit() runs on the acceptor's thread, tickets on their session's loop; one mutex
// guards everything (taken once per accept and per request: not on the WebSocket path).
// Ownership: a Ticket is held by its session until the session ends or upgrades. The places
// (count, idle order) are shared by the Admission and its tickets: a session's frame may be
// destroyed after the server that admitted it (the loops destroy what is still pending when
// they shut down, after the node has let the server go).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <boost/asio/ip/address.hpp>

namespace muster::net {

struct AdmissionLimits {
    std::size_t max_pending = 4096;        // connections before the upgrade, at once
    double connections_per_ip_per_s = 50;  // new TCP connections per client address
    std::uint32_t connection_burst_per_ip = 200;
    double handshakes_per_ip_per_s = 20;  // WebSocket upgrades per client address
    std::uint32_t handshake_burst_per_ip = 100;
    bool limit_loopback = false;  // per-IP rates also for 127.0.0.0/8 and ::1 (a local proxy)
};

class Admission {
    struct Places;

  public:
    class Ticket;
    enum class Verdict : std::uint8_t { admitted, rate_limited, full };

    explicit Admission(AdmissionLimits limits) : limits_(limits) {}
    Admission(const Admission&) = delete;
    Admission& operator=(const Admission&) = delete;

    // A new connection from `peer`. Admitted: `ticket` is set (the connection counts, idle).
    // At the cap, the connection idle the longest is closed (its close_idle runs on its loop)
    // to make room; full when none is idle.
    Verdict admit(const boost::asio::ip::address& peer, std::shared_ptr<Ticket>& ticket);
    // A WebSocket handshake from `peer`: false when over its rate.
    bool allow_handshake(const boost::asio::ip::address& peer);

    [[nodiscard]] std::size_t pending() const;
    [[nodiscard]] const AdmissionLimits& limits() const { return limits_; }

    // One pre-upgrade connection. Destroying it (session over, or upgraded) frees its place.
    class Ticket : public std::enable_shared_from_this<Ticket> {
      public:
        Ticket(std::shared_ptr<Places> places, std::uint64_t id)
            : places_(std::move(places)), id_(id) {}
        ~Ticket();
        Ticket(const Ticket&) = delete;
        Ticket& operator=(const Ticket&) = delete;

        // How to close this connection when it is evicted: `post` runs a function on the
        // session's loop, where `close` is then called unless the session is over. Called on
        // that loop; when the ticket was evicted already, `close` runs at once.
        void on_evict(std::function<void(std::function<void()>)> post, std::function<void()> close);
        // Waiting for a request (evictable), or serving one (not).
        void idle();
        void busy();

      private:
        friend class Admission;
        std::shared_ptr<Places> places_;
        std::uint64_t id_;
        std::uint64_t idle_order_ = 0;  // key in places_->idle, 0 while busy
        bool evicted_ = false;
        std::function<void(std::function<void()>)> post_;
        std::function<void()> close_;
    };

  private:
    // Guarded by `mutex` (as are the buckets and next_id_ below).
    struct Places {
        std::mutex mutex;
        std::size_t count = 0;
        std::uint64_t next_idle_order = 0;
        std::map<std::uint64_t, Ticket*> idle;  // by when they became idle, oldest first
    };
    struct Bucket {
        double tokens = 0;
        std::int64_t last_ms = 0;
    };
    bool take(std::unordered_map<std::string, Bucket>& buckets, const std::string& key, double rate,
              std::uint32_t burst, std::int64_t now_ms);
    void prune(std::unordered_map<std::string, Bucket>& buckets, double rate, std::uint32_t burst,
               std::int64_t now_ms);
    bool rate_limited(const boost::asio::ip::address& peer) const;
    void evict_locked(Ticket& victim);

    const AdmissionLimits limits_;
    const std::shared_ptr<Places> places_ = std::make_shared<Places>();
    std::uint64_t next_id_ = 0;
    std::unordered_map<std::string, Bucket> connection_buckets_;
    std::unordered_map<std::string, Bucket> handshake_buckets_;
};

}  // namespace muster::net
