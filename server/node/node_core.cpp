#include "node/internal/node_core.hpp"

#include <chrono>
#include <fstream>
#include <future>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/async.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/thread_name.hpp"
#include "muster/v1/event.pb.h"
#include "node/client.hpp"
#include "node/control.hpp"
#include "node/demo_data.hpp"
#include "node/error_metrics.hpp"
#include "node/internal/http_routes.hpp"
#include "node/replay_metrics.hpp"
#include "node/session_commands.hpp"
#include "protocol/codec.hpp"

namespace muster::node {

namespace asio = boost::asio;

namespace {

std::string default_node_id() {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "node");
    return std::string(host) + "-" + std::to_string(getpid());
}

std::string read_file(const std::string& path, const char* key) {
    std::ifstream file(path);
    if (!file) throw std::runtime_error(std::string("cannot read ") + key + " " + path);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

// The signer of the node's own tokens: ES256 with auth.signing_key_file, else HS256 with
// auth.jwt_secret, else none (sign-in is then unavailable).
std::shared_ptr<const JwtSigner> make_signer(const AuthConfig& auth) {
    Result<std::shared_ptr<const JwtSigner>> signer = Status{errc::unavailable, ""};
    if (!auth.signing_key_file.empty()) {
        signer = JwtSigner::es256(read_file(auth.signing_key_file, "auth.signing_key_file"));
    } else if (!auth.jwt_secret.empty()) {
        signer = JwtSigner::hs256(auth.jwt_secret);
    } else {
        return nullptr;
    }
    if (!signer) throw std::runtime_error(signer.status().message());
    return *signer;
}

std::shared_ptr<const JwtVerifier> make_verifier(const AuthConfig& auth,
                                                 const std::shared_ptr<const JwtSigner>& signer,
                                                 const LimitsConfig& limits) {
    JwtVerifierOptions options;
    options.algorithm = auth.jwt_algorithm == "RS256"   ? JwtAlgorithm::rs256
                        : auth.jwt_algorithm == "ES256" ? JwtAlgorithm::es256
                                                        : JwtAlgorithm::hs256;
    options.secret = auth.jwt_secret;
    if (!auth.jwt_public_key_file.empty()) {
        std::ifstream file(auth.jwt_public_key_file);
        if (!file)
            throw std::runtime_error("cannot read auth.jwt_public_key_file " +
                                     auth.jwt_public_key_file);
        std::ostringstream pem;
        pem << file.rdbuf();
        options.public_key_pem = pem.str();
    }
    options.issuer = auth.jwt_issuer;
    options.audience = auth.jwt_audience;
    options.require_exp = auth.require_exp;
    options.leeway_ms = static_cast<std::int64_t>(auth.leeway_s) * 1000;
    // The node's own tokens beside the external issuer's, unless the external verifier
    // already takes them (HS256 with the same secret, no issuer or audience demanded).
    const bool same = signer && signer->algorithm() == JwtAlgorithm::hs256 &&
                      options.algorithm == JwtAlgorithm::hs256 && options.issuer.empty() &&
                      options.audience.empty();
    if (signer && !same) options.fallback = signer->verifier();
    options.max_subject_bytes = limits.max_id_bytes;
    options.max_name_bytes = limits.max_name_bytes;
    auto verifier = JwtVerifier::create(std::move(options));
    if (!verifier) throw std::runtime_error(verifier.status().message());
    return *verifier;
}

// Transient events are presence notices and meeting signals; only the first go to the fanout.
// The number of users a presence notice lists; nullopt for any other event.
std::optional<std::size_t> presence_changes(const std::string& event) {
    muster::v1::Event parsed;
    if (!parsed.ParseFromString(event)) return std::nullopt;
    if (parsed.has_presence()) return 1;
    if (parsed.has_presence_batch()) {
        return static_cast<std::size_t>(parsed.presence_batch().changes_size());
    }
    return std::nullopt;
}

}  // namespace

NodeCore::NodeCore(Config config, Clock& clock, store::Store& store, bus::Bus& bus)
    : config_(std::move(config))
    , clock_(clock)
    , bus_(bus)
    , store_(store)
    , node_id_(config_.server.node_id.empty() ? default_node_id() : config_.server.node_id)
    , signer_(make_signer(config_.auth))
    , verifier_(make_verifier(config_.auth, signer_, config_.limits))
    , users_(config_.limits.max_connections_per_user)
    , tree_(std::make_shared<const GroupTree>(std::vector<store::GroupInfo>{})) {
    const auto& limits = config_.limits;
    ws_limits_.max_message_bytes = limits.max_frame_bytes;
    ws_limits_.outbound_queue_bytes = limits.outbound_queue_bytes;
    ws_limits_.ping_interval_ms = static_cast<std::int64_t>(limits.ping_interval_s) * 1000;
    ws_limits_.idle_timeout_ms = static_cast<std::int64_t>(limits.idle_timeout_s) * 1000;
    ws_limits_.close_timeout_ms = static_cast<std::int64_t>(limits.close_timeout_s) * 1000;

    unsigned threads =
        config_.server.threads != 0 ? config_.server.threads : std::thread::hardware_concurrency();
    threads = std::clamp(threads, 1U, 64U);
    std::vector<net::Loop*> loops;
    bool batched = config_.server.io_uring;
    for (unsigned i = 0; i < threads; ++i) {
        loops_.push_back(std::make_unique<net::Loop>(i));
        loops.push_back(loops_.back().get());
        if (batched) batched = loops_.back()->enable_batched_send();
    }
    if (config_.server.io_uring) {
        MUSTER_LOG_INFO("node") << (batched ? "socket writes batched with io_uring"
                                            : "io_uring unavailable: one write per socket");
    }
    hub_ = std::make_unique<hub::Hub>(loops, bus_);
    timers_ = std::make_unique<Timers>(loops_.front()->io().get_executor(), clock_);
    presence_ = std::make_unique<PresenceBatcher>(
        loops_.front()->io().get_executor(),
        std::chrono::milliseconds(config_.presence.batch_window_ms), clock_,
        [this](const std::string& group, SharedBytes event) {
            bus_.publish_transient(group, std::move(event));
        });
    presence_fanout_ = std::make_shared<PresenceFanout>(
        loops_.front()->io().get_executor(),
        std::chrono::milliseconds(config_.presence.batch_window_ms),
        config_.presence.list_max_members, clock_,
        [this](const std::string& group, Done<std::uint64_t> done) {
            store_.presence().count(group, std::move(done));
        },
        [this](const std::string& group, SharedBytes event) { hub_->dispatch(group, 0, event); });
    register_session_commands(commands_);
    register_core_routes(router_, *this);
    router_.set_static_files(
        std::make_shared<const StaticFiles>(resolve_web_root(config_.server.web_root)));
    bus_.set_handler(this);

    register_error_metrics();
    (void)replay_pages_read();  // listed at 0 from the start
    (void)replays_waiting();
    auto& registry = metrics::registry();
    auto sum = [this](auto field) {
        return [this, field] {
            double total = 0;
            for (const auto& loop : loops_)
                total +=
                    static_cast<double>((loop->stats().*field).load(std::memory_order_relaxed));
            return total;
        };
    };
    metrics_.push_back(registry.counter_fn("muster_frames_in_total", "WebSocket messages received",
                                           sum(&net::LoopStats::frames_in)));
    metrics_.push_back(registry.counter_fn("muster_bytes_in_total",
                                           "Bytes received on WebSocket connections",
                                           sum(&net::LoopStats::bytes_in)));
    metrics_.push_back(registry.counter_fn("muster_frames_out_total", "WebSocket frames sent",
                                           sum(&net::LoopStats::frames_out)));
    metrics_.push_back(registry.counter_fn("muster_bytes_out_total",
                                           "Bytes sent on WebSocket connections",
                                           sum(&net::LoopStats::bytes_out)));
    metrics_.push_back(registry.counter_fn("muster_writes_total",
                                           "Write system calls (frames are coalesced)",
                                           sum(&net::LoopStats::writes)));
    metrics_.push_back(registry.gauge_fn("muster_connections", "Open WebSocket connections",
                                         sum(&net::LoopStats::connections)));
    metrics_.push_back(registry.gauge_fn("muster_users", "Users connected to this node", [this] {
        return static_cast<double>(users_.user_count());
    }));
}

NodeCore::~NodeCore() {
    for (auto& loop : loops_) loop->io().stop();
    for (auto& thread : threads_) {
        if (thread.joinable()) thread.join();
    }
}

void NodeCore::add_feature(std::unique_ptr<Feature> feature) {
    feature->install(*this, commands_, router_);
    features_.push_back(std::move(feature));
}

ManualClock* NodeCore::manual_clock() {
    return clock_.manual() ? dynamic_cast<ManualClock*>(&clock_) : nullptr;
}

SharedTree NodeCore::tree() const {
    std::lock_guard lock(tree_mutex_);
    return tree_;
}

void NodeCore::load_tree_blocking() {
    // A store that is not there yet is waited for: nodes and Redis are often started together,
    // and a Redis that has just started answers LOADING until its data is in memory.
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(config_.redis.startup_wait_s);
    bool waiting = false;
    for (;;) {
        auto groups = blocking_call<std::vector<store::GroupInfo>>(
            [this](Done<std::vector<store::GroupInfo>> done) {
                store_.directory().list_groups(std::move(done));
            });
        if (groups) {
            if (waiting) {
                MUSTER_LOG_INFO("node") << "the store answers";
            }
            std::lock_guard lock(tree_mutex_);
            tree_ = std::make_shared<const GroupTree>(std::move(*groups));
            return;
        }
        if (groups.status().code() != errc::unavailable ||
            std::chrono::steady_clock::now() >= deadline) {
            throw std::runtime_error("cannot load groups: " + groups.status().message());
        }
        if (!waiting) {
            MUSTER_LOG_WARN("node") << "waiting up to " << config_.redis.startup_wait_s
                                    << " s for the store: " << groups.status().message();
            waiting = true;
        }
        // Start-up, on the main thread: no loop runs yet.
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

asio::ip::tcp::endpoint NodeCore::start() {
    load_tree_blocking();
    if (!config_.server.demo_data.empty()) {
        if (Status s = load_demo_data(config_.server.demo_data, store_.directory()); !s) {
            throw std::runtime_error("demo data: " + s.message());
        }
        load_tree_blocking();
    }
    for (auto& feature : features_) feature->start();

    for (auto& loop : loops_) {
        threads_.emplace_back([io = &loop->io()] {
            const NonBlockingThread mark("network loop");
            name_this_thread("network loop");
            auto guard = asio::make_work_guard(*io);
            io->run();
        });
    }
    net::ServerOptions options;
    options.listen = config_.server.listen;
    options.max_body_bytes = config_.limits.http_max_body_bytes;
    options.idle_timeout_s = config_.limits.http_idle_timeout_s;
    options.admission.max_pending = config_.limits.max_http_connections;
    options.admission.connections_per_ip_per_s = config_.limits.connections_per_ip_per_second;
    options.admission.connection_burst_per_ip = config_.limits.connection_burst_per_ip;
    options.admission.handshakes_per_ip_per_s = config_.limits.handshakes_per_ip_per_second;
    options.admission.handshake_burst_per_ip = config_.limits.handshake_burst_per_ip;
    options.admission.limit_loopback = config_.limits.per_ip_limits_on_loopback;
    std::vector<net::Loop*> loops;
    for (auto& loop : loops_) loops.push_back(loop.get());
    server_ = std::make_unique<net::Server>(loops, options, *this, *this);
    auto endpoint = server_->start();
    if (!endpoint) throw std::runtime_error(endpoint.status().message());
    bound_port_.store(endpoint->port());
    for (auto& loop : loops_) {
        asio::post(loop->io(), [l = loop.get()] { l->start_sweep(); });
    }

    auto signals = std::make_shared<asio::signal_set>(loops_.front()->io(), SIGTERM, SIGINT);
    signals->async_wait([this, signals](const boost::system::error_code& ec, int signal) {
        if (!ec) {
            MUSTER_LOG_INFO("node") << "signal " << signal << ": shutting down";
            stop();
        }
    });
    MUSTER_LOG_INFO("node") << "node " << node_id_ << " serving on "
                            << endpoint->address().to_string() << ':' << endpoint->port()
                            << " with " << loops_.size() << " loops";
    return *endpoint;
}

void NodeCore::run() {
    {
        std::unique_lock lock(stop_mutex_);
        stop_cv_.wait(lock, [this] { return stop_requested_; });
    }
    shutdown();
}

void NodeCore::stop() {
    std::lock_guard lock(stop_mutex_);
    stop_requested_ = true;
    stop_cv_.notify_all();
}

void NodeCore::shutdown() {
    closing_ = true;
    server_->stop_accepting();
    for (auto& loop : loops_) {
        asio::post(loop->io(), [l = loop.get()] {
            l->for_each_connection([](net::WsConnection& c) {
                c.close(net::close_code::going_away, "node shutting down");
            });
        });
    }
    // Sessions flush what is queued, send 1001 and wait for the peer's close (bounded by the
    // close timeout of the sweep); give them the configured grace.
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(config_.server.shutdown_grace_ms);
    auto open_connections = [this] {
        std::int64_t n = 0;
        for (auto& loop : loops_) n += loop->stats().connections.load();
        return n;
    };
    while (open_connections() > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // main thread, not a loop
    }
    for (auto& feature : features_) feature->stop();
    {
        std::promise<void> stopped;
        asio::post(loops_.front()->io(), [this, &stopped] {
            timers_->stop();
            presence_->stop();
            presence_fanout_->stop();
            stopped.set_value();
        });
        stopped.get_future().wait();
    }
    store_.close();  // commits what was acknowledged or in flight
    for (auto& loop : loops_) {
        asio::post(loop->io(), [l = loop.get()] { l->stop_sweep(); });
        loop->io().stop();
    }
    for (auto& thread : threads_) thread.join();
    threads_.clear();
    MUSTER_LOG_INFO("node") << "node " << node_id_ << " stopped";
}

// ---- caches and control messages ------------------------------------------------------------

template <class Fn>
void NodeCore::for_each_client(Fn fn) {
    for (auto& loop : loops_) {
        asio::post(loop->io(), [l = loop.get(), fn] {
            l->for_each_connection([&fn](net::WsConnection& c) {
                if (auto* client = dynamic_cast<Client*>(&c)) fn(*client);
            });
        });
    }
}

void NodeCore::memberships_changed(const std::string& user, Done<Unit> done) {
    // This node at once (the caller waits for it), every node through the bus (this one again:
    // harmless).
    refresh_memberships(user, std::move(done));
    bus_.publish_control(
        make_shared_bytes(encode_control({ControlMessage::Kind::memberships_changed, user})));
}

void NodeCore::groups_changed(Done<Unit> done) {
    reload_tree(std::move(done));
    bus_.publish_control(
        make_shared_bytes(encode_control({ControlMessage::Kind::groups_changed, {}})));
}

void NodeCore::session_revoked(const std::string& user, const std::string& session) {
    // Through the bus only: it delivers to this node too, and nobody waits for the closing.
    bus_.publish_control(
        make_shared_bytes(encode_control({ControlMessage::Kind::session_revoked, user, session})));
}

void NodeCore::close_session(const std::string& user, const std::string& session) {
    for (auto& client : users_.clients_of(user)) {
        asio::post(client->loop().io(), [client, session] {
            if (client->caller().claims.session_id == session) client->session_ended();
        });
    }
}

std::string NodeCore::public_url() const {
    std::string url = config_.server.public_url;
    if (url.empty()) {
        // host:port of server.listen; an unspecified host means "this machine".
        std::string host = config_.server.listen.substr(0, config_.server.listen.rfind(':'));
        if (host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]") host = "127.0.0.1";
        url = "http://" + host + ':' + std::to_string(bound_port_.load());
    }
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

void NodeCore::on_control(SharedBytes message) {
    const auto control = decode_control(*message);
    if (!control) {
        MUSTER_LOG_WARN("node") << "ignoring malformed control message";
        return;
    }
    if (control->kind == ControlMessage::Kind::groups_changed) {
        reload_tree({});
    } else if (control->kind == ControlMessage::Kind::session_revoked) {
        close_session(control->user, control->session);
    } else if (control->kind == ControlMessage::Kind::feature) {
        const auto handler = node_handlers_.find(control->topic);
        if (handler != node_handlers_.end()) handler->second(control->data);
    } else {
        refresh_memberships(control->user, {});
    }
}

void NodeCore::reload_tree(Done<Unit> done) {
    store_.directory().list_groups(
        [this, done = std::move(done)](Result<std::vector<store::GroupInfo>> groups) {
            if (!groups) {
                MUSTER_LOG_WARN("node") << "cannot reload groups: " << groups.status().message();
                if (done) done(groups.status());
                return;
            }
            {
                std::lock_guard lock(tree_mutex_);
                tree_ = std::make_shared<const GroupTree>(std::move(*groups));
            }
            for_each_client([](Client& client) { client.recheck_access(); });
            if (done) done(Unit{});
        });
}

void NodeCore::refresh_memberships(const std::string& user, Done<Unit> done) {
    if (users_.clients_of(user).empty()) {  // nobody here to update
        if (done) done(Unit{});
        return;
    }
    store_.directory().memberships_of(
        user,
        [this, user, done = std::move(done)](Result<std::vector<store::Membership>> memberships) {
            if (!memberships) {
                MUSTER_LOG_WARN("node") << "cannot reload memberships of " << user << ": "
                                        << memberships.status().message();
                if (done) done(memberships.status());
                return;
            }
            auto map = std::make_shared<Memberships>();
            for (const auto& m : *memberships) (*map)[m.group] = m.role;
            SharedMemberships shared = std::move(map);
            // Posted before `done`: a command the user sends after hearing back is read after it.
            for (auto& client : users_.clients_of(user)) {
                asio::post(client->loop().io(),
                           [client, shared] { client->set_memberships(shared); });
            }
            if (done) done(Unit{});
        });
}

void NodeCore::on_client_closed(std::function<void(const Client&)> observer) {
    close_observers_.push_back(std::move(observer));
}

void NodeCore::tell_nodes(const std::string& topic, std::string data) {
    ControlMessage message;
    message.kind = ControlMessage::Kind::feature;
    message.topic = topic;
    message.data = std::move(data);
    bus_.publish_control(make_shared_bytes(encode_control(message)));
}

void NodeCore::on_node_message(std::string topic,
                               std::function<void(const std::string& data)> handler) {
    node_handlers_[std::move(topic)] = std::move(handler);
}

void NodeCore::client_closed(const Client& client) {
    for (const auto& observer : close_observers_) observer(client);
}

void NodeCore::publish_presence(const std::string& group, const std::string& user,
                                const std::string& name, bool online) {
    presence_->add(group, user, name, online);
}

// ---- bus ------------------------------------------------------------------------------------

void NodeCore::on_event(const std::string& group, std::uint64_t seq, SharedBytes event) {
    if (seq == 0) {
        if (const auto changes = presence_changes(*event)) {
            // A count instead when the group is large.
            presence_fanout_->on_notice(group, std::move(event), *changes);
            return;
        }
    }
    hub_->dispatch(group, seq, event);
}

void NodeCore::on_bus_reset() {
    // Info: the bus logs why at warn level (a reconnect, a shard change); the first
    // subscription of the control channel at start is a reset too, and not a problem.
    MUSTER_LOG_INFO("node") << "bus reset: the group tree is read again and every subscription "
                               "catches up from the log";
    // One wait for the store covers every reset that comes meanwhile: the catch-up after it
    // reads everything up to then.
    if (resync_waiting_.exchange(true)) return;
    resync_when_the_store_answers();
}

// After a Redis restart the bus may be back before the store's own connection (each reconnects
// with its own backoff). A catch-up read then fails, and its session would lose the
// subscription with UNAVAILABLE: so the store is asked first, again every
// redis.reconnect_min_ms (the store's own first retry) until it answers or the node stops.
void NodeCore::resync_when_the_store_answers() {
    store_.ping([this](const Result<Unit>& answered) {
        if (closing_) {
            resync_waiting_ = false;
            return;
        }
        if (!answered) {
            auto timer = std::make_shared<asio::steady_timer>(
                loops_.front()->io(), std::chrono::milliseconds(config_.redis.reconnect_min_ms));
            timer->async_wait([this, timer](const boost::system::error_code& error) {
                if (error || closing_) {
                    resync_waiting_ = false;
                    return;
                }
                resync_when_the_store_answers();
            });
            return;
        }
        resync_waiting_ = false;
        // Control messages may have been lost with the events: the group tree and the
        // memberships of everyone connected here are read again.
        reload_tree({});
        for (const auto& user : users_.user_ids()) refresh_memberships(user, {});
        for_each_client([](Client& client) { client.resync(); });
    });
}

// ---- connections ----------------------------------------------------------------------------

bool NodeCore::ws_capacity() const {
    std::int64_t n = 0;
    for (const auto& loop : loops_) n += loop->stats().connections.load(std::memory_order_relaxed);
    return n < static_cast<std::int64_t>(config_.limits.max_connections);
}

std::shared_ptr<net::WsConnection> NodeCore::make_ws(net::Loop& loop, asio::ip::tcp::socket socket,
                                                     std::string_view protocol) {
    return std::make_shared<Client>(*this, loop, std::move(socket),
                                    protocol::encoding_for_subprotocol(protocol));
}

void NodeCore::handle_http(net::HttpRequest request, Done<net::HttpResponse> respond) {
    net::Loop& loop = *loops_[next_http_loop_.fetch_add(1) % loops_.size()];
    asio::co_spawn(
        loop.io(),
        [this, request = std::move(request),
         respond = std::move(respond)]() mutable -> asio::awaitable<void> {
            net::HttpResponse response = co_await router_.dispatch(*this, std::move(request));
            respond(std::move(response));
        },
        asio::detached);
}

}  // namespace muster::node
