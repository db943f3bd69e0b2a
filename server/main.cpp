// musterd: configuration -> backend (store, bus, feature stores) -> node (loops, listener,
// features) -> signals.

#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <unistd.h>

#include "backend/backend.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "features/chat/chat_feature.hpp"
#include "features/devices/devices_feature.hpp"
#include "features/duty/duty_feature.hpp"
#include "features/meetings/meeting_feature.hpp"
#include "features/signin/signin_feature.hpp"
#include "node/event_bounds.hpp"
#include "node/node.hpp"
#include "protocol/protobuf_log.hpp"
#include "push/push_worker.hpp"
#include "sfu/janus_rooms.hpp"

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
        // The state (SQLite alone, or Redis shared with other nodes), owned by the backend;
        // the order things are declared in below is the teardown order of backend.hpp.
        const std::string id = process_id(config->server.node_id);
        auto opened = backend::open(*config, *clock, id);
        if (!opened) return fail(opened.status().message(), 2);
        backend::Backend& backend = **opened;
        MUSTER_LOG_INFO("main") << "state in " << backend.describe();
        node::Node node(*config, *clock, backend.store(), backend.bus());
        const backend::StopDelivery stop_delivery(backend);
        push::PushWorker push_worker(config->push, *clock, backend.outbox(), backend.devices(),
                                     backend.store().presence(), id);
        // Chat's tags are validated by the features that give them meaning (meetings), which
        // register on the chat feature's table: it lives as long as the node.
        auto chat = std::make_unique<features::chat::ChatFeature>(
            features::chat::ChatPushes{&backend.outbox(), &backend.devices()});
        features::chat::ChatTags& chat_tags = chat->tags();
        node.add_feature(std::move(chat));
        node.add_feature(std::make_unique<features::DutyFeature>(backend.duty()));
        node.add_feature(std::make_unique<features::DevicesFeature>(
            backend.devices(), backend.outbox(), push_worker.vapid_public_key()));
        node.add_feature(std::make_unique<features::meetings::MeetingFeature>(
            backend.meetings(), janus.get(), &chat_tags, &backend.outbox()));
        node.add_feature(std::make_unique<features::signin::SigninFeature>(backend.signin()));

        if (config->push.worker) push_worker.start();
        serve(node);
        push_worker.stop();
    } catch (const std::exception& e) {
        return fail(e.what(), 1);
    }
    return 0;
}
