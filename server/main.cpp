// musterd: configuration -> store and bus -> node (loops, listener, features) -> signals.
// The only file that knows every module.

#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>

#include "bus/local_bus.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "features/devices/devices_feature.hpp"
#include "features/duty/duty_feature.hpp"
#include "features/meetings/meeting_feature.hpp"
#include "node/node.hpp"
#include "store/sqlite_device_store.hpp"
#include "store/sqlite_duty_store.hpp"
#include "store/sqlite_meeting_store.hpp"
#include "store/sqlite_push_outbox.hpp"
#include "store/sqlite_store.hpp"

namespace {

int fail(const std::string& message, int code) {
    std::cerr << "musterd: " << message << '\n';
    return code;
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
    log::Level level{};
    if (!log::parse_level(config->server.log_level, level))
        return fail("server.log_level: unknown level", 2);
    log::set_level(level);
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

    try {
        if (!config->redis.url.empty())
            return fail("redis.url is set but this build has no Redis store yet", 2);
        auto bus = std::make_unique<bus::LocalBus>();
        auto store = std::make_unique<store::SqliteStore>(*config, *bus, *clock);
        // Feature stores outlive the node, which closes the database they queue jobs on.
        auto meetings = std::make_unique<store::SqliteMeetingStore>(store->database(),
                                                                    store->sqlite_log(), *clock);
        // The push outbox outlives the node: the duty store writes to it, the push worker
        // will drain it.
        auto push_outbox = std::make_unique<store::SqlitePushOutbox>(store->database(), *clock);
        auto duty_store = std::make_unique<store::SqliteDutyStore>(
            store->database(), store->sqlite_log(), *push_outbox, *clock);
        auto device_store = std::make_unique<store::SqliteDeviceStore>(store->database());
        node::Node node(*config, *clock, std::move(store), std::move(bus));
        node.add_feature(std::make_unique<features::DutyFeature>(std::move(duty_store)));
        node.add_feature(
            std::make_unique<features::DevicesFeature>(std::move(device_store), *push_outbox));
        node.add_feature(std::make_unique<features::meetings::MeetingFeature>(*meetings));

        const auto endpoint = node.start();
        const std::string address =
            endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
        if (!config->server.ready_file.empty())
            std::ofstream(config->server.ready_file) << address << '\n';
        // The one line on stdout: tests and scripts wait for it.
        std::cout << "musterd listening on " << address << std::endl;
        node.run();
    } catch (const std::exception& e) {
        return fail(e.what(), 1);
    }
    return 0;
}
