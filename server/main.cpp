// musterd: configuration -> store and bus -> node (loops, listener, features) -> signals.
// The only file that knows every module.

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <unistd.h>

#include "bus/local_bus.hpp"
#include "bus/redis_bus.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/dir_lock.hpp"
#include "core/log.hpp"
#include "features/devices/devices_feature.hpp"
#include "features/duty/duty_feature.hpp"
#include "features/meetings/meeting_feature.hpp"
#include "features/signin/signin_feature.hpp"
#include "node/event_bounds.hpp"
#include "node/node.hpp"
#include "protocol/protobuf_log.hpp"
#include "push/push_worker.hpp"
#include "redis/endpoint.hpp"
#include "redis/keys.hpp"
#include "sfu/janus_rooms.hpp"
#include "store/redis/redis_duty_store.hpp"
#include "store/redis/redis_signin_store.hpp"
#include "store/redis_device_store.hpp"
#include "store/redis_meeting_store.hpp"
#include "store/redis_push_outbox.hpp"
#include "store/redis_store.hpp"
#include "store/sqlite/sqlite_duty_store.hpp"
#include "store/sqlite/sqlite_signin_store.hpp"
#include "store/sqlite_device_store.hpp"
#include "store/sqlite_meeting_store.hpp"
#include "store/sqlite_push_outbox.hpp"
#include "store/sqlite_store.hpp"

#ifdef MUSTER_WITH_JEMALLOC
// jemalloc's options, read at its first allocation (MALLOC_CONF in the environment overrides
// them). A background thread returns pages unused for 2 s to the kernel, also while the node
// is idle: after a burst (a flood of frames, a crowd that leaves) the resident size comes back
// down instead of staying at its peak, as it does with glibc's malloc (measured in
// bench/README.md: 89.6 MB kept after a flood with glibc, 18.5 MB with this).
extern "C" {
extern const char* malloc_conf;  // the name and type jemalloc looks for
const char* malloc_conf = "background_thread:true,dirty_decay_ms:2000,muzzy_decay_ms:0";
}
#endif

namespace {

int fail(const std::string& message, int code) {
    std::cerr << "musterd: " << message << '\n';
    return code;
}

// This process among the nodes sharing a Redis: the node id (or hostname-pid) and a random
// suffix, so that a restarted node with the same id never mistakes its predecessor's presence
// entries or health channel for its own.
std::string process_id(const std::string& node_id) {
    std::string base = node_id;
    if (base.empty()) {
        char host[256] = {};
        if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "node");
        base = std::string(host) + "-" + std::to_string(getpid());
    }
    std::mt19937 random{std::random_device{}()};
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "-%06x", static_cast<unsigned>(random() & 0xFFFFFFU));
    return base + suffix;
}

// The Redis bus delivers on its own thread: it must stop before the node, its handler, goes.
struct StopBusFirst {
    muster::bus::RedisBus* bus = nullptr;
    ~StopBusFirst() {
        if (bus != nullptr) bus->stop();
    }
};

}  // namespace

