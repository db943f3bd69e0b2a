#pragma once
// The composition root of a running node: loops and their threads, the hub, the store and the
// bus it was given, the command table, the HTTP API, features, and the shutdown sequence.
// Private to the node (it is the NodeInternals the node's clients and routes use); the rest of
// the program holds it through node/node.hpp.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "core/metrics.hpp"
#include "net/http_server.hpp"
#include "node/http_router.hpp"
#include "node/internal/node_internals.hpp"
#include "node/presence_batcher.hpp"
#include "node/presence_fanout.hpp"

namespace muster::node {

class NodeCore final : public NodeInternals,
                       public bus::BusHandler,
                       public net::WsFactory,
                       public net::HttpHandler {
  public:
    // As node::Node (node/node.hpp).
    NodeCore(Config config, Clock& clock, store::Store& store, bus::Bus& bus);
    ~NodeCore() override;
    NodeCore(const NodeCore&) = delete;
    NodeCore& operator=(const NodeCore&) = delete;

    void add_feature(std::unique_ptr<Feature> feature);

    // Loads the directory (and the demo organisation when configured), starts features, loops
    // and the listener. Throws std::runtime_error with a reason when it cannot.
    boost::asio::ip::tcp::endpoint start();
    // Blocks until stop() or SIGTERM/SIGINT, then shuts down: no new connections, every
    // session told 1001 and flushed, commands finished, the store closed.
    void run();
    // Thread-safe; returns at once.
    void stop();

    // NodeServices (what features use)
    [[nodiscard]] const Config& config() const override { return config_; }
    [[nodiscard]] const Clock& clock() const override { return clock_; }
    Timers& timers() override { return *timers_; }
    store::Store& store() override { return store_; }
    Users& users() override { return users_; }
    [[nodiscard]] SharedTree tree() const override;
    [[nodiscard]] const JwtSigner* signer() const override { return signer_.get(); }
    [[nodiscard]] std::string public_url() const override;
    void memberships_changed(const std::string& user, Done<Unit> done) override;
    void session_revoked(const std::string& user, const std::string& session) override;
    void tell_nodes(const std::string& topic, std::string data) override;
    void on_node_message(std::string topic,
                         std::function<void(const std::string& data)> handler) override;
    void on_client_closed(std::function<void(const Client&)> observer) override;
    void set_session_check(SessionCheck check) override { session_check_ = std::move(check); }

    // NodeInternals (what the node's clients and routes use)
    ManualClock* manual_clock() override;
    bus::Bus& bus() override { return bus_; }
    hub::Hub& hub() override { return *hub_; }
    [[nodiscard]] const JwtVerifier& verifier() const override { return *verifier_; }
    [[nodiscard]] const SessionCheck& session_check() const override { return session_check_; }
    [[nodiscard]] const std::string& node_id() const override { return node_id_; }
    [[nodiscard]] const CommandRegistry& commands() const override { return commands_; }
    [[nodiscard]] const net::WsLimits& ws_limits() const override { return ws_limits_; }
    void groups_changed(Done<Unit> done) override;
    void client_closed(const Client& client) override;
    void publish_presence(const std::string& group, const std::string& user,
                          const std::string& name, bool online) override;

    // bus::BusHandler
    void on_event(const std::string& group, std::uint64_t seq, SharedBytes event) override;
    void on_control(SharedBytes message) override;
    void on_bus_reset() override;

    // net::WsFactory
    [[nodiscard]] bool ws_capacity() const override;
    std::shared_ptr<net::WsConnection> make_ws(net::Loop& loop, boost::asio::ip::tcp::socket socket,
                                               std::string_view protocol) override;

    // net::HttpHandler
    void handle_http(net::HttpRequest request, Done<net::HttpResponse> respond) override;

  private:
    void load_tree_blocking();
    void reload_tree(Done<Unit> done);
    void refresh_memberships(const std::string& user, Done<Unit> done);
    void close_session(const std::string& user, const std::string& session);
    template <class Fn>
    void for_each_client(Fn fn);
    void shutdown();
    void resync_when_the_store_answers();

    Config config_;
    Clock& clock_;
    bus::Bus& bus_;
    store::Store& store_;
    std::string node_id_;
    net::WsLimits ws_limits_;
    std::shared_ptr<const JwtSigner> signer_;
    std::shared_ptr<const JwtVerifier> verifier_;
    std::vector<std::unique_ptr<net::Loop>> loops_;
    std::vector<std::thread> threads_;
    std::unique_ptr<hub::Hub> hub_;
    std::unique_ptr<Timers> timers_;
    std::unique_ptr<PresenceBatcher> presence_;
    std::shared_ptr<PresenceFanout> presence_fanout_;
    std::unique_ptr<net::Server> server_;
    Users users_;
    CommandRegistry commands_;
    HttpRouter router_;
    std::vector<std::unique_ptr<Feature>> features_;
    std::vector<std::function<void(const Client&)>> close_observers_;
    // Set before the node starts, read-only after: no lock.
    std::unordered_map<std::string, std::function<void(const std::string&)>> node_handlers_;
    SessionCheck session_check_;
    std::atomic<std::uint16_t> bound_port_{0};

    mutable std::mutex tree_mutex_;
    SharedTree tree_;
    std::atomic<unsigned> next_http_loop_{0};
    std::atomic<bool> closing_{false};         // shutdown() has begun
    std::atomic<bool> resync_waiting_{false};  // a bus reset waits for the store to answer

    std::mutex stop_mutex_;
    std::condition_variable stop_cv_;
    bool stop_requested_ = false;
    // The metrics read from the loops and users above. Last, so unregistered first.
    std::vector<metrics::Registration> metrics_;
};

}  // namespace muster::node