int main(int argc, char** argv) {
    using namespace muster;
    bool help = false;
    std::string help_text;
    Result<Config> config = load_config(argc, argv, help, help_text);
    if (!config) return fail(config.status().message(), 2);
    if (help) {
        std::cout << help_text;
        return 0;
    }
    if (Status s = validate(*config); !s) return fail(s.message(), 2);
    // Every event must fit the outbound queue with room to spare, in both encodings.
    if (Status s = node::check_event_bounds(*config); !s) return fail(s.message(), 2);
    log::Level level{};
    if (!log::parse_level(config->server.log_level, level))
        return fail("server.log_level: unknown level", 2);
    log::set_level(level);
    // libprotobuf logs a line per string with invalid UTF-8 it parses: any client could fill
    // the log with bad frames. Through our logger, at most one line a minute.
    protocol::route_protobuf_log();
    std::signal(SIGPIPE, SIG_IGN);  // a peer that went away is an error code, not a signal

    SystemClock system_clock;
    std::unique_ptr<ManualClock> manual_clock;
    Clock* clock = &system_clock;
    if (config->debug.manual_clock) {
        const std::int64_t start_ms = config->debug.manual_clock_start_ms;
        manual_clock =
            std::make_unique<ManualClock>(start_ms > 0 ? start_ms : system_clock.now_ms());
        clock = manual_clock.get();
        MUSTER_LOG_WARN("main")
            << "debug.manual_clock is on: time moves only by POST /api/v1/debug/clock";
    }

    // Starts the node, announces where it listens, and runs it until it is told to stop.
    auto serve = [&config](node::Node& node) {
        const auto endpoint = node.start();
        const std::string address =
            endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
        if (!config->server.ready_file.empty())
            std::ofstream(config->server.ready_file) << address << '\n';
        // The one line on stdout: tests and scripts wait for it.
        std::cout << "musterd listening on " << address << std::endl;
        node.run();
    };

    try {
        // Janus, when meetings have an SFU: declared before the node, so that it outlives the
        // meetings feature that queues work on it.
        std::unique_ptr<sfu::JanusRooms> janus;
        if (!config->meeting.sfu_url.empty()) {
            const auto& m = config->meeting;
            janus = std::make_unique<sfu::JanusRooms>(sfu::JanusOptions{
                m.sfu_url, m.sfu_secret, m.sfu_queue, std::chrono::milliseconds(m.sfu_timeout_ms),
                m.sfu_attempts, m.sfu_max_publishers});
            janus->start();
            MUSTER_LOG_INFO("main")
                << "meetings that may outgrow a mesh get a room on Janus at " << m.sfu_url;
        }
        if (!config->redis.url.empty()) {
            // A node among many: the shared store and bus, and the features on Redis stores.
            auto endpoint = redis::parse_endpoint(config->redis.url);
            if (!endpoint) return fail(endpoint.status().message(), 2);
            if (Status s = redis::validate_prefix(config->redis.key_prefix); !s)
                return fail(s.message(), 2);
            const std::string id = process_id(config->server.node_id);
            auto shared_bus = std::make_unique<bus::RedisBus>(config->redis, *endpoint, id);
            auto* redis_bus = shared_bus.get();
            auto shared_store = std::make_unique<store::RedisStore>(*config, *endpoint, id, *clock);
            auto* redis_store = shared_store.get();
            MUSTER_LOG_INFO("main")
                << "store and bus on redis://" << endpoint->describe() << " as " << id;
            node::Node node(*config, *clock, std::move(shared_store), std::move(shared_bus));
            const StopBusFirst stop_bus_first{redis_bus};
            // The feature stores share the store's Redis connection; declared after the node,
            // they go before it (and its store, whose connection they use).
            auto& client = redis_store->client();
            const auto& keys = redis_store->keys();
            auto push_outbox = std::make_unique<store::RedisPushOutbox>(
                client, keys, *clock, store::PushOutboxLimits::from(config->push));
            // A dead node's heartbeat lapses within the presence TTL: its meeting participants
            // are recovered by the others then.
            auto meetings = std::make_unique<store::RedisMeetingStore>(
                client, keys, redis_store->redis_presence(), config->log, *clock,
                std::chrono::seconds(config->redis.presence_ttl_s));
            node.add_feature(
                std::make_unique<features::DutyFeature>(std::make_unique<store::RedisDutyStore>(
                    client, keys, config->log, push_outbox->limits())));
            auto devices = std::make_unique<store::RedisDeviceStore>(client, keys);
            // Declared last: it stops (joins its thread) before the stores it uses go.
            push::PushWorker push_worker(config->push, *clock, *push_outbox, *devices,
                                         node.store().presence(), id);
            node.add_feature(std::make_unique<features::DevicesFeature>(
                *devices, *push_outbox, push_worker.vapid_public_key()));
            node.add_feature(
                std::make_unique<features::meetings::MeetingFeature>(*meetings, janus.get()));
            auto signin_store = std::make_unique<store::RedisSigninStore>(client, keys, *clock);
            node.add_feature(std::make_unique<features::signin::SigninFeature>(*signin_store));
            if (config->push.worker) push_worker.start();
            serve(node);
            push_worker.stop();
            return 0;
        }
        // The embedded store is this process's alone: a second node on the same directory is
        // refused before it opens the database. (The lock goes last, after the node.)
        auto data_lock = DirectoryLock::acquire(config->server.data_dir);
        if (!data_lock) return fail(data_lock.status().message(), 2);
        std::unique_ptr<DirectoryLock> db_dir_lock;
        const auto db_dir = std::filesystem::absolute(config->sqlite_path()).parent_path();
        if (std::filesystem::weakly_canonical(db_dir) !=
            std::filesystem::weakly_canonical(config->server.data_dir)) {
            auto locked = DirectoryLock::acquire(db_dir);  // store.sqlite_path elsewhere
            if (!locked) return fail(locked.status().message(), 2);
            db_dir_lock = std::move(*locked);
        }
        auto bus = std::make_unique<bus::LocalBus>();
        auto store = std::make_unique<store::SqliteStore>(*config, *bus, *clock);
        // Feature stores outlive the node, which closes the database they queue jobs on.
        auto meetings = std::make_unique<store::SqliteMeetingStore>(store->database(),
                                                                    store->sqlite_log(), *clock);
        // The push outbox outlives the node: the duty store writes to it, the push worker
        // drains it.
        auto push_outbox = std::make_unique<store::SqlitePushOutbox>(
            store->database(), *clock, store::PushOutboxLimits::from(config->push));
        auto duty_store = std::make_unique<store::SqliteDutyStore>(
            store->database(), store->sqlite_log(), *push_outbox);
        auto device_store = std::make_unique<store::SqliteDeviceStore>(store->database());
        auto signin_store = std::make_unique<store::SqliteSigninStore>(store->database(), *clock);
        node::Node node(*config, *clock, std::move(store), std::move(bus));
        push::PushWorker push_worker(config->push, *clock, *push_outbox, *device_store,
                                     node.store().presence(), process_id(config->server.node_id));
        node.add_feature(std::make_unique<features::DutyFeature>(std::move(duty_store)));
        node.add_feature(std::make_unique<features::DevicesFeature>(
            *device_store, *push_outbox, push_worker.vapid_public_key()));
        node.add_feature(
            std::make_unique<features::meetings::MeetingFeature>(*meetings, janus.get()));
        node.add_feature(std::make_unique<features::signin::SigninFeature>(*signin_store));

        if (config->push.worker) push_worker.start();
        serve(node);
        push_worker.stop();
    } catch (const std::exception& e) {
        return fail(e.what(), 1);
    }
    return 0;
}
